// `mamori keys status | rotate-data | rotate-master | reseal`: the sealing keys
// (docs/sealing.md).
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace mamori::cli {

// Adds `keys` and its sub-commands to `app`. The answer runs the chosen one after parsing and
// returns its exit code, or -1 when `keys` was not chosen.
std::function<int()> AddKeysCommand(CLI::App& app);

}  // namespace mamori::cli
