// A check of a saved graph's MLIR text before MLIR's parser sees it.
//
// MLIR 19's text parser frees memory it still uses when a file fails to parse after a
// forward reference (a value used before its definition) was resolved inside a region being
// parsed: e.g. `%5 = kiln.exp %c0` followed by a kiln.cond whose region defines %c0 and is
// cut short. valgrind sees the write after free; a release build corrupts its heap. Found by
// the fuzz tests; a file's digest does not help, since whoever writes a lying file computes
// it. kiln's printer never writes a forward reference, so the guard accepts only the layout
// it writes, in which MLIR can never create one:
//   - one op per line: `%r = kiln.op ...`, `%r:N = kiln.op ...`, `kiln.op ...`, `return ...`;
//     an op with regions opens them at the end of its line; `} else {`, `} do {` and the
//     closing `} loc(...)` lines carry no values; a region may start with a `^bb0(%a: t, ...):`
//     line; one `func.func @name(%arg0: t, ...) ... {` line, optionally inside `module {`;
//     `#loc... = loc(...)` alias lines around them;
//   - the only ops are kiln's ops that are not isolated from above (so MLIR's name scopes are
//     the braces), named in the custom form (no "generic"(...) ops);
//   - every value is used only on a line after the one that completes its definition, inside
//     the region it was defined in, and no name is defined while it is visible;
//   - array attributes hold i64s, as kiln's do: MLIR 19 misreads `array<i1: 1>` and crashes
//     printing it (found by the same fuzz tests).
// The parser then finds every use defined and never makes a placeholder. Text that breaks
// the layout is refused (saved graphs are written by kiln, never by hand).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace kiln::detail {

/// "" when `text` keeps the layout above; else what breaks it, with its line number.
/// `allowed_op(name)` says whether "kiln.<op>" may appear (kiln's non-isolated ops).
std::string graph_text_problem(std::string_view text,
                               const std::function<bool(std::string_view)>& allowed_op);

}  // namespace kiln::detail
