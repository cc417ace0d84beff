#include "domain/directory_service.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "audit/actions.hpp"
#include "auth/password_hash.hpp"
#include "auth/password_rules.hpp"
#include "domain/auth_service.hpp"
#include "domain/mailer.hpp"
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

Error BadEmail() {
  return Error::Validation("email", "invalid_format", "メールアドレスの形式が正しくありません（例: taro@city.example.jp）");
}

bool OneOfList(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// Where a person stands: a role over a scope, or (role "") their own unit.
struct Position {
  std::string role;
  std::string scope_type, scope_id;
  bool fresh = false;  // being added now: only pairs with a fresh side are judged
};

}  // namespace

DirectoryService::DirectoryService(Env& env, RequestService* requests)
    : env_(env), access_(env.pack), requests_(requests) {
  if (!requests_) return;
  requests_->SetEffect("role_assign", [this](storage::Connection& c, const Actor& approver,
                                             const storage::RequestRecord& r, const nlohmann::json& f) -> Status {
    auto text = [&](const char* k) { return f.contains(k) && f[k].is_string() ? f[k].get<std::string>() : ""; };
    NewRoleAssignment in{text("user_id"),    text("role"),     text("scope_type"), text("scope_id"),
                         text("valid_from"), text("valid_to"), text("delegate_of")};
    const policy::RoleDef* def = env_.pack.FindRole(in.role);
    if (!def) return Error::Conflict("この役割は現在のポリシーにありません: " + in.role);
    // Whoever asked may not receive it either, even if the grantee changed hands since.
    if (in.user_id == r.requester_id)
      return Error{ErrorCode::kSeparationOfDuties, "申請者自身への役割の付与は承認できません",
                   env_.pack.CiteFor("self_grant"), {{"user_id", "self"}}};
    // The rules are checked again at approval: the person or the policy may have changed.
    MAMORI_TRY(CheckGrant(c, approver, in, *def));
    MAMORI_TRY(InsertGrant(c, approver, in, *def, r.id));
    return Ok();
  });
  requests_->SetEffect("mfa_reset", [this](storage::Connection& c, const Actor& approver,
                                           const storage::RequestRecord& r, const nlohmann::json& f) -> Status {
    const std::string id = f.contains("user_id") && f["user_id"].is_string() ? f["user_id"].get<std::string>() : "";
    MAMORI_ASSIGN(auto u, storage::UserRepo(c).Get(id));
    if (!u || u->status == "deleted") return Error::Conflict("対象の利用者は抹消済みです");
    return ClearMfa(c, approver, *u, r.id);
  });
}

Result<std::vector<storage::OrgUnitRecord>> DirectoryService::ListOrgUnits(const Actor& a) {
  if (!access_.Has(a, perm::kOrgRead)) return Denied();
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
  if (!access_.HasCityWide(a, perm::kOrgManage)) return Denied();
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
  if (!in.email.empty() && !ValidMailAddress(in.email)) return BadEmail();
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
  u.email = in.email;
  u.created_at = now;
  MAMORI_TRY(users.Insert(u));
  audit::Event e = a.Event("user.create", "user:" + u.id);
  e.clause = env_.pack.CiteFor("id_lifecycle");
  e.detail = {{"login_id", u.login_id}, {"org_unit_id", u.org_unit_id}, {"employment_type", u.employment_type}};
  if (!u.expires_on.empty()) e.detail["expires_on"] = u.expires_on;
  if (!u.email.empty()) e.detail["email"] = u.email;
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
    if (!access_.Units(a, perm::kUsersManage, tree).Covers(in.org_unit_id)) return Denied();
    return InsertUser(c, a, in, password);
  });
}

Result<storage::UserRecord> DirectoryService::Manageable(storage::Connection& c, const Actor& a,
                                                         const std::string& id, const std::string& permission) {
  MAMORI_ASSIGN(auto u, storage::UserRepo(c).Get(id));
  // Out of scope and nonexistent look the same, so IDs cannot be probed.
  if (!u) return Error::NotFound("利用者");
  if (permission == perm::kUsersRead && u->id == a.user_id) return *u;
  MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
  const UnitScope scope = access_.Units(a, permission, tree);
  if (!scope.Covers(u->org_unit_id)) {
    if (permission != perm::kUsersRead && access_.Units(a, perm::kUsersRead, tree).Covers(u->org_unit_id)) return Denied();
    return Error::NotFound("利用者");
  }
  return *u;
}

