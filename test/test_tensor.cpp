// Tensor construction, host copies, formatting, astype, and the factories.
#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "reference.h"
#include "runtime/cuda_driver.h"

using namespace kiln;
using kt::kExact;

TEST_CASE("Tensor::from keeps shape, dtype and values", "[tensor]") {
  SECTION("f32 2-D") {
    auto t = Tensor::from<float>({1.5f, -2.f, 3.f, 4.25f, 5.f, 6.f}, {2, 3});
    CHECK(t.defined());
    CHECK(t.dtype() == DType::f32);
    CHECK(t.shape() == Shape{2, 3});
    CHECK(t.rank() == 2);
    CHECK(t.numel() == 6);
    CHECK(t.device() == Device{});
    CHECK(t.to_vector<float>() == std::vector<float>{1.5f, -2.f, 3.f, 4.25f, 5.f, 6.f});
  }
  SECTION("f64 from a vector") {
    std::vector<double> v{0.1, 0.2, 0.3};
    auto t = Tensor::from(v, {3});
    CHECK(t.dtype() == DType::f64);
    CHECK(t.to_vector<double>() == v);
  }
  SECTION("i32 and i64") {
    auto a = Tensor::from<int32_t>({1, -2, 2147483647, -2147483647 - 1}, {2, 2});
    CHECK(a.dtype() == DType::i32);
    CHECK(a.to_vector<int32_t>() == std::vector<int32_t>{1, -2, 2147483647, -2147483647 - 1});
    std::vector<int64_t> big{int64_t{1} << 40, -(int64_t{1} << 50), 7};
    auto b = Tensor::from(big, {3, 1});
    CHECK(b.dtype() == DType::i64);
    CHECK(b.shape() == Shape{3, 1});
    CHECK(b.to_vector<int64_t>() == big);
  }
  SECTION("boolean from std::vector<bool>") {
    std::vector<bool> v{true, false, false, true, true};
    auto t = Tensor::from(v, {5});
    CHECK(t.dtype() == DType::boolean);
    CHECK(t.to_vector<bool>() == v);
  }
  SECTION("span") {
    std::vector<int64_t> v{4, 5, 6, 7};
    auto t = Tensor::from(std::span<const int64_t>(v), {2, 1, 2});
    CHECK(t.shape() == Shape{2, 1, 2});
    CHECK(t.to_vector<int64_t>() == v);
  }
  SECTION("the tensor owns a copy of the data") {
    std::vector<float> v{1, 2, 3};
    auto t = Tensor::from(v, {3});
    v[0] = 100;
    CHECK(t.to_vector<float>()[0] == 1.0f);
  }
  SECTION("element count must match the shape") {
    CHECK_THROWS_AS(Tensor::from<float>({1, 2, 3}, {2, 2}), Error);
  }
}

TEST_CASE("Tensor: a large tensor round-trips", "[tensor]") {
  auto v = kt::uniform(200000, -5, 5, 11);
  auto t = kt::make(v, {400, 500}, DType::f64);
  CHECK(t.to_vector<double>() == v);
}

TEST_CASE("Tensor::scalar and item: rank 0", "[tensor]") {
  auto s = Tensor::scalar(2.5f);
  CHECK(s.dtype() == DType::f32);
  CHECK(s.rank() == 0);
  CHECK(s.shape().empty());
  CHECK(s.numel() == 1);
  CHECK(s.item<float>() == 2.5f);
  CHECK(s.to_vector<float>() == std::vector<float>{2.5f});

  CHECK(Tensor::scalar(int64_t{-9}).dtype() == DType::i64);
  CHECK(Tensor::scalar(int64_t{-9}).item<int64_t>() == -9);
  CHECK(Tensor::scalar(7).dtype() == DType::i32);
  CHECK(Tensor::scalar(3.25).item<double>() == 3.25);
  CHECK(Tensor::scalar(true).dtype() == DType::boolean);
  CHECK(Tensor::scalar(true).item<bool>() == true);
  CHECK(Tensor::scalar(false).item<bool>() == false);
}

