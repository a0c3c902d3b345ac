// kiln-bench --html FILE: the run as one self-contained page (no scripts, no external
// files): the table, a bar chart per workload of eager/graph/jit against the best peer
// figure of ../shared/WORKLOADS.md, the roofline, the goal lines, and C1's first calls as
// stacked bars of their phases.
#pragma once

#include <string>

#include "bench_report.h"

namespace kiln_bench {

/// Writes the page; returns false (and sets *error) when the file cannot be written.
bool write_html(const Report& report, const std::string& path, std::string* error);

}  // namespace kiln_bench
