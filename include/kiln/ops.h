/// \file
/// The op set of API.md as free functions (and C++ operators where the language has them).
///
/// Every named op takes a defaulted std::source_location as its last parameter, so that an
/// error (and a traced graph node) points at the user's line. Operators cannot
/// take one; their errors name the op and operands only.
///
/// Dtype rule for binary ops: both tensor operands must have the same dtype (kiln never
/// promotes silently). A C++ scalar operand (`x * 2`, `x + 0.5f`) takes the tensor's
/// dtype; a scalar that the tensor's dtype cannot represent exactly as a kind (a
/// fractional value for an integer tensor, anything but 0/1 for a boolean tensor) throws.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <source_location>
#include <string>
#include <type_traits>
#include <vector>

#include "kiln/dtype.h"
#include "kiln/tensor.h"

namespace kiln {

/// The caller's source line, a defaulted last parameter of every named op (errors and
/// graph nodes name it).
using Loc = std::source_location;

/// A C++ number used as an operand or fill value; it takes the dtype of the tensor it
/// meets (see the dtype rule above). A value the dtype cannot hold — a fraction for an
/// integer tensor, anything but 0/1 for a boolean one, a number beyond the dtype's range
/// (2^33 for i32, 1e300 for f32) — throws kiln::Error: it is never wrapped or saturated.
class Scalar {
 public:
  /// Any C++ arithmetic value (implicitly: `x * 2`, `full({3}, 0.5)`).
  template <class T>
    requires std::is_arithmetic_v<T>
  Scalar(T value)  // NOLINT(google-explicit-constructor): implicit by design
      : floating_(std::is_floating_point_v<T>),
        beyond_i64_(std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t) &&
                    static_cast<uint64_t>(value) > static_cast<uint64_t>(INT64_MAX)),
        double_(static_cast<double>(value)),
        int_(std::is_floating_point_v<T> ? 0 : static_cast<int64_t>(value)) {}
  /// Whether the C++ value was a floating-point number (2.0 is, 2 is not).
  bool is_floating() const { return floating_; }
  /// An unsigned integer above INT64_MAX (as_int() does not hold it; as_double() rounds).
  bool beyond_i64() const { return beyond_i64_; }
  /// The value as a double (exact for every float and for integers up to 2^53).
  double as_double() const { return double_; }
  /// The value as an integer; 0 for a floating value (read as_double() then).
  int64_t as_int() const { return int_; }

 private:
  bool floating_;
  bool beyond_i64_;
  double double_;
  int64_t int_;
};

// ---- Factories -------------------------------------------------------------------------
/// A tensor of the given shape filled with 0 (false for boolean).
Tensor zeros(Shape shape, DType dtype = DType::f32, Device device = {}, Loc loc = Loc::current());
/// A tensor of the given shape filled with 1 (true for boolean).
Tensor ones(Shape shape, DType dtype = DType::f32, Device device = {}, Loc loc = Loc::current());
/// A tensor of the given shape filled with `value`, which `dtype` must hold exactly
/// (see Scalar).
Tensor full(Shape shape, Scalar value, DType dtype = DType::f32, Device device = {},
            Loc loc = Loc::current());
/// 0, 1, ..., n-1.
Tensor arange(int64_t n, DType dtype = DType::i64, Loc loc = Loc::current());
/// start, start+step, ... below stop (above it for a negative step).
Tensor arange(double start, double stop, double step, DType dtype = DType::f32,
              Loc loc = Loc::current());
/// The n×n identity matrix.
Tensor eye(int64_t n, DType dtype = DType::f32, Loc loc = Loc::current());
/// Counter-based (Philox-4x32-10): element i depends only on (seed, i), so results are
/// identical across runs, thread counts and machines for a seed. Floating dtypes only.
Tensor random_uniform(Shape shape, uint64_t seed, float lo = 0, float hi = 1,
                      DType dtype = DType::f32, Loc loc = Loc::current());
/// Normal samples with the given mean and standard deviation (Box–Muller over the same
/// Philox stream as random_uniform: reproducible from `seed`). Floating dtypes only.
Tensor random_normal(Shape shape, uint64_t seed, float mean = 0, float stddev = 1,
                     DType dtype = DType::f32, Loc loc = Loc::current());
