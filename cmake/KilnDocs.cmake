# The API reference: Doxygen over the public headers (docs/Doxyfile.in), built by the
# `docs` target into <build>/docs/html with warnings as errors, so a public name without
# documentation fails it. ctest's docs.reference runs the same configuration (and checks
# that an undocumented name does fail it); `cmake --install` ships the pages when built.
find_program(KILN_DOXYGEN doxygen)
if(NOT KILN_DOXYGEN)
  message(STATUS "kiln: doxygen not found; no `docs` target (scripts/setup.sh installs it)")
  return()
endif()

set(KILN_DOCS_OUTPUT ${PROJECT_BINARY_DIR}/docs)
configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${KILN_DOCS_OUTPUT}/Doxyfile @ONLY)
file(GLOB kiln_public_headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/kiln/*.h)
add_custom_command(
  OUTPUT ${KILN_DOCS_OUTPUT}/html/index.html
  COMMAND ${KILN_DOXYGEN} ${KILN_DOCS_OUTPUT}/Doxyfile
  DEPENDS ${kiln_public_headers} ${KILN_GENERATED_INCLUDE}/kiln/version.h
          ${PROJECT_SOURCE_DIR}/docs/guide.md ${KILN_DOCS_OUTPUT}/Doxyfile
  WORKING_DIRECTORY ${KILN_DOCS_OUTPUT}
  COMMENT "Doxygen: the API reference (warnings are errors)"
  VERBATIM)
add_custom_target(docs DEPENDS ${KILN_DOCS_OUTPUT}/html/index.html)

add_test(NAME docs.reference
         COMMAND ${PROJECT_SOURCE_DIR}/test/docs_check.sh ${KILN_DOXYGEN}
                 ${KILN_DOCS_OUTPUT}/Doxyfile)
if(KILN_SHARED_LIBRARY)
  install(DIRECTORY ${KILN_DOCS_OUTPUT}/html/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/api
          COMPONENT kiln OPTIONAL)
endif()