TEST_CASE("item and to_vector convert like static_cast", "[tensor]") {
  auto one = Tensor::from<float>({-3.75f}, {1, 1});
  CHECK(one.item<float>() == -3.75f);
  CHECK(one.item<double>() == -3.75);
  CHECK(one.item<int32_t>() == -3);  // truncates toward zero
  CHECK(one.item<int64_t>() == -3);
  auto ints = Tensor::from<int32_t>({1, 0, -5}, {3});
  CHECK(ints.to_vector<double>() == std::vector<double>{1, 0, -5});
  CHECK(ints.to_vector<float>() == std::vector<float>{1, 0, -5});
  CHECK(ints.to_vector<int64_t>() == std::vector<int64_t>{1, 0, -5});
  CHECK(ints.to_vector<bool>() == std::vector<bool>{true, false, true});
}

TEST_CASE("Tensor: zero-sized dimensions", "[tensor]") {
  std::vector<float> none;
  auto t = Tensor::from(none, {3, 0, 2});
  CHECK(t.shape() == Shape{3, 0, 2});
  CHECK(t.numel() == 0);
  CHECK(t.rank() == 3);
  CHECK(t.to_vector<float>().empty());
  auto z = zeros({0}, DType::i64);
  CHECK(z.numel() == 0);
  CHECK(z.dtype() == DType::i64);
  CHECK(t.astype(DType::i32).shape() == Shape{3, 0, 2});
  CHECK(t.astype(DType::i32).dtype() == DType::i32);
}