/// Integers uniform in [lo, hi) (PyTorch's randint, NumPy's integers); i32 or i64.
Tensor random_int(Shape shape, uint64_t seed, int64_t lo, int64_t hi, DType dtype = DType::i64,
                  Loc loc = Loc::current());
// Random numbers that differ at each call of a compiled function: kiln::Generator
// (kiln/random.h).

/// A tensor of x's shape (dynamic dimensions too), dtype and device filled with `value`.
Tensor full_like(const Tensor& x, Scalar value, Loc loc = Loc::current());
/// zeros of x's shape, dtype and device.
Tensor zeros_like(const Tensor& x, Loc loc = Loc::current());
/// ones of x's shape, dtype and device.
Tensor ones_like(const Tensor& x, Loc loc = Loc::current());

// ---- Elementwise binary, NumPy broadcasting ----------------------------------------------
/// Declares a binary op's three overloads: tensor ⊕ tensor, tensor ⊕ scalar and
/// scalar ⊕ tensor (the scalar takes the tensor's dtype). Each op below documents all three.
#define KILN_DECLARE_BINARY(name)                                         \
  Tensor name(const Tensor& a, const Tensor& b, Loc loc = Loc::current()); \
  Tensor name(const Tensor& a, Scalar b, Loc loc = Loc::current());        \
  Tensor name(Scalar a, const Tensor& b, Loc loc = Loc::current());
/// a + b elementwise, with NumPy broadcasting; integers wrap.
///@{
KILN_DECLARE_BINARY(add)
///@}
/// a - b elementwise, with NumPy broadcasting; integers wrap.
///@{
KILN_DECLARE_BINARY(subtract)
///@}
/// a * b elementwise, with NumPy broadcasting; integers wrap.
///@{
KILN_DECLARE_BINARY(multiply)
///@}
/// a / b elementwise, with NumPy broadcasting. Integer division truncates toward zero (as in
/// C++); dividing an integer by zero throws.
///@{
KILN_DECLARE_BINARY(divide)
///@}
/// a raised to the power b elementwise (C's pow for floating dtypes). Integer pow with a
/// negative exponent throws.
///@{
KILN_DECLARE_BINARY(pow)
///@}
/// The larger of a and b elementwise; NaN propagates (either operand NaN gives NaN).
///@{
KILN_DECLARE_BINARY(maximum)
///@}
/// The smaller of a and b elementwise; NaN propagates.
///@{
KILN_DECLARE_BINARY(minimum)
///@}
/// a == b elementwise, a boolean tensor (NaN equals nothing, not even itself).
///@{
KILN_DECLARE_BINARY(equal)
///@}
/// a != b elementwise, a boolean tensor (true where either is NaN).
///@{
KILN_DECLARE_BINARY(not_equal)
///@}
/// a < b elementwise, a boolean tensor.
///@{
KILN_DECLARE_BINARY(less)
///@}
/// a <= b elementwise, a boolean tensor.
///@{
KILN_DECLARE_BINARY(less_equal)
///@}
/// a > b elementwise, a boolean tensor.
///@{
KILN_DECLARE_BINARY(greater)
///@}
/// a >= b elementwise, a boolean tensor.
///@{
KILN_DECLARE_BINARY(greater_equal)
///@}
/// a && b elementwise on boolean tensors.
///@{
KILN_DECLARE_BINARY(logical_and)
///@}
/// a || b elementwise on boolean tensors.
///@{
KILN_DECLARE_BINARY(logical_or)
///@}
#undef KILN_DECLARE_BINARY

