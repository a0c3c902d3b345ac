// Shape ops: reshape, transpose, broadcast_to, expand_dims, squeeze, slice, concat,
// gather, one_hot, index_update.
#include <numeric>

#include "reference.h"

using namespace kiln;
using kt::kExact;

namespace {

std::vector<double> iota(int64_t n, double start = 0) {
  std::vector<double> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}

/// out[i0..ik] = x[j] where j's axis perm[a] index is i_a.
std::vector<double> transpose_ref(const std::vector<double>& v, const Shape& s,
                                  const std::vector<int64_t>& perm, Shape* out_shape) {
  Shape so;
  for (auto p : perm) so.push_back(s[static_cast<size_t>(p)]);
  *out_shape = so;
  auto st = kt::strides_of(s);
  std::vector<double> out(static_cast<size_t>(kt::numel(so)));
  for (int64_t i = 0; i < kt::numel(so); ++i) {
    auto idx = kt::unravel(i, so);
    int64_t src = 0;
    for (size_t a = 0; a < perm.size(); ++a) src += idx[a] * st[static_cast<size_t>(perm[a])];
    out[static_cast<size_t>(i)] = v[static_cast<size_t>(src)];
  }
  return out;
}

/// begin/end already normalized.
std::vector<double> slice_ref(const std::vector<double>& v, const Shape& s,
                              const std::vector<int64_t>& b, const std::vector<int64_t>& e,
                              Shape* out_shape) {
  Shape so;
  for (size_t a = 0; a < s.size(); ++a) so.push_back(e[a] - b[a]);
  *out_shape = so;
  auto st = kt::strides_of(s);
  std::vector<double> out(static_cast<size_t>(kt::numel(so)));
  for (int64_t i = 0; i < kt::numel(so); ++i) {
    auto idx = kt::unravel(i, so);
    int64_t src = 0;
    for (size_t a = 0; a < s.size(); ++a) src += (idx[a] + b[a]) * st[a];
    out[static_cast<size_t>(i)] = v[static_cast<size_t>(src)];
  }
  return out;
}

std::vector<double> concat_ref(const std::vector<std::vector<double>>& vs,
                               const std::vector<Shape>& ss, int64_t axis, Shape* out_shape) {
  auto ax = static_cast<size_t>(axis);
  Shape so = ss[0];
  so[ax] = 0;
  for (auto& s : ss) so[ax] += s[ax];
  *out_shape = so;
  std::vector<double> out(static_cast<size_t>(kt::numel(so)));
  for (int64_t i = 0; i < kt::numel(so); ++i) {
    auto idx = kt::unravel(i, so);
    int64_t k = 0, pos = idx[ax];
    while (pos >= ss[static_cast<size_t>(k)][ax]) pos -= ss[static_cast<size_t>(k++)][ax];
    auto src_idx = idx;
    src_idx[ax] = pos;
    auto& s = ss[static_cast<size_t>(k)];
    auto st = kt::strides_of(s);
    int64_t src = 0;
    for (size_t a = 0; a < s.size(); ++a) src += src_idx[a] * st[a];
    out[static_cast<size_t>(i)] = vs[static_cast<size_t>(k)][static_cast<size_t>(src)];
  }
  return out;
}

std::vector<double> gather_ref(const std::vector<double>& v, const Shape& s,
                               const std::vector<double>& ind, const Shape& is, int64_t axis,
                               Shape* out_shape) {
  auto ax = static_cast<size_t>(axis);
  Shape so(s.begin(), s.begin() + axis);
  so.insert(so.end(), is.begin(), is.end());
  so.insert(so.end(), s.begin() + axis + 1, s.end());
  *out_shape = so;
  auto st = kt::strides_of(s);
  std::vector<double> out(static_cast<size_t>(kt::numel(so)));
  for (int64_t i = 0; i < kt::numel(so); ++i) {
    auto idx = kt::unravel(i, so);
    // idx = outer (axis) + index dims (is.size()) + inner.
    int64_t flat_ind = 0;
    auto ist = kt::strides_of(is);
    for (size_t k = 0; k < is.size(); ++k) flat_ind += idx[ax + k] * ist[k];
    auto j = static_cast<int64_t>(ind[static_cast<size_t>(flat_ind)]);
    int64_t src = 0;
    for (size_t a = 0; a < ax; ++a) src += idx[a] * st[a];
    src += j * st[ax];
    for (size_t a = ax + 1; a < s.size(); ++a) src += idx[a - 1 + is.size()] * st[a];
    out[static_cast<size_t>(i)] = v[static_cast<size_t>(src)];
  }
  return out;
}

}  // namespace

