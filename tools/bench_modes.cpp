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

std::optional<Body> compile_for(Mode mode, const Body& body, const std::string& name) {
  switch (mode) {
    case Mode::eager:
      return body;
    case Mode::graph: {
      kiln::FunctionOptions options;
      options.name = name;
      options.jit = false;
      auto f = std::make_shared<decltype(kiln::function(body, options))>(kiln::function(body, options));
      return Body([f](const std::vector<kiln::Tensor>& in) { return (*f)(in); });
    }
    case Mode::jit:
      // The JIT comes with the fusion issue; until then this column stays empty.
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace kiln_bench
