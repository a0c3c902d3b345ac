// OpenBLAS, loaded at run time so that kiln chooses its kernels for the CPU. OpenBLAS picks
// them once, when it is loaded, from the CPU it recognizes or from OPENBLAS_CORETYPE; one
// that does not know the CPU falls back to its oldest (Prescott, SSE3): Debian's 0.3.21 on
// a 2024 Xeon ran sgemm 5x below the machine. Linked normally, it would have chosen before
// any kiln code ran; loaded here, kiln first sets OPENBLAS_CORETYPE to the newest kernels
// the CPU runs (SkylakeX with AVX-512 F/BW/DQ/VL, else Haswell with AVX2 and FMA) unless
// the user has set it.
#pragma once

#include <cblas.h>

#include <string>

namespace kiln::kernels::cpu {

struct OpenBlas {
  decltype(&cblas_sgemm) sgemm = nullptr;
  decltype(&cblas_dgemm) dgemm = nullptr;
  void (*set_num_threads)(int) = nullptr;
  char* (*get_corename)() = nullptr;
};

/// OpenBLAS ($KILN_OPENBLAS, else libopenblas.so.0), loaded on first use; throws
/// kiln::Error saying what was tried when it cannot be loaded.
const OpenBlas& openblas();

/// The kernels OpenBLAS runs ("SkylakeX"), loading it if needed.
std::string openblas_core();

}  // namespace kiln::kernels::cpu
