# The Debian package (scripts/package.sh): `cpack -G DEB` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr packs what `cmake --install` installs as
# kiln_<version>_amd64.deb. Its dependencies are the Debian packages of the shared libraries
# its binaries load (dpkg-shlibdeps reads them from the ELF files: libmlir-19, libllvm19,
# libtbb12, libfmt9, libstdc++6, libc6), plus OpenBLAS, which kiln loads at run time
# (kernels/cpu/openblas.h) and dpkg-shlibdeps cannot see.
set(CPACK_PACKAGE_NAME kiln)
set(CPACK_PACKAGE_VENDOR "kiln developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "kiln developers <kiln@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread | libopenblas0")
# A C++20 compiler to build against the headers (the tools and library need none).
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "g++ (>= 4:12), cmake (>= 3.20), pkgconf")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "kiln traces eager C++ tensor code into an MLIR graph, caches it by input signature,\n optimizes and fuses it and runs it through LLVM-compiled CPU kernels or CUDA.\n This package holds libkiln, its headers, CMake and pkg-config files and the kiln tools.")
include(CPack)