TEST_CASE("reshape", "[shape][reshape]") {
  auto v = iota(24);
  for (DType d : kAllDTypes) {
    DYNAMIC_SECTION(kt::dtype_str(d)) {
      auto vd = kt::rounded(v, d);
      auto x = kt::make(vd, {2, 3, 4}, d);
      CHECK_TENSOR(reshape(x, {6, 4}), vd, Shape{6, 4}, d, kExact);
      CHECK_TENSOR(reshape(x, {24}), vd, Shape{24}, d, kExact);
      CHECK_TENSOR(reshape(x, {-1}), vd, Shape{24}, d, kExact);
      CHECK_TENSOR(reshape(x, {4, -1}), vd, Shape{4, 6}, d, kExact);
      CHECK_TENSOR(reshape(x, {-1, 2, 3}), vd, Shape{4, 2, 3}, d, kExact);
      CHECK_TENSOR(reshape(x, {1, 24, 1}), vd, Shape{1, 24, 1}, d, kExact);
    }
  }
  SECTION("rank 0 and back") {
    auto s = Tensor::scalar(5.0f);
    CHECK_TENSOR(reshape(s, {1, 1}), std::vector<double>{5}, Shape{1, 1}, DType::f32, kExact);
    CHECK_TENSOR(reshape(reshape(s, {1}), {}), std::vector<double>{5}, Shape{}, DType::f32, kExact);
    CHECK_TENSOR(reshape(s, {-1}), std::vector<double>{5}, Shape{1}, DType::f32, kExact);
  }
  SECTION("zero-sized") {
    auto z = zeros({0, 4});
    CHECK(reshape(z, {4, 0, 2}).shape() == Shape{4, 0, 2});
    CHECK(reshape(z, {2, 0}).numel() == 0);
  }
  SECTION("the result is independent of later ops") {
    auto x = kt::make(iota(6), {2, 3});
    auto r = reshape(x, {3, 2});
    auto y = r + 1.0f;
    CHECK_TENSOR(x, iota(6), Shape{2, 3}, DType::f32, kExact);
    CHECK_TENSOR(y, iota(6, 1), Shape{3, 2}, DType::f32, kExact);
  }
  SECTION("element-count mismatch and two -1 throw") {
    auto x = zeros({2, 3});
    CHECK_THROWS_AS(reshape(x, {4}), Error);
    CHECK_THROWS_AS(reshape(x, {-1, -1}), Error);
    CHECK_THROWS_AS(reshape(x, {4, -1}), Error);
  }
}

