#include "storage/repos.hpp"

namespace mamori::storage {
namespace {

constexpr std::string_view kInsert =
    "INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at, address, mfa_passed, "
    "prev_login_at, prev_login_address, ended_at, end_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)";
constexpr std::string_view kGet =
    "SELECT id, user_id, csrf_token, created_at, last_seen_at, expires_at, address, mfa_passed, prev_login_at, "
    "prev_login_address, ended_at, end_reason "
    "FROM sessions WHERE id = ?";
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

}  // namespace

Status SessionRepo::Insert(const SessionRecord& s) {
  return Done(c_.Execute(kInsert, {s.id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at,
                                   Nullable(s.address), int64_t{s.mfa_passed},
                                   NullableInt(s.prev_login_at, s.prev_login_at != 0), Nullable(s.prev_login_address)}));
}

Result<std::optional<SessionRecord>> SessionRepo::Get(const std::string& id) {
  std::optional<SessionRecord> out;
  MAMORI_TRY(c_.Query(kGet, {id}, [&](const Row& r) {
    out = SessionRecord{r.Str(0), r.Str(1), r.Str(2),        r.Int(3), r.Int(4),  r.Int(5),
                        r.Str(6), r.Int(7) != 0, r.Int(8), r.Str(9), r.Int(10), r.Str(11)};
  }));
  return out;
}

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
