// What every domain service needs: the database, the active policy pack, the operation log,
// the clock and the data-encryption key. Built once by main and shared read-only.
#pragma once

#include <string>

#include "audit/operation_log.hpp"
#include "common/time.hpp"
#include "policy/pack.hpp"
#include "storage/db.hpp"

namespace mamori::domain {

struct Env {
  storage::Database& db;
  const policy::PolicyPack& pack;
  audit::OperationLog& log;
  const Clock& clock;
  std::string data_key;  // 32 bytes: AES-256-GCM key for secrets at rest (TOTP seeds)

  std::string Today() const { return FormatDate(JstDate(clock.NowMicros())); }
};

// A new opaque id: 16 random bytes as 32 hex digits.
std::string NewId();

}  // namespace mamori::domain
