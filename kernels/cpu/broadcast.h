// Iteration over N broadcast operands writing one contiguous output: dimensions are
// collapsed where every operand stays contiguous across them, so the innermost loop is
// as long as possible and has stride 1 (or 0 for a broadcast operand).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "kiln/dtype.h"
#include "runtime/parallel.h"

namespace kiln::kernels {

template <int N>
struct BroadcastPlan {
  std::vector<int64_t> outer;                 // sizes of the outer (collapsed) dims
  std::array<std::vector<int64_t>, N> stride;  // per operand, per outer dim, in elements
  std::array<int64_t, N> inner_stride{};       // 0 (broadcast) or 1
  int64_t inner = 1;
  int64_t total = 0;
};

template <int N>
BroadcastPlan<N> make_broadcast_plan(const Shape& out, const std::array<const Shape*, N>& in) {
  // The common case first, without per-axis work (a small op's cost is mostly here): each
  // operand has the output's shape, or a single element.
  bool flat = true;
  for (int k = 0; k < N && flat; ++k) flat = *in[k] == out || numel_of(*in[k]) == 1;
  if (flat) {
    BroadcastPlan<N> plan;
    plan.total = numel_of(out);
    plan.inner = std::max<int64_t>(1, plan.total);
    for (int k = 0; k < N; ++k) plan.inner_stride[k] = *in[k] == out ? 1 : 0;
    return plan;
  }
  const size_t rank = out.size();
  // Element strides of each operand aligned to the output's axes; 0 where broadcast.
  std::array<std::vector<int64_t>, N> st;
  for (int k = 0; k < N; ++k) {
    const Shape& s = *in[k];
    st[k].assign(rank, 0);
    int64_t acc = 1;
    for (size_t i = s.size(); i-- > 0;) {
      size_t o = i + (rank - s.size());
      st[k][o] = s[i] == 1 ? 0 : acc;
      acc *= s[i];
    }
  }
  // Collapse from the innermost axis outward; size-1 output axes vanish.
  std::vector<int64_t> dims;
  std::array<std::vector<int64_t>, N> dst;
  for (size_t i = rank; i-- > 0;) {
    if (out[i] == 1) continue;
    bool merge = !dims.empty();
    for (int k = 0; k < N && merge; ++k)
      merge = st[k][i] == dst[k].back() * dims.back();
    if (merge) {
      dims.back() *= out[i];
    } else {
      dims.push_back(out[i]);
      for (int k = 0; k < N; ++k) dst[k].push_back(st[k][i]);
    }
  }
  BroadcastPlan<N> plan;
  plan.total = numel_of(out);
  if (dims.empty()) {  // a single element
    plan.inner = 1;
    for (int k = 0; k < N; ++k) plan.inner_stride[k] = 0;
    return plan;
  }
  plan.inner = dims[0];
  for (int k = 0; k < N; ++k) plan.inner_stride[k] = dst[k][0];
  for (size_t d = dims.size(); d-- > 1;) {  // outer dims, outermost first
    plan.outer.push_back(dims[d]);
    for (int k = 0; k < N; ++k) plan.stride[k].push_back(dst[k][d]);
  }
  return plan;
}

/// Calls body(offsets, out_offset, count) for runs of the innermost dimension covering
/// [0, total), in parallel. offsets[k] is operand k's element offset of the run's start.
template <int N, class Body>
void for_each_run(const BroadcastPlan<N>& plan, int64_t grain, Body&& body) {
  const int64_t inner = plan.inner;
  const size_t nouter = plan.outer.size();
  runtime::parallel_for(plan.total, grain, [&](int64_t begin, int64_t end) {
    int64_t row = begin / inner, col = begin % inner;
    std::vector<int64_t> idx(nouter);
    std::array<int64_t, N> base{};
    for (size_t d = nouter, r = static_cast<size_t>(row); d-- > 0;) {
      idx[d] = static_cast<int64_t>(r % plan.outer[d]);
      r /= plan.outer[d];
      for (int k = 0; k < N; ++k) base[k] += idx[d] * plan.stride[k][d];
    }
    int64_t pos = begin;
    while (pos < end) {
      int64_t count = std::min(inner - col, end - pos);
      std::array<int64_t, N> off;
      for (int k = 0; k < N; ++k) off[k] = base[k] + col * plan.inner_stride[k];
      body(off, pos, count);
      pos += count;
      col = 0;
      // Odometer step to the next row.
      for (size_t d = nouter; d-- > 0;) {
        for (int k = 0; k < N; ++k) base[k] += plan.stride[k][d];
        if (++idx[d] < plan.outer[d]) break;
        for (int k = 0; k < N; ++k) base[k] -= idx[d] * plan.stride[k][d];
        idx[d] = 0;
      }
    }
  });
}

}  // namespace kiln::kernels
