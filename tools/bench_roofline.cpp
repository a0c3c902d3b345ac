#include "bench_roofline.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <kiln/kiln.h>

#include "bench_env.h"
#include "kernels/cpu/openblas.h"
#include "runtime/cuda_device.h"
#include "runtime/tensor_impl.h"

namespace kiln_bench {

namespace {

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using Array = std::unique_ptr<float[], FreeDeleter>;

Array allocate(size_t n) {
  size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
  return Array(static_cast<float*>(std::aligned_alloc(64, bytes)));
}

// body(begin, end) on `threads` threads over static, contiguous chunks of [0, n).
template <class Body>
void parallel_chunks(size_t n, int threads, const Body& body) {
  size_t per = (n + threads - 1) / threads;
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) {
    size_t b = std::min(n, t * per), e = std::min(n, b + per);
    pool.emplace_back([&body, b, e] { body(b, e); });
  }
  body(0, std::min(n, per));
  for (auto& th : pool) th.join();
}

// Median of `runs` timings of fn, in seconds: the same statistic as the eager figures
// it is compared with (a best-of would flatter the machine on a noisy, shared host).
template <class Fn>
double median_of(int runs, const Fn& fn) {
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    double t0 = now_s();
    fn();
    times.push_back(now_s() - t0);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

/// dst[i] = f(i) for i in [lo, hi) with non-temporal stores (the widest the build allows):
/// the written lines bypass the caches, so the destination is never read first.
template <class F>
void stream_store(float* dst, size_t lo, size_t hi, const F& f) {
  size_t i = lo;
  for (; i < hi && reinterpret_cast<uintptr_t>(dst + i) % 64 != 0; ++i) dst[i] = f(i);
#if defined(__AVX512F__)
  for (; i + 16 <= hi; i += 16) {
    alignas(64) float v[16];
    for (int k = 0; k < 16; ++k) v[k] = f(i + k);
    _mm512_stream_ps(dst + i, _mm512_load_ps(v));
  }
#elif defined(__AVX__)
  for (; i + 8 <= hi; i += 8) {
    alignas(32) float v[8];
    for (int k = 0; k < 8; ++k) v[k] = f(i + k);
    _mm256_stream_ps(dst + i, _mm256_load_ps(v));
  }
#else
  for (; i + 4 <= hi; i += 4) {
    alignas(16) float v[4];
    for (int k = 0; k < 4; ++k) v[k] = f(i + k);
    _mm_stream_ps(dst + i, _mm_load_ps(v));
  }
#endif
  for (; i < hi; ++i) dst[i] = f(i);
  _mm_sfence();
}

void memory_bandwidth(int threads, Roofline& out, Progress& progress) {
  constexpr size_t n = size_t{64} << 20;  // 64M floats = 256 MiB per array
  progress.note("roofline: memory bandwidth, 4 x 256 MiB");
  Array a = allocate(n), b = allocate(n), c = allocate(n), d = allocate(n);
  // First touch from the threads that will stream them.
  parallel_chunks(n, threads, [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; ++i) a[i] = 0, b[i] = 1.0f, c[i] = 2.0f, d[i] = 3.0f;
  });
  float* pa = a.get();
  const float* pb = b.get();
  const float* pc = c.get();
  const float* pd = d.get();
  double copy_s = median_of(11, [&] {
    parallel_chunks(n, threads, [&](size_t lo, size_t hi) {
      for (size_t i = lo; i < hi; ++i) pa[i] = pb[i];
    });
  });
  const float s = 3.0f;
  double triad_s = median_of(11, [&] {
    parallel_chunks(n, threads, [&](size_t lo, size_t hi) {
      for (size_t i = lo; i < hi; ++i) pa[i] = pb[i] + s * pc[i];
    });
  });
  double stream_copy_s = median_of(11, [&] {
    parallel_chunks(n, threads, [&](size_t lo, size_t hi) {
      stream_store(pa, lo, hi, [&](size_t i) { return pb[i]; });
    });
  });
  double stream_3r1w_s = median_of(11, [&] {
    parallel_chunks(n, threads, [&](size_t lo, size_t hi) {
      stream_store(pa, lo, hi, [&](size_t i) { return pb[i] * pc[i] + pd[i]; });
    });
  });
  out.copy_gbs = 2.0 * n * sizeof(float) / copy_s / 1e9;
  out.triad_gbs = 3.0 * n * sizeof(float) / triad_s / 1e9;
  out.stream_copy_gbs = 2.0 * n * sizeof(float) / stream_copy_s / 1e9;
  out.stream_3r1w_gbs = 4.0 * n * sizeof(float) / stream_3r1w_s / 1e9;
}

/// cblas_sgemm GFLOP/s for n x n x n, timed by the workloads' own rule (warm-up, then the
/// median of measurements of at least min_time each), so it compares like for like.
double sgemm_at(int n, const TimingOptions& timing, Progress& progress) {
  const size_t count = static_cast<size_t>(n) * n;
  std::vector<float> a(count), b(count), c(count);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<float>((i * 7919) % 1000) / 1000.0f - 0.5f;
    b[i] = static_cast<float>((i * 104729) % 1000) / 1000.0f - 0.5f;
  }
  const std::string label = "roofline: cblas_sgemm " + std::to_string(n) + "^3";
  const kiln::kernels::cpu::OpenBlas& blas = kiln::kernels::cpu::openblas();  // as kiln loads it
  Stats stats = measure(
      [&] {
        blas.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(),
                   n, 0.0f, c.data(), n);
      },
      timing, [&](int done, int total) { progress.show(label, done, total); });
  return 2.0 * n * n * n / stats.median_s / 1e9;
}

