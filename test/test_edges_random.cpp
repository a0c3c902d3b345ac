// The edge differential tester ("No silent wrong answers"): random programs over
// every dtype each op accepts (booleans too), on inputs drawn from the edges of each dtype
// (±0, subnormals, tiny, huge, ±inf, NaN, integer extremes) and C++ scalars at and beyond
// each dtype's range, run eagerly, in graph mode (jit=false) and by the JIT, and compared.
// test_jit_random.cpp keeps long chains in a moderate range; this one goes to the edges.
//
// Kinds of program (one per seed):
//   exact    1-4 elementwise ops (arithmetic, comparisons, logic, where, casts, every
//            elementary function) with NumPy broadcasting of any dtype against any shape,
//            tensor or scalar operands: compiled must equal eager bit for bit (kiln's
//            elementary functions are one implementation for both; nothing is contracted).
//   inexact  an exact prefix, then one op whose result depends on the order of its sums: a
//            reduction (sum, mean, max, min over random axes), softmax or log_softmax over
//            a random axis (logits up to 1e7 apart in f32, 1e17 in f64), layer_norm, or a
//            matmul. max and min must be exact; the rest within bounds computed per element
//            from the op's input (see inexact_bounds), far tighter than "a few percent".
// Ways of calling it (one per seed):
//   static     every input set of one shape: the first call traces, the rest run the cache.
//   signature  input_signature with the varying dimensions -1, input sets of other sizes
//              (a size 1 included: a dynamic dimension that broadcasts at run time).
//   retracing  reduce_retracing, input sets of other sizes.
//   tape       (floating programs) a GradientTape around the compiled call: the gradients of
//              sum(result * w) for every input must equal the eager tape's.
// Errors are part of the contract: where eager mode throws kiln::Error (an integer divided
// by zero, a scalar beyond the dtype, a reduction of nothing) graph mode and the JIT must
// throw too, naming the same op; where eager mode does not, they must not.
//
// Default: 1,250 seeds x 8 input sets = 10,000 (program, input) cases, each run three ways.
// KILN_EDGE_SEED=<n> replays one seed; KILN_EDGE_CASES=<n> and KILN_EDGE_FIRST=<m> run seeds
// m..m+n-1 (scripts/differential.sh runs 10^6 cases); KILN_EDGE_SETS=<k> input sets per
// seed; KILN_EDGE_VERBOSE=1 prints each program and a summary; KILN_EDGE_DUMP=<file> writes
// every case and its eager result as JSON lines, for scripts/numpy_oracle.py.
#include <kiln/kiln.h>
#include <catch2/catch.hpp>

#include "binary_cases.h"
#include "rng.h"
#include "unary_cases.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace kiln;

