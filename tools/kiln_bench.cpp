// kiln-bench: the eager / graph / jit benchmark suite of WORKLOADS.md.
//
//   kiln-bench [--device cpu|cuda[:N]] [--filter RE] [--threads N] [--json FILE]
//              [--roofline] [--min-time S] [--reps N] [--selfcheck] [--ops] [--list] [--help]
//
// Every workload runs in every mode kiln has, on one device (the CPU unless --device
// says otherwise: then every input and all state, W4's variables included, live on that
// device); each mode's result is checked (eager's against a host f64 reference, graph's
// and jit's against eager's, jit with the tolerance of Workload::jit_rtol/jit_atol; device
// results are read through host copies) before any is timed; then a workload's modes are
// timed interleaved, measurement r of each in turn (bench_interleave.h). On a CUDA device
// ops return before their work is done, so every timed call (and each first call) is
// followed by kiln::synchronize(device): a figure is the wall time of call + wait. A
// benchmark reports times, it never asserts them: the exit status is non-zero only when a
// check fails (1), or the command line is wrong or the device cannot be used (2).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <kiln/kiln.h>

#include "bench_check.h"
#include "bench_dynamic.h"
#include "bench_env.h"
#include "bench_gru.h"
#include "bench_html.h"
#include "bench_interleave.h"
#include "bench_load_start.h"
#include "bench_mlp.h"
#include "bench_modes.h"
#include "bench_ops.h"
#include "bench_report.h"
#include "bench_roofline.h"
#include "bench_distributed.h"
#include "bench_timing.h"
#include "bench_warm_start.h"
#include "bench_workloads.h"
#include "runtime/cuda_device.h"
#include "runtime/cuda_driver.h"

