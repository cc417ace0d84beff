#include "domain/refusal_log.hpp"

#include <optional>
#include <vector>

namespace mamori::domain {
namespace {

// The pack's clause for a refusal that came without one: scope and permission checks are
// access control, throttled sign-ins are the login limits.
std::string FallbackClause(const policy::PolicyPack& pack, ErrorCode code) {
  if (code == ErrorCode::kRateLimited) {
    std::string c = pack.CiteFor("sign_in_throttle");
    return c.empty() ? pack.Cite(pack.auth.lockout.clause) : c;
  }
  return pack.CiteFor("access_control");
}

// Identical: one caller (a session, or an address when nobody is signed in — a sign-in flood),
// one action on one target, refused with the same code by the same rule for the same reason,
// for the same call.
std::string KeyOf(const audit::Event& e, const Error& why, const std::string& call) {
  const std::string who = e.session != "-" && !e.session.empty() ? "s:" + e.session : "a:" + e.address;
  return who + '\n' + e.action + '\n' + e.target + '\n' + ErrorCodeName(why.code) + '\n' + e.clause + '\n' +
         why.detail + '\n' + call;
}

}  // namespace

bool IsRecordedRefusal(ErrorCode code, bool changing) {
  switch (code) {
    case ErrorCode::kPolicyDenied:
    case ErrorCode::kSeparationOfDuties:
    case ErrorCode::kRateLimited:
      return true;
    case ErrorCode::kForbidden:
      return changing;
    default:
      return false;
  }
}

Status RefusalLog::Write(const audit::Event& e) {
  return env_.db.Write([&](storage::Connection& c) { return env_.log.Record(c, e); });
}

audit::Event RefusalLog::CountEntry(const Window& w) const {
  audit::Event e = w.event;
  e.detail["repeated"] = w.repeated;
  e.detail["first_at"] = FormatRfc3339(w.opened_at);
  e.detail["last_at"] = FormatRfc3339(w.last_at);
  return e;
}

Status RefusalLog::Record(audit::Event e, const Error& why, const std::string& call) {
  const std::string code = ErrorCodeName(why.code);
  e.result = "denied";
  e.clause = why.clause.empty() ? FallbackClause(env_.pack, why.code) : why.clause;
  if (!e.detail.is_object()) e.detail = nlohmann::json::object();
  e.detail["code"] = code;
  if (!why.detail.empty()) e.detail["reason"] = why.detail;
  if (!why.fields.empty()) {
    auto fields = nlohmann::json::array();
    for (const auto& f : why.fields) fields.push_back({{"field", f.field}, {"code", f.code}});
    e.detail["fields"] = std::move(fields);
  }
  const int64_t now = env_.clock.NowMicros();
  const std::string key = KeyOf(e, why, call);
  std::optional<audit::Event> closed;  // the count of an expired window, written first
  {
    std::lock_guard lock(mu_);
    auto it = open_.find(key);
    if (it != open_.end() && now - it->second.opened_at < window_) {
      it->second.repeated += 1;
      it->second.last_at = now;
      return Ok();
    }
    if (it != open_.end()) {
      if (it->second.repeated > 0) closed = CountEntry(it->second);
      open_.erase(it);
    }
    // Past the bound every refusal is written: the log may grow, but nothing goes uncounted.
    if (open_.size() < max_open_) open_[key] = Window{now, now, 0, e};
  }
  if (closed) MAMORI_TRY(Write(*closed));
  Status written = Write(e);
  if (!written.ok()) {
    // Nothing was written, so nothing may be counted against it: the next one writes again.
    std::lock_guard lock(mu_);
    if (auto it = open_.find(key); it != open_.end() && it->second.opened_at == now && it->second.repeated == 0)
      open_.erase(it);
  }
  return written;
}

Result<int64_t> RefusalLog::Flush(bool all) {
  const int64_t now = env_.clock.NowMicros();
  std::vector<audit::Event> due;
  {
    std::lock_guard lock(mu_);
    for (auto it = open_.begin(); it != open_.end();) {
      if (all || now - it->second.opened_at >= window_) {
        if (it->second.repeated > 0) due.push_back(CountEntry(it->second));
        it = open_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (due.empty()) return int64_t{0};
  MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
    for (const auto& e : due) MAMORI_TRY(env_.log.Record(c, e));
    return Ok();
  }));
  return static_cast<int64_t>(due.size());
}

size_t RefusalLog::open_windows() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

}  // namespace mamori::domain