namespace {

// ---- Programs -----------------------------------------------------------------------------

// clang-format off
#define KILN_EDGE_OP(name, family) name,
enum class Op {
  KILN_BINARY_OP_LIST(KILN_EDGE_OP)  // every binary op (test/binary_cases.h)
  KILN_UNARY_OP_LIST(KILN_EDGE_OP)   // every unary op (test/unary_cases.h)
  Where, Cast,
  AllReduce,  // kiln::distributed in this process's world of one: exact, every dtype
  Sum, Mean, ReduceMax, ReduceMin, Softmax, LogSoftmax, LayerNorm, Matmul,  // inexact kind
  kCount
};
#undef KILN_EDGE_OP
// clang-format on

#define KILN_EDGE_NAME(name, family) #name,
const char* op_name(Op op) {
  static const char* names[] = {KILN_BINARY_OP_LIST(KILN_EDGE_NAME)
                                    KILN_UNARY_OP_LIST(KILN_EDGE_NAME) "where",
                                "cast",
                                "all_reduce",
                                "sum",
                                "mean",
                                "max",
                                "min",
                                "softmax",
                                "log_softmax",
                                "layer_norm",
                                "matmul"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<size_t>(Op::kCount));
  return names[static_cast<size_t>(op)];
}
#undef KILN_EDGE_NAME

#define KILN_EDGE_COUNT(name, family) +1
constexpr int kBinaryOps = 0 KILN_BINARY_OP_LIST(KILN_EDGE_COUNT);
#undef KILN_EDGE_COUNT

bool is_binary(Op op) { return static_cast<int>(op) < kBinaryOps; }
bool is_unary(Op op) { return !is_binary(op) && op < Op::Where; }

/// A binary op's row of test/binary_cases.h.
const test::BinaryRow& binary_row(Op op) {
  static const std::vector<test::BinaryRow> rows = test::binary_rows();
  return rows.at(static_cast<size_t>(op));
}

/// A unary op's row of test/unary_cases.h.
const test::UnaryRow& unary_row(Op op) {
  static const std::vector<test::UnaryRow> rows = test::unary_rows();
  return rows.at(static_cast<size_t>(op) - static_cast<size_t>(kBinaryOps));
}

bool is_compare(Op op) {
  return is_binary(op) && binary_row(op).kind == rules::ElementwiseKind::compare;
}
bool is_logical(Op op) {
  return (is_binary(op) && binary_row(op).kind == rules::ElementwiseKind::logical) ||
         (is_unary(op) && unary_row(op).kind == rules::ElementwiseKind::logical);
}

/// The binary ops of a kind.
std::vector<Op> binary_ops_of(rules::ElementwiseKind kind) {
  std::vector<Op> ops;
  for (int i = 0; i < kBinaryOps; ++i)
    if (binary_row(static_cast<Op>(i)).kind == kind) ops.push_back(static_cast<Op>(i));
  return ops;
}

/// The unary ops of a kind.
std::vector<Op> unary_ops_of(rules::ElementwiseKind kind) {
  std::vector<Op> ops;
  for (int i = kBinaryOps; i < static_cast<int>(Op::Where); ++i)
    if (unary_row(static_cast<Op>(i)).kind == kind) ops.push_back(static_cast<Op>(i));
  return ops;
}

bool is_reduce(Op op) { return op >= Op::Sum && op <= Op::ReduceMin; }

/// A C++ scalar operand: a double, an int64_t or a uint64_t (what kiln::Scalar takes).
struct ScalarValue {
  enum Kind { floating, integer, unsigned64 } kind = floating;
  double d = 0;
  int64_t i = 0;
  uint64_t u = 0;
  Scalar get() const {
    if (kind == floating) return Scalar(d);
    if (kind == integer) return Scalar(i);
    return Scalar(u);
  }
  std::string str() const {
    std::ostringstream os;
    os.precision(17);
    if (kind == floating)
      os << d << (std::trunc(d) == d && std::isfinite(d) ? ".0" : "");
    else if (kind == integer)
      os << i << "LL";
    else
      os << u << "ULL";
    return os.str();
  }
};

struct Node {
  Op op{};
  std::vector<int> args;  // value numbers: inputs first, then one per node
  bool has_scalar = false, scalar_left = false;
  ScalarValue scalar;
  DType to = DType::f32;      // cast
  std::vector<int64_t> axes;  // reductions ({} with all_axes: every axis)
  bool all_axes = false, keepdims = false;
  int64_t axis = -1;                                          // softmax, log_softmax
  distributed::ReduceOp reduce = distributed::ReduceOp::sum;  // all_reduce
};

/// A value's dtype and the structure of its shape: right-aligned against the program's
/// output dimensions, each dimension either follows that dimension ('F') or is 1.
struct Value {
  DType dtype = DType::f32;
  std::string dims;  // e.g. "1F" for (1, out[R-1])
};

enum class Kind { exact, inexact };
enum class Calling { fixed, signature, retracing, tape };
const char* calling_name(Calling c) {
  switch (c) {
    case Calling::fixed:
      return "static";
    case Calling::signature:
      return "signature";
    case Calling::retracing:
      return "retracing";
    case Calling::tape:
      return "tape";
  }
  return "?";
}

struct Program {
  Kind kind = Kind::exact;
  Calling calling = Calling::fixed;
  int num_inputs = 0;
  int rank = 0;  // of the output structure
  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<int> outputs;
  bool matmul = false;  // inputs (batch?, M, K) and (K, N): see shape_of
  int inexact_node = -1;
};

std::string describe(const Program& p) {
  std::ostringstream os;
  auto name = [&](int v) {
    std::string s(1, v < p.num_inputs ? 'x' : 'v');  // (char* + string: GCC 12's -Wrestrict)
    return s += std::to_string(v);
  };
  os << "  kind " << (p.kind == Kind::exact ? "exact" : "inexact") << ", called "
     << calling_name(p.calling) << "\n";
  for (int v = 0; v < p.num_inputs; ++v)
    os << "  input " << name(v) << ": " << dtype_name(p.values[static_cast<size_t>(v)].dtype)
       << " dims '" << p.values[static_cast<size_t>(v)].dims << "'\n";
  for (size_t k = 0; k < p.nodes.size(); ++k) {
    const Node& n = p.nodes[k];
    os << "  " << name(p.num_inputs + static_cast<int>(k)) << " = " << op_name(n.op) << "(";
    if (n.has_scalar && n.scalar_left) os << n.scalar.str() << ", ";
    for (size_t a = 0; a < n.args.size(); ++a) os << (a ? ", " : "") << name(n.args[a]);
    if (n.has_scalar && !n.scalar_left) os << ", " << n.scalar.str();
    if (n.op == Op::Cast) os << ", " << dtype_name(n.to);
    if (n.op == Op::AllReduce) os << ", reduce " << static_cast<int>(n.reduce);
    if (is_reduce(n.op)) {
      os << ", {";
      for (size_t i = 0; i < n.axes.size(); ++i) os << (i ? ", " : "") << n.axes[i];
      os << "}" << (n.all_axes ? " (all)" : "") << ", keepdims=" << n.keepdims;
    }
    if (n.op == Op::Softmax || n.op == Op::LogSoftmax) os << ", axis=" << n.axis;
    os << ") -> " << dtype_name(p.values[static_cast<size_t>(p.num_inputs) + k].dtype) << "\n";
  }
  os << "  return";
  for (int o : p.outputs) os << " " << name(o);
  return os.str() + "\n";
}

// ---- The interpreter: eager and traced alike --------------------------------------------

/// A binary op on two tensors, or a tensor and a C++ scalar on either side.
template <class A, class B>
Tensor binary(Op op, const A& a, const B& b) {
  switch (op) {
#define KILN_EDGE_BINARY(name, family) \
  case Op::name:                       \
    return kiln::name(a, b);
    KILN_BINARY_OP_LIST(KILN_EDGE_BINARY)
#undef KILN_EDGE_BINARY
    default:
      break;
  }
  throw std::logic_error("not a binary op");
}

Tensor apply_node(const Node& n, const std::vector<Tensor>& v) {
  const Tensor& x = v[static_cast<size_t>(n.args[0])];
  auto arg = [&](size_t i) -> const Tensor& { return v[static_cast<size_t>(n.args[i])]; };
  if (is_binary(n.op)) {
    if (!n.has_scalar) return binary(n.op, x, arg(1));
    return n.scalar_left ? binary(n.op, n.scalar.get(), x) : binary(n.op, x, n.scalar.get());
  }
  if (is_unary(n.op)) return unary_row(n.op).apply(x);
  switch (n.op) {
    case Op::Where:
      return where(x, arg(1), arg(2));
    case Op::Cast:
      return cast(x, n.to);
    case Op::AllReduce:
      return distributed::all_reduce(x, n.reduce);
    case Op::Sum:
    case Op::Mean:
    case Op::ReduceMax:
    case Op::ReduceMin: {
      const Axes axes = n.all_axes ? Axes() : Axes(std::vector<int64_t>(n.axes));
      if (n.op == Op::Sum) return sum(x, axes, n.keepdims);
      if (n.op == Op::Mean) return mean(x, axes, n.keepdims);
      if (n.op == Op::ReduceMax) return max(x, axes, n.keepdims);
      return min(x, axes, n.keepdims);
    }
    case Op::Softmax:
      return softmax(x, n.axis);
    case Op::LogSoftmax:
      return log_softmax(x, n.axis);
    case Op::LayerNorm:
      return layer_norm(x, arg(1), arg(2), 1e-5);
    case Op::Matmul:
      return matmul(x, arg(1));
    default:
      break;
  }
  throw std::logic_error("op without an interpretation");
}

std::vector<Tensor> run_program(const Program& p, const std::vector<Tensor>& inputs,
                                std::vector<Tensor>* all = nullptr) {
  std::vector<Tensor> v(inputs.begin(), inputs.end());
  for (const Node& n : p.nodes) v.push_back(apply_node(n, v));
  std::vector<Tensor> out;
  for (int o : p.outputs) out.push_back(v[static_cast<size_t>(o)]);
  if (all) *all = std::move(v);
  return out;
}

using kt::Rng;

// ---- Shapes --------------------------------------------------------------------------------

/// The sizes of one input set: the output dimensions, and for matmul programs B, M, K, N.
struct Sizes {
  std::vector<int64_t> out;
  int64_t b = 0, m = 1, k = 1, n = 1;  // b == 0: no batch dimension
};

Shape shape_of(const Program& p, int input, const Sizes& s) {
  if (p.matmul && input < 2) {
    Shape sh = input == 0 ? Shape{s.m, s.k} : Shape{s.k, s.n};
    if (input == 0 && s.b > 0) sh.insert(sh.begin(), s.b);
    return sh;
  }
  const std::string& dims = p.values[static_cast<size_t>(input)].dims;
  Shape sh;
  const size_t r = static_cast<size_t>(p.rank), lead = r - dims.size();
  for (size_t i = 0; i < dims.size(); ++i) sh.push_back(dims[i] == 'F' ? s.out[lead + i] : 1);
  return sh;
}

/// The input_signature of `signature` calls: a varying dimension is -1. Now and then a
/// size-1 dimension is declared dynamic too (`one_dynamic`): it stays 1, so it broadcasts
/// at run time (the gradient must then sum over it when the graph runs).
std::vector<TensorSpec> signature_of(const Program& p, bool one_dynamic) {
  std::vector<TensorSpec> specs;
  for (int i = 0; i < p.num_inputs; ++i) {
    TensorSpec spec;
    spec.dtype = p.values[static_cast<size_t>(i)].dtype;
    if (p.matmul && i < 2) {
      spec.shape = Shape(i == 0 ? 2 : 2, -1);
      if (i == 0 && p.rank == 3) spec.shape.push_back(-1);
    } else {
      for (char c : p.values[static_cast<size_t>(i)].dims)
        spec.shape.push_back(c == 'F' || one_dynamic ? -1 : 1);
    }
    specs.push_back(spec);
  }
  return specs;
}

// ---- Values at the edges -----------------------------------------------------------------

double edge_float(Rng& rng, DType d) {
  const bool f32 = d == DType::f32;
  const double inf = std::numeric_limits<double>::infinity();
  const double max = f32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  const double tiny = f32 ? std::numeric_limits<float>::min() : std::numeric_limits<double>::min();
  const double sub =
      f32 ? std::numeric_limits<float>::denorm_min() : std::numeric_limits<double>::denorm_min();
  const double sign = rng.coin(0.5) ? -1 : 1;
  switch (rng.below(16)) {
    case 0:
      return sign * 0.0;
    case 1:
      return sign * sub * std::floor(rng.uniform(1, 1000));  // subnormal
    case 2:
      return sign * tiny * rng.uniform(1, 1e6);  // tiny normal
    case 3:
      return sign * max * rng.uniform(0.5, 1.0);  // huge
    case 4:
      return sign * inf;
    case 5:
      return std::numeric_limits<double>::quiet_NaN();
    case 6:
      return sign * std::floor(rng.uniform(0, 50));  // integers (exact casts, ties)
    case 7:
      return sign * rng.range(1, 4000) * 1.5707963267948966 +
             rng.uniform(-1e-3, 1e-3);  // near k pi/2
    case 8:
      return sign * rng.uniform(9e4, 1.1e5);  // around the trig reduction's limit
    case 9:
      return sign * std::exp(rng.uniform(-20, 20));  // every binade of the middle
    case 10:
      if (f32) return std::bit_cast<float>(static_cast<uint32_t>(rng.next()));  // any bits
      return std::bit_cast<double>(rng.next());
    case 11:
      return sign * rng.uniform(1e5, 1e30);
    case 12:
      return sign * rng.uniform(-1, 1) * 2e-5;  // tiny arguments
    default:
      return rng.uniform(-6, 6);  // ordinary
  }
}

int64_t edge_int(Rng& rng, DType d) {
  const int64_t lo = d == DType::i32 ? INT32_MIN : INT64_MIN;
  const int64_t hi = d == DType::i32 ? INT32_MAX : INT64_MAX;
  switch (rng.below(8)) {
    case 0:
      return 0;
    case 1:
      return rng.coin(0.5) ? 1 : -1;
    case 2:
      return lo;
    case 3:
      return hi;
    case 4:
      return rng.coin(0.5) ? lo + rng.range(0, 3) : hi - rng.range(0, 3);
    case 5: {
      const uint64_t bits = rng.next();
      return d == DType::i32 ? static_cast<int32_t>(bits) : static_cast<int64_t>(bits);
    }
    default:
      return rng.range(-20, 20);
  }
}

/// A C++ scalar for an operand of dtype `d`: mostly one the dtype holds (at its range's
/// edges too), now and then one it cannot (a fraction for integers, 2 for booleans, 2^33
/// for i32, 1e300 for f32): then every mode must refuse the program alike.
ScalarValue edge_scalar(Rng& rng, DType d) {
  ScalarValue s;
  auto fl = [&](double v) { s.kind = ScalarValue::floating, s.d = v; };
  auto in = [&](int64_t v) { s.kind = ScalarValue::integer, s.i = v; };
  const bool beyond = rng.coin(0.08);
  if (d == DType::boolean) {
    if (beyond)
      fl(rng.pick({2.0, -1.0, 0.5}));
    else if (rng.coin(0.5))
      in(rng.range(0, 1));
    else
      fl(rng.range(0, 1));
    return s;
  }
  if (is_integer(d)) {
    if (beyond) {
      switch (rng.below(4)) {
        case 0:
          fl(0.5);
          break;
        case 1:
          fl(1e30);
          break;
        case 2:
          s.kind = ScalarValue::unsigned64, s.u = UINT64_MAX;
          break;
        default:
          fl(d == DType::i32 ? 4294967296.0 : 9.3e18);
      }
      return s;
    }
    switch (rng.below(7)) {
      case 0:
        in(d == DType::i32 ? INT32_MAX : INT64_MAX);
        break;
      case 1:
        in(d == DType::i32 ? INT32_MIN : INT64_MIN);
        break;
      case 2:
        fl(rng.range(-3, 3));
        break;  // an integral double
      default:
        in(rng.pick<int64_t>({0, 1, -1, 2, 3, 7, -20}));
    }
    return s;
  }
  if (beyond && d == DType::f32) {
    fl(rng.pick({1e39, -1e300}));
    return s;
  }
  switch (rng.below(6)) {
    case 0:
      fl(edge_float(rng, d));
      break;
    case 1:
      in(rng.pick<int64_t>({0, 1, -3, INT64_MAX}));
      break;
    case 2:
      s.kind = ScalarValue::unsigned64, s.u = UINT64_MAX;
      break;
    default:
      fl(rng.pick({0.0, -0.0, 0.5, 1.0, 2.0, -1.0, 3.0}));
  }
  return s;
}

/// An input tensor: `edges` draws every element from the edges of the dtype, else
/// moderately (the inexact kind: log-uniform magnitudes up to `limit`, some ±0, subnormals,
/// and now and then NaN or ±inf; sums of these never overflow in any order).
Tensor make_input(Rng& rng, DType d, const Shape& shape, bool edges, double limit,
                  bool specials_ok = true) {
  const size_t n = static_cast<size_t>(numel_of(shape));
  if (d == DType::boolean) {
    std::vector<bool> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = rng.coin(0.5);
    return Tensor::from(v, shape);
  }
  if (is_integer(d)) {
    std::vector<int64_t> v(n);
    for (auto& e : v) e = edges ? edge_int(rng, d) : rng.range(-20, 20);
    if (d == DType::i64) return Tensor::from(v, shape);
    return Tensor::from(std::vector<int32_t>(v.begin(), v.end()), shape);
  }
  std::vector<double> v(n);
  const bool specials = specials_ok && rng.coin(0.3);
  for (auto& e : v) {
    if (edges) {
      e = edge_float(rng, d);
      continue;
    }
    const double sign = rng.coin(0.5) ? -1 : 1;
    const int w = rng.below(40);
    if (w == 0)
      e = sign * 0.0;
    else if (w == 1)
      e = sign * (d == DType::f32 ? 1e-40 : 1e-310);
    else if (w == 2 && specials)
      e = rng.pick({std::numeric_limits<double>::quiet_NaN(),
                    std::numeric_limits<double>::infinity(),
                    -std::numeric_limits<double>::infinity()});
    else if (w < 12)
      e = sign * std::exp(rng.uniform(std::log(1e-30), std::log(limit)));
    else
      e = rng.uniform(-3, 3);
  }
  if (d == DType::f64) return Tensor::from(v, shape);
  return Tensor::from(std::vector<float>(v.begin(), v.end()), shape);
}

// ---- The generator --------------------------------------------------------------------------

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  Program make() {
    p_.kind = rng_.coin(0.3) ? Kind::inexact : Kind::exact;
    const int c = rng_.below(100);
    p_.calling = c < 50   ? Calling::fixed
                 : c < 70 ? Calling::signature
                 : c < 85 ? Calling::retracing
                          : Calling::tape;
    if (p_.kind == Kind::inexact)
      inexact();
    else
      exact();
    if (p_.calling == Calling::tape && !floating_program()) p_.calling = Calling::fixed;
    return std::move(p_);
  }

