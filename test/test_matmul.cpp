// matmul: 2-D, batched, broadcast batch dims, every numeric dtype, BLAS-sized operands,
// and K = 0.
#include <cctype>
#include <cstdlib>
#include <string>

#include "kernels/cpu/openblas.h"
#include "reference.h"

using namespace kiln;
using kt::kExact;
using kt::Tol;

namespace {

/// Reference (..., M, K) @ (..., K, N) with broadcast batch dims, in f64.
std::vector<double> matmul_ref(const std::vector<double>& a, const Shape& sa,
                               const std::vector<double>& b, const Shape& sb, Shape* out_shape) {
  int64_t M = sa[sa.size() - 2], K = sa.back(), N = sb.back();
  Shape ba(sa.begin(), sa.end() - 2), bb(sb.begin(), sb.end() - 2);
  Shape bo = kt::broadcast_shape(ba, bb);
  Shape so = bo;
  so.push_back(M);
  so.push_back(N);
  *out_shape = so;
  std::vector<double> out(static_cast<size_t>(kt::numel(so)), 0.0);
  auto sta = kt::broadcast_strides(ba, bo.size());
  auto stb = kt::broadcast_strides(bb, bo.size());
  for (int64_t bi = 0; bi < kt::numel(bo); ++bi) {
    auto idx = kt::unravel(bi, bo);
    int64_t oa = 0, ob = 0;
    for (size_t d = 0; d < bo.size(); ++d) {
      oa += idx[d] * sta[d];
      ob += idx[d] * stb[d];
    }
    const double* pa = a.data() + oa * M * K;
    const double* pb = b.data() + ob * K * N;
    double* po = out.data() + bi * M * N;
    for (int64_t m = 0; m < M; ++m)
      for (int64_t k = 0; k < K; ++k) {
        double x = pa[m * K + k];
        for (int64_t n = 0; n < N; ++n) po[m * N + n] += x * pb[k * N + n];
      }
  }
  return out;
}

Tol mm_tol(DType d, int64_t K) {
  if (d == DType::f32) return Tol{2e-5, 2e-6 * static_cast<double>(std::max<int64_t>(K, 1))};
  if (d == DType::f64) return Tol{1e-12, 1e-13 * static_cast<double>(std::max<int64_t>(K, 1))};
  return kExact;
}

void check_matmul(DType d, const Shape& sa, const Shape& sb, uint64_t seed) {
  INFO(kt::dtype_str(d) << " " << kt::shape_string(sa) << " @ " << kt::shape_string(sb));
  auto a = kt::rounded(kt::random_for(d, kt::numel(sa), -3, 3, seed), d);
  auto b = kt::rounded(kt::random_for(d, kt::numel(sb), -3, 3, seed + 1), d);
  Shape so;
  auto want = matmul_ref(a, sa, b, sb, &so);
  CHECK_TENSOR(matmul(kt::make(a, sa, d), kt::make(b, sb, d)), want, so, d, mm_tol(d, sa.back()));
}

}  // namespace

TEST_CASE("matmul shapes and dtypes", "[matmul]") {
  struct C {
    Shape a, b;
  };
  std::vector<C> cases{
      {{2, 3}, {3, 4}},              // 2-D
      {{1, 1}, {1, 1}},              // 1x1
      {{5, 1}, {1, 7}},              // outer product
      {{1, 8}, {8, 1}},              // dot
      {{4, 2, 3}, {4, 3, 5}},        // batched
      {{2, 1, 3, 4}, {5, 4, 6}},     // broadcast batch dims, ranks differ
      {{3, 4}, {2, 4, 5}},           // 2-D broadcast against a batch
      {{2, 3, 4}, {4, 2}},           // batch against 2-D
      {{1, 3, 2, 2}, {4, 1, 2, 3}},  // both sides broadcast
      {{0, 3}, {3, 4}},              // M = 0
      {{2, 3}, {3, 0}},              // N = 0
      {{0, 2, 3}, {3, 4}},           // zero batch
  };
  for (DType d : {DType::f32, DType::f64, DType::i32, DType::i64})
    DYNAMIC_SECTION(kt::dtype_str(d)) {
      uint64_t seed = 1;
      for (auto& c : cases) check_matmul(d, c.a, c.b, seed += 2);
    }
}

