// kiln-ir: traces a built-in example model with kiln::function and prints its IR at a
// stage (API.md, "Tools").
//
//   kiln-ir --list
//   kiln-ir --model=NAME [--stage=traced|optimized|fused|lowered|llvm|ptx] [--format=mlir]
//   kiln-ir --model=all --stage=all   every model's every MLIR stage (not ptx), separated
//                                     by "// -----" lines (kiln-opt --split-input-file)
//   kiln-ir FILE.mlir                 a .mlir file, parsed and verified
//   kiln-ir FILE.kiln [--stage=...]   a saved function (f.save), loaded: its IR at a stage
//   kiln-ir --info FILE.kiln          a saved function's versions, signatures, variables
//   --format=dot|svg|html             the graph of one model's MLIR stage, or of a file:
//                                     Graphviz's dot language, SVG laid out by dot, or an
//                                     HTML page of the SVG and the text (tools/ir_graph.h)
//
// Exit codes: 0 success; 1 the compiler refused (a stage it does not produce yet, or a
// tracing error); 2 bad command line (usage on stderr).
#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <kiln/kiln.h>

#include "ir_graph.h"
#include "ir_models.h"

namespace {

using kiln::Stage;

std::vector<Stage> all_stages() { return {std::begin(kiln::kStages), std::end(kiln::kStages)}; }

std::string stage_list(const std::vector<Stage>& stages, std::string_view sep) {
  std::string out;
  for (Stage s : stages) {
    if (!out.empty()) out += sep;
    out += kiln::stage_name(s);
  }
  return out;
}

std::optional<Stage> parse_stage(std::string_view name) {
  for (Stage s : all_stages())
    if (kiln::stage_name(s) == name) return s;
  return std::nullopt;
}

void usage(std::ostream& os) {
  os << "usage: kiln-ir --list\n"
        "       kiln-ir --version\n"
        "       kiln-ir --model=NAME [--stage="
     << stage_list(all_stages(), "|")
     << "] [--format=mlir|dot|svg|html]\n"
        "       kiln-ir FILE.mlir [--format=mlir|dot|svg|html]\n"
        "       kiln-ir FILE.kiln [--stage=...] [--format=mlir|dot|svg|html]\n"
        "       kiln-ir --info FILE.kiln\n"
        "Traces a built-in example model with kiln::function on fixed-seed inputs and\n"
        "prints its IR at a stage (default: optimized). --list shows the models.\n"
        "--model=all and --stage=all print every model or every MLIR stage (all but ptx),\n"
        "separated by \"// -----\" lines, for kiln-opt --split-input-file.\n"
        "--format=dot draws one MLIR stage's graph (ops as nodes with their types,\n"
        "fusions and functions as clusters, source lines as tooltips); svg lays it out\n"
        "with Graphviz's dot; html is a page of the SVG and the IR text. A .mlir FILE is\n"
        "parsed, verified and printed or drawn as it is. A FILE saved by f.save is loaded\n"
        "(kiln::load) and its functions' IR printed at the stage (traced: as saved);\n"
        "--info describes it without compiling: versions, signatures, variables.\n"
        "Stages:\n";
  for (Stage s : kiln::kStages)
    os << "  " << kiln::stage_name(s) << std::string(12 - kiln::stage_name(s).size(), ' ')
       << kiln::stage_description(s) << "\n";
}

int bad_usage(const std::string& why) {
  std::cerr << "kiln-ir: " << why << "\n";
  usage(std::cerr);
  return 2;
}

const kiln::tools::IrModel* find_model(std::string_view name) {
  for (const auto& m : kiln::tools::ir_models())
    if (m.name == name) return &m;
  return nullptr;
}

/// Prints `model`'s IR at each of `stages` (traced once), "// -----" before every one but
/// the first printed; returns the exit code.
/// `text` in `format` (mlir as it is; dot, svg or html drawn), titled `title`.
std::string formatted(const std::string& text, const std::string& format, const std::string& title,
                      const std::string& source_name = "-") {
  if (format == "mlir") return text;
  std::string dot = kiln::tools::mlir_to_dot(text, title, source_name);
  if (format == "dot") return dot;
  std::string svg = kiln::tools::dot_to_svg(dot);
  if (format == "svg") return svg;
  return kiln::tools::graph_page(title, svg, text);
}

/// A .mlir file printed (parsed and verified first) or drawn; returns the exit code.
int print_file(const std::string& path, const std::string& format) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "kiln-ir: cannot read '" << path << "'\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    // Parsed and verified in every format: a file that does not is an error in each.
    if (format == "mlir") {
      kiln::tools::check_mlir(text.str(), path);
      std::cout << text.str();
    } else {
      std::cout << formatted(text.str(), format, path, path);
    }
  } catch (const std::exception& e) {
    std::cerr << "kiln-ir: " << path << ": " << e.what() << "\n";
    return 1;
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

/// Whether `path` holds a saved function rather than MLIR text: a safetensors file (an
/// 8-byte header length, then the JSON header).
bool is_saved_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[9] = {};
  return in.read(head, sizeof head) && head[8] == '{';
}

