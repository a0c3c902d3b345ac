#include "kernels/cpu/elementwise.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/cpu/broadcast.h"
#include "kernels/cpu/streaming.h"
#include "kernels/cpu/vec_math.h"
#include "kiln/error.h"
#include "runtime/convert.h"
#include "runtime/dispatch.h"
#include "runtime/parallel.h"
#include "runtime/tensor_impl.h"
#include "runtime/binary_ops.h"
#include "runtime/unary_ops.h"

namespace kiln::kernels {
namespace {

// Transcendental work per element is much larger than a copy's: split sooner.
constexpr int64_t kMathGrain = 4 * 1024;

// ---- unary --------------------------------------------------------------------------------
template <class T, class F>
void map(const Tensor& x, const Tensor& out, int64_t grain, F f) {
  const T* in = detail::data<T>(x);
  T* o = detail::mutable_data<T>(out);
  const bool stream = grain == runtime::kParallelGrain &&  // cheap ops: memory-bound
                      static_cast<size_t>(out.numel()) * sizeof(T) >= kStreamingBytes;
  runtime::parallel_for(x.numel(), grain, [&](int64_t b, int64_t e) {
    // Local copies: the lambda reaches `in` and `o` through references, and a byte store
    // (booleans) may alias anything, so the loop would reload both pointers per element and
    // not vectorize (logical_not ran at 2 ns per element).
    const T* src = in;
    T* dst = o;
    if (stream)
      stream_map(dst, b, e, [src, &f](int64_t i) { return f(src[i]); });  // src by value too
    else
      for (int64_t i = b; i < e; ++i) dst[i] = f(src[i]);
  });
}

/// f32 sin/cos: the vector loop first; then huge, infinite or NaN arguments, which its
/// reduction does not cover, from the C library (as the JIT's kernels do). The same values
/// as UnaryOpDef's one-element form, which would not vectorize.
void trigonometric_f32(bool is_sin, const Tensor& x, const Tensor& out) {
  const float* in = detail::data<float>(x);
  float* o = detail::mutable_data<float>(out);
  runtime::parallel_for(x.numel(), kMathGrain, [&](int64_t b, int64_t e) {
    if (is_sin)
      for (int64_t i = b; i < e; ++i) o[i] = vecmath::sin_reduced(in[i]);
    else
      for (int64_t i = b; i < e; ++i) o[i] = vecmath::cos_reduced(in[i]);
    for (int64_t i = b; i < e; ++i)
      if (vecmath::needs_libm_trig(in[i])) o[i] = is_sin ? std::sin(in[i]) : std::cos(in[i]);
  });
}

/// One unary op on elements of type T: the op's definition (runtime/unary_ops.h) mapped
/// over the elements.
template <OpId op, class T>
void unary_of(const Tensor& x, const Tensor& out) {
  using Def = UnaryOpDef<op>;
  if constexpr (!takes_elements<Def::kind, T>) {
    throw Error(std::string("[unary] internal error: ") + kOps[static_cast<int>(op)].name +
                " reached a kernel for a dtype its rule refuses");
  } else if constexpr ((op == OpId::sin || op == OpId::cos) && std::is_same_v<T, float>) {
    trigonometric_f32(op == OpId::sin, x, out);
  } else {
    // Transcendental work splits sooner; cheap maps are memory-bound (streaming stores).
    constexpr int64_t grain = Def::cost > 1 ? kMathGrain : runtime::kParallelGrain;
    map<T>(x, out, grain, [](T v) __attribute__((always_inline)) -> T { return Def::eval(v); });
  }
}

template <class T>
void unary_typed(UnaryOp op, const Tensor& x, const Tensor& out) {
  switch (op) {
#define KILN_UNARY_CASE(name, family) \
  case UnaryOp::name:                 \
    return unary_of<OpId::name, T>(x, out);
    KILN_UNARY_OP_LIST(KILN_UNARY_CASE)
#undef KILN_UNARY_CASE
  }
  throw Error("[unary] internal error: unknown op");
}

// ---- binary -------------------------------------------------------------------------------
/// Runs f over broadcast operands; the three stride patterns that occur (both
/// contiguous, one broadcast) each get their own loop so the compiler vectorizes them.
template <class T, class R, class F>
void broadcast_binary(const Tensor& a, const Tensor& b, const Tensor& out, F f) {
  const T* pa = detail::data<T>(a);
  const T* pb = detail::data<T>(b);
  R* po = detail::mutable_data<R>(out);
  auto plan = make_broadcast_plan<2>(out.shape(), {&detail::shape_of(a), &detail::shape_of(b)});
  const int64_t sa = plan.inner_stride[0], sb = plan.inner_stride[1];
  if (sa == 1 && sb == 1 && plan.outer.empty() &&
      static_cast<size_t>(plan.total) * sizeof(R) >= kStreamingBytes) {
    // Same shapes, far beyond cache: stream the output.
    runtime::parallel_for(plan.total, runtime::kParallelGrain, [&](int64_t lo, int64_t hi) {
      stream_map(po, lo, hi, [&](int64_t i) { return f(pa[i], pb[i]); });
    });
    return;
  }
  for_each_run<2>(plan, runtime::kParallelGrain,
                  [&](const std::array<int64_t, 2>& off, int64_t o, int64_t n) {
                    const T* x = pa + off[0];
                    const T* y = pb + off[1];
                    R* z = po + o;
                    if (sa == 1 && sb == 1)
                      for (int64_t i = 0; i < n; ++i) z[i] = f(x[i], y[i]);
                    else if (sa == 1) {
                      const T yv = y[0];
                      for (int64_t i = 0; i < n; ++i) z[i] = f(x[i], yv);
                    } else if (sb == 1) {
                      const T xv = x[0];
                      for (int64_t i = 0; i < n; ++i) z[i] = f(xv, y[i]);
                    } else
                      for (int64_t i = 0; i < n; ++i) z[i] = f(x[0], y[0]);
                  });
}

/// One binary op on operands of type T: the op's definition (runtime/binary_ops.h) over
/// the broadcast elements; booleans come out as bytes.
template <OpId op, class T>
void binary_of(const Tensor& a, const Tensor& b, const Tensor& out) {
  using Def = BinaryOpDef<op>;
  if constexpr (!takes_elements<Def::kind, T>) {
    throw Error(std::string("[binary] internal error: ") + kOps[static_cast<int>(op)].name +
                " reached a kernel for a dtype its rule refuses");
  } else {
    using R = result_element<Def::kind, T>;
    broadcast_binary<T, R>(a, b, out, [](T x, T y) __attribute__((always_inline)) -> R {
      return static_cast<R>(Def::eval(x, y));
    });
  }
}

template <class T>
void binary_typed(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  switch (op) {
#define KILN_BINARY_CASE(name, family) \
  case BinaryOp::name:                 \
    return binary_of<OpId::name, T>(a, b, out);
    KILN_BINARY_OP_LIST(KILN_BINARY_CASE)
#undef KILN_BINARY_CASE
  }
  throw Error("[binary] internal error: unknown op");
}

}  // namespace

namespace cpu {

void unary(UnaryOp op, const Tensor& x, const Tensor& out) {
  dispatch_dtype(x.dtype(), [&]<class T>() { unary_typed<T>(op, x, out); });
}

void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  dispatch_dtype(a.dtype(), [&]<class T>() { binary_typed<T>(op, a, b, out); });
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  auto plan = make_broadcast_plan<3>(out.shape(), {&detail::shape_of(cond), &detail::shape_of(a), &detail::shape_of(b)});
  dispatch_dtype(a.dtype(), [&]<class T>() {
    const uint8_t* pc = detail::data<uint8_t>(cond);
    const T* pa = detail::data<T>(a);
    const T* pb = detail::data<T>(b);
    T* po = detail::mutable_data<T>(out);
    const auto s = plan.inner_stride;
    for_each_run<3>(plan, runtime::kParallelGrain,
                    [&](const std::array<int64_t, 3>& off, int64_t o, int64_t n) {
                      const uint8_t* c = pc + off[0];
                      const T* x = pa + off[1];
                      const T* y = pb + off[2];
                      T* z = po + o;
                      if (s[0] == 1 && s[1] == 1 && s[2] == 1)
                        for (int64_t i = 0; i < n; ++i) z[i] = c[i] ? x[i] : y[i];
                      else
                        for (int64_t i = 0; i < n; ++i)
                          z[i] = c[i * s[0]] ? x[i * s[1]] : y[i * s[2]];
                    });
  });
}

void cast(const Tensor& x, const Tensor& out) {
  const char* src = static_cast<const char*>(x.data());
  char* dst = static_cast<char*>(out.impl()->data());
  const size_t in_size = dtype_size(x.dtype()), out_size = dtype_size(out.dtype());
  runtime::parallel_for(x.numel(), runtime::kParallelGrain, [&](int64_t b, int64_t e) {
    runtime::convert_elements(src + b * in_size, x.dtype(), dst + b * out_size, out.dtype(), e - b);
  });
}

}  // namespace cpu
}  // namespace kiln::kernels
