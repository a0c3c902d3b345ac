#include "compiler/pipeline/fusion_call.h"

#include <array>

#include "runtime/parallel.h"
#include "runtime/tensor_impl.h"

namespace kiln::detail {
namespace {

using Ptr = void*;

/// A memref descriptor {allocated, aligned, offset, sizes[rank], strides[rank]}.
using Descriptor = std::array<int64_t, 3 + 2 * kMaxFusionRank>;

void fill(Descriptor& d, const char* base, const std::vector<int64_t>& shape, size_t element,
          bool split, int64_t begin, int64_t end) {
  const size_t rank = shape.size();
  int64_t stride = 1;
  for (size_t k = rank; k-- > 0;) {
    d[3 + rank + k] = stride;
    d[3 + k] = shape[k];
    stride *= shape[k];
  }
  const int64_t row = d[3 + rank];  // elements per step of dimension 0
  const char* p = base + (split ? static_cast<size_t>(begin * row) * element : 0);
  if (split) d[3] = end - begin;
  d[0] = d[1] = reinterpret_cast<int64_t>(p);
  d[2] = 0;
}

void call(void* fn, Ptr* a, size_t n) {
#define KILN_ARGS_1 a[0]
#define KILN_ARGS_2 KILN_ARGS_1, a[1]
#define KILN_ARGS_3 KILN_ARGS_2, a[2]
#define KILN_ARGS_4 KILN_ARGS_3, a[3]
#define KILN_ARGS_5 KILN_ARGS_4, a[4]
#define KILN_ARGS_6 KILN_ARGS_5, a[5]
#define KILN_ARGS_7 KILN_ARGS_6, a[6]
#define KILN_ARGS_8 KILN_ARGS_7, a[7]
#define KILN_ARGS_9 KILN_ARGS_8, a[8]
#define KILN_ARGS_10 KILN_ARGS_9, a[9]
#define KILN_ARGS_11 KILN_ARGS_10, a[10]
#define KILN_ARGS_12 KILN_ARGS_11, a[11]
#define KILN_ARGS_13 KILN_ARGS_12, a[12]
#define KILN_ARGS_14 KILN_ARGS_13, a[13]
#define KILN_ARGS_15 KILN_ARGS_14, a[14]
#define KILN_ARGS_16 KILN_ARGS_15, a[15]
#define KILN_PTRS_1 Ptr
#define KILN_PTRS_2 KILN_PTRS_1, Ptr
#define KILN_PTRS_3 KILN_PTRS_2, Ptr
#define KILN_PTRS_4 KILN_PTRS_3, Ptr
#define KILN_PTRS_5 KILN_PTRS_4, Ptr
#define KILN_PTRS_6 KILN_PTRS_5, Ptr
#define KILN_PTRS_7 KILN_PTRS_6, Ptr
#define KILN_PTRS_8 KILN_PTRS_7, Ptr
#define KILN_PTRS_9 KILN_PTRS_8, Ptr
#define KILN_PTRS_10 KILN_PTRS_9, Ptr
#define KILN_PTRS_11 KILN_PTRS_10, Ptr
#define KILN_PTRS_12 KILN_PTRS_11, Ptr
#define KILN_PTRS_13 KILN_PTRS_12, Ptr
#define KILN_PTRS_14 KILN_PTRS_13, Ptr
#define KILN_PTRS_15 KILN_PTRS_14, Ptr
#define KILN_PTRS_16 KILN_PTRS_15, Ptr
#define KILN_CALL(n) \
  case n:            \
    return reinterpret_cast<void (*)(KILN_PTRS_##n)>(fn)(KILN_ARGS_##n);
  switch (n) {
    KILN_CALL(1)
    KILN_CALL(2)
    KILN_CALL(3)
    KILN_CALL(4) KILN_CALL(5) KILN_CALL(6) KILN_CALL(7) KILN_CALL(8) KILN_CALL(9) KILN_CALL(10)
        KILN_CALL(11) KILN_CALL(12) KILN_CALL(13) KILN_CALL(14) KILN_CALL(15) KILN_CALL(16) default
        : break;
  }
}

}  // namespace

std::optional<FusionShapes> resolve_fusion(const FusionCall& c, const std::vector<Tensor>& slots,
                                           const std::vector<int>& in) {
  Shape out = c.result_type;
  const size_t rank = out.size();
  for (size_t i = 0; i < in.size(); ++i) {
    const Shape& type = c.input_types[i];
    const Shape& actual = shape_of(slots[in[i]]);
    if (actual.size() != type.size()) return std::nullopt;
    const size_t offset = rank - type.size();
    for (size_t k = 0; k < type.size(); ++k) {
      if (type[k] >= 0) continue;
      int64_t& size = out[k + offset];
      if (size < 0) size = actual[k];
      if (size != actual[k]) return std::nullopt;  // a dynamic dimension broadcasts
    }
  }
  int64_t numel = 1;
  for (int64_t d : out) {
    if (d < 0) return std::nullopt;  // no input gave it (not a loop fusion's shape)
    numel *= d;
  }
  FusionShapes s = c;
  int64_t inner = 1;
  for (size_t k = 1; k < s.space.size(); ++k) inner *= s.space[k];
  const int64_t rows = inner == 0 ? 0 : numel / inner;
  auto settle = [&](std::vector<int64_t>& layout) {
    if (!layout.empty() && layout[0] < 0) layout[0] = rows;
  };
  settle(s.space);
  for (auto& layout : s.input_shapes) settle(layout);
  for (auto& layout : s.output_layouts) settle(layout);
  for (Shape& shape : s.output_shapes) shape = out;
  return s;
}

std::vector<Tensor> fusion_outputs(const FusionCall& c, const std::vector<Tensor>& inputs) {
  std::vector<Tensor> outputs;
  outputs.reserve(c.output_dtypes.size());
  std::vector<bool> donated(inputs.size(), false);
  for (size_t o = 0; o < c.output_dtypes.size(); ++o) {
    Tensor out;
    for (size_t i = 0; i < inputs.size() && !out.defined(); ++i) {
      const Tensor& in = inputs[i];
      // Sole owner: the plan moved the value here, and no view shares its buffer.
      if (donated[i] || !c.donatable[i] || in.dtype() != c.output_dtypes[o] ||
          c.input_shapes[i] != c.output_layouts[o] || in.impl().use_count() != 1 ||
          in.impl()->buffer.use_count() != 1)
        continue;
      donated[i] = true;
      out = view(in, c.output_shapes[o]);
    }
    outputs.push_back(out.defined() ? out : empty(c.output_dtypes[o], c.output_shapes[o]));
  }
  return outputs;
}

void run_fusion_range(const FusionCall& c, const std::vector<Tensor>& inputs,
                      const std::vector<Tensor>& outputs, int64_t begin, int64_t end) {
  const size_t n = inputs.size() + outputs.size();
  int64_t row = 1;
  for (size_t k = 1; k < c.space.size(); ++k) row *= c.space[k];
  const int64_t rows = c.space[0];
  if (end <= begin) return;
  runtime::parallel_for(
      end - begin, std::max<int64_t>(1, c.grain / std::max<int64_t>(row, 1)),
      [&](int64_t b0, int64_t e0) {
        std::array<Descriptor, kMaxFusionArgs> desc;
        std::array<Ptr, kMaxFusionArgs> args;
        for (size_t i = 0; i < inputs.size(); ++i) {
          const auto& shape = c.input_shapes[i];
          fill(desc[i], static_cast<const char*>(inputs[i].data()), shape,
               dtype_size(inputs[i].dtype()), shape[0] == rows, begin + b0, begin + e0);
          args[i] = desc[i].data();
        }
        for (size_t o = 0; o < outputs.size(); ++o) {
          const size_t k = inputs.size() + o;
          fill(desc[k], static_cast<const char*>(outputs[o].data()), c.output_layouts[o],
               dtype_size(outputs[o].dtype()), true, begin + b0, begin + e0);
          args[k] = desc[k].data();
        }
        call(c.kernel, args.data(), n);
      });
}

std::vector<Tensor> run_fusion(const FusionCall& c, const std::vector<Tensor>& inputs) {
  std::vector<Tensor> outputs = fusion_outputs(c, inputs);
  // A zero-width row still runs: a reduction over an empty axis writes its identity.
  run_fusion_range(c, inputs, outputs, 0, c.space[0]);
  return outputs;
}

}  // namespace kiln::detail
