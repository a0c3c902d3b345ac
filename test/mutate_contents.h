// Mutants of a kiln file that pass its digest: the metadata's values (manifest JSON, graph
// text, versions) or a tensor's bytes edited, then the sha256 recomputed, as a writer of a
// lying file would. The digest catches damage, not lies: these reach what lies behind it
// (the manifest's reader, the graph parser and verifier, the checks between them).
#pragma once

#include <iterator>
#include <random>
#include <string>

#include "compiler/io/safetensors.h"
#include "mutate.h"
#include "runtime/tensor_impl.h"

namespace kiln::test {

/// `valid` (a kiln safetensors file) with 1 to 3 of its metadata values or tensors edited
/// and its digest recomputed; `what` names it in decode errors.
inline std::string mutate_behind_digest(const std::string& valid, std::mt19937_64& rng,
                                        const std::string& what) {
  namespace st = kiln::detail::safetensors;
  st::Contents c = st::decode(valid, what);
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits; ++e) {
    const uint64_t kind = rng() % 4;
    if (kind == 3 && !c.tensors.empty()) {                     // a bit of a tensor's value
      Tensor& t = c.tensors[rng() % c.tensors.size()].second;  // decoded: its own buffer
      const size_t n = static_cast<size_t>(t.numel()) * dtype_size(t.dtype());
      if (n == 0) continue;
      auto* bytes = static_cast<unsigned char*>(t.impl()->data());
      bytes[rng() % n] ^= static_cast<unsigned char>(1u << (rng() % 8));
      continue;
    }
    // A metadata value: half the time one chosen by its length (the graphs and the
    // manifest, where the parsers are), else any.
    size_t total = 0;
    for (const auto& [key, value] : c.metadata) total += value.size() + 1;
    size_t point = rng() % total, index = rng() % c.metadata.size();
    auto it = c.metadata.begin();
    if (kind < 2)
      for (; point > it->second.size(); ++it) point -= it->second.size() + 1;
    else
      std::advance(it, static_cast<long>(index));
    if (it->first != "sha256") mutate_text(it->second, rng);
  }
  c.metadata["sha256"] = st::content_digest(c);
  return st::encode(c);
}

}  // namespace kiln::test
