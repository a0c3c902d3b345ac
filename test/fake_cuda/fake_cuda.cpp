// A stand-in for libcuda and libcublas, loaded by kiln through $KILN_CUDA_DRIVER and
// $KILN_CUBLAS in tests on machines without a GPU. It runs everything kiln's CUDA runtime
// does around the kernels for real: "device" memory is host memory, so copies, to(Device),
// the caching allocator and cuBLAS products (computed here, column-major, as cuBLAS
// defines them) give real values. Kernels are not run: a launch is checked instead: the
// kernel must exist in the module it was loaded from (by name, in a fatbin or PTX), the
// geometry must be valid, and for PTX kernels (the JIT's fusions) the parameters must
// parse as the memref descriptors MLIR's GPU lowering expects, every pointer inside a
// live allocation, their count equal to the .entry's. Results of kernels are whatever
// memory held: tests check shapes, dtypes, devices and the launches, not those values.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

namespace {

constexpr int kSuccess = 0, kInvalidValue = 1, kOutOfMemory = 2, kNotFound = 500,
              kInvalidImage = 200, kCaptureUnsupported = 900;

struct Module;
struct Function {
  Module* module;
  std::string name;
};
struct Module {
  std::string text;  // the image's bytes (a fatbin holds its kernel names as strings)
  bool ptx = false;
  std::map<std::string, int> params;          // PTX: entry -> parameter count
  std::map<std::string, Function> functions;  // handed out, freed with the module
};

struct State {
  std::mutex mutex;
  std::map<uint64_t, size_t> live;  // allocation -> bytes
  size_t allocations = 0, launches = 0, ptx_launches = 0, gemms = 0, graph_launches = 0,
         lt_matmuls = 0;
  std::vector<std::string> errors;  // launches that failed the checks
  std::map<std::string, size_t> launched;
  bool capturing = false, capture_invalidated = false;
  size_t captured = 0;
};
State& state() {
  static State s;
  return s;
}

bool inside_allocation(uint64_t p) {
  auto& live = state().live;
  auto it = live.upper_bound(p);
  if (it == live.begin()) return false;
  --it;
  return p >= it->first && p <= it->first + it->second;
}

/// Checks `n` PTX parameters as a sequence of memref descriptors: pointer, the same
/// pointer, offset 0, then sizes and strides (2 per dimension) up to the next pointer.
std::string check_descriptors(void** params, int n) {
  int i = 0;
  while (i < n) {
    const uint64_t allocated = *static_cast<uint64_t*>(params[i]);
    if (i + 2 >= n) return "a descriptor cut short at parameter " + std::to_string(i);
    if (!inside_allocation(allocated))
      return "parameter " + std::to_string(i) + " is not device memory";
    if (*static_cast<uint64_t*>(params[i + 1]) != allocated) return "aligned pointer differs";
    if (*static_cast<uint64_t*>(params[i + 2]) != 0) return "nonzero offset";
    int j = i + 3;
    while (j < n && !(inside_allocation(*static_cast<uint64_t*>(params[j])) &&
                      *static_cast<uint64_t*>(params[j]) > 4096))
      ++j;
    const int fields = j - (i + 3);
    if (fields % 2 != 0) return "a descriptor with an odd count of sizes and strides";
    if (fields > 0 && *static_cast<int64_t*>(params[j - 1]) != 1)
      return "innermost stride is not 1";
    i = j;
  }
  return "";
}

void parse_ptx(Module& m) {
  static const std::regex entry(R"(\.entry\s+([A-Za-z_$][\w$]*)\s*\(([^)]*)\))");
  for (std::sregex_iterator it(m.text.begin(), m.text.end(), entry), end; it != end; ++it) {
    const std::string list = (*it)[2];
    int count = 0;
    for (size_t at = list.find(".param"); at != std::string::npos; at = list.find(".param", at + 1))
      ++count;
    m.params[(*it)[1]] = count;
  }
}

template <class T>
int gemm(int ta, int tb, int m, int n, int k, const T* alpha, const T* A, int lda, long long sa,
         const T* B, int ldb, long long sb, const T* beta, T* C, int ldc, long long sc, int batch);

}  // namespace

