// kiln-launch: runs N local ranks of a program for kiln::distributed (torchrun's and
// horovodrun's job on one host).
//   kiln-launch -n N [--backend gloo|mpi] [--timeout SECONDS] [--rendezvous DIR] -- PROG ARGS...
// Each rank gets KILN_RANK, KILN_WORLD_SIZE, KILN_RENDEZVOUS=file://DIR (a fresh temporary
// folder unless given, removed afterwards) and KILN_BACKEND. Every line a rank prints is
// prefixed with "[rank R] " (stdout to stdout, stderr to stderr). When a rank fails (a
// non-zero exit or a signal) the others are stopped (SIGTERM, SIGKILL 5 s later) and
// kiln-launch exits with that rank's status (128 + signal for a signal); past --timeout it
// stops them all and exits 124. Ctrl-C is passed on to the ranks.
// With --backend mpi it hands the job to Open MPI's mpirun instead (-np N, output tagged
// with the rank, --timeout, as root and with more ranks than cores where needed), whose
// ranks find each other through MPI: the same program runs either way.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_interrupted = 0;
void on_signal(int signal) { g_interrupted = signal; }

int usage(const char* why) {
  if (why) std::fprintf(stderr, "kiln-launch: %s\n", why);
  std::fprintf(
      stderr,
      "usage: kiln-launch -n N [--backend gloo|mpi] [--timeout SECONDS] [--rendezvous DIR] "
      "-- PROG ARGS...\n"
      "Runs N ranks of PROG with KILN_RANK, KILN_WORLD_SIZE, KILN_RENDEZVOUS and "
      "KILN_BACKEND set,\nprefixes their output with their rank, stops all when one "
      "fails and exits with its status\n(124 past --timeout).\n");
  return 2;
}

/// One rank's output stream: bytes read so far that do not end a line yet.
struct Stream {
  int fd = -1;
  int rank = 0;
  FILE* out = nullptr;
  std::string partial;

  void emit(const char* data, size_t size) {
    partial.append(data, size);
    for (size_t end; (end = partial.find('\n')) != std::string::npos;) {
      std::fprintf(out, "[rank %d] %.*s\n", rank, static_cast<int>(end), partial.data());
      partial.erase(0, end + 1);
    }
    std::fflush(out);
  }
  void flush_partial() {
    if (!partial.empty()) std::fprintf(out, "[rank %d] %s\n", rank, partial.c_str());
    partial.clear();
    std::fflush(out);
  }
};

struct Rank {
  pid_t pid = -1;
  bool running = false;
  int status = 0;
};

/// The exit code that reports `status` (a waitpid status).
int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  return "stopped";
}

