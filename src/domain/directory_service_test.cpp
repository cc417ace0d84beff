#include "domain/directory_service.hpp"

#include <gtest/gtest.h>

#include "domain/auth_service.hpp"
#include "domain/test_env.hpp"

namespace mamori::domain {
namespace {

using testing::TestEnv;

constexpr const char* kPw = "Gr33n-Tea!Kyoto";

class DirectoryTest : public ::testing::Test {
 protected:
  DirectoryTest() : assets_(*t_.env), requests_(*t_.env, assets_), dir_(*t_.env, &requests_), auth_(*t_.env) {}

  // A user in `unit` holding `role` (granted by the system), as an actor.
  Actor Holder(const std::string& login, const std::string& unit, const std::string& role,
               const std::string& scope_type = "city", const std::string& scope_id = "") {
    auto u = t_.AddUser(login, unit, kPw);
    EXPECT_TRUE(t_.Grant(u.id, role, scope_type, scope_id).ok());
    return ActorFor(u);
  }

  std::vector<storage::RoleAssignmentRecord> Held(const std::string& user_id) {
    return *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::RoleRepo(c).ListForUser(user_id); });
  }

  // A change of one field at a version.
  static UserChange Change(int64_t version, const char* field, const std::string& value) {
    UserChange ch;
    ch.version = version;
    if (std::string(field) == "name") ch.name = value;
    if (std::string(field) == "org_unit_id") ch.org_unit_id = value;
    if (std::string(field) == "employment_type") ch.employment_type = value;
    if (std::string(field) == "expires_on") ch.expires_on = value;
    return ch;
  }

  int64_t RequestCount() {
    return *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::RequestRepo(c).Count({}); });
  }

  Actor ActorFor(const storage::UserRecord& u) {
    Actor a;
    a.user_id = u.id;
    a.login_id = u.login_id;
    a.roles = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::RoleRepo(c).ListForUser(u.id); });
    return a;
  }

  TestEnv t_;
  AssetService assets_;
  RequestService requests_;
  DirectoryService dir_;
  AuthService auth_;
};

TEST_F(DirectoryTest, CreateUserGivesATemporaryPasswordThatMustChange) {
  auto created = dir_.CreateUser(t_.admin, {"hanako", "花子", t_.section_a, "regular", ""});
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE(created->temporary_password.empty());
  auto login = auth_.Login("hanako", created->temporary_password, "10.0.0.1");
  ASSERT_TRUE(login.ok());
  EXPECT_TRUE(login->state.must_change_password);
}

TEST_F(DirectoryTest, LoginIdsAreNeverReused) {
  auto created = dir_.CreateUser(t_.admin, {"hanako", "花子", t_.section_a, "regular", ""});
  ASSERT_TRUE(created.ok());
  auto dup = dir_.CreateUser(t_.admin, {"hanako", "別人", t_.section_b, "regular", ""});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(dir_.Delete(t_.admin, created->user.id).ok());
  auto again = dir_.CreateUser(t_.admin, {"hanako", "別人", t_.section_b, "regular", ""});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  // 抹消: no login, history intact.
  EXPECT_FALSE(auth_.Login("hanako", created->temporary_password, "10.0.0.1").ok());
  auto kept = dir_.GetUser(t_.admin, created->user.id);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->status, "deleted");
}