  Rng& rng() { return rng_; }

 private:
  Rng rng_;
  Program p_;
  DType main_ = DType::f32;

  const Value& value(int v) const { return p_.values[static_cast<size_t>(v)]; }
  int newest() const { return static_cast<int>(p_.values.size()) - 1; }

  bool floating_program() const {
    for (int v = 0; v < p_.num_inputs; ++v)
      if (!is_floating(value(v).dtype)) return false;
    for (int o : p_.outputs)
      if (!is_floating(value(o).dtype)) return false;
    return true;
  }

  std::string random_dims(int rank) {
    const int r = rank == 0 ? 0 : (rng_.coin(0.25) ? rng_.range(0, rank) : rank);
    std::string dims;
    for (int i = 0; i < r; ++i) dims += rng_.coin(0.3) ? '1' : 'F';
    return dims;
  }

  void add_input(DType d, std::string dims) {
    p_.values.push_back(Value{d, std::move(dims)});
    ++p_.num_inputs;
  }

  static std::string broadcast_dims(const std::string& a, const std::string& b) {
    const size_t r = std::max(a.size(), b.size());
    std::string out(r, '1');
    for (size_t i = 0; i < r; ++i) {
      const char ca = i + a.size() >= r ? a[i + a.size() - r] : '1';
      const char cb = i + b.size() >= r ? b[i + b.size() - r] : '1';
      out[i] = (ca == 'F' || cb == 'F') ? 'F' : '1';
    }
    return out;
  }

