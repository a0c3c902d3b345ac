# kernels/cpu and kernels/cuda are peers below the device-neutral entry points
# (kernels/*.cpp): neither includes the other. They share the kernels layer's include
# root, so this reads their sources: any `#include "kernels/cuda/..."` under cpu/, or
# `#include "kernels/cpu/..."` under cuda/, fails the test naming the file.
foreach(pair "cpu;cuda" "cuda;cpu")
  list(GET pair 0 self)
  list(GET pair 1 other)
  file(GLOB sources ${KERNELS_DIR}/${self}/*)
  foreach(source ${sources})
    file(STRINGS ${source} hits REGEX "#include \"kernels/${other}/")
    if(hits)
      message(FATAL_ERROR "${source} includes kernels/${other}/: ${hits}")
    endif()
  endforeach()
endforeach()
message(STATUS "kernels/cpu and kernels/cuda include neither each other")