TEST_CASE("matmul with K = 0 gives zeros", "[matmul]") {
  for (DType d : {DType::f32, DType::f64, DType::i32, DType::i64}) {
    INFO(kt::dtype_str(d));
    auto a = zeros({3, 0}, d), b = zeros({0, 4}, d);
    CHECK_TENSOR(matmul(a, b), std::vector<double>(12, 0.0), Shape{3, 4}, d, kExact);
    auto ab = zeros({2, 3, 0}, d), bb = zeros({0, 5}, d);
    CHECK_TENSOR(matmul(ab, bb), std::vector<double>(30, 0.0), Shape{2, 3, 5}, d, kExact);
  }
}

TEST_CASE("matmul large enough for BLAS and threads", "[matmul][large]") {
  SECTION("f32 130x70 @ 70x90") { check_matmul(DType::f32, {130, 70}, {70, 90}, 11); }
  SECTION("f64 130x70 @ 70x90") { check_matmul(DType::f64, {130, 70}, {70, 90}, 12); }
  SECTION("i32 130x70 @ 70x90") { check_matmul(DType::i32, {130, 70}, {70, 90}, 13); }
  SECTION("i64 64x100 @ 100x33") { check_matmul(DType::i64, {64, 100}, {100, 33}, 14); }
  SECTION("f32 batched broadcast 3x1x64x48 @ 5x48x40") {
    check_matmul(DType::f32, {3, 1, 64, 48}, {5, 48, 40}, 15);
  }
  SECTION("f32 256x256 @ 256x256") { check_matmul(DType::f32, {256, 256}, {256, 256}, 16); }
  SECTION("odd sizes") { check_matmul(DType::f32, {17, 129}, {129, 3}, 17); }
}

TEST_CASE("matmul of transposed operands", "[matmul]") {
  auto av = kt::uniform(12, -1, 1, 1), bv = kt::uniform(20, -1, 1, 2);
  auto a = kt::make(av, {4, 3}, DType::f64);  // used as (3, 4) via transpose
  auto b = kt::make(bv, {5, 4}, DType::f64);  // used as (4, 5)
  std::vector<double> at(12), bt(20);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) at[j * 4 + i] = av[i * 3 + j];
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j) bt[j * 5 + i] = bv[i * 4 + j];
  Shape so;
  auto want = matmul_ref(at, {3, 4}, bt, {4, 5}, &so);
  CHECK_TENSOR(matmul(transpose(a), transpose(b)), want, so, DType::f64, kt::kF64);
}

TEST_CASE("compiled products read transposes in place (BLAS's transpose flags)", "[matmul][jit]") {
  // On the CPU a 2-D transpose that only feeds products is not materialized: the GEMM reads
  // its input transposed. Checked against the f64 reference for every combination, small
  // (in-house loop) and BLAS-sized, plain matmuls, output fusions (an epilogue after the
  // product) and a transpose with another use (materialized after all), in graph mode and
  // jit, f32 and f64.
  struct Case {
    int64_t M, K, N;
  };
  for (DType d : {DType::f32, DType::f64})
    for (Case c : {Case{3, 4, 5}, Case{70, 130, 90}, Case{64, 256, 33}})
      for (int ta : {0, 1})
        for (int tb : {0, 1})
          for (bool jit : {false, true}) {
            INFO(kt::dtype_str(d) << " " << c.M << "x" << c.K << "x" << c.N << " ta " << ta
                                  << " tb " << tb << (jit ? " jit" : " graph"));
            const Shape sa = ta ? Shape{c.K, c.M} : Shape{c.M, c.K};
            const Shape sb = tb ? Shape{c.N, c.K} : Shape{c.K, c.N};
            auto av = kt::rounded(kt::random_for(d, kt::numel(sa), -2, 2, 31), d);
            auto bv = kt::rounded(kt::random_for(d, kt::numel(sb), -2, 2, 32), d);
            std::vector<double> am(av.size()), bm(bv.size());  // the operands as multiplied
            for (int64_t i = 0; i < c.M; ++i)
              for (int64_t k = 0; k < c.K; ++k)
                am[i * c.K + k] = ta ? av[k * c.M + i] : av[i * c.K + k];
            for (int64_t k = 0; k < c.K; ++k)
              for (int64_t j = 0; j < c.N; ++j)
                bm[k * c.N + j] = tb ? bv[j * c.K + k] : bv[k * c.N + j];
            Shape so;
            const auto product = matmul_ref(am, {c.M, c.K}, bm, {c.K, c.N}, &so);
            std::vector<double> activated(product.size());
            for (size_t i = 0; i < product.size(); ++i)
              activated[i] = std::max(product[i] * 2, 0.0);
            FunctionOptions o;
            o.jit = jit;
            // A product alone (a GEMM step), and one with an epilogue (jit: an output fusion).
            auto f = kiln::function(
                [&](Tensor a, Tensor b) {
                  return matmul(ta ? transpose(a) : a, tb ? transpose(b) : b);
                },
                o);
            auto f2 = kiln::function(
                [&](Tensor a, Tensor b) {
                  return relu(matmul(ta ? transpose(a) : a, tb ? transpose(b) : b) * 2.0);
                },
                o);
            const Tensor a = kt::make(av, sa, d), b = kt::make(bv, sb, d);
            CHECK_TENSOR(f(a, b), product, so, d, mm_tol(d, c.K));
            CHECK_TENSOR(f2(a, b), activated, so, d, mm_tol(d, c.K));
            // The transpose used elsewhere too (an elementwise op): materialized, same values.
            auto g = kiln::function(
                [&](Tensor a2, Tensor b2) {
                  Tensor x = ta ? transpose(a2) : a2, y = tb ? transpose(b2) : b2;
                  return matmul(x, y) + sum(x) * 0.0 + sum(y) * 0.0;
                },
                o);
            CHECK_TENSOR(g(a, b), product, so, d, mm_tol(d, c.K));
          }
}

