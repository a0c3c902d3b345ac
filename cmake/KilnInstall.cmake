# What `cmake --install` ships and how users consume it (README, "Using kiln from your
# project"):
#   lib/libkiln.so.<version>  the whole library: every layer's objects, linked once against
#                             MLIR, LLVM, oneTBB, fmt, Gloo and Open MPI (shared), none of which a user's
#                             compile or link line needs
#   include/kiln/*.h          the public headers (no MLIR, LLVM, TBB or fmt header)
#   bin/kiln-*                the tools
#   lib/cmake/kiln/           kilnConfig.cmake: find_package(kiln CONFIG) -> kiln::kiln
#   lib/pkgconfig/kiln.pc     pkg-config --cflags --libs kiln
# and `cpack -G DEB` (scripts/package.sh) packs the same tree as a Debian package.
if(NOT KILN_SHARED_LIBRARY)
  return()
endif()
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# libkiln.so from the layers' object files (built position-independent, see the top
# CMakeLists). The layers stay static libraries for the tests and tools in this tree.
add_library(kiln_shared SHARED
  $<TARGET_OBJECTS:kiln_runtime> $<TARGET_OBJECTS:kiln_kernels> $<TARGET_OBJECTS:kiln_ir>
  $<TARGET_OBJECTS:kiln_passes> $<TARGET_OBJECTS:kiln_compiler>)
add_library(kiln::kiln ALIAS kiln_shared)
target_link_libraries(kiln_shared PRIVATE kiln_mlir TBB::tbb fmt::fmt gloo ${CMAKE_DL_LIBS})
if(KILN_HAVE_MPI)
  target_link_libraries(kiln_shared PRIVATE MPI::MPI_C)  # the mpi backend (Open MPI)
endif()
target_include_directories(kiln_shared INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<BUILD_INTERFACE:${KILN_GENERATED_INCLUDE}>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
# The public headers are C++20 (concepts, std::span, std::source_location).
target_compile_features(kiln_shared INTERFACE cxx_std_20)
# 0.x: every minor version may change the ABI, so it is part of the soname.
set_target_properties(kiln_shared PROPERTIES
  OUTPUT_NAME kiln EXPORT_NAME kiln
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
# Calls inside the library bind to the library's own definitions (no PLT hop, as the static
# build has), and nothing undefined is left for the user's link to find.
target_link_options(kiln_shared PRIVATE -Wl,-Bsymbolic-functions -Wl,--no-undefined)

# Installed binaries find libMLIR (in LLVM's own folder, not the loader's path) and
# libkiln through their run paths: the directories they were linked from, outside the
# system's, and the library folder of the prefix.
set_target_properties(kiln_shared kiln-ir kiln-bench kiln-accuracy kiln-cache kiln-opt PROPERTIES
  INSTALL_RPATH_USE_LINK_PATH ON)

install(TARGETS kiln_shared EXPORT kilnTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT kiln
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
file(GLOB kiln_public_headers ${PROJECT_SOURCE_DIR}/include/kiln/*.h)
install(FILES ${kiln_public_headers} ${KILN_GENERATED_INCLUDE}/kiln/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kiln COMPONENT kiln)
install(TARGETS kiln-ir kiln-bench kiln-accuracy kiln-cache kiln-opt kiln-launch
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT kiln)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/ACCURACY.md
              ${PROJECT_SOURCE_DIR}/docs/guide.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT kiln)

set(kiln_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/kiln)
install(EXPORT kilnTargets NAMESPACE kiln:: DESTINATION ${kiln_cmake_dir} COMPONENT kiln)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kilnConfig.cmake.in
  ${PROJECT_BINARY_DIR}/kilnConfig.cmake INSTALL_DESTINATION ${kiln_cmake_dir})
# Semantic versioning at 0.x: a minor version may break the API, so find_package(kiln 0.1)
# accepts 0.1.y only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kilnConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/kilnConfig.cmake ${PROJECT_BINARY_DIR}/kilnConfigVersion.cmake
        DESTINATION ${kiln_cmake_dir} COMPONENT kiln)

file(RELATIVE_PATH KILN_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/kiln.pc.in ${PROJECT_BINARY_DIR}/kiln.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/kiln.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT kiln)

include(KilnPackage)