TEST_F(DirectoryTest, ContractorsNeedAnExpiryDate) {
  auto r = dir_.CreateUser(t_.admin, {"vendor", "業者", t_.section_a, "contractor", ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fields[0].field, "expires_on");
  EXPECT_EQ(r.error().clause, "kobe:8.2.1イ(3)");
  EXPECT_TRUE(dir_.CreateUser(t_.admin, {"vendor", "業者", t_.section_a, "contractor", "2099-03-31"}).ok());
}

TEST_F(DirectoryTest, SuspendEndsSessionsAtOnceAndResumeRestores) {
  auto u = t_.AddUser("taro", t_.section_a, kPw);
  auto login = auth_.Login("taro", kPw, "10.0.0.1");
  ASSERT_TRUE(login.ok());
  ASSERT_TRUE(dir_.Suspend(t_.admin, u.id).ok());
  EXPECT_FALSE(auth_.Authenticate(login->token, "10.0.0.1").ok());
  EXPECT_FALSE(auth_.Login("taro", kPw, "10.0.0.1").ok());
  EXPECT_EQ(dir_.Suspend(t_.admin, u.id).error().code, ErrorCode::kConflict);
  ASSERT_TRUE(dir_.Resume(t_.admin, u.id).ok());
  EXPECT_TRUE(auth_.Login("taro", kPw, "10.0.0.1").ok());
}

TEST_F(DirectoryTest, ResetPasswordReplacesTheOldOne) {
  auto u = t_.AddUser("taro", t_.section_a, kPw);
  auto pw = dir_.ResetPassword(t_.admin, u.id);
  ASSERT_TRUE(pw.ok());
  EXPECT_FALSE(auth_.Login("taro", kPw, "10.0.0.1").ok());
  auto login = auth_.Login("taro", *pw, "10.0.0.1");
  ASSERT_TRUE(login.ok());
  EXPECT_TRUE(login->state.must_change_password);
}

TEST_F(DirectoryTest, ScopeLimitsWhatAManagerSeesAndDoes) {
  auto mgr = t_.AddUser("mgr", t_.section_a, kPw);
  ASSERT_TRUE(t_.Grant(mgr.id, "information_officer", "org_unit", t_.bureau_a).ok());
  auto inside = t_.AddUser("inside", t_.section_a, kPw);
  auto outside = t_.AddUser("outside", t_.section_b, kPw);
  Actor a = ActorFor(mgr);
  auto listed = dir_.ListUsers(a, {});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->second, 2);  // mgr and inside
  for (const auto& u : listed->first) EXPECT_NE(u.id, outside.id);
  EXPECT_TRUE(dir_.GetUser(a, inside.id).ok());
  EXPECT_EQ(dir_.GetUser(a, outside.id).error().code, ErrorCode::kNotFound);
  // Reading is not managing.
  EXPECT_EQ(dir_.Suspend(a, inside.id).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(dir_.Suspend(a, outside.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(dir_.CreateUser(a, {"newbie", "新人", t_.section_a, "regular", ""}).error().code,
            ErrorCode::kForbidden);
  EXPECT_EQ(dir_.AssignRole(a, {inside.id, "staff", "org_unit", t_.section_a, "", "", ""}).error().code,
            ErrorCode::kForbidden);
}

TEST_F(DirectoryTest, StaffHaveNoDirectoryAccess) {
  auto s = t_.AddUser("staff", t_.section_a, kPw);
  ASSERT_TRUE(t_.Grant(s.id, "staff", "org_unit", t_.section_a).ok());
  Actor a = ActorFor(s);
  EXPECT_EQ(dir_.ListUsers(a, {}).error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(dir_.GetUser(a, s.id).ok());  // oneself
}

TEST_F(DirectoryTest, RoleValidityDatesBoundAccess) {
  auto u = t_.AddUser("temp", t_.section_a, kPw);
  const std::string today = t_.env->Today();
  auto r = dir_.AssignRole(t_.admin, {u.id, "information_officer", "org_unit", t_.bureau_a, "2099-04-01", "", ""});
  ASSERT_TRUE(r.ok());
  Actor a = ActorFor(u);
  a.roles = InForce(a.roles, today);
  EXPECT_TRUE(a.roles.empty());
  EXPECT_EQ(dir_.AssignRole(t_.admin, {u.id, "staff", "org_unit", t_.section_a, "2026-04-02", "2026-04-01", ""})
                .error().fields[0].field,
            "valid_to");
}

TEST_F(DirectoryTest, SeparationOfDutiesFromThePack) {
  auto u = t_.AddUser("dual", t_.section_a, kPw);
  ASSERT_TRUE(dir_.AssignRole(t_.admin, {u.id, "auditor", "city", "", "", "", ""}).ok());
  auto r = dir_.AssignRole(t_.admin, {u.id, "infrastructure_manager", "city", "", "", "", ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kSeparationOfDuties);
  EXPECT_EQ(r.error().clause, "kobe:3.2.10イ");
}

TEST_F(DirectoryTest, RoleScopeTypesComeFromThePack) {
  auto u = t_.AddUser("xyz", t_.section_a, kPw);
  EXPECT_EQ(dir_.AssignRole(t_.admin, {u.id, "ciso", "org_unit", t_.section_a, "", "", ""}).error().fields[0].field,
            "scope_type");
  EXPECT_EQ(dir_.AssignRole(t_.admin, {u.id, "emperor", "city", "", "", "", ""}).error().fields[0].code,
            "unknown_role");
  EXPECT_EQ(dir_.AssignRole(t_.admin, {u.id, "staff", "org_unit", "", "", "", ""}).error().fields[0].field,
            "scope_id");
}

TEST_F(DirectoryTest, DelegationRequiresTheDelegatorsRole) {
  auto chief = t_.AddUser("chief", t_.section_a, kPw);
  auto deputy = t_.AddUser("deputy", t_.section_a, kPw);
  auto r = dir_.AssignRole(t_.admin, {deputy.id, "information_manager", "org_unit", t_.section_a, "", "", chief.id});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fields[0].code, "does_not_hold_role");
  ASSERT_TRUE(dir_.AssignRole(t_.admin, {chief.id, "information_manager", "org_unit", t_.section_a, "", "", ""}).ok());
  auto ok = dir_.AssignRole(t_.admin, {deputy.id, "information_manager", "org_unit", t_.section_a, "", "2026-12-31",
                                       chief.id});
  ASSERT_TRUE(ok.ok());
  ASSERT_TRUE(ok->assignment);
  EXPECT_EQ(ok->assignment->delegate_of, chief.id);
}

TEST_F(DirectoryTest, FailedRequestsLeaveNoTrace) {
  const int64_t head = t_.LogHead();
  (void)dir_.CreateUser(t_.admin, {"bad id!", "x", t_.section_a, "regular", ""});
  (void)dir_.CreateUser(t_.admin, {"okid", "x", "nonexistent", "regular", ""});
  (void)dir_.AssignRole(t_.admin, {"nouser", "staff", "org_unit", t_.section_a, "", "", ""});
  EXPECT_EQ(t_.LogHead(), head);
  auto all = dir_.ListUsers(t_.admin, {});
  EXPECT_EQ(all->second, 0);
}

TEST_F(DirectoryTest, OrgUnitsFollowTheHierarchy) {
  EXPECT_TRUE(dir_.CreateOrgUnit(t_.admin, {"a2", "A2課", "section", t_.bureau_a}).ok());
  EXPECT_EQ(dir_.CreateOrgUnit(t_.admin, {"zz", "Z局", "bureau", t_.bureau_a}).error().fields[0].field, "kind");
  EXPECT_EQ(dir_.CreateOrgUnit(t_.admin, {"a2", "重複", "section", t_.bureau_a}).error().code, ErrorCode::kConflict);
  EXPECT_EQ(dir_.CreateOrgUnit(t_.admin, {"q", "Q", "section", "missing"}).error().fields[0].field, "parent_id");
}

TEST_F(DirectoryTest, EveryChangeIsLoggedAndTheChainHolds) {
  auto created = dir_.CreateUser(t_.admin, {"hanako", "花子", t_.section_a, "regular", ""});
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(dir_.Suspend(t_.admin, created->user.id).ok());
  ASSERT_TRUE(dir_.Resume(t_.admin, created->user.id).ok());
  ASSERT_TRUE(dir_.ResetPassword(t_.admin, created->user.id).ok());
  ASSERT_TRUE(dir_.Delete(t_.admin, created->user.id).ok());
  storage::LogFilter by_admin;
  by_admin.actor = "admin";
  auto entries = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::AuditRepo(c).List(by_admin, {1, 50}); });
  std::vector<std::string> actions;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) actions.push_back(it->action);
  EXPECT_EQ(actions, (std::vector<std::string>{"user.create", "user.suspend", "user.resume", "user.reset_password",
                                               "user.delete"}));
  EXPECT_TRUE(t_.VerifyLog().ok);
}

TEST_F(DirectoryTest, NobodyAssignsAnyRoleToThemself) {
  Actor admin = Holder("idadmin", t_.section_a, "infrastructure_manager");
  (void)Holder("director", t_.section_b, "security_director");
  const int64_t head = t_.LogHead();
  for (const auto& role : t_.pack.roles) {
    for (const auto& scope : role.scopes) {
      const std::string id = scope == "city" ? "" : (scope == "org_unit" ? t_.section_a : "nosystem");
      auto r = dir_.AssignRole(admin, {admin.user_id, role.id, scope, id, "", "", ""});
      ASSERT_FALSE(r.ok()) << role.id << " at " << scope;
      EXPECT_EQ(r.error().code, ErrorCode::kSeparationOfDuties) << role.id << " at " << scope;
      EXPECT_EQ(r.error().clause, "kobe:3.2.10ア");
      ASSERT_EQ(r.error().fields.size(), 1u);
      EXPECT_EQ(r.error().fields[0].field, "user_id");
    }
  }
  EXPECT_EQ(t_.LogHead(), head);
  EXPECT_EQ(Held(admin.user_id).size(), 1u);
  EXPECT_EQ(RequestCount(), 0);
}

TEST_F(DirectoryTest, APrivilegedGrantExistsOnlyAfterASecondPersonApproves) {
  Actor admin = Holder("idadmin", t_.section_a, "infrastructure_manager");
  Actor director = Holder("director", t_.section_b, "security_director");
  auto target = t_.AddUser("newciso", t_.section_a, kPw);
  auto r = dir_.AssignRole(admin, {target.id, "ciso", "city", "", "", "", ""});
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_FALSE(r->assignment);
  ASSERT_FALSE(r->request_id.empty());
  EXPECT_TRUE(Held(target.id).empty());  // not before the approval
  // The requester cannot approve their own request, whatever they hold.
  EXPECT_EQ(requests_.Approve(admin, r->request_id, "").error().code, ErrorCode::kSeparationOfDuties);
  EXPECT_TRUE(Held(target.id).empty());
  auto approved = requests_.Approve(director, r->request_id, "承認");
  ASSERT_TRUE(approved.ok()) << approved.error().detail;
  auto held = Held(target.id);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].role, "ciso");
  EXPECT_EQ(held[0].created_by, director.user_id);
  storage::LogFilter grants;
  grants.action = "role.assign";
  auto entries = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::AuditRepo(c).List(grants, {1, 5}); });
  ASSERT_FALSE(entries.empty());
  EXPECT_NE(entries[0].detail.find(r->request_id), std::string::npos);
  EXPECT_TRUE(t_.VerifyLog().ok);
}