namespace kiln_bench {
namespace {

struct Options {
  kiln::Device device;  // --device: where the workloads' tensors live (default: the CPU)
  std::string filter;
  int threads = 0;  // 0: kiln's default (all cores)
  std::string json;
  std::string html;
  bool roofline = false;
  bool selfcheck = false;  // checks only, no timing
  bool list = false;
  bool ops = false;        // the per-op table instead of the workloads
  std::string first_call;  // --first-call ID: a warm-start child (bench_warm_start.h)
  std::string load_first_call, load_file;  // --load-first-call ID FILE (bench_load_start.h)
  bool saved_roundtrip = false;            // --saved-roundtrip (bench_load_start.h)
  bool distributed = false;                // --distributed (bench_distributed.h)
  std::string loop;        // --loop ID: the jit mode in a loop, for profilers
  TimingOptions timing;
};

const char* kUsage =
    "usage: kiln-bench [options]\n"
    "  --device D        where the workloads run: cpu (default), cuda or cuda:N. On CUDA\n"
    "                    every input and all state live on the device, each timed call is\n"
    "                    followed by kiln::synchronize (the figure is call + wait), checks\n"
    "                    read device results through host copies, and the goals are the\n"
    "                    device's. Exits with status 2, saying why, when the device cannot\n"
    "                    be used\n"
    "  --filter PATTERN  run the workloads whose id or title matches PATTERN (a\n"
    "                    case-insensitive regular expression, or a plain substring)\n"
    "  --threads N       CPU threads for kiln (kiln::set_num_threads), BLAS and the\n"
    "                    roofline loops (default: all cores)\n"
    "  --json FILE       also write the results as JSON (format of WORKLOADS.md)\n"
    "  --html FILE       also write them as a page: table, charts against the best\n"
    "                    peers, roofline, C1's phases (self-contained HTML)\n"
    "  --roofline        measure the machine's limits first: copy/triad bandwidth,\n"
    "                    OpenBLAS sgemm, eager add/tanh against copy bandwidth\n"
    "                    (with --filter '^$' only the roofline runs). With --device cuda,\n"
    "                    the device's instead: device-to-device copy of 256 MiB, cuBLAS\n"
    "                    sgemm (eager kiln::matmul) at 4096^3 and 1024^3, eager add/tanh\n"
    "                    on device tensors; the CPU's parts are skipped\n"
    "  --min-time S      seconds per measurement (default 0.5)\n"
    "  --reps N          measurements per figure; the median is reported (default 5).\n"
    "                    A workload's modes are measured interleaved (eager, graph, jit,\n"
    "                    eager, ...), so that drifts in machine load hit them alike\n"
    "  --selfcheck       run every check (W4's tape gradients against finite\n"
    "                    differences, each workload's eager result against its host\n"
    "                    reference, graph and jit against eager), time nothing; with\n"
    "                    --device, all of them on the device (the tape's gradients are\n"
    "                    computed there, the finite differences on the host)\n"
    "  --ops             instead of the workloads: every elementwise op, eager against\n"
    "                    the JIT, in ns per element on 1M f32 and f64 elements (--filter matches "
    "op\n"
    "                    names); the goal: jit no slower than eager for any op\n"
    "  --distributed     under kiln-launch -n N: all-reduce bandwidth, 1 KiB to 64 MiB,\n"
    "                    kiln against Gloo's own call, and W4 as an N-rank data-parallel step\n"
    "  --list            list the workloads and exit\n"
    "  --first-call ID   (used by kiln-bench itself) build workload ID, make its first jit\n"
    "                    call with the compile cache as KILN_CACHE_DIR says, print the\n"
    "                    figures of C1's warm-start row\n"
    "  --saved-roundtrip every workload's jit function saved (f.save), loaded here and in a\n"
    "                    new process (kiln::load), each first call checked bit for bit\n"
    "                    against the traced function's; exits non-zero if one differs\n"
    "  --load-first-call ID FILE  (used by kiln-bench itself) kiln::load FILE, workload ID's\n"
    "                    saved function, call it once; print C1's loaded row's figures\n"
    "  --loop ID         call workload ID's jit mode in a loop for --min-time seconds\n"
    "                    (after its first call), for a profiler: perf record kiln-bench ...\n"
    "  --version         kiln's version\n"
    "  --help            this text\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "kiln-bench: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

// "cpu", "cuda" (device 0) or "cuda:N".
kiln::Device parse_device(const std::string& text) {
  if (text == "cpu") return kiln::Device{};
  if (text == "cuda") return kiln::Device{kiln::Device::cuda, 0};
  if (text.rfind("cuda:", 0) == 0) {
    std::string index = text.substr(5);
    bool digits = !index.empty() && index.size() <= 6 &&
                  index.find_first_not_of("0123456789") == std::string::npos;
    if (digits) return kiln::Device{kiln::Device::cuda, std::stoi(index)};
  }
  usage_error("--device takes cpu, cuda or cuda:N, not " + text);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    bool has_value = false;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto next = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    auto number = [&](const std::string& text) {
      char* end = nullptr;
      double v = std::strtod(text.c_str(), &end);
      if (text.empty() || *end) usage_error(arg + ": not a number: " + text);
      return v;
    };
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsage);
      std::exit(0);
    } else if (arg == "--version") {
      std::printf("kiln-bench (kiln) %s\n", kiln::version());
      std::exit(0);
    } else if (arg == "--device") {
      o.device = parse_device(next());
    } else if (arg == "--filter") {
      o.filter = next();
    } else if (arg == "--threads") {
      double v = number(next());
      if (v < 1 || v != static_cast<int>(v)) usage_error("--threads takes a positive integer");
      o.threads = static_cast<int>(v);
    } else if (arg == "--json") {
      o.json = next();
    } else if (arg == "--html") {
      o.html = next();
    } else if (arg == "--min-time") {
      o.timing.min_time_s = number(next());
      if (o.timing.min_time_s < 0) usage_error("--min-time must be >= 0");
    } else if (arg == "--reps") {
      double v = number(next());
      if (v < 1 || v != static_cast<int>(v)) usage_error("--reps takes a positive integer");
      o.timing.reps = static_cast<int>(v);
    } else if (arg == "--roofline") {
      o.roofline = true;
    } else if (arg == "--selfcheck") {
      o.selfcheck = true;
    } else if (arg == "--list") {
      o.list = true;
    } else if (arg == "--loop") {
      o.loop = next();
    } else if (arg == "--first-call") {
      o.first_call = next();
    } else if (arg == "--saved-roundtrip") {
      o.saved_roundtrip = true;
    } else if (arg == "--load-first-call") {
      o.load_first_call = next();
      o.load_file = next();
    } else if (arg == "--ops") {
      o.ops = true;
    } else if (arg == "--distributed") {
      o.distributed = true;
    } else {
      usage_error("unknown option " + arg);
    }
  }
  return o;
}