extern "C" {

// ---- the test's view -----------------------------------------------------------------------
struct KilnFakeCudaStats {
  size_t allocations, live_allocations, launches, ptx_launches, gemms, graph_launches, errors,
      lt_matmuls;
};
KilnFakeCudaStats kiln_fake_cuda_stats() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return {s.allocations, s.live.size(),    s.launches,      s.ptx_launches,
          s.gemms,       s.graph_launches, s.errors.size(), s.lt_matmuls};
}
/// The first launch error ("" when none), then clears the list.
const char* kiln_fake_cuda_take_error() {
  static std::string last;
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  last = s.errors.empty() ? "" : s.errors.front();
  s.errors.clear();
  return last.c_str();
}
size_t kiln_fake_cuda_launch_count(const char* name) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.launched.find(name);
  return it == s.launched.end() ? 0 : it->second;
}

// ---- driver ------------------------------------------------------------------------------
int cuInit(unsigned) { return kSuccess; }
int cuDriverGetVersion(int* v) {
  *v = 13000;
  return kSuccess;
}
int cuGetErrorName(int e, const char** name) {
  *name = e == kOutOfMemory    ? "CUDA_ERROR_OUT_OF_MEMORY"
          : e == kNotFound     ? "CUDA_ERROR_NOT_FOUND"
          : e == kInvalidImage ? "CUDA_ERROR_INVALID_IMAGE"
                               : "CUDA_ERROR_INVALID_VALUE";
  return kSuccess;
}
int cuGetErrorString(int e, const char** text) { return cuGetErrorName(e, text); }
int cuDeviceGetCount(int* n) {
  *n = 1;
  return kSuccess;
}
int cuDeviceGet(int* d, int ordinal) {
  *d = ordinal;
  return ordinal == 0 ? kSuccess : kInvalidValue;
}
int cuDeviceGetAttribute(int* v, int attribute, int) {
  switch (attribute) {
    case 16:
      *v = 132;
      return kSuccess;  // multiprocessors (an H100 SXM)
    case 75:
      *v = 9;
      return kSuccess;  // compute capability 9.0
    case 76:
      *v = 0;
      return kSuccess;
    default:
      *v = 0;
      return kSuccess;
  }
}
int cuDeviceGetName(char* name, int length, int) {
  std::snprintf(name, static_cast<size_t>(length), "%s", "kiln fake CUDA device");
  return kSuccess;
}
int cuDevicePrimaryCtxRetain(void** ctx, int) {
  static int c;
  *ctx = &c;
  return kSuccess;
}
int cuDevicePrimaryCtxRelease_v2(int) { return kSuccess; }
int cuCtxSetCurrent(void*) { return kSuccess; }
int cuMemGetInfo_v2(size_t* free, size_t* total) {
  *free = *total = size_t{80} << 30;
  return kSuccess;
}

// As the real driver does with a stream captured (thread-local mode): no allocation, no
// copy to pageable host memory, no synchronization; each also invalidates the capture.
bool refuse_in_capture() {
  if (!state().capturing) return false;
  state().capture_invalidated = true;
  return true;
}

