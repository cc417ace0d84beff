#include "storage/repos.hpp"

namespace mamori::storage {
namespace {

constexpr std::string_view kInsert =
    "INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at, address, mfa_passed, "
    "prev_login_at, prev_login_address, ended_at, end_reason, user_agent) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)";
#define MAMORI_SESSION_COLUMNS                                                                     \
  "SELECT id, user_id, csrf_token, created_at, last_seen_at, expires_at, address, mfa_passed, prev_login_at, " \
  "prev_login_address, ended_at, end_reason, user_agent FROM sessions "
constexpr std::string_view kGet = MAMORI_SESSION_COLUMNS "WHERE id = ?";
// Live by the row: not ended and within the absolute limit (idle ones end when next presented).
constexpr std::string_view kListLive =
    MAMORI_SESSION_COLUMNS "WHERE user_id = ? AND ended_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id";
#undef MAMORI_SESSION_COLUMNS
constexpr std::string_view kEndPending =
    "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND mfa_passed = 0 AND ended_at IS NULL";
constexpr std::string_view kInsertFailure = "INSERT INTO login_failures (address_key, at) VALUES (?, ?)";
constexpr std::string_view kFailuresSince =
    "SELECT at FROM login_failures WHERE address_key = ? AND at > ? ORDER BY at";
constexpr std::string_view kPruneFailures = "DELETE FROM login_failures WHERE at <= ?";
constexpr std::string_view kTouch = "UPDATE sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL";
constexpr std::string_view kMfa = "UPDATE sessions SET mfa_passed = 1 WHERE id = ? AND ended_at IS NULL";
constexpr std::string_view kEnd =
    "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL";
constexpr std::string_view kEndAll =
    "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND ended_at IS NULL";
constexpr std::string_view kEndOthers =
    "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND id <> ? AND ended_at IS NULL";

Status Done(Result<int64_t> r) {
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

// Row → record, in kGet's column order.
SessionRecord SessionOf(const Row& r) {
  return SessionRecord{.id = r.Str(0),
                       .user_id = r.Str(1),
                       .csrf_token = r.Str(2),
                       .created_at = r.Int(3),
                       .last_seen_at = r.Int(4),
                       .expires_at = r.Int(5),
                       .address = r.Str(6),
                       .mfa_passed = r.Int(7) != 0,
                       .prev_login_at = r.Int(8),
                       .prev_login_address = r.Str(9),
                       .ended_at = r.Int(10),
                       .end_reason = r.Str(11),
                       .user_agent = r.Str(12)};
}

}  // namespace

Status SessionRepo::Insert(const SessionRecord& s) {
  return Done(c_.Execute(kInsert, {s.id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at,
                                   Nullable(s.address), int64_t{s.mfa_passed},
                                   NullableInt(s.prev_login_at, s.prev_login_at != 0), Nullable(s.prev_login_address),
                                   Nullable(s.user_agent)}));
}


Result<std::optional<SessionRecord>> SessionRepo::Get(const std::string& id) {
  std::optional<SessionRecord> out;
  MAMORI_TRY(c_.Query(kGet, {id}, [&](const Row& r) { out = SessionOf(r); }));
  return out;
}

Result<std::vector<SessionRecord>> SessionRepo::ListLive(const std::string& user_id, int64_t now) {
  std::vector<SessionRecord> out;
  MAMORI_TRY(c_.Query(kListLive, {user_id, now}, [&](const Row& r) { out.push_back(SessionOf(r)); }));
  return out;
}

Result<int64_t> SessionRepo::EndPendingForUser(const std::string& user_id, int64_t at, const std::string& reason) {
  return c_.Execute(kEndPending, {at, reason, user_id});
}

Status LoginFailureRepo::Record(const std::string& address_key, int64_t at) {
  return Done(c_.Execute(kInsertFailure, {address_key, at}));
}

Result<std::vector<int64_t>> LoginFailureRepo::Since(const std::string& address_key, int64_t after) {
  std::vector<int64_t> out;
  MAMORI_TRY(c_.Query(kFailuresSince, {address_key, after}, [&](const Row& r) { out.push_back(r.Int(0)); }));
  return out;
}

Status LoginFailureRepo::Prune(int64_t up_to) { return Done(c_.Execute(kPruneFailures, {up_to})); }

Status SessionRepo::Touch(const std::string& id, int64_t at) { return Done(c_.Execute(kTouch, {at, id})); }

Status SessionRepo::SetMfaPassed(const std::string& id) { return Done(c_.Execute(kMfa, {id})); }

Status SessionRepo::End(const std::string& id, int64_t at, const std::string& reason) {
  return Done(c_.Execute(kEnd, {at, reason, id}));
}

Result<int64_t> SessionRepo::EndAllForUser(const std::string& user_id, int64_t at, const std::string& reason) {
  return c_.Execute(kEndAll, {at, reason, user_id});
}

Status SessionRepo::EndOthersForUser(const std::string& user_id, const std::string& keep_id, int64_t at,
                                     const std::string& reason) {
  return Done(c_.Execute(kEndOthers, {at, reason, user_id, keep_id}));
}

}  // namespace mamori::storage
