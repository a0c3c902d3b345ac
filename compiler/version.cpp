// kiln::version(): the library's version, compiled in (see include/kiln/version.h.in).
#include "kiln/version.h"

namespace kiln {

const char* version() noexcept { return KILN_VERSION_STRING; }

}  // namespace kiln
