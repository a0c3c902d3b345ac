// A program linking `kiln` sees the public API, not the compiler's own headers: this must
// not compile.
#include "compiler/trace/trace.h"