TEST_CASE("transpose", "[shape][transpose]") {
  struct C {
    Shape s;
    std::vector<int64_t> perm;
  };
  std::vector<C> cases{{{2, 3}, {1, 0}},
                       {{2, 3, 4}, {0, 2, 1}},
                       {{2, 3, 4}, {2, 0, 1}},
                       {{2, 3, 4}, {1, 2, 0}},
                       {{2, 3, 4}, {0, 1, 2}},
                       {{2, 3, 4, 5}, {3, 1, 0, 2}},
                       {{2, 3, 4, 5}, {0, 2, 1, 3}},
                       {{2, 3, 4, 5}, {3, 2, 1, 0}},
                       {{1, 3, 1, 2}, {2, 3, 0, 1}},
                       {{0, 3}, {1, 0}},
                       {{5}, {0}}};
  for (DType d : {DType::f32, DType::f64, DType::i32, DType::i64, DType::boolean}) {
    DYNAMIC_SECTION(kt::dtype_str(d)) {
      uint64_t seed = 3;
      for (auto& c : cases) {
        INFO("shape " << kt::shape_string(c.s) << " perm " << Catch::Detail::stringify(c.perm));
        auto v = kt::rounded(kt::random_for(d, kt::numel(c.s), -100, 100, seed++), d);
        Shape so;
        auto want = transpose_ref(v, c.s, c.perm, &so);
        CHECK_TENSOR(transpose(kt::make(v, c.s, d), c.perm), want, so, d, kExact);
      }
    }
  }
  SECTION("empty perm reverses the axes") {
    auto v = iota(24);
    Shape so;
    auto want = transpose_ref(v, {2, 3, 4}, {2, 1, 0}, &so);
    CHECK_TENSOR(transpose(kt::make(v, {2, 3, 4})), want, so, DType::f32, kExact);
    CHECK_TENSOR(transpose(Tensor::scalar(1.0f)), std::vector<double>{1}, Shape{}, DType::f32,
                 kExact);
  }
  SECTION("large (blocked/multi-threaded paths)") {
    auto v = kt::uniform(513 * 517, -1, 1, 4);
    Shape so;
    auto want = transpose_ref(v, {513, 517}, {1, 0}, &so);
    CHECK_TENSOR(transpose(kt::make(v, {513, 517}, DType::f64)), want, so, DType::f64, kExact);
    auto w = kt::uniform(40 * 50 * 60, -1, 1, 5);
    auto want3 = transpose_ref(w, {40, 50, 60}, {2, 0, 1}, &so);
    CHECK_TENSOR(transpose(kt::make(w, {40, 50, 60}), {2, 0, 1}), want3, so, DType::f32, kExact);
  }
  SECTION("a bad perm throws") {
    auto x = zeros({2, 3, 4});
    CHECK_THROWS_AS(transpose(x, {0, 1}), Error);
    CHECK_THROWS_AS(transpose(x, {0, 0, 1}), Error);
    CHECK_THROWS_AS(transpose(x, {0, 1, 3}), Error);
  }
}

TEST_CASE("broadcast_to", "[shape][broadcast_to]") {
  struct C {
    Shape from, to;
  };
  std::vector<C> cases{{{3}, {2, 3}},       {{1}, {4}},          {{}, {2, 2}},
                       {{3, 1}, {3, 4}},    {{2, 1, 3}, {5, 2, 4, 3}}, {{1, 1}, {1, 1}},
                       {{1, 3}, {0, 3}},    {{4}, {4}},          {{1, 2}, {300, 400, 2}}};
  for (DType d : {DType::f32, DType::i64, DType::boolean})
    DYNAMIC_SECTION(kt::dtype_str(d)) {
      uint64_t seed = 9;
      for (auto& c : cases) {
        INFO(kt::shape_string(c.from) << " -> " << kt::shape_string(c.to));
        auto v = kt::rounded(kt::random_for(d, kt::numel(c.from), -9, 9, seed++), d);
        CHECK_TENSOR(broadcast_to(kt::make(v, c.from, d), c.to), kt::broadcast_data(v, c.from, c.to),
                     c.to, d, kExact);
      }
    }
  SECTION("incompatible shapes throw") {
    CHECK_THROWS_AS(broadcast_to(zeros({3}), {4}), Error);
    CHECK_THROWS_AS(broadcast_to(zeros({2, 3}), {3}), Error);
    CHECK_THROWS_AS(broadcast_to(zeros({2, 1}), {3, 1}), Error);
  }
}