int cuMemAlloc_v2(uint64_t* p, size_t bytes) {
  if (refuse_in_capture()) return kCaptureUnsupported;
  void* m = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!m) return kOutOfMemory;
  std::memset(m, 0, bytes);
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  *p = reinterpret_cast<uint64_t>(m);
  s.live[*p] = bytes;
  ++s.allocations;
  return kSuccess;
}
int cuMemFree_v2(uint64_t p) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.live.erase(p) == 0) return kInvalidValue;
  std::free(reinterpret_cast<void*>(p));
  return kSuccess;
}
int cuMemcpyHtoDAsync_v2(uint64_t to, const void* from, size_t n, void*) {
  if (!inside_allocation(to) || !inside_allocation(to + n)) return kInvalidValue;
  std::memcpy(reinterpret_cast<void*>(to), from, n);
  return kSuccess;
}
int cuMemcpyDtoHAsync_v2(void* to, uint64_t from, size_t n, void*) {
  if (refuse_in_capture()) return kCaptureUnsupported;
  if (!inside_allocation(from) || !inside_allocation(from + n)) return kInvalidValue;
  std::memcpy(to, reinterpret_cast<const void*>(from), n);
  return kSuccess;
}
int cuMemcpyDtoDAsync_v2(uint64_t to, uint64_t from, size_t n, void*) {
  std::memmove(reinterpret_cast<void*>(to), reinterpret_cast<const void*>(from), n);
  return kSuccess;
}
int cuStreamCreate(void** stream, unsigned) {
  static int s;
  *stream = &s;
  return kSuccess;
}
int cuStreamDestroy_v2(void*) { return kSuccess; }
int cuStreamSynchronize(void*) { return refuse_in_capture() ? kCaptureUnsupported : kSuccess; }

int cuModuleLoadData(void** module, const void* image) {
  auto* m = new Module;
  const char* bytes = static_cast<const char*>(image);
  if (std::strncmp(bytes, "//", 2) == 0 || std::strstr(bytes, ".version") != nullptr) {
    m->text = bytes;  // PTX: NUL-terminated text
    m->ptx = true;
    parse_ptx(*m);
    if (m->params.empty()) return kInvalidImage;
  } else {
    // A fatbin: its header (magic 0xBA55ED50, header size, total size) gives its length.
    uint32_t magic = 0;
    uint16_t header = 0;
    uint64_t size = 0;
    std::memcpy(&magic, bytes, 4);
    std::memcpy(&header, bytes + 6, 2);
    std::memcpy(&size, bytes + 8, 8);
    if (magic != 0xBA55ED50u) return kInvalidImage;
    m->text.assign(bytes, header + size);
  }
  *module = m;
  return kSuccess;
}
int cuModuleUnload(void* m) {
  delete static_cast<Module*>(m);
  return kSuccess;
}
int cuModuleGetFunction(void** fn, void* module, const char* name) {
  auto* m = static_cast<Module*>(module);
  // In a fatbin, the ELF string tables hold each kernel's name between NULs.
  if (m->ptx ? m->params.count(name) == 0
             : m->text.find('\0' + std::string(name) + '\0') == std::string::npos)
    return kNotFound;
  *fn = &m->functions.try_emplace(name, Function{m, name}).first->second;
  return kSuccess;
}
int cuLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                   unsigned bz, unsigned shared, void*, void** params, void** extra) {
  auto* f = static_cast<Function*>(function);
  std::string error;
  if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || bx * by * bz > 1024 ||
      shared > 228 * 1024)
    error = "invalid launch geometry";
  else if (extra != nullptr || params == nullptr)
    error = "parameters not passed as an array";
  else if (f->module->ptx)
    error = check_descriptors(params, f->module->params.at(f->name));
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  ++s.launches;
  s.ptx_launches += f->module->ptx;
  ++s.launched[f->name];
  if (s.capturing) ++s.captured;
  if (!error.empty()) s.errors.push_back(f->name + ": " + error);
  return kSuccess;
}

int cuStreamBeginCapture_v2(void*, int) {
  state().capturing = true;
  state().capture_invalidated = false;
  state().captured = 0;
  return kSuccess;
}
int cuStreamEndCapture(void*, void** graph) {
  state().capturing = false;
  if (state().capture_invalidated) {
    *graph = nullptr;
    return kCaptureUnsupported;  // CUDA_ERROR_STREAM_CAPTURE_INVALIDATED in the real driver
  }
  *graph = new size_t(state().captured);
  return kSuccess;
}
int cuGraphInstantiateWithFlags(void** exec, void* graph, unsigned long long) {
  *exec = new size_t(*static_cast<size_t*>(graph));
  return kSuccess;
}
int cuGraphLaunch(void*, void*) {
  ++state().graph_launches;
  return kSuccess;
}
int cuGraphExecDestroy(void* e) {
  delete static_cast<size_t*>(e);
  return kSuccess;
}
int cuGraphDestroy(void* g) {
  delete static_cast<size_t*>(g);
  return kSuccess;
}