  int emit(Node n, DType result, std::string dims) {
    p_.nodes.push_back(std::move(n));
    p_.values.push_back(Value{result, std::move(dims)});
    return newest();
  }

  int cast_to(int x, DType to) {
    Node n;
    n.op = Op::Cast;
    n.args = {x};
    n.to = to;
    return emit(std::move(n), to, value(x).dims);
  }

  /// A value of dtype d: one there is (the newest half of the time), or x cast to d.
  int of_dtype(DType d, int fallback) {
    std::vector<int> ok;
    for (int v = 0; v <= newest(); ++v)
      if (value(v).dtype == d) ok.push_back(v);
    if (!ok.empty())
      return rng_.coin(0.5) ? ok.back()
                            : ok[static_cast<size_t>(rng_.below(static_cast<int>(ok.size())))];
    return cast_to(fallback, d);
  }

  void exact() {
    const int r = rng_.below(10);
    main_ = r < 3   ? DType::f32
            : r < 5 ? DType::f64
            : r < 6 ? DType::i32
            : r < 8 ? DType::i64
                    : DType::boolean;
    p_.rank = rng_.pick({0, 1, 1, 2, 2, 3});
    const int inputs = rng_.range(1, 3);
    for (int i = 0; i < inputs; ++i) {
      DType d = main_;
      if (i > 0 && rng_.coin(0.2))
        d = rng_.pick({DType::f32, DType::f64, DType::i32, DType::i64, DType::boolean});
      add_input(d, random_dims(p_.rank));
    }
    const int steps = rng_.range(1, 4);
    for (int s = 0; s < steps; ++s) step();
    // Every value no later op reads is a result: no op is dead, so an error any of them
    // raises eagerly must be raised compiled too (graph passes may drop dead pure ops, as
    // TensorFlow's and XLA's do: their errors are not effects).
    std::vector<bool> read(p_.values.size(), false);
    for (const Node& n : p_.nodes)
      for (int a : n.args) read[static_cast<size_t>(a)] = true;
    for (int v = p_.num_inputs; v <= newest(); ++v)
      if (!read[static_cast<size_t>(v)]) p_.outputs.push_back(v);
    if (rng_.coin(0.2)) p_.outputs.push_back(rng_.below(newest() + 1));  // an input, a repeat
  }

  void step() {
    const int x = rng_.coin(0.6) ? newest() : rng_.below(newest() + 1);
    const DType d = value(x).dtype;
    const int w = rng_.below(100);
    if (w < 10)
      return (void)cast_to(
          x, rng_.pick({DType::f32, DType::f64, DType::i32, DType::i64, DType::boolean}));
    if (w < 18) return where_step(x);
    if (w < 23) return all_reduce_step(x);
    if (w < 32) return binary_step(x, pick(binary_ops_of(rules::ElementwiseKind::compare)));
    if (d == DType::boolean) {
      if (w < 60) return binary_step(x, pick(binary_ops_of(rules::ElementwiseKind::logical)));
      if (w < 70) return unary_step(x, pick(unary_ops_of(rules::ElementwiseKind::logical)));
      return (void)cast_to(x, rng_.pick({DType::f32, DType::i32, DType::i64}));
    }
    const std::vector<Op> arithmetic = unary_ops_of(rules::ElementwiseKind::arithmetic);
    if (is_floating(d) && w < 65) {
      std::vector<Op> ops = unary_ops_of(rules::ElementwiseKind::floating);
      ops.insert(ops.end(), arithmetic.begin(), arithmetic.end());
      return unary_step(x, pick(ops));
    }
    if (w < 45) return unary_step(x, pick(arithmetic));
    binary_step(x, pick(binary_ops_of(rules::ElementwiseKind::arithmetic)));
  }

  /// One of `ops` (as rng_.pick draws: a single choice draws nothing).
  Op pick(const std::vector<Op>& ops) {
    if (ops.size() == 1) return ops[0];
    return ops[static_cast<size_t>(rng_.below(static_cast<int>(ops.size())))];
  }

  void unary_step(int x, Op op) {
    Node n;
    n.op = op;
    n.args = {x};
    emit(std::move(n), value(x).dtype, value(x).dims);
  }

  void binary_step(int x, Op op) {
    const DType d = value(x).dtype;
    Node n;
    n.op = op;
    n.args = {x};
    const DType result = is_compare(op) || is_logical(op) ? DType::boolean : d;
    if (rng_.coin(0.4)) {
      n.has_scalar = true;
      n.scalar_left = rng_.coin(0.35);
      n.scalar = edge_scalar(rng_, d);
      emit(std::move(n), result, value(x).dims);
      return;
    }
    const int y = of_dtype(d, rng_.below(newest() + 1));
    n.args.push_back(y);
    if (rng_.coin(0.3)) std::swap(n.args[0], n.args[1]);
    emit(std::move(n), result, broadcast_dims(value(x).dims, value(y).dims));
  }

