// What a readiness probe and a metrics scrape read from the database: whether a server answers
// on this connection at all, and the figures exported as gauges. Nothing here changes a row.
#pragma once

#include <cstdint>

#include "storage/db.hpp"

namespace mamori::storage {

struct StoredGauges {
  int64_t locked_accounts = 0;  // users whose lockout has not yet expired at `now`
  int64_t log_head_seq = 0;     // the newest operation-log entry's seq
};

class HealthRepo {
 public:
  explicit HealthRepo(Connection& c) : c_(c) {}
  // A round trip to the server; unavailable (from the engine) when none answers.
  Status Ping();
  Result<StoredGauges> Gauges(int64_t now);

 private:
  Connection& c_;
};

}  // namespace mamori::storage
