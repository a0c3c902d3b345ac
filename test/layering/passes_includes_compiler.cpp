// The passes are below the compiler: this must not compile.
#include "compiler/trace/trace.h"
