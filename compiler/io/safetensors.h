// The safetensors format (huggingface/safetensors): what kiln's checkpoints hold their
// weights in, readable by Python's safetensors and by NumPy users. A file is
//   8 bytes   N, the header's length, little-endian u64
//   N bytes   a JSON object: per tensor {"dtype": "F32", "shape": [2, 3],
//             "data_offsets": [begin, end]} (offsets into the data below), and optionally
//             "__metadata__": {string: string}; may end in spaces
//   the rest  the tensors' bytes, little-endian, row-major, packed: the offsets tile it
//             exactly, with no gap and no overlap.
// A file is untrusted input: decode() checks every length, offset, dtype and shape against
// the bytes it has before it allocates, and throws kiln::Error naming the file and what is
// wrong; it never reads out of bounds nor allocates more than the file's size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kiln/tensor.h"

namespace kiln::detail::safetensors {

/// The largest header read (the reference implementation's bound).
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct Contents {
  std::vector<std::pair<std::string, Tensor>> tensors;  // in the file's data order
  std::map<std::string, std::string> metadata;
};

/// The file's bytes for `contents` (tensors in the order given; they must be on the host
/// or are copied there). Names must be unique and not "__metadata__" (kiln::Error).
std::string encode(const Contents& contents);

/// The tensors and metadata of `bytes`; `what` (the file's name) heads every error.
Contents decode(std::string_view bytes, const std::string& what);

/// SHA-256 (hex) of the metadata other than "sha256" and of every tensor's name, dtype,
/// shape and bytes, in order: the digest kiln's files (checkpoints, saved functions) keep in
/// their metadata's "sha256". Independent of how the JSON header is spelled.
std::string content_digest(const Contents& contents);

/// Metadata as kiln's files keep it: the value of `key`, or null.
const std::string* metadata_value(const Contents& contents, const std::string& key);
/// The metadata's `key` read as a version number (decimal, >= 1); nothing if it is absent
/// or not one.
std::optional<int64_t> metadata_version(const Contents& contents, const std::string& key);
/// "" when the metadata's "sha256" is the content digest; else what is wrong with it.
std::string digest_problem(const Contents& contents);

/// How many NaN or infinite elements a host tensor holds (0 for non-floating dtypes): kiln's
/// loaders refuse such weights unless asked (a diverged run or a damaged file).
int64_t nonfinite_count(const Tensor& host);
/// "holds N NaN or infinite value(s) of M" for `host`, or "" when every value is finite.
std::string nonfinite_problem(const Tensor& host);

/// Writes `bytes` to `path` atomically (files::replace_file); throws kiln::Error naming the
/// path and the system's reason, leaving `path` as it was and no temporary file.
void write_file_atomically(const std::string& path, std::string_view bytes);

/// The whole file; kiln::Error if it cannot be read or is over `max_bytes`.
std::string read_file(const std::string& path, uint64_t max_bytes);

}  // namespace kiln::detail::safetensors
