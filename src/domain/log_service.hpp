// Reading and verifying the operation log (kobe:8.1.7); reading it is itself logged.
#pragma once

#include <vector>

#include "domain/access.hpp"
#include "domain/asset_service.hpp"
#include "domain/env.hpp"
#include "domain/log_view.hpp"
#include "domain/system_service.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {

class LogService {
 public:
  explicit LogService(Env& env) : env_(env), access_(env.pack), assets_(env), systems_(env) {}

  // Entries newest first, each with its names (see log_view.hpp; labels in English when
  // `english`). City-wide audit.read sees all; a narrower scope sees its actors.
  Result<LogPage> List(const Actor& a, storage::LogFilter f, const storage::Page& page, bool for_export,
                       bool english = false);
  Result<audit::VerifyReport> Verify(const Actor& a);

 private:
  Env& env_;
  Access access_;
  AssetService assets_;    // whose assets the reader may see, for their names
  SystemService systems_;  // likewise for systems
};

}  // namespace mamori::domain