TEST_F(DirectoryTest, TheGranteeCannotApproveTheirOwnGrant) {
  Actor admin = Holder("idadmin", t_.section_a, "infrastructure_manager");
  Actor grantee = Holder("director1", t_.section_b, "security_director");
  Actor other = Holder("director2", t_.section_b, "security_director");
  auto r = dir_.AssignRole(admin, {grantee.user_id, "ciso", "city", "", "", "", ""});
  ASSERT_TRUE(r.ok()) << r.error().detail;
  auto self = requests_.Approve(grantee, r->request_id, "");
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code, ErrorCode::kSeparationOfDuties);
  EXPECT_EQ(Held(grantee.user_id).size(), 1u);  // only the director role
  ASSERT_TRUE(requests_.Approve(other, r->request_id, "").ok());
  EXPECT_EQ(Held(grantee.user_id).size(), 2u);
}

TEST_F(DirectoryTest, AGrantNobodyCouldApproveIsRefusedNamingTheRole) {
  Actor admin = Holder("idadmin", t_.section_a, "infrastructure_manager");
  auto target = t_.AddUser("newciso", t_.section_a, kPw);
  const int64_t head = t_.LogHead();
  auto r = dir_.AssignRole(admin, {target.id, "ciso", "city", "", "", "", ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  ASSERT_EQ(r.error().fields.size(), 1u);
  EXPECT_EQ(r.error().fields[0].field, "approver");
  EXPECT_EQ(r.error().fields[0].code, "vacant");
  EXPECT_NE(r.error().detail.find("security_director"), std::string::npos);
  EXPECT_EQ(t_.LogHead(), head);
  EXPECT_EQ(RequestCount(), 0);
  // The vacancy report names it too.
  auto vacant = requests_.Vacancies(admin);
  ASSERT_TRUE(vacant.ok());
  EXPECT_TRUE(std::any_of(vacant->begin(), vacant->end(), [](const ApproverVacancy& v) {
    return v.role == "security_director" && v.scope_type == "city";
  }));
  // Staff may not read it.
  Actor staff = Holder("staff", t_.section_a, "staff", "org_unit", t_.section_a);
  EXPECT_EQ(requests_.Vacancies(staff).error().code, ErrorCode::kForbidden);
}

TEST_F(DirectoryTest, TheLastHolderOfRolesManageStays) {
  Actor admin = Holder("idadmin", t_.section_a, "infrastructure_manager");
  auto held = Held(admin.user_id);
  ASSERT_EQ(held.size(), 1u);
  const int64_t head = t_.LogHead();
  auto r = dir_.RevokeRole(admin, held[0].id);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_EQ(r.error().clause, "kobe:8.2.1イ(2)");
  EXPECT_EQ(Held(admin.user_id).size(), 1u);
  EXPECT_EQ(t_.LogHead(), head);
  // With a second holder in force, one of them may go.
  Actor second = Holder("idadmin2", t_.section_b, "infrastructure_manager");
  ASSERT_TRUE(dir_.RevokeRole(admin, Held(second.user_id)[0].id).ok());
  // A holder whose validity has ended does not count.
  ASSERT_TRUE(t_.tdb.db()->Write([&](storage::Connection& c) {
    return storage::RoleRepo(c).Insert({.id = NewId(),
                                        .user_id = second.user_id,
                                        .role = "infrastructure_manager",
                                        .scope_type = "city",
                                        .scope_id = "",
                                        .valid_from = "",
                                        .valid_to = "2020-03-31",
                                        .delegate_of = "",
                                        .created_at = 1,
                                        .created_by = "t",
                                        .revoked_at = 0,
                                        .revoked_by = ""});
  }).ok());
  EXPECT_EQ(dir_.RevokeRole(admin, held[0].id).error().code, ErrorCode::kConflict);
}

TEST_F(DirectoryTest, DeletingOrSuspendingTheLastHolderOfRolesManageIsRefused) {
  Actor last = Holder("idadmin", t_.section_a, "infrastructure_manager");
  // Someone with users.manage over the unit but not roles.manage city-wide: the test admin actor
  // holds it, but has no assignment row, so `last` is the only holder in the database.
  EXPECT_EQ(dir_.Delete(t_.admin, last.user_id).error().code, ErrorCode::kConflict);
  EXPECT_EQ(dir_.Suspend(t_.admin, last.user_id).error().code, ErrorCode::kConflict);
  EXPECT_EQ(dir_.GetUser(t_.admin, last.user_id)->status, "active");
}

TEST_F(DirectoryTest, AnAuditorNeverCoversTheirOwnUnitOrAnotherRoleOfTheirs) {
  Actor admin = Holder("idadmin", t_.city, "infrastructure_manager");
  auto u = t_.AddUser("audit1", t_.section_a, kPw);
  const int64_t head = t_.LogHead();
  // Their own section, and the bureau above it.
  for (const auto& unit : {t_.section_a, t_.bureau_a}) {
    auto r = dir_.AssignRole(admin, {u.id, "auditor", "org_unit", unit, "", "", ""});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kPolicyDenied);
    EXPECT_EQ(r.error().clause, "kobe:3.2.10イ");
  }
  EXPECT_EQ(t_.LogHead(), head);
  // Another bureau is fine, until they take a role there.
  ASSERT_TRUE(dir_.AssignRole(admin, {u.id, "auditor", "org_unit", t_.bureau_b, "", "", ""}).ok());
  auto other = dir_.AssignRole(admin, {u.id, "information_manager", "org_unit", t_.section_b, "", "", ""});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kPolicyDenied);
  // A city-wide auditor may hold no other role anywhere.
  auto v = t_.AddUser("audit2", t_.section_b, kPw);
  ASSERT_TRUE(dir_.AssignRole(admin, {v.id, "staff", "org_unit", t_.section_b, "", "", ""}).ok());
  EXPECT_EQ(dir_.AssignRole(admin, {v.id, "auditor", "city", "", "", "", ""}).error().code, ErrorCode::kPolicyDenied);
}