TEST_CASE("expand_dims and squeeze", "[shape][expand_dims][squeeze]") {
  auto v = iota(6);
  auto x = kt::make(v, {2, 3});
  SECTION("expand_dims") {
    CHECK_TENSOR(expand_dims(x, 0), v, Shape{1, 2, 3}, DType::f32, kExact);
    CHECK_TENSOR(expand_dims(x, 1), v, Shape{2, 1, 3}, DType::f32, kExact);
    CHECK_TENSOR(expand_dims(x, 2), v, Shape{2, 3, 1}, DType::f32, kExact);
    CHECK_TENSOR(expand_dims(x, -1), v, Shape{2, 3, 1}, DType::f32, kExact);
    CHECK_TENSOR(expand_dims(x, -2), v, Shape{2, 1, 3}, DType::f32, kExact);
    CHECK_TENSOR(expand_dims(x, -3), v, Shape{1, 2, 3}, DType::f32, kExact);
    CHECK_TENSOR(expand_dims(Tensor::scalar(int32_t{4}), 0), std::vector<double>{4}, Shape{1},
                 DType::i32, kExact);
    CHECK_TENSOR(expand_dims(Tensor::scalar(int32_t{4}), -1), std::vector<double>{4}, Shape{1},
                 DType::i32, kExact);
    CHECK(expand_dims(zeros({0}), 0).shape() == Shape{1, 0});
    CHECK_THROWS_AS(expand_dims(x, 3), Error);
    CHECK_THROWS_AS(expand_dims(x, -4), Error);
  }
  SECTION("squeeze") {
    auto y = kt::make(v, {1, 2, 1, 3, 1});
    CHECK_TENSOR(squeeze(y), v, Shape{2, 3}, DType::f32, kExact);
    CHECK_TENSOR(squeeze(y, 0), v, Shape{2, 1, 3, 1}, DType::f32, kExact);
    CHECK_TENSOR(squeeze(y, -1), v, Shape{1, 2, 1, 3}, DType::f32, kExact);
    CHECK_TENSOR(squeeze(y, {0, 2}), v, Shape{2, 3, 1}, DType::f32, kExact);
    CHECK_TENSOR(squeeze(y, {-3, 4}), v, Shape{1, 2, 3}, DType::f32, kExact);
    CHECK_TENSOR(squeeze(kt::make({7}, {1, 1})), std::vector<double>{7}, Shape{}, DType::f32, kExact);
    CHECK_TENSOR(squeeze(x), v, Shape{2, 3}, DType::f32, kExact);  // nothing to remove
    CHECK(squeeze(zeros({1, 0, 1})).shape() == Shape{0});
    CHECK_THROWS_AS(squeeze(y, 1), Error);  // size 2
    CHECK_THROWS_AS(squeeze(y, 5), Error);  // out of range
  }
  SECTION("round trip") {
    CHECK_TENSOR(squeeze(expand_dims(x, 1), 1), v, Shape{2, 3}, DType::f32, kExact);
  }
}

TEST_CASE("slice", "[shape][slice]") {
  auto v = iota(60);
  Shape s{3, 4, 5};
  struct C {
    std::vector<int64_t> b, e, nb, ne;  // given, and normalized
  };
  std::vector<C> cases{
      {{0, 0, 0}, {3, 4, 5}, {0, 0, 0}, {3, 4, 5}},
      {{1, 1, 2}, {2, 3, 5}, {1, 1, 2}, {2, 3, 5}},
      {{-2, 0, -3}, {3, -1, -1}, {1, 0, 2}, {3, 3, 4}},
      {{0, -4, 0}, {-1, 4, 5}, {0, 0, 0}, {2, 4, 5}},
      {{1, 2, 3}, {1, 2, 3}, {1, 2, 3}, {1, 2, 3}},  // empty
      {{2, 0, 4}, {3, 4, 5}, {2, 0, 4}, {3, 4, 5}},
  };
  for (DType d : {DType::f32, DType::f64, DType::i32, DType::i64, DType::boolean})
    DYNAMIC_SECTION(kt::dtype_str(d)) {
      auto vd = kt::rounded(v, d);
      auto x = kt::make(vd, s, d);
      for (auto& c : cases) {
        INFO("begin " << Catch::Detail::stringify(c.b) << " end " << Catch::Detail::stringify(c.e));
        Shape so;
        auto want = slice_ref(vd, s, c.nb, c.ne, &so);
        CHECK_TENSOR(slice(x, c.b, c.e), want, so, d, kExact);
      }
    }
  SECTION("large") {
    auto w = kt::uniform(600 * 500, -1, 1, 3);
    Shape so;
    auto want = slice_ref(w, {600, 500}, {100, 7}, {550, 480}, &so);
    CHECK_TENSOR(slice(kt::make(w, {600, 500}), {100, 7}, {-50, -20}), want, so, DType::f32,
                 kExact);
  }
  SECTION("out of range or reversed bounds throw") {
    auto x = kt::make(v, s);
    CHECK_THROWS_AS(slice(x, {0, 0, 0}, {4, 4, 5}), Error);
    CHECK_THROWS_AS(slice(x, {2, 0, 0}, {1, 4, 5}), Error);
    CHECK_THROWS_AS(slice(x, {-4, 0, 0}, {3, 4, 5}), Error);
    CHECK_THROWS_AS(slice(x, {0, 0}, {3, 4}), Error);  // wrong count
  }
}

