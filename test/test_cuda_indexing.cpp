// The host half of kiln's CUDA kernels, checked without a GPU: the Indexing the launchers
// build for broadcast and strided operands, evaluated with the kernels' own
// element_offsets, against NumPy broadcasting computed here; and every kernel name the
// launchers can ask for present in the images nvcc built.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "kernels/layout.h"
#include "kernels/cuda/kernel_args.h"
#include "kernels/cuda/launch.h"

using namespace kiln;
using namespace kiln::kernels::cuda;

namespace {

/// Element i of `out`'s iteration order: its offset in an operand of shape `in` broadcast to it.
int64_t broadcast_offset(const Shape& out, const Shape& in, int64_t i) {
  auto in_strides = kiln::kernels::contiguous_strides(in);
  int64_t offset = 0;
  for (size_t axis = out.size(); axis-- > 0;) {
    const int64_t c = i % out[axis];
    i /= out[axis];
    const size_t lead = out.size() - in.size();
    if (axis >= lead && in[axis - lead] != 1) offset += c * in_strides[axis - lead];
  }
  return offset;
}

}  // namespace

TEST_CASE("CUDA indexing: broadcast operands land where NumPy puts them", "[cuda-host]") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const int rank = std::uniform_int_distribution<int>(0, 6)(rng);
    Shape out(static_cast<size_t>(rank));
    for (auto& d : out) d = std::uniform_int_distribution<int>(1, 4)(rng);
    std::vector<Shape> ins;
    for (int k = 0; k < 3; ++k) {
      // A suffix of out's axes, each kept or broadcast (1).
      const int own = std::uniform_int_distribution<int>(0, rank)(rng);
      Shape s(out.end() - own, out.end());
      for (auto& d : s)
        if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) d = 1;
      ins.push_back(s);
    }
    INFO("trial " << trial << " out " << shape_str(out) << " ins " << shape_str(ins[0]) << " "
                  << shape_str(ins[1]) << " " << shape_str(ins[2]));
    const Indexing ix = broadcast_indexing(out, ins);
    CHECK(ix.rank <= kMaxRank);
    const int64_t n = numel_of(out);
    for (int64_t i = 0; i < n; ++i) {
      int64_t off[4];
      element_offsets(ix, i, off);
      REQUIRE(off[0] == i);
      for (int k = 0; k < 3; ++k) REQUIRE(off[k + 1] == broadcast_offset(out, ins[k], i));
    }
  }
  // Same-shape and scalar operands need no division per element.
  CHECK(broadcast_indexing({4, 5, 6}, {{4, 5, 6}, {}}).flat == 1);
  CHECK(broadcast_indexing({4, 5, 6}, {{5, 6}}).flat == 0);
}

TEST_CASE("CUDA indexing: strided copies (permute, slice, concat placement)", "[cuda-host]") {
  // out (3, 4) = transpose of x (4, 3), written into columns [2, 6) of a (3, 8) buffer.
  const Shape extent{3, 4};
  const Indexing ix = strided_indexing(extent, {8, 1}, 2, {1, 3}, 0);
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 4; ++c) {
      int64_t off[2];
      element_offsets(ix, r * 4 + c, off);
      CHECK(off[0] == 2 + r * 8 + c);
      CHECK(off[1] == c * 3 + r);
    }
  // Axes contiguous in both operands merge: a slice of whole rows is one flat run.
  const Indexing rows = strided_indexing({2, 3, 5}, {15, 5, 1}, 0, {15, 5, 1}, 30);
  CHECK(rows.rank == 1);
  CHECK(rows.flat == 1);
  int64_t off[2];
  element_offsets(rows, 17, off);
  CHECK(off[1] == 47);
  // More axes than the kernels take, none mergeable, is an error rather than a wrong copy.
  Shape wide(9, 2);
  std::vector<int64_t> scattered(9);
  for (size_t i = 0; i < 9; ++i) scattered[i] = int64_t{3} << i;
  CHECK_THROWS_WITH(
      strided_indexing(wide, kiln::kernels::contiguous_strides(wide), 0, scattered, 0),
      Catch::Contains("at most 8"));
}

TEST_CASE("CUDA images hold every kernel the launchers ask for", "[cuda-host]") {
  if (kernel_image(Family::elementwise).empty()) {
    WARN("built without the CUDA toolkit: no kernel images to check");
    return;
  }
  auto has = [](Family family, const std::string& name) {
    return kernel_image(family).find('\0' + name + '\0') != std::string_view::npos;
  };
  const DType all[] = {DType::f32, DType::f64, DType::i32, DType::i64, DType::boolean};
  int checked = 0;
  for (DType d : all) {
    const std::string s = suffix(d);
    for (const char* k : {"kiln_unary_", "kiln_binary_", "kiln_where_"})
      CHECK(has(Family::elementwise, k + s));
    for (DType to : all) CHECK(has(Family::elementwise, "kiln_cast_" + s + "_" + suffix(to)));
    CHECK(has(Family::fill, "kiln_fill_" + s));
    CHECK(has(Family::layout, "kiln_one_hot_" + s));
    for (const char* k : {"kiln_reduce_rows_", "kiln_reduce_columns_", "kiln_arg_extreme_", "kiln_cumsum_"})
      CHECK(has(Family::reduce, k + s));
    checked += 15;
  }
  for (DType d : {DType::f32, DType::f64})
    for (const char* k : {"kiln_softmax_rows_", "kiln_softmax_columns_", "kiln_layer_norm_",
                          "kiln_softmax_cross_entropy_"})
      CHECK(has(Family::reduce, k + std::string(suffix(d))));
  for (int bytes : {1, 4, 8}) {
    CHECK(has(Family::layout, "kiln_copy_" + std::to_string(bytes)));
    CHECK(has(Family::layout, "kiln_gather_" + std::to_string(bytes)));
  }
  CHECK(has(Family::fill, "kiln_matmul_i32"));
  CHECK(has(Family::fill, "kiln_matmul_i64"));
  CHECK_FALSE(has(Family::elementwise, "kiln_unary_f16"));  // the search can fail
  CHECK(checked == 75);
}
