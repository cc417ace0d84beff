#include "domain/directory_service.hpp"

#include <algorithm>
#include <regex>

#include "auth/password_hash.hpp"
#include "auth/password_rules.hpp"
#include "domain/auth_service.hpp"
#include "common/json_input.hpp"

namespace mamori::domain {
namespace {

const std::regex kLoginIdPattern("^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$");
const std::regex kOrgCodePattern("^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$");

// Which kinds may sit under which: 局/室/区 under the city, 部 under a bureau, 課 under either.
bool KindFits(const std::string& kind, const std::string& parent_kind) {
  if (kind == "bureau") return parent_kind == "city";
  if (kind == "department") return parent_kind == "bureau";
  if (kind == "section") return parent_kind == "bureau" || parent_kind == "department";
  return false;
}

Error Denied() { return Error::Forbidden(); }

}  // namespace

Result<std::vector<storage::OrgUnitRecord>> DirectoryService::ListOrgUnits(const Actor& a) {
  if (!access_.Has(a, "org.read")) return Denied();
  return env_.db.Read([](storage::Connection& c) { return storage::OrgRepo(c).ListAll(); });
}

Result<std::map<std::string, std::string>> DirectoryService::ScopeNames(
    const std::vector<storage::RoleAssignmentRecord>& roles) {
  std::vector<std::string> ids;
  for (const auto& r : roles)
    if (r.scope_type == "org_unit" && std::find(ids.begin(), ids.end(), r.scope_id) == ids.end())
      ids.push_back(r.scope_id);
  if (ids.empty()) return std::map<std::string, std::string>{};
  return env_.db.Read([&](storage::Connection& c) { return storage::OrgRepo(c).NamesOf(ids); });
}

Result<storage::OrgUnitRecord> DirectoryService::CreateOrgUnit(const Actor& a, const NewOrgUnit& in) {
  if (!access_.HasCityWide(a, "org.manage")) return Denied();
  if (!std::regex_match(in.code, kOrgCodePattern)) return Error::Validation("code", "invalid_format");
  return env_.db.Write([&](storage::Connection& c) -> Result<storage::OrgUnitRecord> {
    storage::OrgRepo repo(c);
    MAMORI_ASSIGN(auto parent, repo.Get(in.parent_id));
    if (!parent) return Error::Validation("parent_id", "not_found", "上位組織が見つかりません");
    if (!KindFits(in.kind, parent->kind))
      return Error::Validation("kind", "not_allowed_under_parent", "この種別はその上位組織の下に置けません");
    MAMORI_ASSIGN(auto dup, repo.FindByCode(in.code));
    if (dup) return Error::Conflict("組織コード " + in.code + " は既に使われています");
    storage::OrgUnitRecord u{NewId(), in.code, in.name, in.kind, in.parent_id, "", "", env_.clock.NowMicros()};
    MAMORI_TRY(repo.Insert(u));
    audit::Event e = a.Event("org.create", "org_unit:" + u.id);
    e.detail = {{"code", u.code}, {"name", u.name}, {"kind", u.kind}, {"parent_id", u.parent_id}};
    MAMORI_TRY(env_.log.Record(c, e));
    return u;
  });
}

Result<CreatedUser> DirectoryService::InsertUser(storage::Connection& c, const Actor& a, const NewUser& given,
                                                 const std::string& password) {
  // Login IDs are case-insensitive: "Taro" and "taro" are one ID.
  NewUser in = given;
  in.login_id = AsciiLower(in.login_id);
  if (!std::regex_match(in.login_id, kLoginIdPattern))
    return Error::Validation("login_id", "invalid_format", "ログインIDは英数字と . _ - の3〜64文字です");
  const auto& ids = env_.pack.auth.ids;
  if (in.expires_on.empty() &&
      std::find(ids.expiry_required_for.begin(), ids.expiry_required_for.end(), in.employment_type) !=
          ids.expiry_required_for.end()) {
    Error e = Error::Validation("expires_on", "required", "この雇用形態のIDには有効期限が必要です");
    e.clause = env_.pack.Cite(ids.clause);
    return e;
  }
  if (!in.expires_on.empty() && in.expires_on < env_.Today())
    return Error::Validation("expires_on", "in_the_past", "有効期限が過去の日付です");
  MAMORI_ASSIGN(auto unit, storage::OrgRepo(c).Get(in.org_unit_id));
  if (!unit) return Error::Validation("org_unit_id", "not_found", "所属が見つかりません");
  storage::UserRepo users(c);
  // IDs are never reused, not even after 抹消: deleted rows keep theirs.
  MAMORI_ASSIGN(auto dup, users.FindByLogin(in.login_id));
  if (dup) {
    Error e = Error::Conflict("ログインID " + in.login_id + " は既に使われています（抹消済みのIDも再利用できません）");
    e.fields.push_back({"login_id", "taken"});
    return e;
  }
  MAMORI_ASSIGN(std::string hash, auth::HashPassword(password, Argon2Of(env_.pack.auth.password)));
  const int64_t now = env_.clock.NowMicros();
  storage::UserRecord u;
  u.id = NewId();
  u.login_id = in.login_id;
  u.name = in.name;
  u.org_unit_id = in.org_unit_id;
  u.employment_type = in.employment_type;
  u.status = "active";
  u.password_hash = hash;
  u.password_changed_at = now;
  u.must_change_password = env_.pack.auth.password.temporary_must_change;
  u.expires_on = in.expires_on;
  u.created_at = now;
  MAMORI_TRY(users.Insert(u));
  audit::Event e = a.Event("user.create", "user:" + u.id);
  e.clause = env_.pack.CiteFor("id_lifecycle");
  e.detail = {{"login_id", u.login_id}, {"org_unit_id", u.org_unit_id}, {"employment_type", u.employment_type}};
  if (!u.expires_on.empty()) e.detail["expires_on"] = u.expires_on;
  MAMORI_TRY(env_.log.Record(c, e));
  return CreatedUser{u, password};
}

Result<CreatedUser> DirectoryService::CreateUserAsSystem(storage::Connection& c, const NewUser& in,
                                                         const std::string& password) {
  Actor system;
  system.user_id = "system";
  system.login_id = "system";
  return InsertUser(c, system, in, password);
}

Result<CreatedUser> DirectoryService::CreateUser(const Actor& a, const NewUser& in) {
  const std::string password = auth::GenerateTemporaryPassword(RulesOf(env_.pack.auth.password), in.login_id);
  return env_.db.Write([&](storage::Connection& c) -> Result<CreatedUser> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    if (!tree.Contains(in.org_unit_id))
      return Error::Validation("org_unit_id", "not_found", "所属が見つかりません");
    if (!access_.Units(a, "users.manage", tree).Covers(in.org_unit_id)) return Denied();
    return InsertUser(c, a, in, password);
  });
}