TEST_F(DirectoryTest, ContractorsAndDispatchedStaffNeverHoldPrivilegedRoles) {
  Actor admin = Holder("idadmin", t_.city, "infrastructure_manager");
  (void)Holder("director", t_.section_b, "security_director");
  for (const char* type : {"contractor", "dispatched"}) {
    auto u = t_.AddUser(std::string("vendor-") + type, t_.section_a, kPw, type, "2099-03-31");
    const int64_t head = t_.LogHead();
    auto r = dir_.AssignRole(admin, {u.id, "system_admin", "org_unit", t_.section_a, "", "", ""});
    ASSERT_FALSE(r.ok()) << type;
    EXPECT_EQ(r.error().code, ErrorCode::kPolicyDenied);
    EXPECT_EQ(r.error().clause, "kobe:8.2.1ウ(2)");
    // Named in both languages: the rule's message with the role's title.
    EXPECT_NE(r.error().detail.find("業務システム管理者"), std::string::npos) << r.error().detail;
    EXPECT_EQ(r.error().detail_en,
              "Contractor and dispatched staff may not hold privileged roles (Business System Administrator)");
    EXPECT_EQ(t_.LogHead(), head);
    EXPECT_EQ(RequestCount(), 0);
    // Unprivileged roles are theirs to hold.
    EXPECT_TRUE(dir_.AssignRole(admin, {u.id, "contractor", "org_unit", t_.section_a, "", "", ""}).ok());
  }
}