TEST_CASE("concat", "[shape][concat]") {
  struct C {
    std::vector<Shape> shapes;
    int64_t axis;
    int64_t norm_axis;
  };
  std::vector<C> cases{
      {{{2, 3}, {4, 3}}, 0, 0},
      {{{2, 3}, {2, 1}, {2, 5}}, 1, 1},
      {{{2, 3}, {2, 2}}, -1, 1},
      {{{2, 3, 4}, {2, 1, 4}}, 1, 1},
      {{{2, 3, 4}, {2, 3, 2}, {2, 3, 1}}, 2, 2},
      {{{2, 3, 4}, {1, 3, 4}}, -3, 0},
      {{{3}, {0}, {2}}, 0, 0},  // a zero-sized piece
      {{{5}}, 0, 0},            // one piece
      {{{0, 2}, {0, 3}}, 1, 1}, // zero-sized result
  };
  for (DType d : {DType::f32, DType::f64, DType::i32, DType::i64, DType::boolean})
    DYNAMIC_SECTION(kt::dtype_str(d)) {
      uint64_t seed = 40;
      for (auto& c : cases) {
        INFO("axis " << c.axis);
        std::vector<std::vector<double>> vs;
        std::vector<Tensor> ts;
        for (auto& s : c.shapes) {
          vs.push_back(kt::rounded(kt::random_for(d, kt::numel(s), -50, 50, seed++), d));
          ts.push_back(kt::make(vs.back(), s, d));
        }
        Shape so;
        auto want = concat_ref(vs, c.shapes, c.norm_axis, &so);
        CHECK_TENSOR(concat(ts, c.axis), want, so, d, kExact);
      }
    }
  SECTION("default axis 0, large pieces") {
    auto a = kt::uniform(300 * 400, -1, 1, 1), b = kt::uniform(200 * 400, -1, 1, 2);
    Shape so;
    auto want = concat_ref({a, b}, {{300, 400}, {200, 400}}, 0, &so);
    CHECK_TENSOR(concat({kt::make(a, {300, 400}), kt::make(b, {200, 400})}), want, so, DType::f32,
                 kExact);
    auto want1 = concat_ref({a, a}, {{300, 400}, {300, 400}}, 1, &so);
    CHECK_TENSOR(concat({kt::make(a, {300, 400}), kt::make(a, {300, 400})}, 1), want1, so,
                 DType::f32, kExact);
  }
  SECTION("mismatched pieces throw") {
    CHECK_THROWS_AS(concat({zeros({2, 3}), zeros({2, 4})}, 0), Error);
    CHECK_THROWS_AS(concat({zeros({2, 3}), zeros({2, 3}, DType::f64)}, 0), Error);
    CHECK_THROWS_AS(concat({zeros({2, 3}), zeros({2, 3, 1})}, 0), Error);
    CHECK_THROWS_AS(concat({zeros({2, 3}), zeros({2, 3})}, 2), Error);
    CHECK_THROWS_AS(concat(std::vector<Tensor>{}, 0), Error);
  }
}

