// kiln-cache: the persistent compile cache's folder from the command line.
//   kiln-cache stats    where it is, how many entries and bytes, its bounds
//   kiln-cache verify   reads every entry whole, removes the damaged ones (exit 1 if any)
//   kiln-cache clear    removes every entry
// The folder is the one kiln uses (KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else
// ~/.cache/kiln), or --dir DIR.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "compiler/pipeline/compile_cache.h"
#include "kiln/version.h"

namespace {

namespace cache = kiln::detail::compile_cache;

const char* kUsage =
    "usage: kiln-cache [--dir DIR] stats|verify|clear\n"
    "       kiln-cache --version\n"
    "  stats   the folder, its entries and bytes, its bounds (KILN_CACHE_MAX_BYTES,\n"
    "          KILN_CACHE_MAX_ENTRIES) and any temporary files of writes in flight\n"
    "  verify  read every entry whole and check it; damaged ones are removed (exit 1)\n"
    "  clear   remove every entry\n"
    "The folder: --dir, else KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else ~/.cache/kiln.\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "kiln-cache: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string command;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsage);
      return 0;
    }
    if (arg == "--version") {
      std::printf("kiln-cache (kiln) %s\n", kiln::version());
      return 0;
    }
    if (arg == "--dir" && i + 1 < argc) {
      ::setenv("KILN_CACHE_DIR", argv[++i], 1);
    } else if (arg.rfind("--dir=", 0) == 0) {
      ::setenv("KILN_CACHE_DIR", arg.substr(6).c_str(), 1);
    } else if (command.empty() && arg[0] != '-') {
      command = arg;
    } else {
      return usage_error("unexpected argument " + arg);
    }
  }
  if (command != "stats" && command != "verify" && command != "clear")
    return usage_error(command.empty() ? "no command" : "unknown command " + command);
  const cache::Config config = cache::config();  // warns when the folder is refused
  if (!config.enabled) {
    std::printf("the compile cache is off\n");
    return command == "stats" ? 0 : 1;
  }
  if (command == "stats") {
    const cache::FolderStats s = cache::stats(config);
    std::printf("folder:    %s\nentries:   %llu\nbytes:     %llu\n", config.dir.c_str(),
                static_cast<unsigned long long>(s.entries),
                static_cast<unsigned long long>(s.bytes));
    std::printf("bounds:    %llu bytes, %s\n", static_cast<unsigned long long>(config.max_bytes),
                config.max_entries == 0
                    ? "any number of entries"
                    : (std::to_string(config.max_entries) + " entries").c_str());
    if (s.temporary != 0)
      std::printf("temporary: %llu (writes in flight, or of a process that died writing)\n",
                  static_cast<unsigned long long>(s.temporary));
    return 0;
  }
  if (command == "verify") {
    const cache::Verified v = cache::verify(config);
    for (const std::string& d : v.damaged) std::printf("damaged, removed: %s\n", d.c_str());
    std::printf("%llu entries good, %zu damaged\n", static_cast<unsigned long long>(v.good),
                v.damaged.size());
    return v.damaged.empty() ? 0 : 1;
  }
  std::printf("removed %llu files from %s\n", static_cast<unsigned long long>(cache::clear(config)),
              config.dir.c_str());
  return 0;
}
