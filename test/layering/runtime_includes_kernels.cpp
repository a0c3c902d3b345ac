// Built with the runtime's include directories only, this must not compile: the runtime
// is below the kernels (DESIGN.md), so their headers are out of its reach.
#include "kernels/elementwise.h"