  /// A collective the plan runs on the communication thread (and, where the value dies
  /// there, in its own buffer): with one rank, sum, max and min give x and mean x / 1.
  void all_reduce_step(int x) {
    Node n;
    n.op = Op::AllReduce;
    n.args = {x};
    n.reduce = is_floating(value(x).dtype)
                   ? rng_.pick({distributed::ReduceOp::sum, distributed::ReduceOp::mean,
                                distributed::ReduceOp::max, distributed::ReduceOp::min})
                   : rng_.pick({distributed::ReduceOp::sum, distributed::ReduceOp::max,
                                distributed::ReduceOp::min});
    emit(std::move(n), value(x).dtype, value(x).dims);
  }

  void where_step(int x) {
    const int c = value(x).dtype == DType::boolean ? x : of_dtype(DType::boolean, x);
    const int a = rng_.below(newest() + 1);
    const int b = of_dtype(value(a).dtype, c);
    Node n;
    n.op = Op::Where;
    n.args = {c, a, b};
    emit(std::move(n), value(a).dtype,
         broadcast_dims(broadcast_dims(value(c).dims, value(a).dims), value(b).dims));
  }

  void inexact() {
    main_ = rng_.coin(0.7) ? DType::f32 : DType::f64;
    const int which = rng_.below(100);
    if (which < 12) {  // matmul: (batch?, M, K) @ (K, N)
      p_.matmul = true;
      p_.rank = rng_.coin(0.3) ? 3 : 2;
      add_input(main_, "");
      add_input(main_, "");
      Node n;
      n.op = Op::Matmul;
      n.args = {0, 1};
      p_.inexact_node = 0;
      p_.outputs.push_back(emit(std::move(n), main_, ""));
      return;
    }
    p_.rank = rng_.pick({1, 2, 2, 3});
    std::string dims(static_cast<size_t>(p_.rank), 'F');
    for (auto& c : dims)
      if (rng_.coin(0.15)) c = '1';
    Node n;
    const int r = p_.rank;
    if (which < 50) {
      n.op = rng_.pick({Op::Sum, Op::Sum, Op::Mean, Op::ReduceMax, Op::ReduceMin});
      n.keepdims = rng_.coin(0.5);
      if (rng_.coin(0.2)) {
        n.all_axes = true;
      } else {
        for (int a = 0; a < r; ++a)
          if (rng_.coin(0.5)) n.axes.push_back(rng_.coin(0.3) ? a - r : a);
        if (n.axes.empty()) n.axes.push_back(r - 1);  // the last axis: a row kernel
      }
    } else if (which < 85) {
      n.op = rng_.coin(0.5) ? Op::Softmax : Op::LogSoftmax;
      n.axis = rng_.coin(0.7) ? -1 : rng_.below(r);
    } else {
      n.op = Op::LayerNorm;
      dims.back() = 'F';
    }
    add_input(main_, dims);
    if (n.op == Op::LayerNorm) {  // gamma, beta: (D,)
      add_input(main_, "F");
      add_input(main_, "F");
    }
    int x = 0;
    if (rng_.coin(0.4)) {  // an exact prefix, fused into the same kernel by the JIT
      unary_step(x, rng_.pick({Op::negative, Op::abs, Op::relu, Op::tanh, Op::sin, Op::exp}));
      x = newest();
    }
    n.args = {x};
    if (n.op == Op::LayerNorm) n.args = {x, 1, 2};
    p_.inexact_node = static_cast<int>(p_.nodes.size());
    const int out = emit(std::move(n), main_, "");
    p_.outputs.push_back(out);
  }
};

/// Random sizes for an input set of `p`.
Sizes sizes_for(const Program& p, Rng& rng) {
  Sizes s;
  const bool empty_ok = p.kind == Kind::exact;
  for (int i = 0; i < p.rank; ++i) {
    int64_t d = rng.range(1, 6);
    if (empty_ok && rng.coin(0.03)) d = 0;
    s.out.push_back(d);
  }
  if (p.matmul) {
    s.b = p.rank == 3 ? rng.range(1, 3) : 0;
    s.m = rng.range(1, 9), s.k = rng.range(1, 40), s.n = rng.range(1, 9);
  }
  return s;
}

// ---- Comparison ---------------------------------------------------------------------------

/// Bit-identical (any NaN matches any NaN): the exact kind, and max/min.
std::string compare_exact(const Tensor& got, const Tensor& want) {
  if (got.dtype() != want.dtype() || got.shape() != want.shape())
    return "dtype/shape " + std::string(dtype_name(got.dtype())) + shape_str(got.shape()) +
           ", want " + std::string(dtype_name(want.dtype())) + shape_str(want.shape());
  std::ostringstream os;
  int bad = 0;
  if (is_floating(want.dtype())) {
    auto g = got.to_vector<double>(), w = want.to_vector<double>();
    for (size_t i = 0; i < w.size(); ++i) {
      if ((std::isnan(g[i]) && std::isnan(w[i])) ||
          std::bit_cast<uint64_t>(g[i]) == std::bit_cast<uint64_t>(w[i]))
        continue;
      if (bad++ < 3) {
        os.precision(17);
        os << (bad > 1 ? "; " : "") << "element " << i << ": got " << g[i] << ", want " << w[i];
      }
    }
  } else {
    auto g = got.to_vector<int64_t>(), w = want.to_vector<int64_t>();
    for (size_t i = 0; i < w.size(); ++i)
      if (g[i] != w[i] && bad++ < 3)
        os << (bad > 1 ? "; " : "") << "element " << i << ": got " << g[i] << ", want " << w[i];
  }
  if (bad > 3) os << "; " << bad << " elements in all";
  return os.str();
}

/// Within `allowed` element by element; NaN where eager has NaN, infinities exactly.
std::string compare_within(const Tensor& got, const Tensor& want,
                           const std::vector<double>& allowed, double& worst) {
  if (got.dtype() != want.dtype() || got.shape() != want.shape())
    return "dtype/shape " + std::string(dtype_name(got.dtype())) + shape_str(got.shape()) +
           ", want " + std::string(dtype_name(want.dtype())) + shape_str(want.shape());
  auto g = got.to_vector<double>(), w = want.to_vector<double>();
  std::ostringstream os;
  int bad = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    bool ok;
    if (std::isnan(w[i]) || std::isnan(g[i]))
      ok = std::isnan(w[i]) && std::isnan(g[i]);
    else if (std::isinf(w[i]) || std::isinf(g[i]))
      ok = g[i] == w[i];
    else {
      const double err = std::fabs(g[i] - w[i]);
      if (allowed[i] > 0) worst = std::max(worst, err / allowed[i]);
      ok = err <= allowed[i];
    }
    if (!ok && bad++ < 3) {
      os.precision(17);
      os << (bad > 1 ? "; " : "") << "element " << i << ": got " << g[i] << ", want " << w[i]
         << " (allowed " << allowed[i] << ")";
    }
  }
  if (bad > 3) os << "; " << bad << " elements in all";
  return os.str();
}

