// Whether this node can serve, and the gauges a metrics scrape reads from the database — so the
// /readyz and /metrics handlers hold no storage code (they call this and map the Result).
// Neither needs a session or a permission: the edge decides who may ask (metrics_token).
#pragma once

#include <cstdint>

#include "domain/env.hpp"
#include "domain/log_service.hpp"
#include "storage/health_repo.hpp"

namespace mamori::domain {

class HealthService {
 public:
  HealthService(Env& env, const LogService& logs) : env_(env), logs_(logs) {}

  // Ready to serve: a database primary answers and the operation log's newest verification found
  // no break. Otherwise `unavailable` with a Retry-After time: the database one (so a load
  // balancer looks again soon), or, for a broken log, naming the first bad seq (an operator
  // must act; see `mamori log verify`). Answers the log's health when ready.
  Result<LogHealth> Ready() const;

  // The figures read from the database at scrape time.
  Result<storage::StoredGauges> Gauges() const;

 private:
  Env& env_;
  const LogService& logs_;
};

}  // namespace mamori::domain