TEST_CASE("index_update", "[shape][index_update]") {
  struct C {
    Shape xs;
    int64_t axis;
  };
  std::vector<C> cases{{{5, 3}, 0}, {{5, 3}, 1}, {{4, 3, 2}, 1}, {{4, 3, 2}, -1}, {{6}, 0},
                       {{1, 7}, 0}, {{3, 0}, 0}, {{2, 300, 5}, 1}};
  for (DType d : {DType::f32, DType::f64, DType::i32, DType::i64, DType::boolean})
    DYNAMIC_SECTION(kt::dtype_str(d)) {
      uint64_t seed = 90;
      for (auto& c : cases) {
        const auto ax = static_cast<size_t>(c.axis < 0 ? c.axis + c.xs.size() : c.axis);
        Shape vs = c.xs;
        vs.erase(vs.begin() + static_cast<int64_t>(ax));
        auto v = kt::rounded(kt::random_for(d, kt::numel(c.xs), -99, 99, seed++), d);
        auto u = kt::rounded(kt::random_for(d, kt::numel(vs), -99, 99, seed++), d);
        const auto at = static_cast<int64_t>(kt::uniform_int(1, 0, std::max<int64_t>(c.xs[ax] - 1, 0), seed++)[0]);
        INFO("x " << kt::shape_string(c.xs) << " axis " << c.axis << " entry " << at);
        // Reference: every element of x, except those whose coordinate on the axis is `at`.
        std::vector<double> want = v;
        const auto st = kt::strides_of(c.xs);
        for (int64_t i = 0; i < kt::numel(c.xs); ++i) {
          auto idx = kt::unravel(i, c.xs);
          if (idx[ax] != at) continue;
          idx.erase(idx.begin() + static_cast<int64_t>(ax));
          int64_t src = 0;
          const auto vst = kt::strides_of(vs);
          for (size_t a = 0; a < idx.size(); ++a) src += idx[a] * vst[a];
          want[static_cast<size_t>(i)] = u[static_cast<size_t>(src)];
        }
        Tensor x = kt::make(v, c.xs, d);
        CHECK_TENSOR(index_update(x, Tensor::scalar<int64_t>(at), kt::make(u, vs, d), c.axis), want,
                     c.xs, d, kExact);
        CHECK_TENSOR(x, v, c.xs, d, kExact);  // the input is left as it was
      }
    }
  SECTION("bad index, value or axis throws naming index_update") {
    auto x = zeros({3, 2});
    for (int64_t at : {-1, 3})
      CHECK_THROWS_WITH(index_update(x, Tensor::scalar<int64_t>(at), zeros({2})),
                        Catch::Contains("[index_update]") && Catch::Contains("out of range"));
    CHECK_THROWS_AS(index_update(x, Tensor::scalar<float>(0), zeros({2})), Error);
    CHECK_THROWS_AS(index_update(x, Tensor::from<int64_t>({0}, {1}), zeros({2})), Error);
    CHECK_THROWS_AS(index_update(x, Tensor::scalar<int64_t>(0), zeros({3})), Error);
    CHECK_THROWS_AS(index_update(x, Tensor::scalar<int64_t>(0), zeros({2}, DType::f64)), Error);
    CHECK_THROWS_AS(index_update(x, Tensor::scalar<int64_t>(0), zeros({2}), 2), Error);
  }
}

TEST_CASE("gather", "[shape][gather]") {
  struct C {
    Shape xs, is;
    int64_t axis;
  };
  std::vector<C> cases{
      {{5, 3}, {4}, 0},       {{5, 3}, {2, 3}, 0}, {{5, 3}, {2, 2}, 1},    {{5, 3}, {}, 0},
      {{4, 3, 2}, {2, 5}, 1}, {{4, 3, 2}, {3}, 2}, {{4, 3, 2}, {6}, -1},   {{6}, {3, 2}, 0},
      {{5, 3}, {0}, 0},       {{5, 3}, {2, 0}, 1},
  };
  for (DType d : {DType::f32, DType::f64, DType::i32, DType::i64, DType::boolean})
    for (DType id : {DType::i32, DType::i64})
      DYNAMIC_SECTION(kt::dtype_str(d) << " indices " << kt::dtype_str(id)) {
        uint64_t seed = 60;
        for (auto& c : cases) {
          int64_t ax = c.axis < 0 ? c.axis + static_cast<int64_t>(c.xs.size()) : c.axis;
          INFO("x " << kt::shape_string(c.xs) << " indices " << kt::shape_string(c.is) << " axis "
                    << c.axis);
          auto v = kt::rounded(kt::random_for(d, kt::numel(c.xs), -99, 99, seed++), d);
          auto ind = kt::uniform_int(kt::numel(c.is), 0, c.xs[static_cast<size_t>(ax)] - 1, seed++);
          Shape so;
          auto want = gather_ref(v, c.xs, ind, c.is, ax, &so);
          CHECK_TENSOR(gather(kt::make(v, c.xs, d), kt::make(ind, c.is, id), c.axis), want, so, d,
                       kExact);
        }
      }
  SECTION("a worked example") {
    auto x = Tensor::from<float>({1, 2, 3, 4, 5, 6}, {3, 2});
    auto i = Tensor::from<int64_t>({2, 0, 2, 1}, {2, 2});
    auto g = gather(x, i);
    CHECK(g.shape() == Shape{2, 2, 2});
    CHECK(g.to_vector<float>() == std::vector<float>{5, 6, 1, 2, 5, 6, 3, 4});
    auto g1 = gather(x, Tensor::from<int32_t>({1, 1, 0}, {3}), 1);
    CHECK(g1.shape() == Shape{3, 3});
    CHECK(g1.to_vector<float>() == std::vector<float>{2, 2, 1, 4, 4, 3, 6, 6, 5});
  }
  SECTION("embedding-sized lookup") {
    auto table = kt::uniform(1000 * 64, -1, 1, 5);
    auto ind = kt::uniform_int(32 * 50, 0, 999, 6);
    Shape so;
    auto want = gather_ref(table, {1000, 64}, ind, {32, 50}, 0, &so);
    CHECK_TENSOR(gather(kt::make(table, {1000, 64}), kt::make(ind, {32, 50}, DType::i64)), want, so,
                 DType::f32, kExact);
  }
  SECTION("indices out of range or not integer throw") {
    auto x = zeros({3, 2});
    CHECK_THROWS_AS(gather(x, Tensor::from<int64_t>({0, 3}, {2})), Error);
    CHECK_THROWS_AS(gather(x, Tensor::from<int64_t>({-1}, {1})), Error);
    CHECK_THROWS_AS(gather(x, Tensor::from<int32_t>({2}, {1}), 1), Error);
    CHECK_THROWS_AS(gather(x, Tensor::from<float>({0}, {1})), Error);
    CHECK_THROWS_AS(gather(x, Tensor::from<int64_t>({0}, {1}), 2), Error);
  }
}

