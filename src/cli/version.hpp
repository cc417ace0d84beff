// What `mamori --version` prints: the CMake project version, and `git describe` of the checkout
// it was built from when there was one.
#pragma once

#include <string>

namespace mamori::cli {

// e.g. "0.1.0 (git 33f4608-dirty)" or "0.1.0" when built outside a git checkout.
std::string Version();

}  // namespace mamori::cli
