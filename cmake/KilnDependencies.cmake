# Third-party dependencies (TOOLCHAIN.md): oneTBB, fmt, OpenBLAS, Catch2 v2; CUDA optional.
find_package(TBB REQUIRED)
find_package(fmt REQUIRED)
find_package(Catch2 2 REQUIRED)

set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
find_path(KILN_CBLAS_INCLUDE_DIR cblas.h
          PATH_SUFFIXES openblas-pthread openblas x86_64-linux-gnu/openblas-pthread
          REQUIRED)
add_library(kiln_blas INTERFACE)
target_link_libraries(kiln_blas INTERFACE ${BLAS_LIBRARIES})
target_include_directories(kiln_blas SYSTEM INTERFACE ${KILN_CBLAS_INCLUDE_DIR})

# CUDA: auto-detected; the build goes on without it.
set(KILN_HAVE_CUDA OFF)
if(KILN_CUDA)
  find_package(CUDAToolkit QUIET)
  if(CUDAToolkit_FOUND)
    set(KILN_HAVE_CUDA ON)
  endif()
endif()
message(STATUS "kiln: CUDA toolkit ${KILN_HAVE_CUDA}; sanitizers '${KILN_SANITIZE}'; native ${KILN_NATIVE}")