std::string spec_text(const kiln::TensorSpec& spec) {
  return std::string(kiln::dtype_name(spec.dtype)) + " " + kiln::shape_str(spec.shape);
}
std::string specs_text(const std::vector<kiln::TensorSpec>& specs) {
  std::string out = "(";
  for (size_t i = 0; i < specs.size(); ++i) out += (i ? ", " : "") + spec_text(specs[i]);
  return out + ")";
}

/// kiln-ir --info: what a saved file holds; returns the exit code.
int print_info(const std::string& path) {
  try {
    const kiln::SavedFileInfo info = kiln::inspect_saved(path);
    std::cout << path << ": a kiln saved function\n"
              << "  written by kiln " << info.writer_version << ", format version "
              << info.format_version << ", kiln dialect version " << info.dialect_version << "\n"
              << "  functions: " << info.names.size() << "\n";
    for (size_t k = 0; k < info.names.size(); ++k)
      std::cout << "    " << k << ": " << info.names[k] << specs_text(info.signatures[k].args)
                << " -> " << specs_text(info.signatures[k].results) << "\n";
    std::cout << "  variables: " << info.variable_names.size() << "\n";
    for (size_t i = 0; i < info.variable_names.size(); ++i)
      std::cout << "    " << info.variable_names[i] << ": " << spec_text(info.variable_specs[i])
                << "\n";
  } catch (const std::exception& e) {
    std::cerr << "kiln-ir: " << e.what() << "\n";
    return 1;
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

/// A saved function loaded, each of its functions' IR at each of `stages` printed or drawn;
/// returns the exit code.
int print_saved(const std::string& path, const std::vector<Stage>& stages,
                const std::string& format) {
  try {
    const kiln::LoadedFunction loaded = kiln::load(path);
    bool first = true;
    for (size_t k = 0; k < loaded.signatures().size(); ++k)
      for (Stage s : stages) {
        std::string text = formatted(loaded.ir(s, k), format,
                                     "kiln-ir " + path + ", function " + std::to_string(k) +
                                         ", stage " + std::string(kiln::stage_name(s)));
        if (!first) std::cout << "// -----\n";
        first = false;
        std::cout << text;
        if (!text.empty() && text.back() != '\n') std::cout << "\n";
      }
  } catch (const std::exception& e) {
    std::cerr << "kiln-ir: " << e.what() << "\n";
    return 1;
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

int print_model(const kiln::tools::IrModel& model, const std::vector<Stage>& stages,
                const std::string& format, bool& first) {
  kiln::tools::IrOfStage ir;
  Stage stage = stages.front();
  try {
    ir = model.make();
    for (Stage s : stages) {
      stage = s;
      std::string text = formatted(
          ir(s), format, "kiln-ir " + model.name + ", stage " + std::string(kiln::stage_name(s)));
      if (!first) std::cout << "// -----\n";
      first = false;
      std::cout << text;
      if (!text.empty() && text.back() != '\n') std::cout << "\n";
    }
    return std::cout ? 0 : 1;
  } catch (const kiln::Error& e) {
    // Name the stages this build produces: those for which the model's IR can be had.
    std::vector<Stage> available;
    if (ir) {
      for (Stage s : all_stages()) try {
          ir(s);
          available.push_back(s);
        } catch (const kiln::Error&) {
        }
    }
    std::cerr << "kiln-ir: model '" << model.name << "', stage '" << kiln::stage_name(stage)
              << "': " << e.what() << "\n";
    if (!available.empty())
      std::cerr << "kiln-ir: stages available: " << stage_list(available, ", ") << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "kiln-ir: model '" << model.name << "': " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool list = false, info = false;
  std::string model_name, stage_text = "optimized", format = "mlir";
  bool have_model = false;
  std::string file;

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    // --flag=VALUE or --flag VALUE.
    auto value_of = [&](std::string_view flag, std::string& out) {
      if (arg.starts_with(flag) && arg.size() > flag.size() && arg[flag.size()] == '=') {
        out = std::string(arg.substr(flag.size() + 1));
        return true;
      }
      if (arg == flag) {
        if (i + 1 == argc) throw std::invalid_argument("missing value of " + std::string(flag));
        out = argv[++i];
        return true;
      }
      return false;
    };
    try {
      if (arg == "--help" || arg == "-h") {
        usage(std::cout);
        return 0;
      } else if (arg == "--version") {
        std::cout << "kiln-ir (kiln) " << kiln::version() << "\n";
        return 0;
      } else if (arg == "--list") {
        list = true;
      } else if (arg == "--info") {
        info = true;
      } else if (value_of("--model", model_name)) {
        have_model = true;
      } else if (value_of("--stage", stage_text) || value_of("--format", format)) {
      } else if (!arg.starts_with("-") && file.empty()) {
        file = std::string(arg);
      } else {
        return bad_usage("unknown argument '" + std::string(arg) + "'");
      }
    } catch (const std::invalid_argument& e) {
      return bad_usage(e.what());
    }
  }

  const auto& models = kiln::tools::ir_models();
  if (list) {
    size_t width = 0;
    for (const auto& m : models) width = std::max(width, m.name.size());
    for (const auto& m : models)
      std::cout << m.name << std::string(width - m.name.size() + 2, ' ') << m.description << "\n";
    return 0;
  }
  const std::vector<std::string> formats = {"mlir", "dot", "svg", "html"};
  if (std::find(formats.begin(), formats.end(), format) == formats.end())
    return bad_usage("unknown format '" + format + "' (formats: mlir, dot, svg, html)");
  if (info) {
    if (file.empty() || have_model) return bad_usage("--info takes a saved FILE");
    return print_info(file);
  }
  if (!file.empty() && have_model) return bad_usage("give a FILE or a --model, not both");
  if (!file.empty() && !is_saved_file(file)) return print_file(file, format);
  if (file.empty() && !have_model) return bad_usage("no --model given (see --list)");
  std::vector<const kiln::tools::IrModel*> chosen;
  if (!file.empty()) {
    // A saved function: its stages are chosen below, like a model's.
  } else if (model_name == "all") {
    for (const auto& m : models) chosen.push_back(&m);
  } else if (const kiln::tools::IrModel* model = find_model(model_name)) {
    chosen.push_back(model);
  } else {
    std::string names;
    for (const auto& m : models) names += (names.empty() ? "" : ", ") + m.name;
    return bad_usage("unknown model '" + model_name + "' (models: " + names + ", all)");
  }
  std::vector<Stage> stages;
  if (stage_text == "all") {
    for (Stage s : all_stages())
      if (s != Stage::ptx) stages.push_back(s);
  } else if (std::optional<Stage> stage = parse_stage(stage_text)) {
    stages.push_back(*stage);
  } else {
    return bad_usage("unknown stage '" + stage_text + "'");
  }
  if (format != "mlir") {
    if ((file.empty() && chosen.size() != 1) || stages.size() != 1)
      return bad_usage("--format=" + format + " draws one model at one stage");
    if (stages[0] == Stage::ptx)
      return bad_usage("--format=" + format + " draws MLIR stages; 'ptx' is PTX text");
  }

  if (!file.empty()) return print_saved(file, stages, format);
  bool first = true;
  for (const kiln::tools::IrModel* model : chosen)
    if (int rc = print_model(*model, stages, format, first); rc != 0) return rc;
  std::cout.flush();
  return std::cout ? 0 : 1;
}
