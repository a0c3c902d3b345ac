#include "bench_modes.h"

#include <memory>

#include <kiln/kiln.h>

namespace kiln_bench {

std::string_view mode_name(Mode mode) {
  switch (mode) {
    case Mode::eager: return "eager";
    case Mode::graph: return "graph";
    case Mode::jit: return "jit";
  }
  return "?";
}

Runner::Runner(Instance instance, Body compiled)
    : instance_(std::move(instance)), compiled_(std::move(compiled)) {}

std::vector<kiln::Tensor> Runner::call() {
  auto outputs = compiled_(instance_.inputs);
  for (auto [out, in] : instance_.carry) instance_.inputs[in] = outputs[out];
  return outputs;
}

std::optional<Compiled> compile_for(Mode mode, const Body& body, const std::string& name) {
  if (mode == Mode::eager) return Compiled{body, {}};
  kiln::FunctionOptions options;
  options.name = name;
  options.jit = mode == Mode::jit;  // graph: the optimized graph runs op by op
  using Fn = decltype(kiln::function(body, options));
  auto f = std::make_shared<Fn>(kiln::function(body, options));
  return Compiled{Body([f](const std::vector<kiln::Tensor>& in) { return (*f)(in); }),
                  [f] { return f->stats(); }};
}

}  // namespace kiln_bench