void sgemm_peak(int threads, const TimingOptions& timing, Roofline& out, Progress& progress) {
  kiln::kernels::cpu::openblas().set_num_threads(threads);
  out.sgemm_gflops = sgemm_at(2048, timing, progress);
  out.sgemm_w6_gflops = sgemm_at(1024, timing, progress);  // W6's own shape, for its goal
}

void eager_ops(const TimingOptions& timing, Roofline& out, Progress& progress) {
  constexpr int64_t n = 16 << 20;  // 16M elements
  kiln::Tensor x = kiln::random_uniform({n}, 81, -2.0f, 2.0f);
  kiln::Tensor y = kiln::random_uniform({n}, 82, -2.0f, 2.0f);
  Stats add =
      measure([&] { kiln::Tensor z = x + y; }, timing,
              [&](int done, int total) { progress.show("roofline: eager add", done, total); });
  Stats tanh =
      measure([&] { kiln::Tensor z = kiln::tanh(x); }, timing,
              [&](int done, int total) { progress.show("roofline: eager tanh", done, total); });
  out.eager_add_gbs = 12.0 * n / add.median_s / 1e9;
  out.eager_tanh_gbs = 8.0 * n / tanh.median_s / 1e9;
}

// ---- CUDA --------------------------------------------------------------------------------

// `fn` followed by a wait for the device, timed like a workload.
Stats measure_on(kiln::Device device, const std::function<void()>& fn, const std::string& label,
                 const TimingOptions& timing, Progress& progress) {
  return measure(
      [&] {
        fn();
        kiln::synchronize(device);
      },
      timing, [&](int done, int total) { progress.show(label, done, total); });
}

uint64_t device_address(const kiln::Tensor& t) {
  return reinterpret_cast<uint64_t>(t.impl()->data());
}

// cuBLAS sgemm through eager kiln::matmul of f32 device tensors, n x n x n.
double cuda_sgemm_at(kiln::Device device, int n, const TimingOptions& timing, Progress& progress) {
  kiln::Tensor a = kiln::random_uniform({n, n}, 91, -0.5f, 0.5f).to(device);
  kiln::Tensor b = kiln::random_uniform({n, n}, 92, -0.5f, 0.5f).to(device);
  const std::string label = "roofline: cuBLAS sgemm " + std::to_string(n) + "^3";
  Stats stats = measure_on(
      device, [&] { kiln::Tensor c = kiln::matmul(a, b); }, label, timing, progress);
  return 2.0 * n * n * n / stats.median_s / 1e9;
}

}  // namespace

CudaRoofline measure_cuda_roofline(kiln::Device device, const TimingOptions& timing,
                                   Progress& progress) {
  CudaRoofline out;
  kiln::runtime::CudaDevice& cuda = kiln::runtime::CudaDevice::get(device);

  // Device-to-device copy, bytes read + written.
  {
    constexpr int64_t n = CudaRoofline::kCopyBytes / 4;
    kiln::Tensor from = kiln::zeros({n}, kiln::DType::f32, device);
    kiln::Tensor to = kiln::zeros({n}, kiln::DType::f32, device);
    const uint64_t src = device_address(from), dst = device_address(to);
    Stats copy = measure_on(
        device,
        [&] { cuda.copy_on_device(dst, src, static_cast<size_t>(CudaRoofline::kCopyBytes)); },
        "roofline: device copy, 2 x 256 MiB", timing, progress);
    out.copy_gbs = 2.0 * CudaRoofline::kCopyBytes / copy.median_s / 1e9;
  }

  out.tf32 = kiln::allow_tf32();
  out.sgemm_gflops = cuda_sgemm_at(device, CudaRoofline::kSgemmPeakN, timing, progress);
  out.sgemm_w6_gflops = cuda_sgemm_at(device, CudaRoofline::kSgemmW6N, timing, progress);

  {
    constexpr int64_t n = 16 << 20;  // 16M elements, as on the CPU
    kiln::Tensor x = kiln::random_uniform({n}, 81, -2.0f, 2.0f).to(device);
    kiln::Tensor y = kiln::random_uniform({n}, 82, -2.0f, 2.0f).to(device);
    Stats add = measure_on(
        device, [&] { kiln::Tensor z = x + y; }, "roofline: eager add", timing, progress);
    Stats tanh = measure_on(
        device, [&] { kiln::Tensor z = kiln::tanh(x); }, "roofline: eager tanh", timing, progress);
    out.eager_add_gbs = 12.0 * n / add.median_s / 1e9;
    out.eager_tanh_gbs = 8.0 * n / tanh.median_s / 1e9;
  }
  progress.clear();
  return out;
}

Roofline measure_roofline(int threads, const TimingOptions& timing, Progress& progress) {
  Roofline out;
  threads = std::max(1, threads);
  memory_bandwidth(threads, out, progress);
  sgemm_peak(threads, timing, out, progress);
  eager_ops(timing, out, progress);
  progress.clear();
  return out;
}

}  // namespace kiln_bench