// ---- cuBLAS ------------------------------------------------------------------------------
int cublasCreate_v2(void** h) {
  static int handle;
  *h = &handle;
  return 0;
}
int cublasSetStream_v2(void*, void*) { return 0; }
int cublasSetMathMode(void*, int) { return 0; }
int cublasSetWorkspace_v2(void*, void*, size_t) { return 0; }
const char* cublasGetStatusString(int) { return "CUBLAS_STATUS_INVALID_VALUE"; }

int cublasSgemmStridedBatched(void*, int ta, int tb, int m, int n, int k, const float* alpha,
                              const float* A, int lda, long long sa, const float* B, int ldb,
                              long long sb, const float* beta, float* C, int ldc, long long sc,
                              int batch) {
  return gemm(ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
}
int cublasDgemmStridedBatched(void*, int ta, int tb, int m, int n, int k, const double* alpha,
                              const double* A, int lda, long long sa, const double* B, int ldb,
                              long long sb, const double* beta, double* C, int ldc, long long sc,
                              int batch) {
  return gemm(ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
}

}  // extern "C"

namespace {
template <class T>
int gemm(int ta, int tb, int m, int n, int k, const T* alpha, const T* A, int lda, long long sa,
         const T* B, int ldb, long long sb, const T* beta, T* C, int ldc, long long sc, int batch) {
  if (ta != 0 || tb != 0) return 7;  // kiln asks for no transposes
  // Benchmarks run against the fake too: products past 2^27 multiply-adds are not computed
  // (tests use small ones), the output keeps what memory held.
  if (double(m) * n * k * batch > double(1 << 27)) {
    ++state().gemms;
    return 0;
  }
  // Column-major: C(i, j) = alpha * sum_p A(i, p) B(p, j) + beta * C(i, j).
  for (int z = 0; z < batch; ++z)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < m; ++i) {
        double acc = 0;
        for (int p = 0; p < k; ++p)
          acc += double(A[z * sa + i + p * lda]) * double(B[z * sb + p + j * ldb]);
        T& c = C[z * sc + i + j * ldc];
        c = static_cast<T>(*alpha * acc + (*beta == T(0) ? T(0) : *beta * c));
      }
  ++state().gemms;
  return 0;
}
}  // namespace

// ---- cuBLASLt: descriptors as plain structs, the product computed on the host ----------
namespace {
struct LtDesc {
  int compute = 0, scale = 0, transa = 0, transb = 0;
  uint32_t epilogue = 1;  // CUBLASLT_EPILOGUE_DEFAULT
  const void* bias = nullptr;
};
struct LtLayout {
  int type;
  uint64_t rows, cols;
  int64_t ld;
};
template <class T>
void lt_gemm(const LtDesc& d, const T* alpha, const T* A, const LtLayout& la, const T* B,
             const LtLayout& lb, const T* beta, const T* C, const LtLayout& lc, T* D) {
  // Column-major D (m x n) = epilogue(alpha A (m x k) B (k x n) + beta C + bias (m)).
  const uint64_t m = la.rows, k = la.cols, n = lb.cols;
  if (double(m) * n * k > double(1 << 27)) return;  // as for cuBLAS: too large to compute here
  for (uint64_t j = 0; j < n; ++j)
    for (uint64_t i = 0; i < m; ++i) {
      double acc = 0;
      for (uint64_t p = 0; p < k; ++p) acc += double(A[i + p * la.ld]) * double(B[p + j * lb.ld]);
      double v = *alpha * acc + (*beta == T(0) ? 0.0 : *beta * double(C[i + j * lc.ld]));
      if (d.epilogue & 4) v += double(static_cast<const T*>(d.bias)[i]);
      if (d.epilogue & 2) v = v < 0 ? 0 : v;
      D[i + j * lc.ld] = static_cast<T>(v);
    }
}
}  // namespace