Result<storage::UserRecord> DirectoryService::Manageable(storage::Connection& c, const Actor& a,
                                                         const std::string& id, const std::string& permission) {
  MAMORI_ASSIGN(auto u, storage::UserRepo(c).Get(id));
  // Out of scope and nonexistent look the same, so IDs cannot be probed.
  if (!u) return Error::NotFound("利用者");
  if (permission == "users.read" && u->id == a.user_id) return *u;
  MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
  const UnitScope scope = access_.Units(a, permission, tree);
  if (!scope.Covers(u->org_unit_id)) {
    if (permission != "users.read" && access_.Units(a, "users.read", tree).Covers(u->org_unit_id)) return Denied();
    return Error::NotFound("利用者");
  }
  return *u;
}

Result<storage::UserRecord> DirectoryService::GetUser(const Actor& a, const std::string& id) {
  return env_.db.Read([&](storage::Connection& c) { return Manageable(c, a, id, "users.read"); });
}

Result<std::pair<std::vector<storage::UserRecord>, int64_t>> DirectoryService::ListUsers(const Actor& a,
                                                                                         const UserQuery& q) {
  if (!access_.Has(a, "users.read")) return Denied();
  return env_.db.Read([&](storage::Connection& c) -> Result<std::pair<std::vector<storage::UserRecord>, int64_t>> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    const UnitScope scope = access_.Units(a, "users.read", tree);
    storage::UserFilter f;
    if (!scope.all) {
      f.restrict_units = true;
      f.org_unit_ids.assign(scope.units.begin(), scope.units.end());
    }
    f.org_unit_id = q.org_unit_id;
    f.status = q.status;
    f.role = q.role;
    f.q = q.q;
    f.now = env_.clock.NowMicros();
    f.today = env_.Today();
    if (q.inactive_days > 0) f.last_login_before = f.now - q.inactive_days * kMicrosPerDay;
    storage::UserRepo repo(c);
    MAMORI_ASSIGN(auto items, repo.List(f, q.page));
    MAMORI_ASSIGN(int64_t total, repo.Count(f));
    return std::make_pair(std::move(items), total);
  });
}