TEST_F(DirectoryTest, ATransferEndsTheOldUnitsRolesAndKeepsHistory) {
  Actor admin = Holder("idadmin", t_.city, "infrastructure_manager");
  auto u = t_.AddUser("mover", t_.section_a, kPw);
  ASSERT_TRUE(dir_.AssignRole(admin, {u.id, "information_manager", "org_unit", t_.section_a, "", "", ""}).ok());
  ASSERT_TRUE(dir_.AssignRole(admin, {u.id, "staff", "org_unit", t_.section_a, "", "", ""}).ok());
  auto stale = dir_.UpdateUser(admin, u.id, Change(7, "name", "新しい名前"));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_EQ(stale.error().fields[0].field, "version");
  EXPECT_EQ(dir_.GetUser(admin, u.id)->name, "名前");
  auto moved = dir_.UpdateUser(admin, u.id, Change(0, "org_unit_id", t_.section_b));
  ASSERT_TRUE(moved.ok()) << moved.error().detail;
  EXPECT_EQ(moved->user.org_unit_id, t_.section_b);
  EXPECT_EQ(moved->user.version, 1);
  EXPECT_EQ(moved->ended.size(), 2u);
  EXPECT_TRUE(InForce(Held(u.id), t_.env->Today()).empty());
  auto history = dir_.History(admin, u.id, {1, 50});
  ASSERT_TRUE(history.ok());
  ASSERT_FALSE(history->items.empty());
  EXPECT_EQ(history->items[0].action, "user.update");
  // The old version is stale now.
  EXPECT_EQ(dir_.UpdateUser(admin, u.id, Change(0, "name", "x")).error().code,
            ErrorCode::kConflict);
  // Nobody changes their own unit.
  EXPECT_EQ(dir_.UpdateUser(admin, admin.user_id, Change(0, "org_unit_id", t_.section_a)).error().code,
            ErrorCode::kSeparationOfDuties);
}

