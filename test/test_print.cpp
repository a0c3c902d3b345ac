// kiln::print writes "label: " (when a label is given), x.str() and a newline to stdout
// when the op runs. The kernel writes through std::cout, so redirecting its rdbuf
// captures it.
#include <iostream>
#include <sstream>

#include "capture_cout.h"
#include "reference.h"

using namespace kiln;

namespace {

using kt::CaptureCout;

}  // namespace

TEST_CASE("print writes label and str to stdout", "[print]") {
  auto x = Tensor::from<float>({1, 10, 1, 31}, {2, 2});
  CaptureCout cap;
  print(x, "x");
  CHECK(cap.str() == "x: " + x.str() + "\n");
  CHECK(cap.str() == "x: kiln.Tensor([[ 1 10]\n             [ 1 31]], shape=(2, 2), dtype=f32)\n");
}

TEST_CASE("print without a label writes only str", "[print]") {
  auto x = Tensor::from<int64_t>({1, 2, 3}, {3});
  CaptureCout cap;
  print(x);
  CHECK(cap.str() == x.str() + "\n");
}

TEST_CASE("print: each call prints, in program order", "[print]") {
  auto a = Tensor::scalar(int32_t{1});
  auto b = Tensor::from<double>({0.5, -2.0}, {2});
  CaptureCout cap;
  print(a, "first");
  print(b, "second");
  print(a, "first");
  CHECK(cap.str() == "first: " + a.str() + "\nsecond: " + b.str() + "\nfirst: " + a.str() + "\n");
}

TEST_CASE("print of computed, large and empty tensors", "[print]") {
  auto y = Tensor::from<float>({1, 2}, {2}) * 3.0f;
  auto big = zeros({1000, 1000});
  auto empty = zeros({0, 3}, DType::i32);
  CaptureCout cap;
  print(y, "y");
  print(big, "big");
  print(empty, "empty");
  auto out = cap.str();
  CHECK(out == "y: " + y.str() + "\nbig: " + big.str() + "\nempty: " + empty.str() + "\n");
  CHECK_THAT(out, Catch::Contains("y: kiln.Tensor([3 6], shape=(2,), dtype=f32)"));
  CHECK_THAT(out, Catch::Contains("...") && Catch::Contains("shape=(1000, 1000)"));
  CHECK(out.size() < 5000);  // summarized, not a million zeros
}

TEST_CASE("print does not change its input and leaves std::cout usable", "[print]") {
  auto x = Tensor::from<float>({4, 5}, {2});
  {
    CaptureCout cap;
    print(x, "x");
    std::cout << "after";
    CHECK(cap.str() == "x: " + x.str() + "\nafter");
  }
  CHECK(x.to_vector<float>() == std::vector<float>{4, 5});
}

TEST_CASE("print of an undefined tensor throws", "[print]") {
  CaptureCout cap;
  CHECK_THAT(kt::error_of([] { print(Tensor(), "u"); }), Catch::Contains("[print]"));
}
