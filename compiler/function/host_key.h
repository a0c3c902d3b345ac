// The host part of a call's signature (FlatArgs::key: scalars, strings, enums, variable
// identities, list lengths, as kiln/function.h's ArgCodec writes them) read back, so that a
// miss can say which value changed.
#pragma once

#include <string>

namespace kiln::detail {

/// What differs between two host keys, e.g. "float argument 2 -> 3" or "variable 'w' ->
/// another variable 'w'": the first entry that differs, with both values.
std::string host_change(const std::string& was, const std::string& now);

}  // namespace kiln::detail