Result<storage::UserRecord> DirectoryService::GetUser(const Actor& a, const std::string& id) {
  return env_.db.Read([&](storage::Connection& c) { return Manageable(c, a, id, perm::kUsersRead); });
}

Result<std::pair<std::vector<storage::UserRecord>, int64_t>> DirectoryService::ListUsers(const Actor& a,
                                                                                         const UserQuery& q) {
  if (!access_.Has(a, perm::kUsersRead)) return Denied();
  return env_.db.Read([&](storage::Connection& c) -> Result<std::pair<std::vector<storage::UserRecord>, int64_t>> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    const UnitScope scope = access_.Units(a, perm::kUsersRead, tree);
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
    return SuspendIn(c, a, id, env_.pack.CiteFor("id_suspension"), nlohmann::json::object());
  });
}

Status DirectoryService::SuspendIn(storage::Connection& c, const Actor& a, const std::string& id,
                                   const std::string& clause, const nlohmann::json& cause) {
  MAMORI_ASSIGN(auto u, Manageable(c, a, id, perm::kUsersManage));
  if (u.id == a.user_id) return Error::Conflict("自分自身のIDは停止できません");
  if (u.status != "active") return Error::Conflict("有効なIDのみ停止できます（現在: " + u.status + "）");
  MAMORI_TRY(KeepsAdministrator(c, u.id, ""));
  u.status = "suspended";
  MAMORI_TRY(storage::UserRepo(c).Update(u));
  // Access stops at once, not at the next timeout (kobe:7.4.1ウ).
  MAMORI_ASSIGN(int64_t ended, storage::SessionRepo(c).EndAllForUser(u.id, env_.clock.NowMicros(), "suspended"));
  audit::Event e = a.Event(audit::action::kUserSuspend, "user:" + u.id);
  e.clause = clause;
  e.detail = {{"login_id", u.login_id}, {"sessions_ended", ended}};
  for (const auto& [k, v] : cause.items()) e.detail[k] = v;
  return env_.log.Record(c, e);
}

Result<int64_t> DirectoryService::EndAssignmentsIn(storage::Connection& c, const Actor& a, const std::string& id,
                                                   const std::string& clause, const nlohmann::json& cause) {
  // The same right as revoking one assignment (RevokeRole), and nobody ends their own.
  if (!access_.HasCityWide(a, perm::kRolesManage)) return Denied();
  if (id == a.user_id)
    return Error{ErrorCode::kSeparationOfDuties, "自分自身の役割は終了できません", env_.pack.CiteFor("self_grant"), {}};
  MAMORI_ASSIGN(auto u, storage::UserRepo(c).Get(id));
  if (!u || u->status == "deleted") return Error::NotFound("利用者");
  MAMORI_TRY(KeepsAdministrator(c, id, ""));
  storage::RoleRepo roles(c);
  MAMORI_ASSIGN(auto held, roles.ListForUser(id));
  const int64_t now = env_.clock.NowMicros();
  int64_t ended = 0;
  for (const auto& r : held) {
    MAMORI_TRY(roles.Revoke(r.id, a.user_id, now));
    audit::Event e = a.Event(audit::action::kRoleEnd, "user:" + id);
    e.clause = clause;
    e.detail = {{"assignment_id", r.id}, {"role", r.role}, {"scope_type", r.scope_type}, {"scope_id", r.scope_id}};
    for (const auto& [k, v] : cause.items()) e.detail[k] = v;
    MAMORI_TRY(env_.log.Record(c, e));
    ++ended;
  }
  return ended;
}