/// add(a, b).
///@{
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, Scalar b);
Tensor operator+(Scalar a, const Tensor& b);
///@}
/// subtract(a, b).
///@{
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, Scalar b);
Tensor operator-(Scalar a, const Tensor& b);
///@}
/// multiply(a, b).
///@{
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, Scalar b);
Tensor operator*(Scalar a, const Tensor& b);
///@}
/// divide(a, b).
///@{
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, Scalar b);
Tensor operator/(Scalar a, const Tensor& b);
///@}
/// negative(x).
Tensor operator-(const Tensor& x);
// Comparisons as operators (boolean results). == and != are left to equal/not_equal so
// that comparing handles never silently means comparing values.
/// less(a, b), a boolean tensor.
///@{
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, Scalar b);
Tensor operator<(Scalar a, const Tensor& b);
///@}
/// less_equal(a, b), a boolean tensor.
///@{
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, Scalar b);
Tensor operator<=(Scalar a, const Tensor& b);
///@}
/// greater(a, b), a boolean tensor.
///@{
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, Scalar b);
Tensor operator>(Scalar a, const Tensor& b);
///@}
/// greater_equal(a, b), a boolean tensor.
///@{
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, Scalar b);
Tensor operator>=(Scalar a, const Tensor& b);
///@}

// ---- Elementwise unary -------------------------------------------------------------------
/// -x elementwise; integers wrap (the most negative value stays itself).
Tensor negative(const Tensor& x, Loc loc = Loc::current());
/// |x| elementwise; abs(-0.0) is +0.0, integers wrap at the most negative value.
Tensor abs(const Tensor& x, Loc loc = Loc::current());
/// x * x (torch.square, jnp.square); integers wrap.
Tensor square(const Tensor& x, Loc loc = Loc::current());
/// max(x, 0) elementwise; NaN stays NaN.
Tensor relu(const Tensor& x, Loc loc = Loc::current());
/// e^x elementwise. Floating dtypes only.
Tensor exp(const Tensor& x, Loc loc = Loc::current());
/// The natural logarithm elementwise: -inf at 0, NaN below. Floating dtypes only.
Tensor log(const Tensor& x, Loc loc = Loc::current());
/// log(1 + x), accurate for tiny x (where log(1 + x) rounds 1 + x first).
Tensor log1p(const Tensor& x, Loc loc = Loc::current());
/// log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x.
Tensor softplus(const Tensor& x, Loc loc = Loc::current());
/// The square root elementwise; NaN below 0, -0.0 stays -0.0. Floating dtypes only.
Tensor sqrt(const Tensor& x, Loc loc = Loc::current());
/// 1 / sqrt(x) elementwise: ±inf at ±0. Floating dtypes only.
Tensor rsqrt(const Tensor& x, Loc loc = Loc::current());
/// The hyperbolic tangent elementwise. Floating dtypes only.
Tensor tanh(const Tensor& x, Loc loc = Loc::current());
/// 1 / (1 + e^-x) elementwise, without overflow for large |x|. Floating dtypes only.
Tensor sigmoid(const Tensor& x, Loc loc = Loc::current());
/// The exact GELU, 0.5·x·(1 + erf(x/√2)) (PyTorch's and TensorFlow's default).
Tensor gelu(const Tensor& x, Loc loc = Loc::current());
/// The sine elementwise (radians). Floating dtypes only.
Tensor sin(const Tensor& x, Loc loc = Loc::current());
/// The cosine elementwise (radians). Floating dtypes only.
Tensor cos(const Tensor& x, Loc loc = Loc::current());
/// The error function elementwise. Floating dtypes only.
Tensor erf(const Tensor& x, Loc loc = Loc::current());
/// !x elementwise on a boolean tensor.
Tensor logical_not(const Tensor& x, Loc loc = Loc::current());

/// Picks a where cond is true, b elsewhere; all three broadcast together. cond is boolean,
/// a and b share a dtype.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b, Loc loc = Loc::current());
/// minimum(maximum(x, lo), hi): NaN stays NaN; the gradient passes where lo <= x <= hi.
Tensor clip(const Tensor& x, Scalar lo, Scalar hi, Loc loc = Loc::current());
/// clip with tensor bounds, which broadcast with x.
Tensor clip(const Tensor& x, const Tensor& lo, const Tensor& hi, Loc loc = Loc::current());
/// The lower (tril) or upper (triu) triangle of the last two axes, the rest zero: element
/// (i, j) is kept when j - i <= k (tril) or j - i >= k (triu). NumPy's tril/triu.
///@{
Tensor tril(const Tensor& x, int64_t k = 0, Loc loc = Loc::current());
Tensor triu(const Tensor& x, int64_t k = 0, Loc loc = Loc::current());
///@}
/// x converted to `dtype`: floating to integer truncates toward zero and saturates at the
/// integer's range (NaN becomes 0, where C++ leaves it undefined); any dtype to boolean is
/// x != 0; f64 to f32 rounds to nearest.
Tensor cast(const Tensor& x, DType dtype, Loc loc = Loc::current());