extern "C" {
int cublasLtCreate(void** h) {
  static int handle;
  *h = &handle;
  return 0;
}
int cublasLtMatmulDescCreate(void** desc, int compute, int scale) {
  *desc = new LtDesc{compute, scale};
  return 0;
}
int cublasLtMatmulDescDestroy(void* desc) {
  delete static_cast<LtDesc*>(desc);
  return 0;
}
int cublasLtMatmulDescSetAttribute(void* desc, int attribute, const void* value, size_t size) {
  auto* d = static_cast<LtDesc*>(desc);
  switch (attribute) {
    case 3:
      std::memcpy(&d->transa, value, size);
      return 0;
    case 4:
      std::memcpy(&d->transb, value, size);
      return 0;
    case 7:
      std::memcpy(&d->epilogue, value, size);
      return 0;
    case 8:
      std::memcpy(&d->bias, value, size);
      return 0;
    default:
      return 7;  // CUBLAS_STATUS_INVALID_VALUE: kiln sets nothing else
  }
}
int cublasLtMatrixLayoutCreate(void** layout, int type, uint64_t rows, uint64_t cols, int64_t ld) {
  *layout = new LtLayout{type, rows, cols, ld};
  return 0;
}
int cublasLtMatrixLayoutDestroy(void* layout) {
  delete static_cast<LtLayout*>(layout);
  return 0;
}
int cublasLtMatmulPreferenceCreate(void** pref) {
  *pref = new int(0);
  return 0;
}
int cublasLtMatmulPreferenceDestroy(void* pref) {
  delete static_cast<int*>(pref);
  return 0;
}
int cublasLtMatmulPreferenceSetAttribute(void*, int, const void*, size_t) { return 0; }
int cublasLtMatmulAlgoGetHeuristic(void*, void*, void* a, void* b, void* c, void* d, void*,
                                   int requested, void* results, int* returned) {
  auto *la = static_cast<LtLayout*>(a), *lb = static_cast<LtLayout*>(b),
       *lc = static_cast<LtLayout*>(c), *ld = static_cast<LtLayout*>(d);
  // The shapes must chain: A (m x k), B (k x n), C and D (m x n).
  const bool chain = la->cols == lb->rows && lc->rows == la->rows && lc->cols == lb->cols &&
                     ld->rows == lc->rows && ld->cols == lc->cols;
  *returned = chain && requested > 0 ? 1 : 0;
  if (*returned) std::memset(results, 0, 96);  // sizeof(cublasLtMatmulHeuristicResult_t)
  return chain ? 0 : 7;
}
int cublasLtMatmul(void*, void* desc, const void* alpha, const void* A, void* a_desc, const void* B,
                   void* b_desc, const void* beta, const void* C, void* c_desc, void* D,
                   void* d_desc, const void*, void*, size_t, void*) {
  auto& d = *static_cast<LtDesc*>(desc);
  auto &la = *static_cast<LtLayout*>(a_desc), &lb = *static_cast<LtLayout*>(b_desc),
       &lc = *static_cast<LtLayout*>(c_desc);
  if (d.transa != 0 || d.transb != 0 || la.type != lb.type ||
      static_cast<LtLayout*>(d_desc)->ld != lc.ld)
    return 7;
  if (la.type == 0)
    lt_gemm(d, static_cast<const float*>(alpha), static_cast<const float*>(A), la,
            static_cast<const float*>(B), lb, static_cast<const float*>(beta),
            static_cast<const float*>(C), lc, static_cast<float*>(D));
  else
    lt_gemm(d, static_cast<const double*>(alpha), static_cast<const double*>(A), la,
            static_cast<const double*>(B), lb, static_cast<const double*>(beta),
            static_cast<const double*>(C), lc, static_cast<double*>(D));
  ++state().lt_matmuls;
  return 0;
}
}  // extern "C"
