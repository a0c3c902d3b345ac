// Runs part of test/checkpoint_training.h's run in a process of its own and prints its
// losses in hexadecimal (bit for bit), for ctest checkpoint.resume_in_fresh_process:
//   checkpoint_resume FIRST LAST [--restore FILE] [--save-after N FILE] [--eager]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "checkpoint_training.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s FIRST LAST [--restore FILE] [--save-after N FILE] [--eager]\n",
                 argv[0]);
    return 2;
  }
  kiln::test::ResumeOptions options;
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--restore" && i + 1 < argc) {
      options.restore_from = argv[++i];
    } else if (arg == "--save-after" && i + 2 < argc) {
      options.save_after = std::atoi(argv[++i]);
      options.save_to = argv[++i];
    } else if (arg == "--eager") {
      options.compiled = false;
    } else {
      std::fprintf(stderr, "unknown argument '%s'\n", arg.c_str());
      return 2;
    }
  }
  try {
    for (double loss : kiln::test::train_steps(std::atoi(argv[1]), std::atoi(argv[2]), options))
      std::printf("%a\n", loss);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpoint_resume: %s\n", e.what());
    return 1;
  }
  return 0;
}