// ---- Reductions --------------------------------------------------------------------------
// Integer sums wrap like C++ unsigned arithmetic would; the mean of integers truncates.
// sum and mean refuse boolean input (cast it first); max/min of boolean are any/all.
/// The sum over `axes` (every axis by default); keepdims keeps them as size 1.
Tensor sum(const Tensor& x, Axes axes = {}, bool keepdims = false, Loc loc = Loc::current());
/// The mean over `axes` (every axis by default); keepdims keeps them as size 1.
Tensor mean(const Tensor& x, Axes axes = {}, bool keepdims = false, Loc loc = Loc::current());
/// The maximum over `axes` (every axis by default). NaN propagates. Reducing a zero-sized
/// axis throws (there is no identity).
Tensor max(const Tensor& x, Axes axes = {}, bool keepdims = false, Loc loc = Loc::current());
/// The minimum over `axes` (every axis by default); as max.
Tensor min(const Tensor& x, Axes axes = {}, bool keepdims = false, Loc loc = Loc::current());
/// Index (i64) of the first maximum along one axis; NaN counts as the maximum.
Tensor argmax(const Tensor& x, int64_t axis = -1, bool keepdims = false,
              Loc loc = Loc::current());
/// Index (i64) of the first minimum along one axis; NaN counts as the minimum.
Tensor argmin(const Tensor& x, int64_t axis = -1, bool keepdims = false,
              Loc loc = Loc::current());
/// Running sums along one axis (from its end when `reverse`), in x's dtype, added in
/// order; integers wrap, booleans are refused (cast first). NumPy's cumsum.
Tensor cumsum(const Tensor& x, int64_t axis, bool reverse = false, Loc loc = Loc::current());

// ---- Shape -------------------------------------------------------------------------------
/// One dimension may be -1: it is inferred from the element count.
Tensor reshape(const Tensor& x, Shape shape, Loc loc = Loc::current());
/// An empty perm reverses the axes.
Tensor transpose(const Tensor& x, std::vector<int64_t> perm = {}, Loc loc = Loc::current());
/// x broadcast to `shape` by NumPy's rules (size-1 and missing leading axes repeat).
Tensor broadcast_to(const Tensor& x, Shape shape, Loc loc = Loc::current());
/// Inserts a size-1 axis at `axis` (in the result's numbering; -1 appends).
Tensor expand_dims(const Tensor& x, int64_t axis, Loc loc = Loc::current());
/// Removes the given size-1 axes; by default every size-1 axis.
Tensor squeeze(const Tensor& x, Axes axes = {}, Loc loc = Loc::current());
/// x[begin0:end0, begin1:end1, ...] with one begin/end per axis; negative values count
/// from the end; 0 <= begin <= end <= dim after that, or it throws.
Tensor slice(const Tensor& x, std::vector<int64_t> begin, std::vector<int64_t> end,
             Loc loc = Loc::current());
/// The tensors joined along `axis`; they share a dtype and every other dimension.
Tensor concat(const std::vector<Tensor>& xs, int64_t axis = 0, Loc loc = Loc::current());
/// Result shape: x.shape[:axis] + indices.shape + x.shape[axis+1:]. Integer indices in
/// [0, dim); anything else throws.
Tensor gather(const Tensor& x, const Tensor& indices, int64_t axis = 0,
              Loc loc = Loc::current());
/// x with its entry `index` along `axis` replaced by `value` (JAX's x.at[i].set(v)): index
/// a rank-0 integer tensor in [0, dim), value of x's dtype and x's shape without `axis`.
/// x is not changed; in a compiled function the update is in place when x dies there.
Tensor index_update(const Tensor& x, const Tensor& index, const Tensor& value, int64_t axis = 0,
                    Loc loc = Loc::current());