// The name of the CUDA device `device` ("" for the CPU) once it is known to be usable;
// otherwise says why on stderr and exits with status 2.
std::string open_device(kiln::Device device) {
  if (device.kind == kiln::Device::cpu) return "";
  std::string problem = kiln::runtime::cuda_device_problem(device);
  if (problem.empty()) {
    try {
      return kiln::runtime::CudaDevice::get(device).name();
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  std::fprintf(stderr, "kiln-bench: cannot run on --device %s: %s\n",
               kiln::to_string(device).c_str(), problem.c_str());
  std::exit(2);
}

// Waits for the work a call queued on `device` (CUDA ops return before it is done); on the
// CPU calls return finished, and nothing is added to what is timed.
void wait_for(kiln::Device device) {
  if (device.kind != kiln::Device::cpu) kiln::synchronize(device);
}

bool selected(const Workload& w, const std::string& filter) {
  if (filter.empty()) return true;
  std::string subject = w.id + " " + w.title;
  try {
    return std::regex_search(subject, std::regex(filter, std::regex::icase));
  } catch (const std::regex_error&) {  // not a valid regex: a plain substring
    return subject.find(filter) != std::string::npos;
  }
}

// One workload in one mode after its first call and check: the Result so far and, when the
// mode is to be timed, its Runner. The Runner lives on until every mode has been checked
// and all of them are timed together, its state (W4's weights, carried outputs) going on
// from the check's call.
struct ModeRun {
  Result result;
  std::string checked;             // graph and jit: how far the first result was from eager's
  std::unique_ptr<Runner> runner;  // null: not timed (check failed, threw, or --selfcheck)
};

// The first call is measured once per fresh function, so one burst of load on a shared
// host would be the figure: C1 is the median (by first-call time) of this one and
// kC1Extra more first calls of fresh functions on fresh instances.
constexpr int kC1Extra = 2;

FirstCall median_first_call(const Workload& w, Mode mode, kiln::Device device,
                            const FirstCall& first) {
  std::vector<FirstCall> calls{first};
  for (int i = 0; i < kC1Extra; ++i) {
    Instance instance = w.make(device);
    wait_for(device);  // the inputs' copies are not part of the call
    std::optional<Compiled> compiled = compile_for(mode, instance.body, w.id);
    if (!compiled || !compiled->stats) break;
    Runner runner(std::move(instance), compiled->body);
    double t0 = now_s();
    runner.call();
    wait_for(device);
    double ms = (now_s() - t0) * 1e3;
    kiln::FunctionStats s = compiled->stats();
    calls.push_back(FirstCall{ms, s.trace_ms, s.optimize_ms, s.codegen_ms, s.compile_ms});
  }
  std::sort(calls.begin(), calls.end(), [](const FirstCall& a, const FirstCall& b) {
    return a.first_call_ms < b.first_call_ms;
  });
  return calls[calls.size() / 2];
}

// One workload in one mode on `device`: compile, first call, check. `eager_reference` is
// eager's first result (filled in when eager itself runs). Returns nullopt when the mode
// does not exist yet.
std::optional<ModeRun> prepare_mode(const Workload& w, Mode mode, kiln::Device device, bool timed,
                                    Progress& progress,
                                    std::vector<kiln::Tensor>& eager_reference) {
  ModeRun run;
  Result& result = run.result;
  result.workload = w.id;
  result.mode = mode;
  result.device = device.kind == kiln::Device::cpu ? "cpu" : "cuda";
  std::optional<Instance> instance;
  try {  // on a device, making the inputs can fail too (out of memory)
    instance = w.make(device);
    wait_for(device);
  } catch (const std::exception& e) {
    result.error = std::string("threw: ") + e.what();
    return run;
  }
  Body body = instance->body;
  std::optional<Compiled> compiled = compile_for(mode, body, w.id);
  if (!compiled) return std::nullopt;
  try {
    auto runner = std::make_unique<Runner>(std::move(*instance), compiled->body);
    progress.note(w.id + " " + std::string(mode_name(mode)) + " check");
    std::vector<kiln::Tensor> before = runner->inputs();
    double t0 = now_s();
    std::vector<kiln::Tensor> outputs = runner->call();
    wait_for(device);
    double first_ms = (now_s() - t0) * 1e3;
    if (compiled->stats) {
      kiln::FunctionStats s = compiled->stats();  // after one call: the first trace's costs
      result.first_call =
          FirstCall{first_ms, s.trace_ms, s.optimize_ms, s.codegen_ms, s.compile_ms};
      result.first_call = median_first_call(w, mode, device, *result.first_call);
    }
    std::string problem;
    if (mode == Mode::eager) {
      problem = w.sanity(before, outputs);
      eager_reference = outputs;
    } else {
      double rtol = mode == Mode::jit ? w.jit_rtol : w.rtol;
      double atol = mode == Mode::jit ? w.jit_atol : w.atol;
      problem = compare_results(outputs, eager_reference, rtol, atol);
      if (problem.empty()) {
        Deviation d = deviation(outputs, eager_reference, rtol, atol);
        char buf[200];
        std::snprintf(
            buf, sizeof buf,
            "max |diff| %.2g, max rel %.2g; tolerance rel %.0e + abs %.0e, %.0f%% of it used",
            d.max_abs, d.max_rel, rtol, atol, 100 * d.max_fraction);
        run.checked = buf;
      }
    }
    if (!problem.empty())
      result.error = "check failed: " + problem;
    else if (timed)
      run.runner = std::move(runner);
  } catch (const std::exception& e) {
    result.error = std::string("threw: ") + e.what();
  }
  return run;
}

// Times one workload's checked modes interleaved (bench_interleave.h: measurement r of
// eager, graph, jit in turn), so that drifts in machine load do not pass for speedups
// between modes. A mode that throws while timed gets its error and no figures. On a CUDA
// device each call is followed by kiln::synchronize: the time of a call is until its
// work on the device is done.
void time_modes(const Workload& w, std::vector<ModeRun>& runs, kiln::Device device,
                const TimingOptions& timing, Progress& progress) {
  std::vector<Contender> contenders;
  std::vector<Result*> results;
  for (ModeRun& run : runs) {
    if (!run.runner) continue;
    Runner* runner = run.runner.get();
    Contender c;
    c.label = w.id + " " + std::string(mode_name(run.result.mode));
    if (device.kind == kiln::Device::cpu) {
      c.fn = [runner] { runner->call(); };
    } else {
      c.fn = [runner, device] {
        runner->call();
        kiln::synchronize(device);
      };
    }
    contenders.push_back(std::move(c));
    results.push_back(&run.result);
  }
  measure_interleaved(contenders, timing, progress);
  for (size_t i = 0; i < contenders.size(); ++i) {
    Result& result = *results[i];
    if (!contenders[i].error.empty()) {
      result.error = "threw: " + contenders[i].error;
      continue;
    }
    result.stats = contenders[i].stats;
    if (w.bytes_per_call > 0) result.gbs = w.bytes_per_call / result.stats.median_s / 1e9;
    if (w.flops_per_call > 0) result.gflops = w.flops_per_call / result.stats.median_s / 1e9;
  }
}

int run(const Options& o) {
  auto workloads = all_workloads();
  if (o.list) {
    for (auto& w : workloads)
      std::printf("%s  %s (%s)\n", w.id.c_str(), w.title.c_str(), w.unit_label.c_str());
    std::printf("W8  %s (ms, its own table)\n", kW8Title);
    return 0;
  }
  if (!o.first_call.empty()) return first_call_child(o.first_call);
  if (!o.load_first_call.empty()) return load_first_call_child(o.load_first_call, o.load_file);
  if (o.saved_roundtrip) return saved_roundtrip(workloads);
  if (o.distributed) return distributed_benchmark(o.timing.min_time_s, o.timing.reps);
  if (!o.loop.empty()) return loop_child(o.loop, o.timing.min_time_s);
  // C1 measures compiling: kiln-bench's own compiles never use the persistent compile cache
  // (a user's warm cache would make them disk hits); its warm-start row uses a fresh one.
  ::setenv("KILN_CACHE_DIR", "off", 1);
  std::string device_name = open_device(o.device);  // exits 2 when it cannot be used
  if (o.threads > 0) kiln::set_num_threads(o.threads);

  Report report;
  report.checks_only = o.selfcheck;
  report.cpu = cpu_model();
  report.blas_core = blas_core();
  report.blas_warning = blas_core_warning(report.blas_core);
  report.threads = kiln::num_threads();
  report.device = o.device;
  if (o.ops) {  // the per-op table alone (--filter matches op names)
    Progress progress;
    std::printf("kiln-bench --ops — cpu: %s; threads: %d\n", report.cpu.c_str(), report.threads);
    for (kiln::DType dtype : {kiln::DType::f32, kiln::DType::f64})
      run_ops(o.filter, dtype, o.device, o.timing, progress, stdout);
    return 0;
  }
  report.device_name = device_name;
  Progress progress;
  bool ok = true;

  for (auto& w : workloads)
    if (selected(w, o.filter)) report.workloads.push_back(w);

  bool has_w4 = false;
  for (auto& w : report.workloads) has_w4 |= w.id == "W4";
  if (has_w4 || o.selfcheck) {
    progress.note("W4 self-check: tape gradients vs finite differences");
    std::string summary;
    try {
      std::string failure = mlp_selfcheck(&summary, o.device);
      if (!failure.empty()) {
        ok = false;
        summary += " — " + failure;
      }
    } catch (const std::exception& e) {
      ok = false;
      summary = std::string("W4 self-check threw: ") + e.what();
    }
    report.notes.push_back(summary);
  }

  if (o.roofline && !o.selfcheck) {
    try {
      if (o.device.kind == kiln::Device::cpu)
        report.roofline = measure_roofline(report.threads, o.timing, progress);
      else
        report.cuda_roofline = measure_cuda_roofline(o.device, o.timing, progress);
    } catch (const std::exception& e) {
      progress.clear();
      report.notes.push_back(std::string("roofline failed: ") + e.what());
      ok = false;
    }
  }

  for (auto& w : report.workloads) {
    // Every mode is checked (in order, against eager's first result) before any is timed.
    std::vector<kiln::Tensor> eager_reference;
    std::vector<ModeRun> runs;
    for (Mode mode : kAllModes)
      if (auto run = prepare_mode(w, mode, o.device, !o.selfcheck, progress, eager_reference))
        runs.push_back(std::move(*run));
    eager_reference.clear();  // checked; no need to hold it while timing
    if (!o.selfcheck) time_modes(w, runs, o.device, o.timing, progress);

    std::optional<double> eager_s;
    for (ModeRun& run : runs) {
      Result& result = run.result;
      Mode mode = result.mode;
      if (!result.error.empty()) ok = false;
      if (result.error.empty() && !o.selfcheck) {
        if (mode == Mode::eager)
          eager_s = result.stats.median_s;
        else if (eager_s)
          result.speedup_vs_eager = *eager_s / result.stats.median_s;
      }
      if (!o.selfcheck || !result.error.empty())
        report.results.push_back(result);
      else if (o.selfcheck)
        report.notes.push_back(w.id + " " + std::string(mode_name(mode)) + ": check ok" +
                               (run.checked.empty() ? "" : " (" + run.checked + ")"));
    }
  }
  std::vector<DynamicBatchRow> w8;
  Workload w8_id;
  w8_id.id = "W8";
  w8_id.title = kW8Title;
  if (o.device.kind == kiln::Device::cpu && !o.selfcheck && selected(w8_id, o.filter)) {
    w8 = measure_dynamic_batch(o.timing, progress);
    for (const DynamicBatchRow& r : w8) ok &= r.error.empty();
  }
  std::vector<GruFirstCall> gru;
  Workload gru_id;
  gru_id.id = "C1";
  gru_id.title = kGruTitle;
  if (o.device.kind == kiln::Device::cpu && !o.selfcheck && selected(gru_id, o.filter)) {
    gru = measure_gru_first_calls(progress);
    for (const GruFirstCall& r : gru) ok &= r.error.empty();
  }
  if (o.device.kind == kiln::Device::cpu && !o.selfcheck) {
    std::vector<Workload> warm;
    for (const Workload& w : report.workloads)
      if (w.id == "W1" || w.id == "W3" || w.id == "W4") warm.push_back(w);
    if (!warm.empty()) {
      progress.note("C1 warm start: child processes");
      report.warm_starts = measure_warm_starts(warm, 3);
    }
    std::vector<Workload> loaded;
    for (const Workload& w : warm)
      if (w.id == "W3" || w.id == "W4") loaded.push_back(w);
    if (!loaded.empty()) {
      progress.note("C1 loaded: child processes");
      report.load_starts = measure_load_starts(loaded, 3);
      for (const LoadStart& l : report.load_starts) ok &= l.error.empty();
    }
  }
  progress.clear();

  print_report(report, stdout);
  if (!w8.empty()) print_dynamic_batch(w8, stdout);
  if (!gru.empty()) print_gru_first_calls(gru, stdout);
  if (!o.json.empty()) {
    std::string error;
    if (!write_json(report, o.json, &error)) {
      std::fprintf(stderr, "kiln-bench: %s\n", error.c_str());
      return 1;
    }
  }
  if (!o.html.empty()) {
    std::string error;
    if (!write_html(report, o.html, &error)) {
      std::fprintf(stderr, "kiln-bench: %s\n", error.c_str());
      return 1;
    }
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace kiln_bench

int main(int argc, char** argv) {
  try {
    return kiln_bench::run(kiln_bench::parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kiln-bench: %s\n", e.what());
    return 1;
  }
}