Status DirectoryService::Suspend(const Actor& a, const std::string& id) {
  return env_.db.Write([&](storage::Connection& c) -> Status {
    MAMORI_ASSIGN(auto u, Manageable(c, a, id, "users.manage"));
    if (u.id == a.user_id) return Error::Conflict("自分自身のIDは停止できません");
    if (u.status != "active") return Error::Conflict("有効なIDのみ停止できます（現在: " + u.status + "）");
    u.status = "suspended";
    MAMORI_TRY(storage::UserRepo(c).Update(u));
    // Access stops at once, not at the next timeout (kobe:7.4.1ウ).
    MAMORI_ASSIGN(int64_t ended, storage::SessionRepo(c).EndAllForUser(u.id, env_.clock.NowMicros(), "suspended"));
    audit::Event e = a.Event("user.suspend", "user:" + u.id);
    e.clause = env_.pack.CiteFor("id_suspension");
    e.detail = {{"login_id", u.login_id}, {"sessions_ended", ended}};
    return env_.log.Record(c, e);
  });
}

Status DirectoryService::Resume(const Actor& a, const std::string& id) {
  return env_.db.Write([&](storage::Connection& c) -> Status {
    MAMORI_ASSIGN(auto u, Manageable(c, a, id, "users.manage"));
    const std::string status = AuthService::EffectiveStatus(u, env_.clock.NowMicros(), env_.Today());
    if (status != "suspended" && status != "locked")
      return Error::Conflict("停止中またはロック中のIDのみ再開できます（現在: " + status + "）");
    u.status = "active";
    u.locked_until = 0;
    u.failed_attempts = 0;
    MAMORI_TRY(storage::UserRepo(c).Update(u));
    audit::Event e = a.Event("user.resume", "user:" + u.id);
    e.detail = {{"login_id", u.login_id}, {"was", status}};
    return env_.log.Record(c, e);
  });
}

Result<std::string> DirectoryService::ResetPassword(const Actor& a, const std::string& id) {
  return env_.db.Write([&](storage::Connection& c) -> Result<std::string> {
    MAMORI_ASSIGN(auto u, Manageable(c, a, id, "users.manage"));
    if (u.status == "deleted") return Error::Conflict("抹消済みのIDです");
    const std::string password = auth::GenerateTemporaryPassword(RulesOf(env_.pack.auth.password), u.login_id);
    MAMORI_ASSIGN(u.password_hash, auth::HashPassword(password, Argon2Of(env_.pack.auth.password)));
    const int64_t now = env_.clock.NowMicros();
    u.password_changed_at = now;
    u.must_change_password = true;
    u.failed_attempts = 0;
    u.locked_until = 0;
    MAMORI_TRY(storage::UserRepo(c).Update(u));
    MAMORI_ASSIGN(int64_t ended, storage::SessionRepo(c).EndAllForUser(u.id, now, "password_reset"));
    audit::Event e = a.Event("user.reset_password", "user:" + u.id);
    e.clause = env_.pack.CiteFor("password_reset");
    e.detail = {{"login_id", u.login_id}, {"sessions_ended", ended}};
    MAMORI_TRY(env_.log.Record(c, e));
    return password;
  });
}