/// A trailing axis of `depth`; an index outside [0, depth) gives an all-zero row (as
/// in TensorFlow). depth must be >= 0.
Tensor one_hot(const Tensor& indices, int64_t depth, DType dtype = DType::f32,
               Loc loc = Loc::current());

// ---- Sizes at run time (dynamic dimensions) ---------------------------------------------
// While a kiln::function traces, a dynamic dimension (-1 in input_signature, or made dynamic
// by reduce_retracing) has no size: x.shape()[i] throws. These are its size as a tensor,
// like tf.shape: eagerly (and for static dimensions) constants, traced the size at run time.
/// x's dimensions as a 1-D i64 tensor on x's device.
Tensor shape(const Tensor& x, Loc loc = Loc::current());
/// Dimension `axis` of x (negative counts from the end) as an i64 scalar tensor.
Tensor dim(const Tensor& x, int64_t axis, Loc loc = Loc::current());
/// reshape to the sizes a 1-D integer tensor holds (one of them may be -1), e.g.
/// `reshape(x, concat({dim(x, 0) * 2, full({1}, -1, DType::i64)}))`.
template <class T>
  requires std::same_as<T, Tensor>  // not a candidate for `reshape(x, {})`
Tensor reshape(const Tensor& x, const T& shape, Loc loc = Loc::current());
/// x summed down to like's shape: undoes broadcasting `like` to x's shape (x's leading
/// axes and the axes where like has size 1 are summed). Only like's shape is read.
Tensor sum_to(const Tensor& x, const Tensor& like, Loc loc = Loc::current());

// ---- Linear algebra ----------------------------------------------------------------------
/// a (..., M, K) @ b (..., K, N) -> (..., M, N); batch dims broadcast; rank >= 2 each.
Tensor matmul(const Tensor& a, const Tensor& b, Loc loc = Loc::current());

// ---- Composites (fused kernels) ----------------------------------------------------------
/// e^x / sum(e^x) along `axis`, computed stably (the maximum subtracted first).
Tensor softmax(const Tensor& x, int64_t axis = -1, Loc loc = Loc::current());
/// x - log(sum(e^x)) along `axis`, computed stably.
Tensor log_softmax(const Tensor& x, int64_t axis = -1, Loc loc = Loc::current());
/// Normalizes over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta, with
/// gamma and beta of shape (D,) where D is x's last dimension.
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                  double eps = 1e-5, Loc loc = Loc::current());
/// Per-example loss -log_softmax(logits)[label]: logits (..., C) floating, labels (...)
/// integer in [0, C); returns shape (...).
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& labels,
                             Loc loc = Loc::current());

// ---- Side effects ------------------------------------------------------------------------
/// Writes "label: " (if any) and x.str() and a newline to stdout when the op runs.
void print(const Tensor& x, const std::string& label = "", Loc loc = Loc::current());

// ---- Threads -----------------------------------------------------------------------------
/// Threads for kiln's CPU kernels and BLAS (default: all cores).
void set_num_threads(int threads);
/// The number of threads kiln's CPU kernels use (set_num_threads).
int num_threads();

// ---- CUDA --------------------------------------------------------------------------------
/// Ops on CUDA tensors are queued on their device's stream and return at once (as in
/// PyTorch); reading a value on the host (to_vector, item, str, .to(cpu)) waits for it.
/// synchronize waits until everything queued on `device` has run (cpu: returns at once),
/// and reports an asynchronous kernel failure as a kiln::Error.
void synchronize(Device device);
/// Whether f32 matrix products on CUDA devices may use TF32 tensor cores (10-bit
/// mantissas: ~1e-3 relative error, several times faster). Off by default, like PyTorch's
/// allow_tf32; also turned on by the environment variable KILN_ALLOW_TF32=1.
void set_allow_tf32(bool allow);
/// Whether TF32 is allowed (set_allow_tf32).
bool allow_tf32();

}  // namespace kiln
