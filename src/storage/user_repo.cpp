#include "storage/query_util.hpp"
#include "storage/repos.hpp"

namespace mamori::storage {
namespace {

#define MAMORI_USER_COLUMNS                                                                     \
  "id, login_id, name, org_unit_id, employment_type, status, password_hash, password_changed_at, " \
  "must_change_password, failed_attempts, locked_until, last_login_at, last_login_address, "     \
  "expires_on, totp_secret, totp_pending, totp_last_step, created_at, deleted_at, version, email"

constexpr std::string_view kInsert =
    "INSERT INTO users (" MAMORI_USER_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kUpdate =
    "UPDATE users SET name = ?, org_unit_id = ?, employment_type = ?, status = ?, password_hash = ?, "
    "password_changed_at = ?, must_change_password = ?, failed_attempts = ?, locked_until = ?, "
    "last_login_at = ?, last_login_address = ?, expires_on = ?, totp_secret = ?, totp_pending = ?, "
    "totp_last_step = ?, deleted_at = ?, version = ?, email = ? WHERE id = ?";
constexpr std::string_view kGet = "SELECT " MAMORI_USER_COLUMNS " FROM users WHERE id = ?";
constexpr std::string_view kByLogin = "SELECT " MAMORI_USER_COLUMNS " FROM users WHERE login_id = ?";
constexpr std::string_view kManyHead = "SELECT " MAMORI_USER_COLUMNS " FROM users u WHERE 1 = 1";
constexpr std::string_view kListHead = "SELECT " MAMORI_USER_COLUMNS " FROM users u WHERE 1 = 1";
constexpr std::string_view kCountHead = "SELECT COUNT(*) FROM users u WHERE 1 = 1";
constexpr std::string_view kHistoryInsert =
    "INSERT INTO password_history (user_id, hash, created_at) VALUES (?, ?, ?)";
constexpr std::string_view kHistoryRecent =
    "SELECT hash FROM password_history WHERE user_id = ? ORDER BY created_at DESC LIMIT ?";
constexpr std::string_view kCountLocked =
    "SELECT COUNT(*) FROM users WHERE status = 'active' AND locked_until > ?";

UserRecord ReadUser(const Row& r) {
  UserRecord u;
  u.id = r.Str(0);
  u.login_id = r.Str(1);
  u.name = r.Str(2);
  u.org_unit_id = r.Str(3);
  u.employment_type = r.Str(4);
  u.status = r.Str(5);
  u.password_hash = r.Str(6);
  u.password_changed_at = r.Int(7);
  u.must_change_password = r.Int(8) != 0;
  u.failed_attempts = static_cast<int>(r.Int(9));
  u.locked_until = r.Int(10);
  u.last_login_at = r.Int(11);
  u.last_login_address = r.Str(12);
  u.expires_on = r.Str(13);
  u.totp_secret = r.Str(14);
  u.totp_pending = r.Str(15);
  u.totp_last_step = r.Int(16);
  u.created_at = r.Int(17);
  u.deleted_at = r.Int(18);
  u.version = r.Int(19);
  u.email = r.Str(20);
  return u;
}

// Appends the WHERE conditions of a filter; every value is a bind parameter.
void AppendFilter(const UserFilter& f, std::string& sql, Params& p) {
  if (f.restrict_units) AppendIn(sql, p, "u.org_unit_id", f.org_unit_ids);
  if (!f.org_unit_id.empty()) {
    sql += " AND u.org_unit_id = ?";
    p.push_back(f.org_unit_id);
  }
  if (f.status == "active") {
    sql += " AND u.status = 'active' AND (u.locked_until IS NULL OR u.locked_until <= ?)"
           " AND (u.expires_on IS NULL OR u.expires_on >= ?)";
    p.push_back(f.now);
    p.push_back(f.today);
  } else if (f.status == "locked") {
    sql += " AND u.status = 'active' AND u.locked_until > ?";
    p.push_back(f.now);
  } else if (f.status == "expired") {
    sql += " AND u.status = 'active' AND u.expires_on < ?";
    p.push_back(f.today);
  } else if (!f.status.empty()) {
    sql += " AND u.status = ?";
    p.push_back(f.status);
  }
  if (!f.role.empty()) {
    sql += " AND EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.user_id = u.id AND ra.role = ?"
           " AND ra.revoked_at IS NULL)";
    p.push_back(f.role);
  }
  if (f.last_login_before > 0) {
    sql += " AND (u.last_login_at IS NULL OR u.last_login_at < ?) AND u.status <> 'deleted'";
    p.push_back(f.last_login_before);
  }
  if (!f.q.empty()) {
    // LOWER() on both sides: SQLite's LIKE folds ASCII case, PostgreSQL's does not.
    sql += " AND (LOWER(u.login_id) LIKE ? ESCAPE '\\' OR u.name LIKE ? ESCAPE '\\')";
    p.push_back(LikePattern(f.q, /*lower=*/true));
    p.push_back(LikePattern(f.q, /*lower=*/false));
  }
}

}  // namespace

Status UserRepo::Insert(const UserRecord& u) {
  auto r = c_.Execute(kInsert, {u.id, u.login_id, u.name, u.org_unit_id, u.employment_type, u.status,
                                Nullable(u.password_hash), NullableInt(u.password_changed_at, u.password_changed_at != 0),
                                int64_t{u.must_change_password}, int64_t{u.failed_attempts},
                                NullableInt(u.locked_until, u.locked_until != 0),
                                NullableInt(u.last_login_at, u.last_login_at != 0), Nullable(u.last_login_address),
                                Nullable(u.expires_on), Nullable(u.totp_secret), Nullable(u.totp_pending),
                                u.totp_last_step, u.created_at, NullableInt(u.deleted_at, u.deleted_at != 0),
                                u.version, Nullable(u.email)});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Status UserRepo::Update(const UserRecord& u) {
  auto r = c_.Execute(kUpdate, {u.name, u.org_unit_id, u.employment_type, u.status, Nullable(u.password_hash),
                                NullableInt(u.password_changed_at, u.password_changed_at != 0),
                                int64_t{u.must_change_password}, int64_t{u.failed_attempts},
                                NullableInt(u.locked_until, u.locked_until != 0),
                                NullableInt(u.last_login_at, u.last_login_at != 0), Nullable(u.last_login_address),
                                Nullable(u.expires_on), Nullable(u.totp_secret), Nullable(u.totp_pending),
                                u.totp_last_step, NullableInt(u.deleted_at, u.deleted_at != 0), u.version,
                                Nullable(u.email), u.id});
  if (!r.ok()) return std::move(r).error();
  if (*r != 1) return Error::NotFound("利用者");
  return Ok();
}

Result<std::optional<UserRecord>> UserRepo::Get(const std::string& id) {
  std::optional<UserRecord> out;
  MAMORI_TRY(c_.Query(kGet, {id}, [&](const Row& r) { out = ReadUser(r); }));
  return out;
}

Result<std::optional<UserRecord>> UserRepo::FindByLogin(const std::string& login_id) {
  std::optional<UserRecord> out;
  MAMORI_TRY(c_.Query(kByLogin, {login_id}, [&](const Row& r) { out = ReadUser(r); }));
  return out;
}

Result<std::vector<UserRecord>> UserRepo::GetMany(const std::vector<std::string>& ids) {
  std::vector<UserRecord> out;
  MAMORI_TRY(ForSlices(ids, kIdsPerQuery, [&](const std::vector<std::string>& slice) -> Status {
    std::string sql(kManyHead);
    Params p;
    AppendIn(sql, p, "u.id", slice);
    return c_.Query(sql, p, [&](const Row& r) { out.push_back(ReadUser(r)); });
  }));
  return out;
}

Result<std::vector<UserRecord>> UserRepo::List(const UserFilter& f, const Page& page) {
  std::string sql(kListHead);
  Params p;
  AppendFilter(f, sql, p);
  return QueryPage<UserRecord>(c_, std::move(sql), std::move(p), "u.login_id", page, ReadUser);
}

Result<int64_t> UserRepo::Count(const UserFilter& f) {
  std::string sql(kCountHead);
  Params p;
  AppendFilter(f, sql, p);
  return c_.QueryInt(sql, p, 0);
}

Status UserRepo::AddPasswordHistory(const std::string& user_id, const std::string& hash, int64_t at) {
  auto r = c_.Execute(kHistoryInsert, {user_id, hash, at});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Result<std::vector<std::string>> UserRepo::RecentPasswordHashes(const std::string& user_id, int n) {
  std::vector<std::string> out;
  MAMORI_TRY(c_.Query(kHistoryRecent, {user_id, int64_t{n}}, [&](const Row& r) { out.push_back(r.Str(0)); }));
  return out;
}

Result<int64_t> UserRepo::CountLocked(int64_t now) { return c_.QueryInt(kCountLocked, {now}, 0); }

}  // namespace mamori::storage