Status DirectoryService::Delete(const Actor& a, const std::string& id) {
  return env_.db.Write([&](storage::Connection& c) -> Status {
    MAMORI_ASSIGN(auto u, Manageable(c, a, id, "users.manage"));
    if (u.id == a.user_id) return Error::Conflict("自分自身のIDは抹消できません");
    if (u.status == "deleted") return Error::Conflict("既に抹消済みです");
    const int64_t now = env_.clock.NowMicros();
    // 抹消: credentials go, the row and its history stay so the ID is never reissued.
    u.status = "deleted";
    u.deleted_at = now;
    u.password_hash.clear();
    u.totp_secret.clear();
    u.totp_pending.clear();
    MAMORI_TRY(storage::UserRepo(c).Update(u));
    MAMORI_ASSIGN(int64_t ended, storage::SessionRepo(c).EndAllForUser(u.id, now, "deleted"));
    storage::RoleRepo roles(c);
    MAMORI_ASSIGN(auto held, roles.ListForUser(u.id));
    for (const auto& r : held) MAMORI_TRY(roles.Revoke(r.id, a.user_id, now));
    audit::Event e = a.Event("user.delete", "user:" + u.id);
    e.clause = env_.pack.CiteFor("id_lifecycle");
    e.detail = {{"login_id", u.login_id}, {"sessions_ended", ended}, {"roles_revoked", held.size()}};
    return env_.log.Record(c, e);
  });
}

Result<std::vector<storage::RoleAssignmentRecord>> DirectoryService::ListRoles(const Actor& a,
                                                                               const std::string& user_id) {
  if (!access_.Has(a, "users.read") && user_id != a.user_id) return Denied();
  return env_.db.Read([&](storage::Connection& c) -> Result<std::vector<storage::RoleAssignmentRecord>> {
    if (!user_id.empty()) {
      MAMORI_TRY(Manageable(c, a, user_id, "users.read"));
      return storage::RoleRepo(c).ListForUser(user_id);
    }
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    const UnitScope scope = access_.Units(a, "users.read", tree);
    MAMORI_ASSIGN(auto all, storage::RoleRepo(c).ListActive(""));
    if (scope.all) return all;
    std::vector<storage::RoleAssignmentRecord> out;
    storage::UserRepo users(c);
    for (auto& r : all) {
      MAMORI_ASSIGN(auto u, users.Get(r.user_id));
      if (u && scope.Covers(u->org_unit_id)) out.push_back(std::move(r));
    }
    return out;
  });
}

