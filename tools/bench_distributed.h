// kiln-bench --distributed: run under kiln-launch (kiln-launch -n 2 -- kiln-bench
// --distributed). All-reduce bandwidth from 1 KiB to 64 MiB, kiln::distributed::all_reduce
// against Gloo's own allreduce on the same ranks in the same run (the engine's ceiling), and
// W4 as a data-parallel step (each rank its share of the batch of 64, gradients averaged by
// all_reduce_gradients) with the all-reduce's share of the step. Rank 0 prints the table.
#pragma once

namespace kiln_bench {

/// Returns the exit code.
int distributed_benchmark(double min_time_s, int reps);

}  // namespace kiln_bench