TEST_CASE("Tensor::str formats values, shape and dtype", "[tensor][str]") {
  SECTION("a matrix: a row per line, elements right-aligned (NumPy's layout)") {
    auto t = Tensor::from<float>({1, 10, 1, 31}, {2, 2});
    CHECK(t.str() ==
          "kiln.Tensor([[ 1 10]\n"
          "             [ 1 31]], shape=(2, 2), dtype=f32)");
    // A 20 x 20 has 20 lines, each row on its own.
    auto big = random_normal({20, 20}, 1).str();
    CHECK(std::count(big.begin(), big.end(), '\n') == 19);
  }
  SECTION("operator<< writes str()") {
    auto t = Tensor::from<int32_t>({1, 2, 3}, {3});
    std::ostringstream os;
    os << t;
    CHECK(os.str() == t.str());
  }
  SECTION("integers, rank 1 and 3") {
    auto t = Tensor::from<int64_t>({1, 2, 3}, {3});
    CHECK(t.str() == "kiln.Tensor([1 2 3], shape=(3,), dtype=i64)");
    auto u = Tensor::from<int32_t>({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
    CHECK(u.str() ==
          "kiln.Tensor([[[1 2]\n"
          "              [3 4]]\n"
          "\n"
          "             [[5 6]\n"
          "              [7 8]]], shape=(2, 2, 2), dtype=i32)");
  }
  SECTION("negative and fractional values") {
    auto t = Tensor::from<double>({-1.5, 2.25}, {2});
    auto s = t.str();
    CHECK_THAT(s, Catch::StartsWith("kiln.Tensor(["));
    CHECK_THAT(s, Catch::Contains("-1.5") && Catch::Contains("2.25") &&
                      Catch::EndsWith("], shape=(2,), dtype=f64)"));
  }
  SECTION("rank 0") {
    auto s = Tensor::scalar(int32_t{42}).str();
    CHECK_THAT(s, Catch::Contains("42") && Catch::Contains("shape=()") &&
                      Catch::Contains("dtype=i32") && Catch::StartsWith("kiln.Tensor("));
    CHECK_THAT(s, !Catch::Contains("["));
  }
  SECTION("boolean") {
    auto s = Tensor::from(std::vector<bool>{true, false}, {2}).str();
    CHECK_THAT(s, Catch::Contains("dtype=boolean") && Catch::Contains("shape=(2,)"));
  }
  SECTION("zero-sized") {
    std::vector<float> none;
    auto s = Tensor::from(none, {0}).str();
    CHECK_THAT(s, Catch::Contains("shape=(0,)") && Catch::Contains("dtype=f32"));
    auto s2 = Tensor::from(none, {2, 0}).str();
    CHECK_THAT(s2, Catch::Contains("shape=(2, 0)"));
  }
  SECTION("long tensors are summarized") {
    auto t = arange(100000, DType::i64);
    auto s = t.str();
    CHECK_THAT(s, Catch::Contains("...") && Catch::Contains("shape=(100000,)") &&
                      Catch::Contains("99999") &&
                      Catch::StartsWith("kiln.Tensor([    0     1     2 ... 99997 99998 99999]"));
    CHECK(s.size() < 2000);
    // Rows and columns alike: 3 rows, "...", 3 rows; each with 3, "...", 3 entries.
    auto m = zeros({100, 100}, DType::i32).str();
    CHECK(std::count(m.begin(), m.end(), '\n') == 6);
    CHECK_THAT(m, Catch::StartsWith("kiln.Tensor([[0 0 0 ... 0 0 0]\n             [0 0 0 ... 0 0 0]"));
    CHECK_THAT(m, Catch::Contains("\n             ...\n"));
  }
}

TEST_CASE("astype converts between every pair of dtypes", "[tensor][cast]") {
  std::vector<double> v{0, 1, 2, 3, 0, 5};  // representable in every dtype, bool-safe
  for (DType from : kAllDTypes) {
    for (DType to : kAllDTypes) {
      DYNAMIC_SECTION(kt::dtype_str(from) << " -> " << kt::dtype_str(to)) {
        auto x = kt::make(v, {2, 3}, from);
        auto y = x.astype(to);
        CHECK_TENSOR(y, kt::rounded(kt::rounded(v, from), to), Shape{2, 3}, to, kExact);
        // The source is unchanged.
        CHECK_TENSOR(x, kt::rounded(v, from), Shape{2, 3}, from, kExact);
      }
    }
  }
}

TEST_CASE("astype: floating to integer truncates toward zero", "[tensor][cast]") {
  auto x = Tensor::from<float>({-2.7f, -0.5f, 0.5f, 2.7f, 100.99f}, {5});
  CHECK(x.astype(DType::i32).to_vector<int32_t>() == std::vector<int32_t>{-2, 0, 0, 2, 100});
  CHECK(x.astype(DType::i64).to_vector<int64_t>() == std::vector<int64_t>{-2, 0, 0, 2, 100});
  CHECK(x.astype(DType::boolean).to_vector<bool>() ==
        std::vector<bool>{true, true, true, true, true});
  CHECK(x.astype(DType::f32).to_vector<float>() == x.to_vector<float>());
}

TEST_CASE("to(Device{cpu}) keeps the values", "[tensor]") {
  auto x = Tensor::from<float>({1, 2, 3}, {3});
  auto y = x.to(Device{});
  CHECK(y.device() == Device{});
  CHECK(y.to_vector<float>() == x.to_vector<float>());
}

TEST_CASE("dtype helpers", "[tensor]") {
  CHECK(dtype_name(DType::f32) == "f32");
  CHECK(dtype_name(DType::f64) == "f64");
  CHECK(dtype_name(DType::i32) == "i32");
  CHECK(dtype_name(DType::i64) == "i64");
  CHECK(dtype_name(DType::boolean) == "boolean");
  CHECK(dtype_size(DType::f32) == 4);
  CHECK(dtype_size(DType::f64) == 8);
  CHECK(dtype_size(DType::i32) == 4);
  CHECK(dtype_size(DType::i64) == 8);
  CHECK(dtype_size(DType::boolean) == 1);
  CHECK(is_floating(DType::f32));
  CHECK(is_floating(DType::f64));
  CHECK_FALSE(is_floating(DType::i32));
  CHECK(is_integer(DType::i64));
  CHECK_FALSE(is_integer(DType::boolean));
  CHECK(shape_str({2, 3}) == "(2, 3)");
  CHECK(shape_str({}) == "()");
  CHECK(shape_str({5}) == "(5,)");
  CHECK(numel_of({}) == 1);
  CHECK(numel_of({2, 0, 4}) == 0);
  CHECK(numel_of({2, 3, 4}) == 24);
  CHECK(to_string(Device{}) == "cpu");
  CHECK(to_string(Device{Device::cuda, 0}) == "cuda:0");
}

TEST_CASE("factories", "[tensor][factory]") {
  SECTION("zeros and ones") {
    auto z = zeros({2, 3});
    CHECK_TENSOR(z, std::vector<double>(6, 0.0), Shape{2, 3}, DType::f32, kExact);
    auto o = ones({4}, DType::i32);
    CHECK_TENSOR(o, std::vector<double>(4, 1.0), Shape{4}, DType::i32, kExact);
    auto ob = ones({2}, DType::boolean);
    CHECK_TENSOR(ob, std::vector<double>(2, 1.0), Shape{2}, DType::boolean, kExact);
    auto z0 = zeros({}, DType::f64);
    CHECK_TENSOR(z0, std::vector<double>{0.0}, Shape{}, DType::f64, kExact);
    auto big = ones({300, 400});
    CHECK_TENSOR(big, std::vector<double>(120000, 1.0), Shape{300, 400}, DType::f32, kExact);
  }
  SECTION("full") {
    CHECK_TENSOR(full({2, 2}, 3.5), std::vector<double>(4, 3.5), Shape{2, 2}, DType::f32, kExact);
    CHECK_TENSOR(full({3}, 7, DType::i64), std::vector<double>(3, 7.0), Shape{3}, DType::i64,
                 kExact);
    CHECK_TENSOR(full({}, -2.0, DType::f64), std::vector<double>{-2.0}, Shape{}, DType::f64,
                 kExact);
  }
  SECTION("arange(n) defaults to i64") {
    auto a = arange(5);
    CHECK_TENSOR(a, std::vector<double>{0, 1, 2, 3, 4}, Shape{5}, DType::i64, kExact);
    CHECK_TENSOR(arange(4, DType::f32), std::vector<double>{0, 1, 2, 3}, Shape{4}, DType::f32,
                 kExact);
    CHECK(arange(0).shape() == Shape{0});
    auto big = arange(150000, DType::i32);
    std::vector<double> want(150000);
    for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<double>(i);
    CHECK_TENSOR(big, want, Shape{150000}, DType::i32, kExact);
  }
  SECTION("arange(start, stop, step)") {
    CHECK_TENSOR(arange(1.0, 2.0, 0.25), std::vector<double>{1, 1.25, 1.5, 1.75}, Shape{4},
                 DType::f32, kt::kF32Arith);
    CHECK_TENSOR(arange(5.0, 0.0, -2.0, DType::i64), std::vector<double>{5, 3, 1}, Shape{3},
                 DType::i64, kExact);
    CHECK_TENSOR(arange(0.0, 1.0, 0.5, DType::f64), std::vector<double>{0, 0.5}, Shape{2},
                 DType::f64, kExact);
  }
  SECTION("eye") {
    CHECK_TENSOR(eye(3), std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1}, Shape{3, 3}, DType::f32,
                 kExact);
    CHECK_TENSOR(eye(2, DType::i32), std::vector<double>{1, 0, 0, 1}, Shape{2, 2}, DType::i32,
                 kExact);
    CHECK(eye(0).shape() == Shape{0, 0});
  }
}

TEST_CASE("copies share storage; ops never mutate their inputs", "[tensor]") {
  auto x = Tensor::from<float>({1, 2, 3, 4}, {2, 2});
  Tensor y = x;
  CHECK(y.data() == x.data());
  auto z = x + 1.0f;
  auto r = reshape(x, {4});
  (void)z;
  (void)r;
  CHECK(x.to_vector<float>() == std::vector<float>{1, 2, 3, 4});
  CHECK(x.shape() == Shape{2, 2});
}

// The reference helpers themselves: a comparison that never fails would make every
// numerics test vacuous.
TEST_CASE("reference helpers detect mismatches", "[tensor][reference]") {
  auto t = Tensor::from<float>({1, 2, 3, 4}, {2, 2});
  CHECK(kt::compare(t, {1, 2, 3, 4}, {2, 2}, DType::f32, kExact).empty());
  CHECK_THAT(kt::compare(t, {1, 2, 3, 5}, {2, 2}, DType::f32, kExact),
             Catch::Contains("flat index 3 [1, 1]") && Catch::Contains("got 4") &&
                 Catch::Contains("expected 5"));
  CHECK_THAT(kt::compare(t, {1, 2, 3, 4}, {4}, DType::f32, kExact), Catch::Contains("shape"));
  CHECK_THAT(kt::compare(t, {1, 2, 3, 4}, {2, 2}, DType::f64, kExact), Catch::Contains("dtype"));
  CHECK_FALSE(kt::compare(t, {1, 2, 3, 4.001}, {2, 2}, DType::f32, kt::kF32Arith).empty());
  CHECK(kt::compare(t, {1, 2, 3, 4.00001}, {2, 2}, DType::f32, kt::kF32Arith).empty());
  auto n = Tensor::from<float>({NAN, INFINITY}, {2});
  CHECK(kt::compare(n, {kt::kNaN, kt::kInf}, {2}, DType::f32, kExact).empty());
  CHECK_FALSE(kt::compare(n, {0, kt::kInf}, {2}, DType::f32, kt::Tol{1, 1}).empty());
  CHECK_FALSE(kt::compare(n, {kt::kNaN, 1e30}, {2}, DType::f32, kt::Tol{1, 1}).empty());

  // Broadcasting: (3,1) x (2,) -> (3, 2).
  Shape so;
  auto b = kt::broadcast_apply({1, 2, 3}, {3, 1}, {10, 20}, {2}, std::plus<>(), &so);
  CHECK(so == Shape{3, 2});
  CHECK(b == std::vector<double>{11, 21, 12, 22, 13, 23});
  // Reductions: sum over {0, 2} of a (2, 2, 2) arange.
  std::vector<double> v{0, 1, 2, 3, 4, 5, 6, 7};
  auto r = kt::reduce_ref(v, {2, 2, 2}, {0, 2}, false, kt::Red::sum, &so);
  CHECK(so == Shape{2});
  CHECK(r == std::vector<double>{0 + 1 + 4 + 5, 2 + 3 + 6 + 7});
  auto rk = kt::reduce_ref(v, {2, 2, 2}, {-1}, true, kt::Red::max, &so);
  CHECK(so == Shape{2, 2, 1});
  CHECK(rk == std::vector<double>{1, 3, 5, 7});
  auto am = kt::reduce_ref({3, 9, 9, 1}, {2, 2}, {0}, false, kt::Red::argmax, &so);
  CHECK(am == std::vector<double>{1, 0});
}

TEST_CASE("a CUDA device that cannot be used is a clear error, never a crash", "[cuda]") {
  // Without a GPU (or with $KILN_CUDA_DRIVER naming the toolkit's stub, see
  // test/CMakeLists.txt) the driver's status says why; moving a tensor there throws a
  // kiln::Error naming the op, the device and that reason.
  const runtime::CudaStatus& status = runtime::cuda_status();
  Tensor x = Tensor::from<float>({1, 2, 3}, {3});
  if (!status.available) {
    CHECK_FALSE(status.reason.empty());
    CHECK(status.devices == 0);
  }
  const char* stub = std::getenv("KILN_CUDA_DRIVER");
  if (stub && *stub) {
    INFO(status.reason);
    CHECK_FALSE(status.available);
    CHECK(status.reason.find("cuInit failed") != std::string::npos);
    // Every entry point kiln's CUDA runtime calls exists under the name it looks up.
    CHECK(runtime::missing_cuda_entry_points(stub).empty());
  }
  if (!status.available) CHECK(runtime::cuda_driver_api() == nullptr);
  CHECK_FALSE(runtime::missing_cuda_entry_points("/nonexistent/libcuda.so.1").empty());
  try {
    x.to(Device{Device::cuda, status.available ? status.devices : 0});
    FAIL("to(cuda) returned");
  } catch (const Error& e) {
    const std::string m = e.what();
    INFO(m);
    CHECK(m.find("[to]") != std::string::npos);
    CHECK(m.find("cuda:") != std::string::npos);
    if (!status.available) CHECK(m.find(status.reason) != std::string::npos);
  }
  CHECK_THROWS_AS(zeros({2}, DType::f32, Device{Device::cuda, 0}), Error);
}