TEST_CASE("one_hot", "[shape][one_hot]") {
  SECTION("default dtype f32, trailing axis") {
    auto i = Tensor::from<int64_t>({0, 2, 1}, {3});
    auto h = one_hot(i, 3);
    CHECK_TENSOR(h, std::vector<double>{1, 0, 0, 0, 0, 1, 0, 1, 0}, Shape{3, 3}, DType::f32, kExact);
  }
  SECTION("out-of-range indices give all-zero rows") {
    auto i = Tensor::from<int32_t>({-1, 4, 3, 100, 0}, {5});
    auto h = one_hot(i, 4);
    CHECK_TENSOR(h, std::vector<double>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0},
                 Shape{5, 4}, DType::f32, kExact);
  }
  SECTION("2-D indices, other dtypes") {
    auto ind = kt::uniform_int(6, -1, 4, 3);
    for (DType d : {DType::f64, DType::i32, DType::i64, DType::boolean}) {
      INFO(kt::dtype_str(d));
      auto h = one_hot(kt::make(ind, {2, 3}, DType::i64), 4, d);
      std::vector<double> want;
      for (double k : ind)
        for (int c = 0; c < 4; ++c) want.push_back(k == c ? 1 : 0);
      CHECK_TENSOR(h, want, Shape{2, 3, 4}, d, kExact);
    }
  }
  SECTION("rank 0 index, depth 0, zero-sized indices") {
    CHECK_TENSOR(one_hot(Tensor::scalar(int64_t{1}), 2), std::vector<double>{0, 1}, Shape{2},
                 DType::f32, kExact);
    CHECK(one_hot(Tensor::from<int64_t>({0, 1}, {2}), 0).shape() == Shape{2, 0});
    CHECK(one_hot(kt::make({}, {0}, DType::i64), 5).shape() == Shape{0, 5});
  }
  SECTION("large") {
    auto ind = kt::uniform_int(4000, -5, 104, 8);
    auto h = one_hot(kt::make(ind, {4000}, DType::i32), 100);
    std::vector<double> want;
    for (double k : ind)
      for (int c = 0; c < 100; ++c) want.push_back(k == c ? 1 : 0);
    CHECK_TENSOR(h, want, Shape{4000, 100}, DType::f32, kExact);
  }
  SECTION("negative depth and float indices throw") {
    CHECK_THROWS_AS(one_hot(Tensor::from<int64_t>({0}, {1}), -1), Error);
    CHECK_THROWS_AS(one_hot(Tensor::from<float>({0}, {1}), 2), Error);
  }
}
