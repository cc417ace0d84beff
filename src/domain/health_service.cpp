#include "domain/health_service.hpp"

#include <string>

namespace mamori::domain {

Result<LogHealth> HealthService::Ready() const {
  const Status db = env_.db.Read([](storage::Connection& c) { return storage::HealthRepo(c).Ping(); });
  if (!db.ok()) {
    // No server accepts writes (or the link broke): a load balancer takes this node out of
    // rotation until it is back; Retry-After says when to look again.
    Error e{ErrorCode::kUnavailable, "データベースに接続できません", {}, {}};
    e.retry_after_seconds = storage::kUnavailableRetryAfterSeconds;
    return e;
  }
  LogHealth h = logs_.Health();
  if (h.checked && !h.ok)
    return Error{ErrorCode::kUnavailable,
                 "操作ログの改ざんまたは破損を検出しました（最初の不正な seq " + std::to_string(h.first_bad_seq) +
                     "）。mamori log verify で確認してください",
                 {},
                 {}};
  return h;
}

Result<storage::StoredGauges> HealthService::Gauges() const {
  const int64_t now = env_.clock.NowMicros();
  return env_.db.Read([&](storage::Connection& c) { return storage::HealthRepo(c).Gauges(now); });
}

}  // namespace mamori::domain
