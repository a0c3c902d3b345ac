// The kernels are below the dialect: this must not compile.
#include "ir/KilnOps.h"
