// kiln-ir's model table. Every model is a kiln::function over fixed-seed inputs; its IR is
// what f.ir(args..., stage) returns. The test/lit/IR tests check these graphs: keep a
// model's ops stable or update its test with it.
#include "ir_models.h"

#include <memory>
#include <utility>

namespace kiln::tools {
namespace {

/// Keeps the function object and its arguments alive for as long as the IrOfStage lives.
template <class F, class... Args>
IrOfStage ir_of(F f, Args... args) {
  auto state = std::make_shared<std::tuple<F, Args...>>(std::move(f), std::move(args)...);
  return [state](Stage stage) {
    return std::apply([stage](F& fn, Args&... a) { return fn.ir(a..., stage); }, *state);
  };
}

FunctionOptions named(const char* name) {
  FunctionOptions options;
  options.name = name;
  return options;
}

// gelu_tanh(x * (2 * 3)) with its tanh term written twice. Constant subexpressions:
// `full({}, 2.0f) * 3.0f` becomes one constant 6.0 (the tracer evaluates an op without
// traced operands at once), and `full({}, 3.0f) - 2.0f` becomes 1.0, so that `* unit` is
// a multiply by one, which the optimizer's folding removes. The second `tanh(inner)` is
// the same computation as the first, which CSE removes.
IrOfStage gelu_chain() {
  auto f = kiln::function(
      [](Tensor x) {
        Tensor scale = full({}, 2.0f) * 3.0f;  // 6.0
        Tensor unit = full({}, 3.0f) - 2.0f;   // 1.0
        Tensor v = x * scale * unit;           // the multiply by one folds away
        Tensor inner = (v + v * v * v * 0.044715f) * 0.7978845608f;
        Tensor a = 0.5f * v * (1.0f + tanh(inner));
        Tensor b = 0.5f * v * (1.0f + tanh(inner));  // a duplicate of a: CSE
        return a + b;
      },
      named("gelu_chain"));
  return ir_of(std::move(f), random_uniform({4, 8}, 11, -2.0f, 2.0f));
}

// W3 of WORKLOADS.md: 64x784 -> 512 -> 512 -> 10, bias and relu, softmax. The weights are
// tensors captured from the enclosing scope (graph inputs of the concrete function).
IrOfStage mlp() {
  Tensor w1 = random_normal({784, 512}, 21, 0.0f, 0.05f), b1 = zeros({512});
  Tensor w2 = random_normal({512, 512}, 22, 0.0f, 0.05f), b2 = zeros({512});
  Tensor w3 = random_normal({512, 10}, 23, 0.0f, 0.05f), b3 = zeros({10});
  auto f = kiln::function(
      [=](Tensor x) {
        Tensor h1 = relu(matmul(x, w1) + b1);
        Tensor h2 = relu(matmul(h1, w2) + b2);
        return softmax(matmul(h2, w3) + b3, -1);
      },
      named("mlp"));
  return ir_of(std::move(f), random_uniform({64, 784}, 24));
}

// W1 of WORKLOADS.md: x 16x16; 50 times x = tanh(x * 1.01 + 0.1), unrolled by C++.
IrOfStage w1_loop() {
  auto f = kiln::function(
      [](Tensor x) {
        for (int i = 0; i < 50; ++i) x = tanh(x * 1.01f + 0.1f);
        return x;
      },
      named("w1_loop"));
  return ir_of(std::move(f), random_uniform({16, 16}, 31));
}

// kiln::cond on a reduction of the input: x * 2 where sum(x) > 0, else -x.
IrOfStage cond_model() {
  auto f = kiln::function(
      [](Tensor x) {
        return cond(
            sum(x) > 0.0f, [&] { return x * 2.0f; }, [&] { return -x; });
      },
      named("cond"));
  return ir_of(std::move(f), random_uniform({8}, 41, -1.0f, 1.0f));
}

// kiln::while_loop doubling max(|x|) + 1 until it exceeds 1000, counting the steps.
IrOfStage while_model() {
  auto f = kiln::function(
      [](Tensor x) {
        return while_loop([](const std::vector<Tensor>& s) { return s[0] <= 1000.0f; },
                          [](const std::vector<Tensor>& s) {
                            return std::vector<Tensor>{s[0] * 2.0f, s[1] + 1.0f};
                          },
                          {max(abs(x)) + 1.0f, zeros({})});
      },
      named("while_loop"));
  return ir_of(std::move(f), random_uniform({8}, 51, -1.0f, 1.0f));
}

// kiln::for_range over a host count: acc += x * i for i = 0 .. 9.
IrOfStage for_range_model() {
  auto f = kiln::function(
      [](Tensor x) {
        return for_range(10,
                         [&](const Tensor& i, const std::vector<Tensor>& s) {
                           return std::vector<Tensor>{s[0] + x * cast(i, DType::f32)};
                         },
                         {zeros({8})})[0];
      },
      named("for_range"));
  return ir_of(std::move(f), random_uniform({8}, 61));
}

// W2: the tanh form of gelu of x * w + b, elementwise (1024 here; 4M in kiln-bench).
IrOfStage w2_gelu() {
  auto f = kiln::function(
      [](Tensor x, Tensor w, Tensor b) {
        Tensor v = x * w + b;
        return 0.5f * v * (1.0f + tanh((v + 0.044715f * v * v * v) * 0.7978845608f));
      },
      named("w2_gelu"));
  return ir_of(std::move(f), random_normal({1024}, 71), random_uniform({1024}, 72, 0.5f, 1.5f),
               random_uniform({1024}, 73, -0.5f, 0.5f));
}

// W4: a training step of nn::MLP under a GradientTape with SGD (smaller layers than the
// benchmark's). The layers', the tape's and the optimizer's ops sit on kiln's own lines:
// their locations are call sites whose caller is this file's line. `data_parallel`: as one
// rank's data-parallel step (kiln::distributed; kiln-ir runs in a world of one), the
// gradients mean-reduced in 1 KiB buckets by all_reduce_gradients and the loss averaged
// over the ranks after the update.
IrOfStage w4_step(const char* name, bool data_parallel) {
  auto model = std::make_shared<MLP>(std::vector<int64_t>{32, 16, 16, 4}, 81);
  auto opt = std::make_shared<SGD>(0.01);
  auto f = kiln::function(
      [model, opt, data_parallel](Tensor x, Tensor labels) {
        GradientTape tape;
        Tensor loss = mean(softmax_cross_entropy((*model)(x), labels));
        std::vector<Tensor> grads = tape.gradient(loss, model->variables());
        if (data_parallel)
          grads = distributed::all_reduce_gradients(grads, distributed::ReduceOp::mean, 1024);
        opt->apply(grads, model->variables());
        return data_parallel ? distributed::all_reduce(loss, distributed::ReduceOp::mean) : loss;
      },
      named(name));
  return ir_of(std::move(f), random_normal({8, 32}, 82),
               Tensor::from<int64_t>({0, 1, 2, 3, 3, 2, 1, 0}, {8}));
}
IrOfStage w4_train() { return w4_step("w4_train", false); }
IrOfStage w4_data_parallel() { return w4_step("w4_data_parallel", true); }

// W5: layer_norm(softmax(x, 1)), one row kernel.
IrOfStage w5_rows() {
  auto f = kiln::function(
      [](Tensor x, Tensor g, Tensor b) { return layer_norm(softmax(x, 1), g, b, 1e-5); },
      named("w5_rows"));
  return ir_of(std::move(f), random_normal({64, 128}, 91), random_uniform({128}, 92, 0.5f, 1.5f),
               random_uniform({128}, 93, -0.5f, 0.5f));
}

// W6 and W7: a product, and a product with its bias and relu as an output fusion.
IrOfStage w6_matmul() {
  auto f = kiln::function([](Tensor a, Tensor b) { return matmul(a, b); }, named("w6_matmul"));
  return ir_of(std::move(f), random_uniform({64, 32}, 101), random_uniform({32, 48}, 102));
}
IrOfStage w7_dense() {
  auto f = kiln::function([](Tensor a, Tensor b, Tensor c) { return relu(matmul(a, b) + c); },
                          named("w7_dense"));
  return ir_of(std::move(f), random_uniform({64, 32}, 111), random_uniform({32, 48}, 112),
               random_uniform({48}, 113));
}

}  // namespace

const std::vector<IrModel>& ir_models() {
  static const std::vector<IrModel> models = {
      {"gelu_chain",
       "gelu_tanh(x * (2*3) * (3-2)) on 4x8 with a duplicated tanh term: folding and CSE",
       gelu_chain},
      {"mlp", "W3 MLP inference: 64x784 -> 512 -> 512 -> 10, bias, relu, softmax", mlp},
      {"w1_loop", "W1: x 16x16; 50 times x = tanh(x * 1.01 + 0.1), unrolled", w1_loop},
      {"cond", "kiln::cond on sum(x) > 0: x * 2 or -x", cond_model},
      {"while_loop", "kiln::while_loop doubling max(|x|) + 1 until it exceeds 1000", while_model},
      {"for_range", "kiln::for_range: acc += x * i for i in 0..9", for_range_model},
      {"w2_gelu", "W2: gelu_tanh(x * w + b), elementwise, 1024", w2_gelu},
      {"w4_train", "W4: an MLP training step (GradientTape, SGD), 8x32 -> 16 -> 16 -> 4", w4_train},
      {"w4_data_parallel",
       "W4 as a data-parallel step: gradients all-reduced in 1 KiB buckets, the loss averaged",
       w4_data_parallel},
      {"w5_rows", "W5: layer_norm(softmax(x, 1)), 64x128: one row kernel", w5_rows},
      {"w6_matmul", "W6: matmul 64x32 @ 32x48", w6_matmul},
      {"w7_dense", "W7: relu(64x32 @ 32x48 + bias): an output fusion", w7_dense},
  };
  return models;
}

}  // namespace kiln::tools
