#include "kernels/cuda/cublaslt.h"

#include <array>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "kernels/cuda/cublas.h"
#include "kernels/cuda/library.h"
#include "kiln/error.h"

namespace kiln::kernels::cuda {
namespace {

// cublasLt.h's C ABI (CUDA 12/13): enums are ints, descriptors opaque pointers.
constexpr int kCompute32F = 68, kCompute32FFastTf32 = 77, kCompute64F = 70;  // cublasComputeType_t
constexpr int kR32F = 0, kR64F = 1;                                          // cudaDataType
constexpr int kDescTransA = 3, kDescTransB = 4, kDescEpilogue = 7, kDescBiasPointer = 8;
constexpr int kPrefMaxWorkspace = 1;
constexpr uint32_t kEpilogueBias = 4, kEpilogueReluBias = 6;
constexpr size_t kWorkspace = size_t{32} << 20;

struct HeuristicResult {  // cublasLtMatmulHeuristicResult_t
  uint64_t algo[8];
  size_t workspace_size;
  int state;
  float waves;
  int reserved[4];
};

struct LtApi {
  int (*create)(void** handle);
  int (*desc_create)(void** desc, int compute, int scale);
  int (*desc_destroy)(void* desc);
  int (*desc_set)(void* desc, int attribute, const void* value, size_t size);
  int (*layout_create)(void** layout, int type, uint64_t rows, uint64_t cols, int64_t ld);
  int (*layout_destroy)(void* layout);
  int (*pref_create)(void** pref);
  int (*pref_destroy)(void* pref);
  int (*pref_set)(void* pref, int attribute, const void* value, size_t size);
  int (*heuristic)(void* handle, void* desc, void* a, void* b, void* c, void* d, void* pref,
                   int requested, HeuristicResult* results, int* returned);
  int (*matmul)(void* handle, void* desc, const void* alpha, const void* A, void* a_desc,
                const void* B, void* b_desc, const void* beta, const void* C, void* c_desc, void* D,
                void* d_desc, const void* algo, void* workspace, size_t workspace_size,
                void* stream);
  bool ok = false;
};

LtApi load() {
  LtApi api{};
  CudaLibrary lib("KILN_CUBLASLT", "libcublasLt.so.13", "libcublasLt.so");
  lib.get(api.create, "cublasLtCreate");
  lib.get(api.desc_create, "cublasLtMatmulDescCreate");
  lib.get(api.desc_destroy, "cublasLtMatmulDescDestroy");
  lib.get(api.desc_set, "cublasLtMatmulDescSetAttribute");
  lib.get(api.layout_create, "cublasLtMatrixLayoutCreate");
  lib.get(api.layout_destroy, "cublasLtMatrixLayoutDestroy");
  lib.get(api.pref_create, "cublasLtMatmulPreferenceCreate");
  lib.get(api.pref_destroy, "cublasLtMatmulPreferenceDestroy");
  lib.get(api.pref_set, "cublasLtMatmulPreferenceSetAttribute");
  lib.get(api.heuristic, "cublasLtMatmulAlgoGetHeuristic");
  lib.get(api.matmul, "cublasLtMatmul");
  api.ok = lib.problem().empty();  // else products take the plain cuBLAS path
  return api;
}

const LtApi& lt() {
  static const LtApi api = load();
  return api;
}

void check(int status, const char* what) {
  if (status != 0)
    throw Error(std::string("[matmul] ") + what + " failed: cuBLASLt status " +
                std::to_string(status));
}

/// The device's cuBLASLt handle and workspace (kept for the process, like cuBLAS'); null
/// where cuBLASLt cannot start on it (products then take the plain path).
struct DeviceLt {
  bool tried = false;
  void* handle = nullptr;
  void* workspace = nullptr;
};
DeviceLt* device_lt(runtime::CudaDevice& device) {
  static std::mutex mutex;
  static std::array<DeviceLt, 64> all{};
  std::lock_guard<std::mutex> lock(mutex);
  DeviceLt& d = all[static_cast<size_t>(device.device().index)];
  if (!d.tried) {
    d.tried = true;
    device.make_current();
    if (lt().create(&d.handle) != 0)
      d.handle = nullptr;
    else
      d.workspace = reinterpret_cast<void*>(device.allocate(kWorkspace));
  }
  return d.handle ? &d : nullptr;
}

/// Descriptors freed on every path out.
struct Descriptors {
  void* desc = nullptr;
  void* pref = nullptr;
  void* layouts[3] = {};
  ~Descriptors() {
    for (void* l : layouts)
      if (l) lt().layout_destroy(l);
    if (pref) lt().pref_destroy(pref);
    if (desc) lt().desc_destroy(desc);
  }
};

}  // namespace

bool matmul_bias(runtime::CudaDevice& device, DType dtype, int64_t M, int64_t N, int64_t K,
                 const void* a, const void* b, const void* bias, bool relu, void* out) {
  if (!lt().ok || (dtype != DType::f32 && dtype != DType::f64) || M == 0 || N == 0 || K == 0)
    return false;
  DeviceLt* lt_device = device_lt(device);
  if (lt_device == nullptr) return false;
  DeviceLt& d = *lt_device;
  device.make_current();
  const bool f32 = dtype == DType::f32;
  const int type = f32 ? kR32F : kR64F;
  const int compute = f32 ? (allow_tf32() ? kCompute32FFastTf32 : kCompute32F) : kCompute64F;
  // Row-major out = a @ b is column-major out^T (N x M) = b^T (N x K) @ a^T (K x M): the
  // row-major buffers as they are, operands swapped. The bias runs along out^T's rows: one
  // value per output column, as kiln's broadcasting of a (N) bias means.
  Descriptors s;
  check(lt().desc_create(&s.desc, compute, type), "cublasLtMatmulDescCreate");
  const int no_transpose = 0;
  check(lt().desc_set(s.desc, kDescTransA, &no_transpose, sizeof no_transpose), "setting TRANSA");
  check(lt().desc_set(s.desc, kDescTransB, &no_transpose, sizeof no_transpose), "setting TRANSB");
  const uint32_t epilogue = relu ? kEpilogueReluBias : kEpilogueBias;
  check(lt().desc_set(s.desc, kDescEpilogue, &epilogue, sizeof epilogue), "setting the epilogue");
  check(lt().desc_set(s.desc, kDescBiasPointer, &bias, sizeof bias), "setting the bias");
  check(lt().layout_create(&s.layouts[0], type, N, K, N), "cublasLtMatrixLayoutCreate");  // b^T
  check(lt().layout_create(&s.layouts[1], type, K, M, K), "cublasLtMatrixLayoutCreate");  // a^T
  check(lt().layout_create(&s.layouts[2], type, N, M, N), "cublasLtMatrixLayoutCreate");  // out^T
  check(lt().pref_create(&s.pref), "cublasLtMatmulPreferenceCreate");
  const uint64_t workspace = kWorkspace;
  check(lt().pref_set(s.pref, kPrefMaxWorkspace, &workspace, sizeof workspace),
        "setting the workspace");
  HeuristicResult result{};
  int found = 0;
  if (lt().heuristic(d.handle, s.desc, s.layouts[0], s.layouts[1], s.layouts[2], s.layouts[2],
                     s.pref, 1, &result, &found) != 0 ||
      found == 0)
    return false;
  const float one32 = 1, zero32 = 0;
  const double one64 = 1, zero64 = 0;
  const void* alpha = f32 ? static_cast<const void*>(&one32) : &one64;
  const void* beta = f32 ? static_cast<const void*>(&zero32) : &zero64;
  check(lt().matmul(d.handle, s.desc, alpha, b, s.layouts[0], a, s.layouts[1], beta, out,
                    s.layouts[2], out, s.layouts[2], result.algo, d.workspace, kWorkspace,
                    device.stream()),
        "cublasLtMatmul");
  return true;
}

}  // namespace kiln::kernels::cuda