Result<storage::RoleAssignmentRecord> DirectoryService::AssignRole(const Actor& a, const NewRoleAssignment& in) {
  if (!access_.HasCityWide(a, "roles.manage")) return Denied();
  const policy::RoleDef* def = env_.pack.FindRole(in.role);
  if (!def) return Error::Validation("role", "unknown_role", "ポリシーに定義されていない役割です");
  if (std::find(def->scopes.begin(), def->scopes.end(), in.scope_type) == def->scopes.end())
    return Error::Validation("scope_type", "not_allowed_for_role", "この役割にはこの範囲種別を割り当てられません");
  if (in.scope_type == "city" && !in.scope_id.empty()) return Error::Validation("scope_id", "must_be_empty");
  if (in.scope_type != "city" && in.scope_id.empty()) return Error::Validation("scope_id", "required");
  if (!in.valid_from.empty() && !in.valid_to.empty() && in.valid_to < in.valid_from)
    return Error::Validation("valid_to", "before_valid_from", "有効期間の終了日が開始日より前です");
  return env_.db.Write([&](storage::Connection& c) -> Result<storage::RoleAssignmentRecord> {
    MAMORI_ASSIGN(auto user, storage::UserRepo(c).Get(in.user_id));
    if (!user) return Error::Validation("user_id", "not_found", "利用者が見つかりません");
    if (user->status == "deleted") return Error::Conflict("抹消済みのIDには役割を割り当てられません");
    if (in.scope_type == "org_unit") {
      MAMORI_ASSIGN(auto unit, storage::OrgRepo(c).Get(in.scope_id));
      if (!unit) return Error::Validation("scope_id", "not_found", "組織が見つかりません");
    }
    storage::RoleRepo roles(c);
    MAMORI_ASSIGN(auto held, roles.ListForUser(in.user_id));
    for (const auto& r : held) {
      if (r.role == in.role && r.scope_type == in.scope_type && r.scope_id == in.scope_id && r.delegate_of == in.delegate_of)
        return Error::Conflict("同じ役割と範囲が既に割り当てられています");
      for (const auto& rule : env_.pack.separation) {
        if ((rule.role_a == r.role && rule.role_b == in.role) || (rule.role_b == r.role && rule.role_a == in.role)) {
          return Error{ErrorCode::kSeparationOfDuties,
                       "役割「" + r.role + "」と「" + in.role + "」は同じ者が兼務できません",
                       env_.pack.Cite(rule.clause), {{"role", "conflicts_with_" + r.role}}};
        }
      }
    }
    if (!in.delegate_of.empty()) {
      // 代行: the delegator must hold the same role over the same scope.
      if (in.delegate_of == in.user_id) return Error::Validation("delegate_of", "self");
      MAMORI_ASSIGN(auto theirs, roles.ListForUser(in.delegate_of));
      bool holds = std::any_of(theirs.begin(), theirs.end(), [&](const auto& r) {
        return r.role == in.role && r.scope_type == in.scope_type && r.scope_id == in.scope_id && r.delegate_of.empty();
      });
      if (!holds)
        return Error::Validation("delegate_of", "does_not_hold_role", "代行元の者がこの役割を持っていません");
    }
    storage::RoleAssignmentRecord r{NewId(), in.user_id, in.role, in.scope_type, in.scope_id,
                                    in.valid_from, in.valid_to, in.delegate_of, env_.clock.NowMicros(),
                                    a.user_id, 0, ""};
    MAMORI_TRY(roles.Insert(r));
    audit::Event e = a.Event("role.assign", "user:" + in.user_id);
    e.clause = env_.pack.Cite(def->clause);
    e.detail = {{"assignment_id", r.id}, {"role", r.role}, {"scope_type", r.scope_type}, {"scope_id", r.scope_id},
                {"valid_from", r.valid_from}, {"valid_to", r.valid_to}, {"delegate_of", r.delegate_of}};
    MAMORI_TRY(env_.log.Record(c, e));
    return r;
  });
}

Status DirectoryService::RevokeRole(const Actor& a, const std::string& id) {
  if (!access_.HasCityWide(a, "roles.manage")) return Denied();
  return env_.db.Write([&](storage::Connection& c) -> Status {
    storage::RoleRepo roles(c);
    MAMORI_ASSIGN(auto r, roles.Get(id));
    if (!r || r->revoked_at != 0) return Error::NotFound("役割の割当て");
    MAMORI_TRY(roles.Revoke(id, a.user_id, env_.clock.NowMicros()));
    audit::Event e = a.Event("role.revoke", "user:" + r->user_id);
    e.detail = {{"assignment_id", r->id}, {"role", r->role}, {"scope_type", r->scope_type}, {"scope_id", r->scope_id}};
    return env_.log.Record(c, e);
  });
}

}  // namespace mamori::domain