/// How far an inexact op's result may be from eager's, per element, from its operands `in`
/// (bit-identical in every mode: an exact prefix computed them) and eager's result `out`:
///   sum, mean   (n + 2) eps sum|x| (/ n): any summation order [Higham, 4.2]
///   softmax     (n + 6) eps |y|: the sum's order, then one division vs a product by 1/sum
///   log_softmax (n + 6) eps (1 + |y|): log of that sum, then one subtraction
///   layer_norm  8 (D + 6) eps (max|x - mean| / sigma) |gamma| + 4 eps |y|: the mean's and
///               the variance's orders, amplified by the normalization
///   matmul      (K + 2) eps sum_k |a_ik b_kj|
/// eps is the dtype's unit roundoff; n the reduced count.
std::vector<double> inexact_bounds(const Node& n, const std::vector<Tensor>& in,
                                   const Tensor& out) {
  const Tensor& x = in[0];
  const double eps = x.dtype() == DType::f32 ? 0x1.0p-24 : 0x1.0p-53;
  const Shape shape = x.shape();
  const size_t rank = shape.size();
  auto xv = x.to_vector<double>();
  std::vector<double> allowed(static_cast<size_t>(out.numel()), 0.0);
  auto strides = [](const Shape& s) {
    std::vector<int64_t> st(s.size(), 1);
    for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
    return st;
  };
  if (n.op == Op::Matmul) {
    const Tensor& b = in[1];
    auto bv = b.to_vector<double>();
    const Shape bs = b.shape();
    const int64_t K = bs[0], N = bs[1], M = shape[rank - 2];
    const int64_t batches = x.numel() / (M * K);
    for (int64_t q = 0; q < batches; ++q)
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
          double s = 0;
          for (int64_t k = 0; k < K; ++k)
            s += std::fabs(xv[static_cast<size_t>((q * M + i) * K + k)] *
                           bv[static_cast<size_t>(k * N + j)]);
          allowed[static_cast<size_t>((q * M + i) * N + j)] =
              (static_cast<double>(K) + 2) * eps * s;
        }
    return allowed;
  }
  if (n.op == Op::LayerNorm) {
    auto gv = in[1].to_vector<double>();
    auto yv = out.to_vector<double>();
    const int64_t D = shape.empty() ? 1 : shape.back(), rows = D == 0 ? 0 : x.numel() / D;
    for (int64_t r = 0; r < rows; ++r) {
      double mean = 0, var = 0, far = 0;
      for (int64_t j = 0; j < D; ++j) mean += xv[static_cast<size_t>(r * D + j)];
      mean /= static_cast<double>(D);
      for (int64_t j = 0; j < D; ++j) {
        const double c = xv[static_cast<size_t>(r * D + j)] - mean;
        var += c * c;
        far = std::max(far, std::fabs(c) + std::fabs(mean));
      }
      const double sigma = std::sqrt(var / static_cast<double>(D) + 1e-5);
      for (int64_t j = 0; j < D; ++j) {
        const size_t e = static_cast<size_t>(r * D + j);
        allowed[e] = 8 * (static_cast<double>(D) + 6) * eps * (far / sigma) *
                         std::fabs(gv[static_cast<size_t>(j)]) +
                     4 * eps * std::fabs(yv[e]);
      }
    }
    return allowed;
  }
  // Reductions and softmax: walk each output element's group of reduced input elements.
  std::vector<bool> reduced(rank, false);
  if (is_reduce(n.op)) {
    for (int64_t a : n.axes)
      reduced[static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(rank) : a)] = true;
    if (n.all_axes) reduced.assign(rank, true);
  } else {
    reduced[static_cast<size_t>(n.axis < 0 ? n.axis + static_cast<int64_t>(rank) : n.axis)] = true;
  }
  auto st = strides(shape);
  auto yv = out.to_vector<double>();
  // Group key of an input element: its index with the reduced coordinates zeroed.
  std::map<int64_t, std::vector<size_t>> groups;
  for (size_t i = 0; i < xv.size(); ++i) {
    int64_t key = 0, rest = static_cast<int64_t>(i);
    for (size_t a = 0; a < rank; ++a) {
      const int64_t c = rest / st[a];
      rest %= st[a];
      if (!reduced[a]) key += c * st[a];
    }
    groups[key].push_back(i);
  }
  if (is_reduce(n.op)) {
    // Output elements are the groups in order of their keys (keepdims or not: same order).
    size_t o = 0;
    for (const auto& [key, members] : groups) {
      double s = 0;
      for (size_t i : members) s += std::fabs(xv[i]);
      const double count = static_cast<double>(members.size());
      double bound = (count + 2) * eps * s;
      if (n.op == Op::Mean) bound = bound / std::max(1.0, count) + eps * std::fabs(yv[o]);
      if (n.op == Op::ReduceMax || n.op == Op::ReduceMin) bound = 0;
      if (o < allowed.size()) allowed[o] = bound;
      ++o;
    }
    return allowed;
  }
  for (const auto& [key, members] : groups) {
    const double count = static_cast<double>(members.size());
    for (size_t i : members) {
      const double y = std::fabs(yv[i]);
      allowed[i] = n.op == Op::Softmax ? (count + 6) * eps * y : (count + 6) * eps * (1 + y);
    }
  }
  return allowed;
}

// ---- Running one seed ---------------------------------------------------------------------

struct Totals {
  uint64_t cases = 0, errors_agreed = 0, exact_elements = 0, bounded_elements = 0;
  std::map<std::string, int> callings, ops;
  double worst = 0;  // the largest |jit - eager| / allowed of the inexact kind
};

std::string error_op(const std::string& message) {
  if (message.empty() || message[0] != '[') return "";
  return message.substr(0, message.find(']') + 1);
}

struct Result {
  std::vector<Tensor> values;
  std::string error;  // kiln::Error's message
};

template <class F>
Result attempt(F&& f) {
  Result r;
  try {
    r.values = f();
  } catch (const Error& e) {
    r.error = e.what();
    if (r.error.empty()) r.error = "[?] (empty message)";
  }
  return r;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}

