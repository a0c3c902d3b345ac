#include "compiler/pipeline/kernel_binding.h"

#include <initializer_list>

#include "compiler/ops/op_support.h"
#include "ir/KilnOps.h"
#include "ir/TypeConversion.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "kernels/layout.h"
#include "kernels/normalization.h"
#include "kernels/random.h"
#include "kernels/reduce.h"
#include "kiln/ops.h"
#include "runtime/binary_ops.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {
namespace {

using runtime::Frame;
/// The op function on concrete tensors: the step of an op with dynamic types.
using OpFunction = std::function<Tensor(const std::vector<Tensor>&)>;

/// The op's name as the op list spells it (a string that lives as long as the program).
const char* op_name(mlir::Operation& op) {
  const std::optional<OpId> id = find_op(op.getName().stripDialect());
  if (!id)
    throw Error("[plan] internal error: " + op.getName().getStringRef().str() + " is not an op");
  return kOps[static_cast<size_t>(*id)].name;
}

bool has_dynamic(mlir::TypeRange types) {
  for (mlir::Type t : types)
    for (int64_t d : ir::kiln_type(t).shape)
      if (d < 0) return true;
  return false;
}

/// Runs a kernel that may refuse its data (a zero divisor, an index out of range) as the
/// op function would: the refusal names the op, its operands and the user's line.
template <class Kernel>
void checked(const char* name, std::initializer_list<const Tensor*> operands, Kernel&& kernel) {
  CallSite site{name};  // inside the step's frame: its op and line are the ones reported
  run_kernel(site, operands, kernel);
}

/// The step of an op with dynamic types: the op function, on the sizes this call has.
std::function<void(Frame&)> op_function_step(const OpSlots& s, const char* name, OpFunction fn) {
  return [name, fn = std::move(fn), in = s.in, o = s.out.at(0), where = s.where](Frame& f) {
    std::vector<Tensor> args;
    args.reserve(in.size());
    for (int i : in) args.push_back(f.slots[i]);
    with_location(name, where, [&] { f.slots[o] = fn(args); });
  };
}

/// The slot of an operand whose storage the result may take (-1: none): its last use is
/// this op and it has the result's type.
int donor_slot(const OpSlots& s) {
  const mlir::Type result = s.op.getResult(0).getType();
  for (unsigned k = 0; k < s.op.getNumOperands(); ++k)
    if (s.last_use.at(k) && s.op.getOperand(k).getType() == result) return s.in[k];
  return -1;
}

/// An op with one result: `kernel(frame, out)` fills `out`, allocated on the run's device
/// with the result type of the IR; with dynamic types, `fn` runs instead. With `in_place`
/// (the kernel reads each element before writing its index), a dying operand of the
/// result's type that nothing else holds (no view shares its buffer) is the result.
template <class Kernel>
BoundStep one_result(const OpSlots& s, Kernel kernel, OpFunction fn, bool host_values = false,
                     bool in_place = false) {
  const char* name = op_name(s.op);
  if (has_dynamic(s.op.getOperandTypes()) || has_dynamic(s.op.getResultTypes()))
    return {op_function_step(s, name, std::move(fn)), /*host_values=*/true};  // sizes vary
  const rules::TensorType type = ir::kiln_type(s.op.getResult(0).getType());
  const int donor = in_place ? donor_slot(s) : -1;
  return {[name, kernel, type, donor, o = s.out.at(0), where = s.where](Frame& f) {
            with_location(name, where, [&] {
              Tensor out;
              if (donor >= 0) {
                const Tensor& t = f.slots[donor];
                if (t.impl().use_count() == 1 && t.impl()->buffer.use_count() == 1) out = t;
              }
              if (!out.defined()) out = empty(type.dtype, type.shape, f.device);
              kernel(f, out);
              f.slots[o] = std::move(out);
            });
          },
          host_values};
}

/// An op whose result shares its operand's storage under the IR's result shape.
BoundStep view_result(const OpSlots& s, OpFunction fn) {
  const char* name = op_name(s.op);
  if (has_dynamic(s.op.getOperandTypes()) || has_dynamic(s.op.getResultTypes()))
    return {op_function_step(s, name, std::move(fn)), /*host_values=*/true};
  const Shape shape = ir::kiln_type(s.op.getResult(0).getType()).shape;
  return {
      [shape, x = s.in.at(0), o = s.out.at(0)](Frame& f) { f.slots[o] = view(f.slots[x], shape); }};
}

template <OpId op>
BoundStep binary(const OpSlots& s, OpFunction fn) {
  constexpr kernels::BinaryOp k = kernels::binary_kernel_op(op);
  // Ops that refuse some integer operands (division by zero) check them on the host.
  const bool host = BinaryOpDef<op>::checks_integers &&
                    is_integer(ir::kiln_type(s.op.getOperand(1).getType()).dtype);
  const char* name = op_name(s.op);
  return one_result(
      s,
      [k, name, a = s.in.at(0), b = s.in.at(1)](Frame& f, const Tensor& out) {
        const Tensor &x = f.slots[a], &y = f.slots[b];
        checked(name, {&x, &y}, [&] { kernels::binary(k, x, y, out); });
      },
      std::move(fn), host, /*in_place=*/true);
}

BoundStep unary(const OpSlots& s, kernels::UnaryOp k, OpFunction fn) {
  return one_result(
      s, [k, x = s.in.at(0)](Frame& f, const Tensor& out) { kernels::unary(k, f.slots[x], out); },
      std::move(fn), /*host_values=*/false, kernels::unary_in_place(k));
}

template <class Op>
BoundStep reduce(const OpSlots& s, kernels::ReduceOp k, Tensor (*fn)(const Tensor&, Axes, bool)) {
  auto op = llvm::cast<Op>(s.op);
  const std::vector<int64_t> axes(op.getAxes().begin(), op.getAxes().end());
  const bool keepdims = op.getKeepdims();
  return one_result(
      s,
      [k, axes, x = s.in.at(0)](Frame& f, const Tensor& out) {
        kernels::reduce(k, f.slots[x], axes, out);
      },
      [fn, axes, keepdims](const std::vector<Tensor>& in) {
        return fn(in[0], Axes(axes), keepdims);
      });
}

template <class Op>
BoundStep softmax(const OpSlots& s, bool log, Tensor (*fn)(const Tensor&, int64_t)) {
  const auto axis = static_cast<int64_t>(llvm::cast<Op>(s.op).getAxis());
  return one_result(
      s,
      [axis, log, x = s.in.at(0)](Frame& f, const Tensor& out) {
        kernels::softmax(f.slots[x], axis, log, out);
      },
      [fn, axis](const std::vector<Tensor>& in) { return fn(in[0], axis); });
}

/// Random values are made on the host (the same numbers on every device) from the key
/// operand, read each run (a kiln::Generator's is a variable), then moved to the run's
/// device. `fill(out, key)` runs the kernel with the op's attributes. With a `dims` operand
/// the dynamic sizes are read each run too.
template <class Op, class Fill>
BoundStep random(const OpSlots& s, Fill fill) {
  auto op = llvm::cast<Op>(s.op);
  const Shape shape(op.getShape().begin(), op.getShape().end());
  const DType dtype = ir::kiln_type(s.op.getResult(0).getType()).dtype;
  const int dims = op.getDims() ? s.in.at(1) : -1;
  return {[name = op_name(s.op), where = s.where, key = s.in.at(0), dims, o = s.out.at(0), shape,
           dtype, fill](Frame& f) {
            with_location(name, where, [&] {
              Shape actual = shape;
              if (dims >= 0) {
                const auto sizes = f.slots[dims].to_vector<int64_t>();
                for (size_t i = 0; i < actual.size(); ++i) actual[i] = sizes.at(i);
              }
              Tensor out = empty(dtype, actual);
              fill(out, kernels::key_of(f.slots[key]));
              f.slots[o] = f.device.kind == Device::cpu ? std::move(out) : to_device(out, f.device);
            });
          },
          /*host_values=*/true};
}

/// The ops that read sizes at run time (dynamic dimensions): the op function, always.
BoundStep size_op(const OpSlots& s, OpFunction fn) {
  return {op_function_step(s, op_name(s.op), std::move(fn)), /*host_values=*/true};
}

}  // namespace

