#include "cli/version.hpp"

// Generated at every build by cmake/mamori_version.cmake (rewritten only when it changes, so
// only this file recompiles when the checkout moves).
#include "mamori_version.h"

namespace mamori::cli {

std::string Version() { return MAMORI_VERSION; }

}  // namespace mamori::cli