TEST_CASE("a transpose read in place keeps its input alive past ops that could reuse it",
          "[matmul][jit]") {
  // x dies (as far as its direct uses go) at `y = x + 1`, which may then write over x's
  // buffer; the product after it reads x through the transpose it never materialized.
  auto body = [](Tensor a, Tensor w) {
    Tensor x = a * 2.0f;
    Tensor t = transpose(x);
    Tensor y = x + 1.0f;
    return std::vector<Tensor>{matmul(t, w), y};
  };
  const Tensor a = random_uniform({40, 30}, 5, -1.0f, 1.0f);
  const Tensor w = random_uniform({40, 20}, 6, -1.0f, 1.0f);
  const std::vector<Tensor> want = body(a, w);
  for (bool jit : {false, true}) {
    INFO((jit ? "jit" : "graph"));
    FunctionOptions o;
    o.jit = jit;
    auto f = kiln::function(body, o);
    const std::vector<Tensor> got = f(a, w);
    const auto g = got[0].to_vector<float>(), e = want[0].to_vector<float>();
    for (size_t i = 0; i < g.size(); ++i)
      REQUIRE(std::abs(g[i] - e[i]) <= 1e-5f * (1 + std::abs(e[i])));
    CHECK(got[1].to_vector<float>() == want[1].to_vector<float>());
  }
}

TEST_CASE("matmul against identity", "[matmul]") {
  auto v = kt::rounded(kt::uniform(36, -10, 10, 3), DType::f32);
  auto x = kt::make(v, {6, 6});
  CHECK_TENSOR(matmul(x, eye(6)), v, Shape{6, 6}, DType::f32, kExact);
  CHECK_TENSOR(matmul(eye(6), x), v, Shape{6, 6}, DType::f32, kExact);
}

TEST_CASE("matmul errors", "[matmul]") {
  CHECK_THROWS_AS(matmul(zeros({2, 3}), zeros({4, 5})), Error);
  CHECK_THROWS_AS(matmul(zeros({3}), zeros({3, 5})), Error);
  CHECK_THROWS_AS(matmul(zeros({2, 3}), zeros({3})), Error);
  CHECK_THROWS_AS(matmul(zeros({2, 2, 3}), zeros({3, 3, 5})), Error);  // batch 2 vs 3
  CHECK_THROWS_AS(matmul(zeros({2, 3}), zeros({3, 5}, DType::f64)), Error);
}

TEST_CASE("OpenBLAS runs the kernels OPENBLAS_CORETYPE names, else the newest the CPU has",
          "[matmul][blas]") {
  // kiln loads OpenBLAS itself (kernels/cpu/openblas.h) so that a CPU OpenBLAS does not
  // know (Debian's 0.3.21 on a 2024 Xeon) does not get its oldest, SSE3 kernels: 5x slower
  // products. The user's OPENBLAS_CORETYPE wins (CI sets one).
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const char* before = std::getenv("OPENBLAS_CORETYPE");
  const std::string wanted = before != nullptr ? before : "";
  Tensor p = matmul(ones({64, 64}), ones({64, 64}));  // BLAS-sized: loads OpenBLAS
  CHECK(p.to_vector<float>()[0] == 64.0f);
  const std::string core = kernels::cpu::openblas_core();
  INFO("OpenBLAS core " << core << ", OPENBLAS_CORETYPE at the start: " << wanted);
  if (!wanted.empty()) {
    CHECK(lower(core) == lower(wanted));
  } else if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
    CHECK(core == "SkylakeX");
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    CHECK(core == "Haswell");
  }
}