/// --backend mpi: mpirun runs the ranks (this process becomes mpirun).
int run_mpirun(int n, double timeout_s, int argc, char** argv) {
  std::vector<std::string> args{"mpirun", "-np", std::to_string(n), "--oversubscribe",
                                "--tag-output"};
  if (::geteuid() == 0) args.push_back("--allow-run-as-root");
  if (timeout_s > 0) {
    args.push_back("--timeout");
    args.push_back(std::to_string(static_cast<int>(timeout_s + 0.999)));
  }
  // Containers forbid the cross-memory attach Open MPI's shared-memory transport tries.
  ::setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
  ::setenv("KILN_BACKEND", "mpi", 1);
  for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
  std::vector<char*> c_args;
  for (std::string& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  ::execvp("mpirun", c_args.data());
  std::fprintf(stderr, "kiln-launch: cannot run mpirun (install openmpi-bin): %s\n",
               std::strerror(errno));
  return 127;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 0;
  double timeout_s = 0;
  std::string backend = "gloo", rendezvous;
  int at = 1;
  for (; at < argc; ++at) {
    const std::string arg = argv[at];
    auto value = [&]() -> const char* { return at + 1 < argc ? argv[++at] : nullptr; };
    if (arg == "--") {
      ++at;
      break;
    } else if (arg == "-n" || arg == "--nproc") {
      const char* v = value();
      n = v ? std::atoi(v) : 0;
      if (n < 1 || n > 1024) return usage("-n takes a number of ranks from 1 to 1024");
    } else if (arg == "--backend") {
      const char* v = value();
      if (!v || (std::string(v) != "gloo" && std::string(v) != "mpi"))
        return usage("--backend: 'gloo' or 'mpi'");
      backend = v;
    } else if (arg == "--timeout") {
      const char* v = value();
      char* end = nullptr;
      timeout_s = v ? std::strtod(v, &end) : -1;
      if (!v || *end != '\0' || timeout_s <= 0) return usage("--timeout takes seconds > 0");
    } else if (arg == "--rendezvous") {
      const char* v = value();
      if (!v) return usage("--rendezvous takes a folder");
      rendezvous = v;
    } else if (arg == "-h" || arg == "--help") {
      usage(nullptr);
      return 0;
    } else {
      return usage(("unknown argument '" + arg + "'").c_str());
    }
  }
  if (n == 0) return usage("-n N is required");
  if (at >= argc) return usage("no program after --");
  if (backend == "mpi") return run_mpirun(n, timeout_s, argc - at, argv + at);

  bool made_folder = false;
  if (rendezvous.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "kiln-launch-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) {
      std::fprintf(stderr, "kiln-launch: cannot create a rendezvous folder: %s\n",
                   std::strerror(errno));
      return 1;
    }
    rendezvous = pattern;
    made_folder = true;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(rendezvous, ec);
    if (!std::filesystem::is_directory(rendezvous)) {
      std::fprintf(stderr, "kiln-launch: '%s' is not a folder it can use\n", rendezvous.c_str());
      return 1;
    }
  }

  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::vector<Rank> ranks(static_cast<size_t>(n));
  std::vector<Stream> streams;
  for (int r = 0; r < n; ++r) {
    int out_pipe[2], err_pipe[2];
    if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) {
      std::fprintf(stderr, "kiln-launch: pipe: %s\n", std::strerror(errno));
      return 1;
    }
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      std::fprintf(stderr, "kiln-launch: fork: %s\n", std::strerror(errno));
      for (Rank& rank : ranks)
        if (rank.running) ::kill(rank.pid, SIGKILL);
      return 1;
    }
    if (pid == 0) {
      ::setpgid(0, 0);  // its own group: stopping a rank stops what it started
      ::dup2(out_pipe[1], STDOUT_FILENO);
      ::dup2(err_pipe[1], STDERR_FILENO);
      ::close(out_pipe[0]);
      ::close(out_pipe[1]);
      ::close(err_pipe[0]);
      ::close(err_pipe[1]);
      ::setenv("KILN_RANK", std::to_string(r).c_str(), 1);
      ::setenv("KILN_WORLD_SIZE", std::to_string(n).c_str(), 1);
      ::setenv("KILN_RENDEZVOUS", ("file://" + rendezvous).c_str(), 1);
      ::setenv("KILN_BACKEND", backend.c_str(), 1);
      ::execvp(argv[at], argv + at);
      std::fprintf(stderr, "cannot run '%s': %s\n", argv[at], std::strerror(errno));
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ranks[static_cast<size_t>(r)] = {pid, true, 0};
    streams.push_back({out_pipe[0], r, stdout, {}});
    streams.push_back({err_pipe[0], r, stderr, {}});
  }

  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  Clock::time_point kill_at{};  // when stopping: SIGKILL after the grace period
  bool stopping = false;
  int result = 0;
  auto stop_all = [&](int signal) {
    for (Rank& rank : ranks)
      if (rank.running) ::kill(-rank.pid, signal);
  };
  auto begin_stop = [&](int code) {
    if (stopping) return;
    stopping = true;
    result = code;
    stop_all(SIGTERM);
    kill_at = Clock::now() + std::chrono::seconds(5);
  };

  size_t running = ranks.size();
  size_t open_streams = streams.size();
  while (running > 0 || open_streams > 0) {
    if (g_interrupted) {
      std::fprintf(stderr, "kiln-launch: interrupted; stopping the ranks\n");
      begin_stop(128 + g_interrupted);
      g_interrupted = 0;
    }
    if (timeout_s > 0 && !stopping &&
        Clock::now() - start > std::chrono::duration<double>(timeout_s)) {
      std::fprintf(stderr, "kiln-launch: past --timeout %g s; stopping the ranks\n", timeout_s);
      begin_stop(124);
    }
    if (stopping && Clock::now() > kill_at) stop_all(SIGKILL);

    std::vector<pollfd> fds;
    std::vector<Stream*> polled;
    for (Stream& s : streams)
      if (s.fd >= 0) {
        fds.push_back({s.fd, POLLIN, 0});
        polled.push_back(&s);
      }
    const int ready = fds.empty() ? 0 : ::poll(fds.data(), fds.size(), 100);
    if (fds.empty()) ::usleep(20'000);
    for (size_t i = 0; ready > 0 && i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[65536];
      const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        polled[i]->emit(buffer, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        polled[i]->flush_partial();
        ::close(polled[i]->fd);
        polled[i]->fd = -1;
        --open_streams;
      }
    }
    for (size_t r = 0; r < ranks.size(); ++r) {
      Rank& rank = ranks[r];
      if (!rank.running) continue;
      const pid_t done = ::waitpid(rank.pid, &rank.status, WNOHANG);
      if (done != rank.pid) continue;
      rank.running = false;
      --running;
      const bool failed = !WIFEXITED(rank.status) || WEXITSTATUS(rank.status) != 0;
      if (failed && !stopping) {
        std::fprintf(stderr, "kiln-launch: rank %zu %s; stopping the other ranks\n", r,
                     describe(rank.status).c_str());
        begin_stop(exit_code(rank.status));
      }
      // A rank's children may keep its pipes open: once it is gone, stop waiting for them.
      if (running == 0 && open_streams > 0 && !stopping)
        kill_at = Clock::now() + std::chrono::seconds(5);
    }
    if (running == 0 && open_streams > 0 && kill_at != Clock::time_point{} &&
        Clock::now() > kill_at) {
      for (Stream& s : streams)
        if (s.fd >= 0) {
          s.flush_partial();
          ::close(s.fd);
          s.fd = -1;
        }
      open_streams = 0;
    }
  }
  if (made_folder) {
    std::error_code ec;
    std::filesystem::remove_all(rendezvous, ec);
  }
  return result;
}