Status DirectoryService::Resume(const Actor& a, const std::string& id) {
  return env_.db.Write([&](storage::Connection& c) -> Status {
    MAMORI_ASSIGN(auto u, Manageable(c, a, id, perm::kUsersManage));
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
    MAMORI_ASSIGN(auto u, Manageable(c, a, id, perm::kUsersManage));
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
    MAMORI_ASSIGN(auto u, Manageable(c, a, id, perm::kUsersManage));
    if (u.id == a.user_id) return Error::Conflict("自分自身のIDは抹消できません");
    if (u.status == "deleted") return Error::Conflict("既に抹消済みです");
    MAMORI_TRY(KeepsAdministrator(c, u.id, ""));
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
  if (!access_.Has(a, perm::kUsersRead) && user_id != a.user_id) return Denied();
  return env_.db.Read([&](storage::Connection& c) -> Result<std::vector<storage::RoleAssignmentRecord>> {
    if (!user_id.empty()) {
      MAMORI_TRY(Manageable(c, a, user_id, perm::kUsersRead));
      return storage::RoleRepo(c).ListForUser(user_id);
    }
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    const UnitScope scope = access_.Units(a, perm::kUsersRead, tree);
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

Status DirectoryService::GrantRules(const storage::UserRecord& grantee, const policy::RoleDef& def,
                                    const std::string& scope_type) {
  policy::Context ctx;
  ctx.Set("grantee.employment_type", grantee.employment_type);
  ctx.Set("grantee.org_unit_id", grantee.org_unit_id);
  ctx.Set("role.id", def.id);
  ctx.Set("role.privileged", def.privileged);
  ctx.Set("role.second_person", def.second_person);
  ctx.Set("scope_type", scope_type);
  for (const auto& rule : env_.pack.grant_deny) {
    auto hit = rule.when.Evaluate(ctx);
    if (hit.ok() && *hit)
      return Error{.code = ErrorCode::kPolicyDenied,
                   .detail = rule.message + "（" + def.title + "）",
                   .clause = env_.pack.Cite(rule.clause),
                   .fields = {{"role", "denied"}},
                   .detail_en = rule.message_en.empty()
                                    ? ""
                                    : rule.message_en + " (" + (def.title_en.empty() ? def.title : def.title_en) + ")"};
  }
  return Ok();
}

Status DirectoryService::Independence(storage::Connection& c, const storage::UserRecord& user,
                                      const std::vector<storage::RoleAssignmentRecord>& held,
                                      const NewRoleAssignment* added, bool home_is_fresh) {
  const std::string today = env_.Today();
  std::vector<Position> at;
  for (const auto& r : held)
    if (r.revoked_at == 0 && (r.valid_to.empty() || r.valid_to >= today))
      at.push_back({r.role, r.scope_type, r.scope_id, false});
  if (added) at.push_back({added->role, added->scope_type, added->scope_id, true});
  const Position home{"", "org_unit", user.org_unit_id, home_is_fresh};
  MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
  std::map<std::string, std::string> owners;  // system id → owner unit
  auto owner = [&](const std::string& system_id) -> Result<std::string> {
    auto it = owners.find(system_id);
    if (it != owners.end()) return it->second;
    MAMORI_ASSIGN(auto sys, storage::SystemRepo(c).Get(system_id));
    return owners[system_id] = sys ? sys->owner_org_unit_id : std::string();
  };
  // Two scopes overlap when either contains the other (a system lies in its owner unit).
  auto overlap = [&](const Position& x, const Position& y) -> Result<bool> {
    if (x.scope_type == "city" || y.scope_type == "city") return true;
    if (x.scope_type == "system" && y.scope_type == "system") return x.scope_id == y.scope_id;
    std::string xu = x.scope_id, yu = y.scope_id;
    if (x.scope_type == "system") {
      MAMORI_ASSIGN(xu, owner(x.scope_id));
    }
    if (y.scope_type == "system") {
      MAMORI_ASSIGN(yu, owner(y.scope_id));
    }
    if (xu.empty() || yu.empty()) return false;
    return tree.Within(xu, yu) || tree.Within(yu, xu);
  };
  for (const auto& x : at) {
    const policy::RoleDef* def = env_.pack.FindRole(x.role);
    if (!def || !def->independent) continue;
    Error refused{ErrorCode::kPolicyDenied,
                  "「" + def->title + "」は自分の所属や自分が他の役割を持つ組織・システムを担当できません",
                  env_.pack.Cite(def->independent_clause), {{"scope_id", "not_independent"}}};
    // Their own unit: a unit- or system-scoped assignment may not cover it. A city-wide one is
    // the audit function's own; it is barred by the person's other roles, not by their desk.
    if ((x.fresh || home.fresh) && x.scope_type != "city") {
      MAMORI_ASSIGN(bool hit, overlap(x, home));
      if (hit) return refused;
    }
    for (const auto& y : at) {
      if (&x == &y || y.role == x.role || (!x.fresh && !y.fresh)) continue;
      MAMORI_ASSIGN(bool hit, overlap(x, y));
      if (hit) return refused;
    }
  }
  return Ok();
}

Status DirectoryService::CheckGrant(storage::Connection& c, const Actor& a, const NewRoleAssignment& in,
                                    const policy::RoleDef& def) {
  if (in.user_id == a.user_id)
    return Error{ErrorCode::kSeparationOfDuties, "自分自身に役割を割り当てることはできません",
                 env_.pack.CiteFor("self_grant"), {{"user_id", "self"}}};
  MAMORI_ASSIGN(auto user, storage::UserRepo(c).Get(in.user_id));
  if (!user) return Error::Validation("user_id", "not_found", "利用者が見つかりません");
  if (user->status == "deleted") return Error::Conflict("抹消済みのIDには役割を割り当てられません");
  if (in.scope_type == "org_unit") {
    MAMORI_ASSIGN(auto unit, storage::OrgRepo(c).Get(in.scope_id));
    if (!unit) return Error::Validation("scope_id", "not_found", "組織が見つかりません");
  } else if (in.scope_type == "system") {
    MAMORI_ASSIGN(auto sys, storage::SystemRepo(c).Get(in.scope_id));
    if (!sys) return Error::Validation("scope_id", "not_found", "情報システムが見つかりません");
  }
  storage::RoleRepo roles(c);
  MAMORI_ASSIGN(auto held, roles.ListForUser(in.user_id));
  for (const auto& r : held) {
    if (r.role == in.role && r.scope_type == in.scope_type && r.scope_id == in.scope_id && r.delegate_of == in.delegate_of)
      return Error::Conflict("同じ役割と範囲が既に割り当てられています");
    for (const auto& rule : env_.pack.separation) {
      if ((rule.role_a == r.role && rule.role_b == in.role) || (rule.role_b == r.role && rule.role_a == in.role)) {
        return Error{ErrorCode::kSeparationOfDuties, "役割「" + r.role + "」と「" + in.role + "」は同じ者が兼務できません",
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
    if (!holds) return Error::Validation("delegate_of", "does_not_hold_role", "代行元の者がこの役割を持っていません");
  }
  MAMORI_TRY(GrantRules(*user, def, in.scope_type));
  return Independence(c, *user, held, &in, false);
}

Result<storage::RoleAssignmentRecord> DirectoryService::InsertGrant(storage::Connection& c, const Actor& a,
                                                                    const NewRoleAssignment& in,
                                                                    const policy::RoleDef& def,
                                                                    const std::string& request_id) {
  storage::RoleAssignmentRecord r{.id = NewId(),
                                  .user_id = in.user_id,
                                  .role = in.role,
                                  .scope_type = in.scope_type,
                                  .scope_id = in.scope_id,
                                  .valid_from = in.valid_from,
                                  .valid_to = in.valid_to,
                                  .delegate_of = in.delegate_of,
                                  .created_at = env_.clock.NowMicros(),
                                  .created_by = a.user_id,
                                  .revoked_at = 0,
                                  .revoked_by = ""};
  MAMORI_TRY(storage::RoleRepo(c).Insert(r));
  audit::Event e = a.Event("role.assign", "user:" + in.user_id);
  e.clause = env_.pack.Cite(def.clause);
  e.detail = {{"assignment_id", r.id}, {"role", r.role}, {"scope_type", r.scope_type}, {"scope_id", r.scope_id},
              {"valid_from", r.valid_from}, {"valid_to", r.valid_to}, {"delegate_of", r.delegate_of}};
  if (!request_id.empty()) e.detail["request_id"] = request_id;
  MAMORI_TRY(env_.log.Record(c, e));
  return r;
}

Result<RoleGrantOutcome> DirectoryService::AssignRole(const Actor& a, const NewRoleAssignment& in) {
  if (!access_.HasCityWide(a, perm::kRolesManage)) return Denied();
  const policy::RoleDef* def = env_.pack.FindRole(in.role);
  if (!def) return Error::Validation("role", "unknown_role", "ポリシーに定義されていない役割です");
  if (std::find(def->scopes.begin(), def->scopes.end(), in.scope_type) == def->scopes.end())
    return Error::Validation("scope_type", "not_allowed_for_role", "この役割にはこの範囲種別を割り当てられません");
  if (in.scope_type == "city" && !in.scope_id.empty()) return Error::Validation("scope_id", "must_be_empty");
  if (in.scope_type != "city" && in.scope_id.empty()) return Error::Validation("scope_id", "required");
  if (!in.valid_from.empty() && !in.valid_to.empty() && in.valid_to < in.valid_from)
    return Error::Validation("valid_to", "before_valid_from", "有効期間の終了日が開始日より前です");
  return env_.db.Write([&](storage::Connection& c) -> Result<RoleGrantOutcome> {
    MAMORI_TRY(CheckGrant(c, a, in, *def));
    if (!def->second_person) {
      MAMORI_ASSIGN(auto r, InsertGrant(c, a, in, *def, ""));
      RoleGrantOutcome done;
      done.assignment = std::move(r);
      return done;
    }
    // A second person decides: the pack's role_assign request type names who.
    const policy::RequestType* t = env_.pack.FindEffect("role_assign");
    if (!requests_ || !t) return Error::Conflict("この役割の付与には第二者の承認が必要ですが、承認の手続が設定されていません");
    NewRequest req;
    req.type = t->id;
    req.fields = {{"user_id", in.user_id}, {"role", in.role}, {"scope_type", in.scope_type}};
    if (!in.scope_id.empty()) req.fields["scope_id"] = in.scope_id;
    if (!in.valid_from.empty()) req.fields["valid_from"] = in.valid_from;
    if (!in.valid_to.empty()) req.fields["valid_to"] = in.valid_to;
    if (!in.delegate_of.empty()) req.fields["delegate_of"] = in.delegate_of;
    MAMORI_ASSIGN(auto view, requests_->CreateIn(c, a, req));
    RoleGrantOutcome pending;
    pending.request_id = view.request.id;
    return pending;
  });
}

Status DirectoryService::KeepsAdministrator(storage::Connection& c, const std::string& without_user,
                                            const std::string& without_assignment) {
  MAMORI_ASSIGN(auto all, storage::RoleRepo(c).ListActive(""));
  const std::string today = env_.Today();
  std::set<std::string> before, after;
  storage::UserRepo users(c);
  std::map<std::string, bool> usable;
  for (const auto& r : InForce(std::move(all), today)) {
    if (r.scope_type != "city") continue;
    const policy::RoleDef* def = env_.pack.FindRole(r.role);
    if (!def || !OneOfList(def->permissions, perm::kRolesManage)) continue;
    auto it = usable.find(r.user_id);
    if (it == usable.end()) {
      MAMORI_ASSIGN(auto u, users.Get(r.user_id));
      const std::string st = u ? AuthService::EffectiveStatus(*u, env_.clock.NowMicros(), today) : "";
      it = usable.emplace(r.user_id, st == "active" || st == "locked").first;
    }
    if (!it->second) continue;
    before.insert(r.user_id);
    if (r.user_id != without_user && r.id != without_assignment) after.insert(r.user_id);
  }
  if (!before.empty() && after.empty()) {
    Error e = Error::Conflict("役割の管理権限（roles.manage）を持つ最後の者です。先に別の者へ付与してください");
    e.clause = env_.pack.CiteFor("last_administrator");
    e.fields.push_back({perm::kRolesManage, "last_holder"});
    return e;
  }
  return Ok();
}

Status DirectoryService::RevokeRole(const Actor& a, const std::string& id) {
  if (!access_.HasCityWide(a, perm::kRolesManage)) return Denied();
  return env_.db.Write([&](storage::Connection& c) -> Status {
    storage::RoleRepo roles(c);
    MAMORI_ASSIGN(auto r, roles.Get(id));
    if (!r || r->revoked_at != 0) return Error::NotFound("役割の割当て");
    MAMORI_TRY(KeepsAdministrator(c, "", r->id));
    MAMORI_TRY(roles.Revoke(id, a.user_id, env_.clock.NowMicros()));
    audit::Event e = a.Event("role.revoke", "user:" + r->user_id);
    e.detail = {{"assignment_id", r->id}, {"role", r->role}, {"scope_type", r->scope_type}, {"scope_id", r->scope_id}};
    return env_.log.Record(c, e);
  });
}

Result<UserUpdate> DirectoryService::UpdateUser(const Actor& a, const std::string& id, const UserChange& in) {
  return env_.db.Write([&](storage::Connection& c) -> Result<UserUpdate> {
    MAMORI_ASSIGN(auto cur, Manageable(c, a, id, perm::kUsersManage));
    if (cur.status == "deleted") return Error::Conflict("抹消済みのIDは変更できません");
    if (in.version != cur.version) {
      Error e = Error::Conflict("他の操作で先に更新されています。最新の内容を読み込んでからやり直してください");
      e.fields.push_back({"version", "stale"});
      return e;
    }
    storage::UserRecord next = cur;
    if (in.name) next.name = *in.name;
    if (in.org_unit_id) next.org_unit_id = *in.org_unit_id;
    if (in.employment_type) next.employment_type = *in.employment_type;
    if (in.expires_on) next.expires_on = *in.expires_on;
    if (in.email) next.email = *in.email;
    // Nobody widens their own ID: their unit, employment or validity is for someone else to set.
    if (cur.id == a.user_id && (next.org_unit_id != cur.org_unit_id || next.employment_type != cur.employment_type ||
                                next.expires_on != cur.expires_on))
      return Error{ErrorCode::kSeparationOfDuties, "自分自身の所属・雇用形態・有効期限は変更できません",
                   env_.pack.CiteFor("self_grant"), {}};
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    if (next.org_unit_id != cur.org_unit_id) {
      if (!tree.Contains(next.org_unit_id))
        return Error::Validation("org_unit_id", "not_found", "所属が見つかりません");
      // The new unit must be one this administrator manages too.
      if (!access_.Units(a, perm::kUsersManage, tree).Covers(next.org_unit_id)) return Denied();
    }
    const auto& ids = env_.pack.auth.ids;
    if (next.expires_on.empty() && OneOfList(ids.expiry_required_for, next.employment_type)) {
      Error e = Error::Validation("expires_on", "required", "この雇用形態のIDには有効期限が必要です");
      e.clause = env_.pack.Cite(ids.clause);
      return e;
    }
    if (in.expires_on && !next.expires_on.empty() && next.expires_on < env_.Today())
      return Error::Validation("expires_on", "in_the_past", "有効期限が過去の日付です");
    if (in.email && !next.email.empty() && !ValidMailAddress(next.email)) return BadEmail();

    nlohmann::json changes = nlohmann::json::object();
    auto note = [&](const char* field, const std::string& from, const std::string& to) {
      if (from != to) changes[field] = {{"from", from}, {"to", to}};
    };
    note("name", cur.name, next.name);
    note("org_unit_id", cur.org_unit_id, next.org_unit_id);
    note("employment_type", cur.employment_type, next.employment_type);
    note("expires_on", cur.expires_on, next.expires_on);
    note("email", cur.email, next.email);
    UserUpdate out;
    if (changes.empty()) {
      out.user = cur;
      return out;
    }

    storage::RoleRepo roles(c);
    MAMORI_ASSIGN(auto held, roles.ListForUser(cur.id));
    std::vector<storage::RoleAssignmentRecord> kept;
    const int64_t now = env_.clock.NowMicros();
    for (const auto& r : held) {
      const policy::RoleDef* def = env_.pack.FindRole(r.role);
      // 異動: duties of the old unit end with the move, unless the role follows the person.
      const bool ends = next.org_unit_id != cur.org_unit_id && r.scope_type == "org_unit" && def &&
                        !def->keep_on_transfer && tree.Within(r.scope_id, cur.org_unit_id) &&
                        !tree.Within(next.org_unit_id, r.scope_id);
      if (ends) {
        out.ended.push_back(r);
        continue;
      }
      if (def) MAMORI_TRY(GrantRules(next, *def, r.scope_type));
      kept.push_back(r);
    }
    MAMORI_TRY(Independence(c, next, kept, nullptr, next.org_unit_id != cur.org_unit_id));
    for (const auto& r : out.ended) {
      MAMORI_TRY(roles.Revoke(r.id, a.user_id, now));
      audit::Event e = a.Event("role.revoke", "user:" + cur.id);
      e.clause = env_.pack.CiteFor("id_lifecycle");
      e.detail = {{"assignment_id", r.id}, {"role", r.role}, {"scope_type", r.scope_type}, {"scope_id", r.scope_id},
                  {"reason", "transfer"}};
      MAMORI_TRY(env_.log.Record(c, e));
    }
    next.version = cur.version + 1;
    MAMORI_TRY(storage::UserRepo(c).Update(next));
    audit::Event e = a.Event("user.update", "user:" + cur.id);
    e.clause = env_.pack.CiteFor("id_lifecycle");
    e.detail = {{"login_id", cur.login_id}, {"changes", changes}, {"version", next.version}};
    if (!out.ended.empty()) {
      nlohmann::json ended = nlohmann::json::array();
      for (const auto& r : out.ended) ended.push_back(r.id);
      e.detail["roles_ended"] = ended;
    }
    MAMORI_TRY(env_.log.Record(c, e));
    out.user = next;
    return out;
  });
}

Result<UserHistory> DirectoryService::History(const Actor& a, const std::string& id, const storage::Page& page) {
  return env_.db.Read([&](storage::Connection& c) -> Result<UserHistory> {
    MAMORI_TRY(Manageable(c, a, id, perm::kUsersRead));
    storage::LogFilter f;
    f.target = "user:" + id;
    storage::AuditRepo repo(c);
    UserHistory out;
    MAMORI_ASSIGN(out.items, repo.List(f, page));
    MAMORI_ASSIGN(out.total, repo.Count(f));
    return out;
  });
}

Status DirectoryService::ClearMfa(storage::Connection& c, const Actor& a, storage::UserRecord u,
                                  const std::string& request_id) {
  const int64_t now = env_.clock.NowMicros();
  const bool was_enrolled = !u.totp_secret.empty();
  u.totp_secret.clear();
  u.totp_pending.clear();
  u.totp_last_step = 0;
  MAMORI_TRY(storage::UserRepo(c).Update(u));
  // Whoever holds the lost device loses any session with it.
  MAMORI_ASSIGN(int64_t ended, storage::SessionRepo(c).EndAllForUser(u.id, now, "mfa_reset"));
  audit::Event e = a.Event("user.reset_mfa", "user:" + u.id);
  e.clause = env_.pack.Cite(env_.pack.auth.mfa.clause);
  e.detail = {{"login_id", u.login_id}, {"was_enrolled", was_enrolled}, {"sessions_ended", ended}};
  if (!request_id.empty()) e.detail["request_id"] = request_id;
  return env_.log.Record(c, e);
}

Result<MfaResetOutcome> DirectoryService::ResetMfa(const Actor& a, const std::string& id, const std::string& reason) {
  return env_.db.Write([&](storage::Connection& c) -> Result<MfaResetOutcome> {
    MAMORI_ASSIGN(auto u, Manageable(c, a, id, perm::kUsersManage));
    if (u.status == "deleted") return Error::Conflict("抹消済みのIDです");
    if (u.id == a.user_id)
      return Error{ErrorCode::kSeparationOfDuties, "自分自身の認証器はリセットできません",
                   env_.pack.CiteFor("self_grant"), {}};
    MAMORI_ASSIGN(auto held, storage::RoleRepo(c).ListForUser(u.id));
    const policy::RequestType* t = env_.pack.FindEffect("mfa_reset");
    if (access_.Privileged(InForce(held, env_.Today())) && t) {
      if (!requests_) return Error::Conflict("特権IDの認証器のリセットには第二者の承認が必要です");
      NewRequest req;
      req.type = t->id;
      req.fields = {{"user_id", u.id}};
      if (!reason.empty()) req.fields["reason"] = reason;
      MAMORI_ASSIGN(auto view, requests_->CreateIn(c, a, req));
      return MfaResetOutcome{.request_id = view.request.id};
    }
    MAMORI_TRY(ClearMfa(c, a, u, ""));
    return MfaResetOutcome{};
  });
}

}  // namespace mamori::domain