TEST_F(DirectoryTest, AResetAuthenticatorIsEnrolledAgainAndAPrivilegedOneNeedsASecondPerson) {
  Actor admin = Holder("idadmin", t_.city, "infrastructure_manager");
  Actor director = Holder("director", t_.section_b, "security_director");
  auto u = t_.AddUser("plain", t_.section_a, kPw);
  ASSERT_TRUE(t_.tdb.db()->Write([&](storage::Connection& c) -> Status {
    auto rec = *storage::UserRepo(c).Get(u.id);
    rec->totp_secret = "sealed";
    return storage::UserRepo(c).Update(*rec);
  }).ok());
  auto done = dir_.ResetMfa(admin, u.id, "紛失");
  ASSERT_TRUE(done.ok()) << done.error().detail;
  EXPECT_TRUE(done->request_id.empty());
  EXPECT_TRUE(dir_.GetUser(admin, u.id)->totp_secret.empty());

  Actor sysadmin = Holder("sysadmin", t_.section_a, "system_admin", "org_unit", t_.section_a);
  ASSERT_TRUE(t_.tdb.db()->Write([&](storage::Connection& c) -> Status {
    auto rec = *storage::UserRepo(c).Get(sysadmin.user_id);
    rec->totp_secret = "sealed";
    return storage::UserRepo(c).Update(*rec);
  }).ok());
  auto pending = dir_.ResetMfa(admin, sysadmin.user_id, "");
  ASSERT_TRUE(pending.ok()) << pending.error().detail;
  ASSERT_FALSE(pending->request_id.empty());
  EXPECT_FALSE(dir_.GetUser(admin, sysadmin.user_id)->totp_secret.empty());
  ASSERT_TRUE(requests_.Approve(director, pending->request_id, "").ok());
  EXPECT_TRUE(dir_.GetUser(admin, sysadmin.user_id)->totp_secret.empty());
  EXPECT_EQ(dir_.ResetMfa(admin, admin.user_id, "").error().code, ErrorCode::kSeparationOfDuties);
}

}  // namespace
}  // namespace mamori::domain
