// The dialect (ir/KilnOps.td) and the op list (runtime/op_list.h) name the same ops, checked
// when this file compiles: an ODS op that is neither in the op list nor one of the graph's
// structural ops, or an op-list entry that is neither in the dialect nor a factory (those
// become constants while tracing), is a build error naming it.
#include <string_view>

#include "ir/KilnOps.h"
#include "runtime/op_list.h"

namespace kiln::detail {
namespace {

/// The dialect's ops that are not ops users call: constants, variables, control flow,
/// fusions (the plan runs them itself).
constexpr std::string_view kStructural[] = {"constant",  "read_variable", "assign_variable",
                                            "yield",     "cond",          "while_loop",
                                            "for_range", "fusion"};

constexpr std::string_view mnemonic(std::string_view operation_name) {
  return operation_name.substr(operation_name.find('.') + 1);  // "kiln.add" -> "add"
}

constexpr bool structural(std::string_view name) {
  for (std::string_view s : kStructural)
    if (s == name) return true;
  return false;
}

template <class Op>
constexpr bool listed() {
  constexpr std::string_view name = mnemonic(Op::getOperationName());
  return find_op(name).has_value() || structural(name);
}

template <class... Ops>
constexpr bool in_dialect(std::string_view name) {
  return ((mnemonic(Ops::getOperationName()) == name) || ...);
}

template <class... Ops>
constexpr bool every_listed_op_in_dialect() {
  for (const OpInfo& op : kOps)
    if (std::string_view(op.family) != "factory" && !in_dialect<Ops...>(op.name)) return false;
  return true;
}

/// Instantiated per ODS op, so that the error names the op's class.
template <class Op>
struct CheckListed {
  static_assert(listed<Op>(),
                "an op of ir/KilnOps.td is missing from runtime/op_list.h (or from kStructural)");
  static constexpr bool ok = true;
};

template <class... Ops>
struct CheckOps {
  static_assert((CheckListed<Ops>::ok && ...));
  static_assert(every_listed_op_in_dialect<Ops...>(),
                "an op of runtime/op_list.h (not a factory) has no op in ir/KilnOps.td");
};

template struct CheckOps<
#define GET_OP_LIST
#include "ir/KilnOps.cpp.inc"
    >;

}  // namespace
}  // namespace kiln::detail