std::string json_tensor(const Tensor& t) {
  std::ostringstream os;
  os << "{\"dtype\":\"" << dtype_name(t.dtype()) << "\",\"shape\":[";
  for (size_t i = 0; i < t.shape().size(); ++i) os << (i ? "," : "") << t.shape()[i];
  os << "],\"values\":[";
  if (is_floating(t.dtype())) {
    auto v = t.to_vector<double>();
    for (size_t i = 0; i < v.size(); ++i) {
      os << (i ? "," : "") << "\"";
      if (std::isnan(v[i]))
        os << "nan";
      else if (std::isinf(v[i]))
        os << (v[i] > 0 ? "inf" : "-inf");
      else {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%a", v[i]);  // hex: exact, -0 included
        os << buf;
      }
      os << "\"";
    }
  } else {
    auto v = t.to_vector<int64_t>();
    for (size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << "\"" << v[i] << "\"";
  }
  os << "]}";
  return os.str();
}

std::string json_program(const Program& p) {
  std::ostringstream os;
  os << "{\"inputs\":" << p.num_inputs << ",\"nodes\":[";
  for (size_t k = 0; k < p.nodes.size(); ++k) {
    const Node& n = p.nodes[k];
    os << (k ? "," : "") << "{\"op\":\"" << op_name(n.op) << "\",\"args\":[";
    for (size_t a = 0; a < n.args.size(); ++a) os << (a ? "," : "") << n.args[a];
    os << "]";
    if (n.has_scalar) {
      os << ",\"scalar\":\"" << n.scalar.str()
         << "\",\"scalar_left\":" << (n.scalar_left ? "true" : "false");
      char buf[40];
      if (n.scalar.kind == ScalarValue::floating) std::snprintf(buf, sizeof buf, "%a", n.scalar.d);
      os << ",\"scalar_kind\":\""
         << (n.scalar.kind == ScalarValue::floating  ? "float"
             : n.scalar.kind == ScalarValue::integer ? "int"
                                                     : "uint")
         << "\",\"scalar_value\":\""
         << (n.scalar.kind == ScalarValue::floating  ? std::string(buf)
             : n.scalar.kind == ScalarValue::integer ? std::to_string(n.scalar.i)
                                                     : std::to_string(n.scalar.u))
         << "\"";
    }
    if (n.op == Op::Cast) os << ",\"to\":\"" << dtype_name(n.to) << "\"";
    if (is_reduce(n.op)) {
      os << ",\"axes\":[";
      for (size_t i = 0; i < n.axes.size(); ++i) os << (i ? "," : "") << n.axes[i];
      os << "],\"all_axes\":" << (n.all_axes ? "true" : "false")
         << ",\"keepdims\":" << (n.keepdims ? "true" : "false");
    }
    if (n.op == Op::Softmax || n.op == Op::LogSoftmax) os << ",\"axis\":" << n.axis;
    os << "}";
  }
  os << "],\"outputs\":[";
  for (size_t i = 0; i < p.outputs.size(); ++i) os << (i ? "," : "") << p.outputs[i];
  os << "]}";
  return os.str();
}

/// Runs one seed: "" when every mode agrees with eager mode on every input set.
std::string run_seed(uint64_t seed, int sets, Totals& totals, std::ostream* dump, bool verbose) {
  Generator gen(seed);
  const Program p = gen.make();
  const std::string text = describe(p);
  if (verbose) std::cout << "seed " << seed << ":\n" << text;
  ++totals.callings[calling_name(p.calling)];
  for (const Node& n : p.nodes) ++totals.ops[op_name(n.op)];
  Rng& rng = gen.rng();
  const bool vary = p.calling == Calling::signature || p.calling == Calling::retracing;
  const bool one_dynamic = p.calling == Calling::signature && rng.coin(0.3);

  // The input sets.
  std::vector<std::vector<Tensor>> inputs(static_cast<size_t>(sets));
  Sizes first;
  for (int k = 0; k < sets; ++k) {
    Sizes s = sizes_for(p, rng);
    if (k == 0) first = s;
    if (!vary) s = first;  // one signature: the cached concrete function runs the rest
    const Op last = p.nodes.back().op;
    // Squares and products of the moderate values stay finite in every order of summation.
    // A tape's gradients are compared in a moderate range: their sums cancel, and at the
    // edges the order of a sum would decide more digits than a bound could allow.
    const bool tape = p.calling == Calling::tape;
    const double limit = tape ? 3 : p.matmul || last == Op::LayerNorm ? 1e15 : 1e30;
    const bool edges = p.kind == Kind::exact && p.calling != Calling::tape;
    for (int i = 0; i < p.num_inputs; ++i) {
      const DType d = p.values[static_cast<size_t>(i)].dtype;
      const Shape shape = shape_of(p, i, s);
      Tensor t = make_input(rng, d, shape, edges, limit, /*specials_ok=*/!tape);
      if ((last == Op::Softmax || last == Op::LogSoftmax) && i == 0 && rng.coin(0.3)) {
        // Logits far apart: 3e7 in f32 (where the largest logit's ulp is 2), 1e17 in f64.
        const double far = d == DType::f32 ? 3e7 : 1e17;
        std::vector<double> v(static_cast<size_t>(numel_of(shape)));
        for (auto& e : v) e = rng.coin(0.5) ? far : rng.uniform(-3, 3);
        t = d == DType::f64 ? Tensor::from(v, shape)
                            : Tensor::from(std::vector<float>(v.begin(), v.end()), shape);
      }
      inputs[static_cast<size_t>(k)].push_back(t);
    }
  }

  auto report = [&](const std::string& what, int set) {
    std::ostringstream os;
    os << "seed " << seed << ": " << what << "\nprogram:\n" << text << "input set " << set << ":\n";
    for (size_t i = 0; i < inputs[static_cast<size_t>(set)].size(); ++i)
      os << "  x" << i << " = " << inputs[static_cast<size_t>(set)][i].str() << "\n";
    os << "replay with KILN_EDGE_SEED=" << seed;
    return os.str();
  };

  // Eager, per set: the results (or the error), and for the inexact kind the bounds.
  std::vector<Result> want(static_cast<size_t>(sets));
  std::vector<std::vector<double>> bounds(static_cast<size_t>(sets));
  for (int k = 0; k < sets; ++k) {
    std::vector<Tensor> all;
    want[static_cast<size_t>(k)] =
        attempt([&] { return run_program(p, inputs[static_cast<size_t>(k)], &all); });
    if (p.kind == Kind::inexact && want[static_cast<size_t>(k)].error.empty()) {
      const Node& n = p.nodes[static_cast<size_t>(p.inexact_node)];
      std::vector<Tensor> operands;
      for (int a : n.args) operands.push_back(all[static_cast<size_t>(a)]);
      bounds[static_cast<size_t>(k)] =
          inexact_bounds(n, operands, want[static_cast<size_t>(k)].values.back());
    }
    if (dump) {
      *dump << "{\"seed\":" << seed << ",\"set\":" << k << ",\"program\":" << json_program(p)
            << ",\"inputs\":[";
      for (size_t i = 0; i < inputs[static_cast<size_t>(k)].size(); ++i)
        *dump << (i ? "," : "") << json_tensor(inputs[static_cast<size_t>(k)][i]);
      *dump << "]";
      if (!want[static_cast<size_t>(k)].error.empty()) {
        *dump << ",\"error\":\"" << json_escape(want[static_cast<size_t>(k)].error) << "\"";
      } else {
        *dump << ",\"results\":[";
        for (size_t i = 0; i < want[static_cast<size_t>(k)].values.size(); ++i)
          *dump << (i ? "," : "") << json_tensor(want[static_cast<size_t>(k)].values[i]);
        *dump << "]";
      }
      *dump << "}\n";
    }
  }

  const bool inexact_exactly = p.kind == Kind::inexact &&
                               (p.nodes[static_cast<size_t>(p.inexact_node)].op == Op::ReduceMax ||
                                p.nodes[static_cast<size_t>(p.inexact_node)].op == Op::ReduceMin);
  auto check_results = [&](const std::vector<Tensor>& got, int k, const char* mode) -> std::string {
    const Result& w = want[static_cast<size_t>(k)];
    if (got.size() != w.values.size())
      return std::string(mode) + " returned a different number of results";
    for (size_t o = 0; o < got.size(); ++o) {
      std::string diff;
      if (p.kind == Kind::inexact && !inexact_exactly) {  // its one result is the inexact op's
        diff = compare_within(got[o], w.values[o], bounds[static_cast<size_t>(k)], totals.worst);
        totals.bounded_elements += static_cast<uint64_t>(got[o].numel());
      } else {
        diff = compare_exact(got[o], w.values[o]);
        totals.exact_elements += static_cast<uint64_t>(got[o].numel());
      }
      if (!diff.empty())
        return std::string(mode) + " != eager, result " + std::to_string(o) + ": " + diff;
    }
    return "";
  };

  for (bool jit : {false, true}) {
    const char* mode = jit ? "jit" : "graph mode";
    FunctionOptions options;
    options.jit = jit;
    options.name = "edge_" + std::to_string(seed);
    if (p.calling == Calling::signature) options.input_signature = signature_of(p, one_dynamic);
    if (p.calling == Calling::retracing) options.reduce_retracing = true;
    auto f =
        kiln::function([&p](const std::vector<Tensor>& xs) { return run_program(p, xs); }, options);
    for (int k = 0; k < sets; ++k) {
      const std::vector<Tensor>& in = inputs[static_cast<size_t>(k)];
      const Result& w = want[static_cast<size_t>(k)];
      totals.cases += jit ? 0 : 1;  // a case: one program on one input set, run three ways
      if (p.calling == Calling::tape) {
        // The gradients of sum(result * w) for every input: around the compiled call, and
        // around the eager program.
        auto gradients = [&](bool compiled) {
          return attempt([&] {
            GradientTape tape;
            for (const Tensor& x : in) tape.watch(x);
            std::vector<Tensor> out = compiled ? f(in) : run_program(p, in);
            Tensor loss = zeros({}, in[0].dtype());
            for (size_t o = 0; o < out.size(); ++o)
              loss = loss + sum(out[o] * (0.5 + static_cast<double>(o)));
            return tape.gradient(loss, in);
          });
        };
        Result g = gradients(true), e = gradients(false);
        if (g.error.empty() != e.error.empty())
          return report(
              std::string(mode) + " tape: " +
                  (g.error.empty() ? "eager threw: " + e.error : "compiled threw: " + g.error),
              k);
        if (!e.error.empty()) {
          ++totals.errors_agreed;
          continue;
        }
        for (size_t i = 0; i < e.values.size(); ++i) {
          // Gradients pass through sums (unbroadcasting) whose order may differ.
          std::vector<double> allowed(static_cast<size_t>(e.values[i].numel()));
          double scale = 1;
          for (double v : e.values[i].to_vector<double>())
            if (std::isfinite(v)) scale = std::max(scale, std::fabs(v));
          const double eps = e.values[i].dtype() == DType::f32 ? 0x1.0p-24 : 0x1.0p-53;
          // The inexact kind's gradients (a layer_norm's of a row whose values nearly agree)
          // amplify the sums' rounding by the row's conditioning.
          allowed.assign(allowed.size(), (p.kind == Kind::inexact ? 4096 : 256) * eps * scale);
          std::string diff = compare_within(g.values[i], e.values[i], allowed, totals.worst);
          if (!diff.empty())
            return report(
                std::string(mode) + " tape: gradient of input " + std::to_string(i) + ": " + diff,
                k);
        }
        continue;
      }
      const uint64_t misses = f.stats().misses;
      const size_t traces = f.trace_count();
      Result got = attempt([&] { return f(in); });
      if (!w.error.empty() || !got.error.empty()) {
        if (w.error.empty())
          return report(std::string(mode) + " threw where eager did not: " + got.error, k);
        if (got.error.empty())
          return report(std::string(mode) + " did not throw; eager threw: " + w.error, k);
        // The same op refuses, unless the compiled call refused while tracing: checks made
        // then (a scalar beyond the dtype) come before any op runs, while eager mode stops at
        // the first op that refuses its data (a zero divisor earlier in the program).
        const bool at_trace = f.stats().misses > misses && f.trace_count() == traces;
        if (error_op(got.error) != error_op(w.error) && !at_trace)
          return report(std::string(mode) + " threw " + got.error + "; eager threw " + w.error, k);
        ++totals.errors_agreed;
        continue;
      }
      if (std::string diff = check_results(got.values, k, mode); !diff.empty())
        return report(diff, k);
    }
    if (p.calling == Calling::fixed && f.trace_count() > 1)
      return report(std::string(mode) + ": a call with the same signature retraced", 0);
    if (p.calling == Calling::signature && f.trace_count() > 1)
      return report(std::string(mode) + ": input_signature traced more than once", 0);
  }
  return "";
}

std::optional<uint64_t> env_number(const char* name) {
  const char* s = std::getenv(name);
  if (!s || !*s) return std::nullopt;
  return std::strtoull(s, nullptr, 10);
}

}  // namespace