// The binders, in op-list order.

const KernelBinder bind_zeros = kNotInGraphs;
const KernelBinder bind_ones = kNotInGraphs;
const KernelBinder bind_full = kNotInGraphs;
const KernelBinder bind_arange = kNotInGraphs;
const KernelBinder bind_eye = kNotInGraphs;
const KernelBinder bind_random_uniform{[](const OpSlots& s) {
  auto op = llvm::cast<ir::RandomUniformOp>(s.op);
  // The attributes hold the f32 bounds the op function took.
  const float lo = static_cast<float>(op.getLo().convertToDouble());
  const float hi = static_cast<float>(op.getHi().convertToDouble());
  return random<ir::RandomUniformOp>(s, [lo, hi](const Tensor& out, kernels::RandomKey key) {
    kernels::random_uniform(out, key, lo, hi);
  });
}};
const KernelBinder bind_random_normal{[](const OpSlots& s) {
  auto op = llvm::cast<ir::RandomNormalOp>(s.op);
  const float mean = static_cast<float>(op.getMean().convertToDouble());
  const float stddev = static_cast<float>(op.getStddev().convertToDouble());
  return random<ir::RandomNormalOp>(s, [mean, stddev](const Tensor& out, kernels::RandomKey key) {
    kernels::random_normal(out, key, mean, stddev);
  });
}};
const KernelBinder bind_random_int{[](const OpSlots& s) {
  auto op = llvm::cast<ir::RandomIntOp>(s.op);
  const auto lo = static_cast<int64_t>(op.getLo()), hi = static_cast<int64_t>(op.getHi());
  return random<ir::RandomIntOp>(s, [lo, hi](const Tensor& out, kernels::RandomKey key) {
    kernels::random_int(out, key, lo, hi);
  });
}};

