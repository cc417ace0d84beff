// Reading and verifying the operation log (kobe:8.1.7); reading it is itself logged.
#pragma once

#include <vector>

#include "domain/access.hpp"
#include "domain/env.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {

class LogService {
 public:
  explicit LogService(Env& env) : env_(env), access_(env.pack) {}

  // Entries newest first. City-wide audit.read sees all; a narrower scope sees its actors.
  Result<std::pair<std::vector<storage::LogEntryRecord>, int64_t>> List(const Actor& a, storage::LogFilter f,
                                                                        const storage::Page& page,
                                                                        bool for_export);
  Result<audit::VerifyReport> Verify(const Actor& a);

 private:
  Env& env_;
  Access access_;
};

}  // namespace mamori::domain
