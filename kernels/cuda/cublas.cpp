#include "kernels/cuda/cublas.h"

#include <array>
#include <atomic>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string>

#include "kernels/cuda/library.h"
#include "kiln/error.h"

namespace kiln::kernels::cuda {
namespace {

// cublas_api.h's C ABI: statuses, handles and enums are ints and opaque pointers.
constexpr int kOpN = 0;          // CUBLAS_OP_N
constexpr int kDefaultMath = 0;  // CUBLAS_DEFAULT_MATH: FP32 products in FP32
constexpr int kTf32Math = 3;     // CUBLAS_TF32_TENSOR_OP_MATH

struct CublasApi {
  int (*create)(void** handle);
  int (*set_stream)(void* handle, void* stream);
  int (*set_math_mode)(void* handle, int mode);
  int (*set_workspace)(void* handle, void* workspace, size_t bytes);
  int (*sgemm)(void* handle, int transa, int transb, int m, int n, int k, const float* alpha,
               const float* A, int lda, long long stride_a, const float* B, int ldb,
               long long stride_b, const float* beta, float* C, int ldc, long long stride_c,
               int batch);
  int (*dgemm)(void* handle, int transa, int transb, int m, int n, int k, const double* alpha,
               const double* A, int lda, long long stride_a, const double* B, int ldb,
               long long stride_b, const double* beta, double* C, int ldc, long long stride_c,
               int batch);
  const char* (*status_string)(int status);
  std::string problem;  // why cuBLAS cannot be used, or ""
};

CublasApi load() {
  CublasApi api{};
  CudaLibrary lib("KILN_CUBLAS", "libcublas.so.13", "libcublas.so");
  lib.get(api.create, "cublasCreate_v2");
  lib.get(api.set_stream, "cublasSetStream_v2");
  lib.get(api.set_math_mode, "cublasSetMathMode");
  lib.get(api.set_workspace, "cublasSetWorkspace_v2");
  lib.get(api.sgemm, "cublasSgemmStridedBatched");
  lib.get(api.dgemm, "cublasDgemmStridedBatched");
  lib.get(api.status_string, "cublasGetStatusString");
  api.problem = lib.problem();
  return api;
}

const CublasApi& api() {
  static const CublasApi a = load();
  if (!a.problem.empty()) throw Error("[matmul] " + a.problem);
  return a;
}

void check(int status, const char* what) {
  if (status != 0)
    throw Error(std::string("[matmul] ") + what + " failed: " +
                (api().status_string ? api().status_string(status)
                                     : "cuBLAS status " + std::to_string(status)));
}

std::atomic<bool> tf32_allowed{[] {
  const char* v = std::getenv("KILN_ALLOW_TF32");
  return v != nullptr && std::string(v) == "1";
}()};

/// The device's handle, on its stream, with a fixed workspace (so that products can be
/// captured into CUDA graphs: cuBLAS must not allocate while a stream is captured). Both
/// are kept for the process in static storage, which is also what tells leak checkers the
/// workspace is still owned (a pointer held only inside cuBLAS' handle is not visible).
void* handle(runtime::CudaDevice& device) {
  struct DeviceBlas {
    void* handle = nullptr;
    void* workspace = nullptr;
  };
  static std::mutex mutex;
  static std::array<DeviceBlas, 64> all{};
  std::lock_guard<std::mutex> lock(mutex);
  DeviceBlas& d = all[static_cast<size_t>(device.device().index)];
  if (d.handle == nullptr) {
    device.make_current();
    void* h = nullptr;
    check(api().create(&h), "cublasCreate");
    check(api().set_stream(h, device.stream()), "cublasSetStream");
    constexpr size_t kWorkspace = size_t{32} << 20;  // cuBLAS' recommendation for Hopper
    if (d.workspace == nullptr) d.workspace = reinterpret_cast<void*>(device.allocate(kWorkspace));
    check(api().set_workspace(h, d.workspace, kWorkspace), "cublasSetWorkspace");
    d.handle = h;  // published only once usable
  }
  return d.handle;
}

int as_int(int64_t v, const char* what) {
  if (v > std::numeric_limits<int>::max())
    throw Error(std::string("[matmul] ") + what + " " + std::to_string(v) +
                " exceeds cuBLAS' 32-bit sizes");
  return static_cast<int>(v);
}

}  // namespace

bool allow_tf32() { return tf32_allowed.load(std::memory_order_relaxed); }
void set_allow_tf32(bool allow) { tf32_allowed.store(allow, std::memory_order_relaxed); }

template <class T>
void gemm_strided_batched(runtime::CudaDevice& device, int64_t batch, int64_t M, int64_t N,
                          int64_t K, const T* a, int64_t a_stride, const T* b, int64_t b_stride,
                          T* c) {
  void* h = handle(device);
  device.make_current();
  // Row-major C = A B is column-major C^T = B^T A^T: swap the operands, no transposes.
  const T one = 1, zero = 0;
  const int m = as_int(N, "N"), n = as_int(M, "M"), k = as_int(K, "K"),
            count = as_int(batch, "batch");
  if constexpr (std::is_same_v<T, float>) {
    check(api().set_math_mode(h, allow_tf32() ? kTf32Math : kDefaultMath), "cublasSetMathMode");
    check(api().sgemm(h, kOpN, kOpN, m, n, k, &one, b, m, b_stride, a, k, a_stride, &zero, c, m,
                      M * N, count),
          "cublasSgemmStridedBatched");
  } else {
    check(api().dgemm(h, kOpN, kOpN, m, n, k, &one, b, m, b_stride, a, k, a_stride, &zero, c, m,
                      M * N, count),
          "cublasDgemmStridedBatched");
  }
}

template void gemm_strided_batched<float>(runtime::CudaDevice&, int64_t, int64_t, int64_t, int64_t,
                                          const float*, int64_t, const float*, int64_t, float*);
template void gemm_strided_batched<double>(runtime::CudaDevice&, int64_t, int64_t, int64_t, int64_t,
                                           const double*, int64_t, const double*, int64_t, double*);

}  // namespace kiln::kernels::cuda
