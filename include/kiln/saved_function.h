/// \file
/// Compiled functions saved to a file and loaded without their source, as TensorFlow's
/// SavedModel, jax.export and MLX's export_function do:
///
/// \code
/// kiln::FunctionOptions options;
/// options.input_signature = {{{-1, 784}, DType::f32}};
/// auto f = kiln::function(model_fn, options);
/// f.save("model.kiln");                    // the signature's -1 dims stay dynamic
/// f.save("model.kiln", x);                 // or the concrete function for these arguments
/// f.save_all("model.kiln");                // or every concrete function cached now
///
/// kiln::LoadedFunction g = kiln::load("model.kiln");   // in a program without model_fn
/// std::vector<Tensor> y = g({x});
/// \endcode
///
/// The file (a safetensors file: Python's safetensors reads its weights) holds the
/// optimized graph as MLIR text in the kiln dialect, its signature, the variables it
/// captures (names, dtypes, shapes, values), the constants it captures, the format's and
/// the dialect's versions and a SHA-256 digest of everything. Loading compiles the graph
/// with the pipeline and compile cache a traced function uses; no lambda runs and nothing
/// is traced. A loaded file is untrusted input: any damage, a newer format or dialect, or
/// a graph that is not a valid kiln graph is a kiln::Error naming the file and the
/// problem, never a crash. Like a SavedModel, a saved function is a program: run files
/// from untrusted sources in a sandbox.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kiln/function.h"
#include "kiln/tensor.h"
#include "kiln/variable.h"

namespace kiln {

namespace detail {
struct LoadedCore;  // compiler/function/loaded_function.cpp
}

/// The types a concrete function of a saved file takes and returns (-1: dynamic).
struct SavedSignature {
  std::vector<TensorSpec> args;     ///< its tensor arguments, in order
  std::vector<TensorSpec> results;  ///< what it returns, in order
};

/// How kiln::load compiles.
struct LoadOptions {
  /// Fuse and compile kernels with the JIT (false: the graph runs op by op, graph mode).
  bool jit = true;
  /// Accept NaN and infinite values in the file's floating variables (refused by default,
  /// as Checkpoint::restore refuses them: a model saved from a run that diverged, or a
  /// damaged file, is rarely what one serves). Captured constants may hold ±inf either way.
  bool allow_nonfinite = false;
};

/// A compiled function read from a file by kiln::load. Copies share one function (and
/// its variables).
class LoadedFunction {
 public:
  /// Runs the first of the file's concrete functions whose signature the arguments fit
  /// (dtype, rank and every static dimension), on the arguments' device. Arguments that fit
  /// none are refused with a kiln::Error listing the saved signatures. Not differentiable:
  /// a GradientTape that watches an argument or variable of the call makes it throw.
  std::vector<Tensor> operator()(const std::vector<Tensor>& args) const;

  /// The file's concrete functions' signatures, in file order.
  const std::vector<SavedSignature>& signatures() const;
  /// The variables the functions capture, restored from the file; assignments inside the
  /// graphs persist in them across calls. Checkpoint them like any variables.
  std::vector<Variable*> variables() const;
  /// The IR of concrete function `function` at `stage` (traced: the graph as saved).
  std::string ir(Stage stage, size_t function = 0) const;
  /// Writes the functions again, with the variables' current values.
  void save(const std::string& path) const;
  /// The name of the kiln::function that was saved.
  const std::string& name() const;
  /// The kiln version that wrote the file.
  const std::string& writer_version() const;

 private:
  friend LoadedFunction load(const std::string& path, LoadOptions options);
  std::shared_ptr<detail::LoadedCore> core_;
};

/// What a saved file holds, read and checked (versions, digest, manifest) without parsing
/// or compiling its graphs: kiln-ir --info prints it.
struct SavedFileInfo {
  std::string writer_version;                ///< the kiln version that wrote it
  int64_t format_version = 0;                ///< the file layout's version
  int64_t dialect_version = 0;               ///< the kiln dialect's version of its graphs
  std::vector<std::string> names;            ///< per concrete function, its name
  std::vector<SavedSignature> signatures;    ///< per concrete function, its signature
  std::vector<std::string> variable_names;   ///< the variables it captures
  std::vector<TensorSpec> variable_specs;    ///< their dtypes and shapes, in the same order
};

/// Reads a saved file's description; kiln::Error naming the file for anything wrong.
SavedFileInfo inspect_saved(const std::string& path);

/// Reads a file written by Function::save and compiles its functions for the CPU (for a
/// CUDA device on first call with arguments there). Throws kiln::Error naming the file
/// for anything it cannot load.
LoadedFunction load(const std::string& path, LoadOptions options = {});

}  // namespace kiln
