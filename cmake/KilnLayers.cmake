# The fence between DESIGN.md's layers: each layer's library gets an include root of its
# own, a folder in the build tree holding a link to the layer's sources and nothing else,
# so `#include "compiler/trace/trace.h"` from runtime/ finds no such file: an upward include is a
# build error, not a convention. The repository root is an include directory of no layer.
# Public headers are split the same way: the runtime's vocabulary (kiln/dtype.h,
# kiln/error.h, kiln/tensor.h) has a root of its own; the rest of include/kiln is the
# compiler's (it declares what compiler/ implements).
set(KILN_LAYER_ROOTS ${PROJECT_BINARY_DIR}/layer_roots)

# kiln_layer_root(<layer> <target> <PUBLIC|PRIVATE>): <target> sees `<layer>/...`.
function(kiln_layer_root layer target scope)
  set(root ${KILN_LAYER_ROOTS}/${layer})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${layer} ${root}/${layer} SYMBOLIC)
  target_include_directories(${target} ${scope} $<BUILD_INTERFACE:${root}>)
endfunction()

# kiln_public_headers(<name> <target> <PUBLIC|PRIVATE> header...): <target> sees those
# headers of include/kiln as `kiln/<header>`.
function(kiln_public_headers name target scope)
  set(root ${KILN_LAYER_ROOTS}/${name})
  file(MAKE_DIRECTORY ${root}/kiln)
  foreach(header ${ARGN})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/kiln/${header} ${root}/kiln/${header} SYMBOLIC)
  endforeach()
  target_include_directories(${target} ${scope} $<BUILD_INTERFACE:${root}>)
endfunction()

# kiln_layer_probe(<name> <library> <source> <missing header>): a test that compiling
# <source> with <library>'s include directories fails because <missing header>, a header
# of a higher layer, is out of its reach.
function(kiln_layer_probe name library source missing)
  add_library(${name} OBJECT EXCLUDE_FROM_ALL ${source})
  target_link_libraries(${name} PRIVATE ${library})
  add_test(NAME layering.${name}
           COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target ${name})
  set_tests_properties(layering.${name} PROPERTIES
    PASS_REGULAR_EXPRESSION "${missing}: No such file or directory"
    RUN_SERIAL TRUE)
endfunction()
