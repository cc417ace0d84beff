// Refusals on the record: every refused decision — policy_denied, separation_of_duties,
// forbidden on a change, rate_limited, a wrong MFA code — is an operation-log entry with result
// "denied", the clause that decided and the target, written in its own transaction after the
// refused change has rolled back (so the change itself wrote nothing). Identical refusals from
// one session (or, with no session, one address) are counted in one window instead of each
// being written, so a caller hammering a refused action cannot flood the log.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "audit/operation_log.hpp"
#include "common/result.hpp"
#include "domain/env.hpp"

namespace mamori::domain {

// Which errors are refusals that must be on the record; `changing` is true for a request that
// would change state (a refused read is an ordinary not-found or forbidden answer).
bool IsRecordedRefusal(ErrorCode code, bool changing);

class RefusalLog {
 public:
  // `window_micros`: how long identical refusals are counted after the one that was written.
  // `max_open`: windows kept in memory at most; past it refusals are written one by one.
  RefusalLog(Env& env, int64_t window_micros, size_t max_open = 10000)
      : env_(env), window_(window_micros), max_open_(max_open) {}

  // Writes `e` (result set to "denied"; the clause from `why`, else the pack's clause for the
  // kind of refusal) as its own transaction — or, when an identical refusal was written less
  // than the window ago, only counts it. Identical: same session (or address when there is no
  // session), action, target, problem code, clause and reason, and the same `call` (what the
  // caller sent, e.g. a digest of method, path and body: two different creates refused by one
  // rule are two refusals, one create sent twice is one). Thread-safe.
  Status Record(audit::Event e, const Error& why, const std::string& call = "");

  // Writes one entry per window that has closed with refusals counted in it
  // (`detail.repeated`, `detail.first_at`, `detail.last_at`); with `all`, every window,
  // closed or not (at shutdown). Returns the entries written.
  Result<int64_t> Flush(bool all = false);

  // Windows open now (for tests and metrics).
  size_t open_windows() const;

 private:
  struct Window {
    int64_t opened_at = 0;  // when the written entry was recorded
    int64_t last_at = 0;    // the newest refusal counted
    int64_t repeated = 0;   // refusals counted since the written entry
    audit::Event event;     // the written entry, the template of the count entry
  };
  Status Write(const audit::Event& e);
  audit::Event CountEntry(const Window& w) const;

  Env& env_;
  const int64_t window_;
  const size_t max_open_;
  mutable std::mutex mu_;
  std::map<std::string, Window> open_;  // key → window
};

}  // namespace mamori::domain
