/// \file
/// Control flow that depends on tensor values: runs directly in eager mode and becomes
/// structured control flow (kiln.cond, kiln.while_loop, kiln.for_range) when traced.
#pragma once

#include <cstdint>
#include <functional>
#include <tuple>
#include <source_location>
#include <type_traits>
#include <vector>

#include "kiln/tensor.h"

namespace kiln {

namespace detail {
using Branch = std::function<std::vector<Tensor>()>;
using LoopCond = std::function<Tensor(const std::vector<Tensor>&)>;
using LoopBody = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;
using RangeBody = std::function<std::vector<Tensor>(const Tensor&, const std::vector<Tensor>&)>;

std::vector<Tensor> cond_impl(const Tensor& pred, const Branch& then_fn, const Branch& else_fn,
                              std::source_location loc);
std::vector<Tensor> while_loop_impl(const LoopCond& cond, const LoopBody& body,
                                    std::vector<Tensor> init, std::source_location loc);
std::vector<Tensor> for_range_impl(const Tensor& n, const RangeBody& body,
                                   std::vector<Tensor> init, std::source_location loc);
Tensor range_count(int64_t n);

template <class R>
concept TensorTuple = requires { std::tuple_size<std::remove_cvref_t<R>>::value; };

/// What a branch or loop body returned, as a list: a Tensor, a std::vector<Tensor>, or a
/// tuple, pair or array of tensors (`return std::tuple{a, b};`, `return std::array{a, b};`).
template <class R>
std::vector<Tensor> as_tensors(R&& r) {
  if constexpr (std::is_convertible_v<R, Tensor>) {
    return {Tensor(std::forward<R>(r))};
  } else if constexpr (TensorTuple<R>) {
    return std::apply([](auto&&... t) { return std::vector<Tensor>{Tensor(t)...}; },
                      std::forward<R>(r));
  } else {
    return std::vector<Tensor>(std::forward<R>(r));
  }
}
}  // namespace detail

/// pred: a boolean tensor with one element. Both branches return a Tensor (or both a
/// std::vector<Tensor>) of the same dtypes and shapes. The branches are copied: a traced
/// cond's gradient runs them again (see kiln/autodiff.h).
template <class Then, class Else>
auto cond(const Tensor& pred, Then&& then_fn, Else&& else_fn,
          std::source_location loc = std::source_location::current()) {
  using R = std::decay_t<std::invoke_result_t<Then>>;
  auto results = detail::cond_impl(
      pred, [fn = std::decay_t<Then>(std::forward<Then>(then_fn))] { return detail::as_tensors(fn()); },
      [fn = std::decay_t<Else>(std::forward<Else>(else_fn))] { return detail::as_tensors(fn()); }, loc);
  if constexpr (std::is_same_v<R, Tensor>) return results.at(0);
  else return results;
}

/// Runs body while cond(carried) holds; cond returns a one-element boolean tensor. The
/// carried tensors keep their dtypes and shapes across iterations. A body returns the new
/// carried values as a std::vector<Tensor> (with a lambda, `-> std::vector<Tensor>` lets it
/// `return {a, b};`), a tuple, pair or array of tensors, or a Tensor for one.
template <class Cond, class Body>
std::vector<Tensor> while_loop(Cond&& cond_fn, Body&& body_fn, std::vector<Tensor> init,
                               std::source_location loc = std::source_location::current()) {
  return detail::while_loop_impl(
      [&](const std::vector<Tensor>& c) { return Tensor(cond_fn(c)); },
      [&](const std::vector<Tensor>& c) { return detail::as_tensors(body_fn(c)); },
      std::move(init), loc);
}

/// body(i, carried) for i = 0 .. n-1 (i an i64 scalar tensor); n an integer scalar tensor
/// (a graph value when traced) or a host integer.
template <class Body>
std::vector<Tensor> for_range(const Tensor& n, Body&& body_fn, std::vector<Tensor> init,
                              std::source_location loc = std::source_location::current()) {
  return detail::for_range_impl(
      n,
      [&](const Tensor& i, const std::vector<Tensor>& c) { return detail::as_tensors(body_fn(i, c)); },
      std::move(init), loc);
}
/// for_range with a host trip count.
template <class Body>
std::vector<Tensor> for_range(int64_t n, Body&& body_fn, std::vector<Tensor> init,
                              std::source_location loc = std::source_location::current()) {
  return for_range(detail::range_count(n), std::forward<Body>(body_fn), std::move(init), loc);
}

}  // namespace kiln
