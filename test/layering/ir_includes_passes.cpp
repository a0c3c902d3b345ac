// The dialect is below the passes: this must not compile.
#include "passes/Passes.h"