#define KILN_BIND_BINARY(name, family)                                                \
  const KernelBinder bind_##name{[](const OpSlots& s) {                               \
    return binary<OpId::name>(                                                        \
        s, [](const std::vector<Tensor>& in) { return ::kiln::name(in[0], in[1]); }); \
  }};
KILN_BINARY_OP_LIST(KILN_BIND_BINARY)
#undef KILN_BIND_BINARY

#define KILN_BIND_UNARY(name, family)                                                \
  const KernelBinder bind_##name{[](const OpSlots& s) {                              \
    return unary(s, kernels::UnaryOp::name,                                          \
                 [](const std::vector<Tensor>& in) { return ::kiln::name(in[0]); }); \
  }};
KILN_UNARY_OP_LIST(KILN_BIND_UNARY)
#undef KILN_BIND_UNARY

const KernelBinder bind_where{[](const OpSlots& s) {
  return one_result(
      s,
      [c = s.in.at(0), a = s.in.at(1), b = s.in.at(2)](Frame& f, const Tensor& out) {
        kernels::where(f.slots[c], f.slots[a], f.slots[b], out);
      },
      [](const std::vector<Tensor>& in) { return ::kiln::where(in[0], in[1], in[2]); });
}};
const KernelBinder bind_cast{[](const OpSlots& s) {
  const DType dtype = ir::kiln_type(s.op.getResult(0).getType()).dtype;
  return one_result(
      s, [x = s.in.at(0)](Frame& f, const Tensor& out) { kernels::cast(f.slots[x], out); },
      [dtype](const std::vector<Tensor>& in) { return ::kiln::cast(in[0], dtype); });
}};

#define KILN_BIND_REDUCE(name, Op)                                                                \
  const KernelBinder bind_##name{[](const OpSlots& s) {                                           \
    return reduce<ir::Op>(s, kernels::ReduceOp::name, [](const Tensor& x, Axes axes, bool keep) { \
      return ::kiln::name(x, std::move(axes), keep);                                              \
    });                                                                                           \
  }};
KILN_BIND_REDUCE(sum, SumOp)
KILN_BIND_REDUCE(mean, MeanOp)
KILN_BIND_REDUCE(max, MaxOp)
KILN_BIND_REDUCE(min, MinOp)
#undef KILN_BIND_REDUCE

/// argmax and argmin: the index of the first extreme along one axis.
template <class Op, class Fn>
BoundStep arg_extreme(const OpSlots& s, bool largest, Fn fn) {
  auto op = llvm::cast<Op>(s.op);
  const auto axis = static_cast<int64_t>(op.getAxis());
  const bool keepdims = op.getKeepdims();
  return one_result(
      s,
      [axis, largest, x = s.in.at(0)](Frame& f, const Tensor& out) {
        kernels::arg_extreme(f.slots[x], axis, largest, out);
      },
      [fn, axis, keepdims](const std::vector<Tensor>& in) { return fn(in[0], axis, keepdims); });
}

const KernelBinder bind_argmax{[](const OpSlots& s) {
  return arg_extreme<ir::ArgmaxOp>(s, true, [](const Tensor& x, int64_t axis, bool keep) {
    return ::kiln::argmax(x, axis, keep);
  });
}};
const KernelBinder bind_argmin{[](const OpSlots& s) {
  return arg_extreme<ir::ArgminOp>(s, false, [](const Tensor& x, int64_t axis, bool keep) {
    return ::kiln::argmin(x, axis, keep);
  });
}};

const KernelBinder bind_cumsum{[](const OpSlots& s) {
  auto op = llvm::cast<ir::CumsumOp>(s.op);
  const auto axis = static_cast<int64_t>(op.getAxis());
  const bool reverse = op.getReverse();
  return one_result(
      s,
      [axis, reverse, x = s.in.at(0)](Frame& f, const Tensor& out) {
        kernels::cumsum(f.slots[x], axis, reverse, out);
      },
      [axis, reverse](const std::vector<Tensor>& in) {
        return ::kiln::cumsum(in[0], axis, reverse);
      });
}};

