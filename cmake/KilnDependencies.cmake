# Third-party dependencies (TOOLCHAIN.md): oneTBB, fmt, OpenBLAS, Catch2 v2; CUDA optional.
find_package(TBB REQUIRED)
find_package(fmt REQUIRED)
find_package(Catch2 2 REQUIRED)
# Gloo (Debian's libgloo-dev): kiln::distributed's collectives between processes.
find_package(Gloo REQUIRED CONFIG)
# MPI (Debian's libopenmpi-dev, Open MPI 4.1): the 'mpi' backend of kiln::distributed, for
# programs launched by mpirun or Slurm. Optional: without it that backend says so.
find_package(MPI COMPONENTS C QUIET)
set(KILN_HAVE_MPI ${MPI_C_FOUND})

set(BLA_VENDOR OpenBLAS)
find_package(BLAS REQUIRED)
find_path(KILN_CBLAS_INCLUDE_DIR cblas.h
          PATH_SUFFIXES openblas-pthread openblas x86_64-linux-gnu/openblas-pthread
          REQUIRED)
# cblas.h only: kiln loads OpenBLAS at run time (kernels/cpu/openblas.h), after choosing
# its kernels for the CPU; a program that linked it would have chosen before kiln ran.
add_library(kiln_blas INTERFACE)
target_include_directories(kiln_blas SYSTEM INTERFACE ${KILN_CBLAS_INCLUDE_DIR})

# CUDA: auto-detected; the build goes on without it.
set(KILN_HAVE_CUDA OFF)
if(KILN_CUDA)
  find_package(CUDAToolkit QUIET)
  if(CUDAToolkit_FOUND)
    set(KILN_HAVE_CUDA ON)
  endif()
endif()
message(STATUS "kiln: CUDA toolkit ${KILN_HAVE_CUDA}; MPI ${KILN_HAVE_MPI}; sanitizers '${KILN_SANITIZE}'; native ${KILN_NATIVE}")

# MLIR/LLVM 19 (TOOLCHAIN.md): the dialect (ir/), passes and compiler link the shared
# libMLIR.so and libLLVM.so through the interface target kiln_mlir. Its include dirs are
# SYSTEM (no warnings from MLIR headers) and it is linked only by the layers that may use
# MLIR, so runtime/ and kernels/ cannot include an MLIR header by accident.
set(MLIR_DIR "/usr/lib/llvm-19/lib/cmake/mlir" CACHE PATH "MLIR's CMake package directory")
find_package(MLIR REQUIRED CONFIG)
list(APPEND CMAKE_MODULE_PATH ${MLIR_CMAKE_DIR} ${LLVM_CMAKE_DIR})
# LLVM's TableGen.cmake writes depfiles relative to the build root; with CMP0116 NEW, CMake
# would rebase them onto the calling directory ("ir/ir/...") and Ninja would regenerate the
# .inc files and rebuild every MLIR file on every build. LLVM sets the same policy. It must
# be set before the include: functions keep the policies of where they were defined.
cmake_policy(SET CMP0116 OLD)
include(TableGen)
include(AddLLVM)
include(AddMLIR)
message(STATUS "kiln: MLIR ${LLVM_PACKAGE_VERSION} from ${MLIR_DIR}")

add_library(kiln_mlir INTERFACE)
target_include_directories(kiln_mlir SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
separate_arguments(KILN_LLVM_DEFINITIONS NATIVE_COMMAND "${LLVM_DEFINITIONS}")
target_compile_options(kiln_mlir INTERFACE ${KILN_LLVM_DEFINITIONS})
if(KILN_STATIC_LLVM)
  # The static archives instead (a self-contained binary for machines without LLVM, such
  # as the GPU check's bundle): the linker takes from them only the objects kiln reaches.
  # Never together with the shared libraries (options would register twice): Debian's MLIR
  # archives name the shared libLLVM in their link interfaces, so those names are pointed
  # at LLVM's static component archives here.
  # LLVMSupport's link interface names zstd::libzstd_shared, which LLVM's package leaves
  # to its user: the runtime library does (no -dev package needed).
  if(NOT TARGET zstd::libzstd_shared)
    find_library(KILN_ZSTD_LIBRARY NAMES zstd libzstd.so.1 REQUIRED)
    add_library(zstd::libzstd_shared SHARED IMPORTED)
    set_target_properties(zstd::libzstd_shared PROPERTIES IMPORTED_LOCATION ${KILN_ZSTD_LIBRARY})
  endif()
  set(kiln_llvm_archives "")
  foreach(lib ${LLVM_AVAILABLE_LIBS})
    if(TARGET ${lib})
      get_target_property(type ${lib} TYPE)
      # Not those that need libraries kiln does not install (curl, libedit, libxml2).
      if(type STREQUAL "STATIC_LIBRARY" AND EXISTS "${LLVM_LIBRARY_DIR}/lib${lib}.a" AND
         NOT lib MATCHES "Debuginfod|LineEditor|WindowsManifest|TableGen|Exegesis|Fuzz|gtest")
        list(APPEND kiln_llvm_archives ${lib})
      endif()
    endif()
  endforeach()
  add_library(kiln_llvm_static INTERFACE)
  target_link_libraries(kiln_llvm_static INTERFACE -Wl,--start-group ${kiln_llvm_archives}
                        -Wl,--end-group)
  get_property(kiln_all_mlir_libs GLOBAL PROPERTY MLIR_ALL_LIBS)
  foreach(lib ${kiln_all_mlir_libs} ${LLVM_AVAILABLE_LIBS})
    if(TARGET ${lib})
      get_target_property(deps ${lib} INTERFACE_LINK_LIBRARIES)
      if(deps)
        list(TRANSFORM deps REPLACE "^LLVM$" "kiln_llvm_static")
        list(FILTER deps EXCLUDE REGEX "^MLIR$|Polly")  # Polly's archives are not installed
        set_target_properties(${lib} PROPERTIES INTERFACE_LINK_LIBRARIES "${deps}")
      endif()
    endif()
  endforeach()
  set(kiln_mlir_libs ${kiln_all_mlir_libs})
  list(FILTER kiln_mlir_libs EXCLUDE REGEX
       "Test|CAPI|Lsp|Tblgen|TableGen|PDLL|Reduce|Query|JitRunner|SparseTensorRuntime|runner|_utils|abi_stubs|MlirOptMain|^MLIR$|ExecutionEngineShared|async_runtime")
  target_link_libraries(kiln_mlir INTERFACE -Wl,--start-group ${kiln_mlir_libs} -Wl,--end-group
                        kiln_llvm_static)
else()
  # Both shared libraries: MLIR alone fails with "DSO missing from command line".
  target_link_libraries(kiln_mlir INTERFACE MLIR LLVM)
endif()
