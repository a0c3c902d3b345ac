/// \file
/// kiln::Checkpoint: saves and restores the variables of models, optimizers and random
/// generators, so that training resumes where it stopped (tf.train.Checkpoint's contract).
///
/// \code
/// kiln::MLP model({784, 512, 10}, 1);
/// kiln::Adam opt(1e-3);
/// kiln::Checkpoint ckpt({{"model", model}, {"optimizer", opt}});
/// ckpt.save("step-1000.safetensors");   // atomic: a crash leaves the previous file intact
/// ...
/// ckpt.restore("step-1000.safetensors");  // in a fresh process, before or after training
///
/// ckpt.save("checkpoints/", {.max_to_keep = 3});  // checkpoints/ckpt-<N>.safetensors
/// ckpt.restore("checkpoints/");                   // the latest one
/// \endcode
///
/// The file is in the safetensors format (a JSON header, then the raw little-endian values),
/// which Python's `safetensors` and NumPy users read: each variable is the tensor
/// "<group>/<variable name>". The header's metadata is the manifest: "format"
/// ("kiln-checkpoint"), "format_version", "kiln_version", "save_count" and "sha256", a
/// digest of every name, dtype, shape and value, which restore checks.
///
/// Restore-on-create: an optimizer's slots (Adam's m, v and step count, SGD's momentum)
/// exist only after its first apply. Restoring before that keeps their values, and the
/// first apply creates the slots with them, so a restored run continues bit for bit.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kiln/variable.h"

namespace kiln {

namespace detail {
struct PendingRestore;  // compiler/nn/pending_restore.h
}

class Dense;
class MLP;
class Optimizer;
class Generator;

/// What Checkpoint::restore did: the file's values it did not use and those it keeps for
/// optimizer variables not created yet (tf.train.Checkpoint's status object).
class RestoreStatus {
 public:
  /// Values in the file that no tracked variable took (a group or variable the checkpoint
  /// does not track: restoring only a model from a training checkpoint leaves these).
  const std::vector<std::string>& unused() const { return unused_; }
  /// Values kept for optimizer variables not created yet, that the optimizer's first
  /// apply has not taken so far (read now, not at restore).
  std::vector<std::string> pending() const;
  /// Throws kiln::Error, listing them, if some of the file's values are unused or still
  /// pending: for a restore meant to take everything.
  void assert_consumed() const;

 private:
  friend class Checkpoint;
  std::string file_;
  std::vector<std::string> unused_;
  std::vector<std::shared_ptr<detail::PendingRestore>> pending_;
};

/// How Checkpoint::save writes into a directory.
struct CheckpointSaveOptions {
  /// In a directory, keep this many newest checkpoints and delete older ones after a save
  /// succeeds (0: keep all), as tf.train.CheckpointManager's max_to_keep. Ignored for a file.
  int64_t max_to_keep = 0;
};

/// How Checkpoint::restore treats the file's values.
struct RestoreOptions {
  /// Accept NaN and infinite values in floating variables (refused by default: a
  /// checkpoint of a run that diverged, or a damaged file, is rarely what one resumes).
  bool allow_nonfinite = false;
};

/// Named groups of variables, saved to and restored from one safetensors file.
class Checkpoint {
 public:
  /// What a group tracks: variables listed now, or an object whose variables are read at
  /// each save and restore (a layer's, a model's, an optimizer's, a generator's state). The
  /// objects must outlive the checkpoint.
  class Tracked {
   public:
    /// These variables (each named, the names unique within the group).
    Tracked(std::vector<Variable*> variables);  // NOLINT: implicit by design
    /// A layer's kernel and bias.
    Tracked(Dense& layer);  // NOLINT
    /// A model's variables, every layer's.
    Tracked(MLP& model);  // NOLINT
    /// An optimizer's variables: its slots, step count and learning rate, restored on
    /// creation when its first apply comes after the restore.
    Tracked(Optimizer& optimizer);  // NOLINT
    /// A generator's state (seed and draw counter), so dropout masks resume too.
    Tracked(Generator& generator);  // NOLINT

   private:
    friend class Checkpoint;
    std::function<std::vector<Variable*>()> variables_;
    Optimizer* optimizer_ = nullptr;
  };

  /// Groups by name, e.g. `{{"model", model}, {"optimizer", opt}}`; names are non-empty,
  /// unique and without '/'.
  explicit Checkpoint(std::vector<std::pair<std::string, Tracked>> groups);

  /// Writes every tracked variable's current value to `path` (the whole file replaced
  /// atomically: temporary file, fsync, rename) and returns the file written. When `path`
  /// is an existing directory the file is `<path>/ckpt-<N>.safetensors`, N one more than
  /// the highest there (a resumed run numbers on), and `options.max_to_keep` prunes the
  /// oldest. Throws kiln::Error for an unnamed or twice-named variable, a value that cannot
  /// be read (inside a traced function), or a file that cannot be written, which leaves
  /// `path` as it was.
  std::string save(const std::string& path, CheckpointSaveOptions options = {});

  /// Assigns the values in `path` to the tracked variables; a directory means its latest
  /// checkpoint (kiln::latest_checkpoint), and one with none is an error. The file is
  /// untrusted: any damage, a format from a newer kiln, a digest that does not match, a
  /// variable missing from the file or of another dtype or shape, or a NaN or infinity in a
  /// floating value throws kiln::Error naming the file and the variable, before any
  /// variable is written.
  RestoreStatus restore(const std::string& path, RestoreOptions options = {});

  /// Saves made by this object so far.
  int64_t save_count() const { return save_count_; }

 private:
  void save_file(const std::string& path);
  std::vector<std::pair<std::string, Tracked>> groups_;
  int64_t save_count_ = 0;
};

/// The newest checkpoint Checkpoint::save wrote into `directory`: its
/// `ckpt-<N>.safetensors` with the highest N, or "" when there is none (or no directory).
std::string latest_checkpoint(const std::string& directory);

}  // namespace kiln