TEST_CASE("at the edges of every dtype, jit, graph mode and eager agree", "[edges][random]") {
  const bool verbose = env_number("KILN_EDGE_VERBOSE").value_or(0) != 0;
  const int sets = static_cast<int>(env_number("KILN_EDGE_SETS").value_or(8));
  std::vector<uint64_t> seeds;
  if (auto one = env_number("KILN_EDGE_SEED")) {
    seeds.push_back(*one);
  } else {
    const uint64_t first = env_number("KILN_EDGE_FIRST").value_or(1);
    const uint64_t n = env_number("KILN_EDGE_CASES").value_or(1250);
    for (uint64_t s = first; s < first + n; ++s) seeds.push_back(s);
  }
  std::unique_ptr<std::ofstream> dump;
  if (const char* path = std::getenv("KILN_EDGE_DUMP"); path && *path)
    dump = std::make_unique<std::ofstream>(path);
  Totals totals;
  int failures = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t seed : seeds) {
    std::string failure;
    try {
      failure = run_seed(seed, sets, totals, dump.get(), verbose);
    } catch (const std::exception& e) {
      failure = "seed " + std::to_string(seed) + ": the tester threw " + e.what() +
                "\nreplay with KILN_EDGE_SEED=" + std::to_string(seed);
    }
    if (!failure.empty()) {
      ++failures;
      FAIL_CHECK(failure);
      if (failures >= 20) break;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (verbose || seeds.size() > 1) {
    std::ostringstream os;
    os << "edge tester: " << seeds.size() << " seeds, " << totals.cases << " cases in " << seconds
       << " s; " << failures << " failing; " << totals.errors_agreed
       << " cases where every mode refused alike; " << totals.exact_elements
       << " elements compared bit for bit, " << totals.bounded_elements
       << " within bounds (worst error/bound " << totals.worst << "); calls:";
    for (const auto& [name, count] : totals.callings) os << " " << name << "=" << count;
    os << "; ops:";
    for (const auto& [name, count] : totals.ops) os << " " << name << "=" << count;
    if (verbose) std::cout << os.str() << "\n";
    INFO(os.str());
    CHECK(failures == 0);
  }
  if (seeds.size() >= 500) {
    CHECK(totals.cases >= seeds.size() * static_cast<size_t>(sets));
    for (int i = 0; i < static_cast<int>(Op::kCount); ++i) {
      INFO("op " << op_name(static_cast<Op>(i)) << " generated fewer than 5 times");
      CHECK(totals.ops[op_name(static_cast<Op>(i))] >= 5);
    }
  }
}
