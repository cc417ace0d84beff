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
  DirectoryTest() : dir_(*t_.env), auth_(*t_.env) {}

  Actor ActorFor(const storage::UserRecord& u) {
    Actor a;
    a.user_id = u.id;
    a.login_id = u.login_id;
    a.roles = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::RoleRepo(c).ListForUser(u.id); });
    return a;
  }

  TestEnv t_;
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
  EXPECT_EQ(ok->delegate_of, chief.id);
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
  auto entries = *t_.tdb.db()->Read([&](storage::Connection& c) {
    return storage::AuditRepo(c).List({.actor = "admin"}, {1, 50});
  });
  std::vector<std::string> actions;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) actions.push_back(it->action);
  EXPECT_EQ(actions, (std::vector<std::string>{"user.create", "user.suspend", "user.resume", "user.reset_password",
                                               "user.delete"}));
  EXPECT_TRUE(t_.VerifyLog().ok);
}

}  // namespace
}  // namespace mamori::domain
