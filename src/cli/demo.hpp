// The demo city of `mamori demo`.
#pragma once

#include <string>
#include <vector>

#include "cli/runtime.hpp"

namespace mamori::cli {

struct DemoLogin {
  std::string login_id, name, role, temporary_password;
};

// Adds the demo organisation and one person per role; refuses to run twice.
Result<std::vector<DemoLogin>> BuildDemoCity(Runtime& rt);

}  // namespace mamori::cli
