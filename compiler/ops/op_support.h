// Shared plumbing of the op functions: checking operands, turning a shape rule's
// message into a kiln::Error that names the op, operands and source line, and scalars
// into tensors.
#pragma once

#include <initializer_list>
#include <string>

#include "kiln/error.h"
#include "kiln/ops.h"
#include "runtime/expected.h"
#include "runtime/op_frame.h"
#include "runtime/shape_rules.h"

namespace kiln::detail {

/// The op running and where it was called from (loc is null for C++ operators, which
/// cannot take a std::source_location). While it lives it is this thread's op frame
/// (runtime/op_frame.h) unless an op called by the user is already running: then errors
/// name that op and its line.
struct CallSite {
  CallSite(const char* op_name, const Loc* where = nullptr) noexcept  // NOLINT: implicit
      : op(op_name), loc(where), frame_(op_name, where) {}
  const char* op;
  const Loc* loc = nullptr;

 private:
  runtime::OpFrame frame_;
};

/// "f32 (2, 3)"
std::string describe(const Tensor& t);

/// "[op] message; operands: f32 (2, 3), ... (at file:line)": the op the user called and
/// their line (see CallSite).
std::string op_error_message(const CallSite& site, const std::string& message,
                             std::initializer_list<const Tensor*> operands);

/// Throws E (kiln::Error or a subclass) with op_error_message's text.
template <class E = Error>
[[noreturn]] void throw_op_error(const CallSite& site, const std::string& message,
                                 std::initializer_list<const Tensor*> operands) {
  throw E(op_error_message(site, message, operands));
}

/// Throws if any operand is undefined, or if the operands are not all on one device
/// (kiln never copies between devices behind the user's back, as PyTorch does not).
/// Returns that device: where the op runs and its result lives.
Device check_operands(const CallSite& site, std::initializer_list<const Tensor*> operands);

rules::TensorType type_of(const Tensor& t);

template <class T>
T unwrap(const CallSite& site, Expected<T> result, std::initializer_list<const Tensor*> operands) {
  if (!result) throw_op_error(site, result.error(), operands);
  return std::move(result).value();
}

/// Runs a kernel that may refuse its data (a zero divisor, an index out of range) and
/// re-throws the refusal with the op's operands and source line added.
[[noreturn]] void rethrow_kernel_error(const CallSite& site, const Error& error,
                                       std::initializer_list<const Tensor*> operands);
template <class F>
void run_kernel(const CallSite& site, std::initializer_list<const Tensor*> operands, F&& kernel) {
  try {
    kernel();
  } catch (const Error& e) {
    rethrow_kernel_error(site, e, operands);
  }
}

/// For the profiler: an eager op read its operands and wrote `out`; their bytes count
/// toward the op event of the user's call (runtime::OpFrame::add_profile_bytes).
void note_bytes_moved(const std::vector<const Tensor*>& operands, const Tensor& out) noexcept;

/// A rank-0 tensor holding `value` in `dtype`, refusing values the dtype cannot hold as
/// a kind (fractions for integers, anything but 0/1 for boolean).
Tensor scalar_tensor(const CallSite& site, Scalar value, DType dtype, Device device = {});

}  // namespace kiln::detail