const KernelBinder bind_reshape{[](const OpSlots& s) {
  const auto attr = llvm::cast<ir::ReshapeOp>(s.op).getShape();
  const Shape shape(attr.begin(), attr.end());
  return view_result(
      s, [shape](const std::vector<Tensor>& in) { return ::kiln::reshape(in[0], shape); });
}};
const KernelBinder bind_transpose{[](const OpSlots& s) {
  const auto attr = llvm::cast<ir::TransposeOp>(s.op).getPerm();
  const std::vector<int64_t> perm(attr.begin(), attr.end());
  return one_result(
      s,
      [perm, x = s.in.at(0)](Frame& f, const Tensor& out) {
        kernels::permute_into(f.slots[x], perm, out);
      },
      [perm](const std::vector<Tensor>& in) { return ::kiln::transpose(in[0], perm); });
}};
const KernelBinder bind_broadcast_to{[](const OpSlots& s) {
  const auto attr = llvm::cast<ir::BroadcastToOp>(s.op).getShape();
  const Shape shape(attr.begin(), attr.end());
  return one_result(
      s,
      [x = s.in.at(0)](Frame& f, const Tensor& out) { kernels::broadcast_into(f.slots[x], out); },
      [shape](const std::vector<Tensor>& in) { return ::kiln::broadcast_to(in[0], shape); });
}};
const KernelBinder bind_expand_dims{[](const OpSlots& s) {
  const auto axis = static_cast<int64_t>(llvm::cast<ir::ExpandDimsOp>(s.op).getAxis());
  return view_result(
      s, [axis](const std::vector<Tensor>& in) { return ::kiln::expand_dims(in[0], axis); });
}};
const KernelBinder bind_squeeze{[](const OpSlots& s) {
  const auto attr = llvm::cast<ir::SqueezeOp>(s.op).getAxes();
  const std::vector<int64_t> axes(attr.begin(), attr.end());
  return view_result(
      s, [axes](const std::vector<Tensor>& in) { return ::kiln::squeeze(in[0], Axes(axes)); });
}};
const KernelBinder bind_slice{[](const OpSlots& s) {
  auto op = llvm::cast<ir::SliceOp>(s.op);
  const std::vector<int64_t> begin(op.getBegin().begin(), op.getBegin().end());
  const std::vector<int64_t> end(op.getEnd().begin(), op.getEnd().end());
  return one_result(
      s,
      [begin, x = s.in.at(0)](Frame& f, const Tensor& out) {
        kernels::slice_into(f.slots[x], begin, out);
      },
      [begin, end](const std::vector<Tensor>& in) { return ::kiln::slice(in[0], begin, end); });
}};
const KernelBinder bind_concat{[](const OpSlots& s) {
  const auto axis = static_cast<int64_t>(llvm::cast<ir::ConcatOp>(s.op).getAxis());
  return one_result(
      s,
      [axis, in = s.in](Frame& f, const Tensor& out) {
        std::vector<Tensor> xs;
        xs.reserve(in.size());
        for (int i : in) xs.push_back(f.slots[i]);
        kernels::concat_into(xs, axis, out);
      },
      [axis](const std::vector<Tensor>& in) { return ::kiln::concat(in, axis); });
}};
const KernelBinder bind_gather{[](const OpSlots& s) {
  const auto axis = static_cast<int64_t>(llvm::cast<ir::GatherOp>(s.op).getAxis());
  return one_result(
      s,
      [axis, x = s.in.at(0), i = s.in.at(1)](Frame& f, const Tensor& out) {
        const Tensor &values = f.slots[x], &indices = f.slots[i];
        checked("gather", {&values, &indices},
                [&] { kernels::gather_into(values, indices, axis, out); });
      },
      [axis](const std::vector<Tensor>& in) { return ::kiln::gather(in[0], in[1], axis); },
      /*host_values=*/true);  // the indices are checked on the host
}};
const KernelBinder bind_index_update{[](const OpSlots& s) {
  const auto axis = static_cast<int64_t>(llvm::cast<ir::IndexUpdateOp>(s.op).getAxis());
  return one_result(
      s,
      [axis, x = s.in.at(0), i = s.in.at(1), v = s.in.at(2)](Frame& f, const Tensor& out) {
        const Tensor &values = f.slots[x], &index = f.slots[i], &value = f.slots[v];
        checked("index_update", {&values, &index, &value},
                [&] { kernels::index_update_into(values, index, value, axis, out); });
      },
      [axis](const std::vector<Tensor>& in) {
        return ::kiln::index_update(in[0], in[1], in[2], axis);
      },
      /*host_values=*/true,  // the index is checked on the host
      /*in_place=*/true);    // a dying x is updated where it lies: only the entry is written
}};
const KernelBinder bind_one_hot{[](const OpSlots& s) {
  auto op = llvm::cast<ir::OneHotOp>(s.op);
  const auto depth = static_cast<int64_t>(op.getDepth());
  const DType dtype = ir::kiln_type(s.op.getResult(0).getType()).dtype;
  return one_result(
      s,
      [depth, x = s.in.at(0)](Frame& f, const Tensor& out) {
        kernels::one_hot_into(f.slots[x], depth, out);
      },
      [depth, dtype](const std::vector<Tensor>& in) {
        return ::kiln::one_hot(in[0], depth, dtype);
      });
}};

const KernelBinder bind_shape{[](const OpSlots& s) {
  return size_op(s, [](const std::vector<Tensor>& in) { return ::kiln::shape(in[0]); });
}};
const KernelBinder bind_dynamic_reshape{[](const OpSlots& s) {
  return size_op(s, [](const std::vector<Tensor>& in) { return ::kiln::reshape(in[0], in[1]); });
}};
const KernelBinder bind_sum_to{[](const OpSlots& s) {
  return size_op(s, [](const std::vector<Tensor>& in) { return ::kiln::sum_to(in[0], in[1]); });
}};

const KernelBinder bind_matmul{[](const OpSlots& s) {
  return one_result(
      s,
      [a = s.in.at(0), b = s.in.at(1)](Frame& f, const Tensor& out) {
        kernels::matmul(f.slots[a], f.slots[b], out);
      },
      [](const std::vector<Tensor>& in) { return ::kiln::matmul(in[0], in[1]); });
}};

const KernelBinder bind_softmax{[](const OpSlots& s) {
  return softmax<ir::SoftmaxOp>(
      s, false, [](const Tensor& x, int64_t axis) { return ::kiln::softmax(x, axis); });
}};
const KernelBinder bind_log_softmax{[](const OpSlots& s) {
  return softmax<ir::LogSoftmaxOp>(
      s, true, [](const Tensor& x, int64_t axis) { return ::kiln::log_softmax(x, axis); });
}};
const KernelBinder bind_layer_norm{[](const OpSlots& s) {
  const double eps = llvm::cast<ir::LayerNormOp>(s.op).getEps().convertToDouble();
  return one_result(
      s,
      [eps, x = s.in.at(0), g = s.in.at(1), b = s.in.at(2)](Frame& f, const Tensor& out) {
        kernels::layer_norm(f.slots[x], f.slots[g], f.slots[b], eps, out);
      },
      [eps](const std::vector<Tensor>& in) {
        return ::kiln::layer_norm(in[0], in[1], in[2], eps);
      });
}};
const KernelBinder bind_softmax_cross_entropy{[](const OpSlots& s) {
  return one_result(
      s,
      [l = s.in.at(0), y = s.in.at(1)](Frame& f, const Tensor& out) {
        const Tensor &logits = f.slots[l], &labels = f.slots[y];
        checked("softmax_cross_entropy", {&logits, &labels},
                [&] { kernels::softmax_cross_entropy(logits, labels, out); });
      },
      [](const std::vector<Tensor>& in) { return ::kiln::softmax_cross_entropy(in[0], in[1]); },
      /*host_values=*/true);  // the labels are checked on the host
}};

const KernelBinder bind_print{[](const OpSlots& s) -> BoundStep {
  return {[label = llvm::cast<ir::PrintOp>(s.op).getLabel().str(), x = s.in.at(0)](Frame& f) {
            ::kiln::print(f.slots[x], label);
          },
          /*host_values=*/true};
}};

BoundStep bind_kernel(const OpSlots& slots) {
  const std::optional<OpId> id = find_op(slots.op.getName().stripDialect());
  const KernelBinder* binder = nullptr;
  if (id) {
    static const KernelBinder* const table[] = {
#define KILN_BINDER_ENTRY(name, family) &bind_##name,
        KILN_OP_LIST(KILN_BINDER_ENTRY)
#undef KILN_BINDER_ENTRY
    };
    binder = table[static_cast<size_t>(*id)];
  }
  if (binder == nullptr || binder->bind == nullptr)
    throw Error("[plan] internal error: no kernel for " + slots.op.getName().getStringRef().str());
  return binder->bind(slots);
}

}  // namespace kiln::detail
