// Role assignments on both engines: revoked once, validity dates, the ones in force.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/repos.hpp"
#include "storage/sample_records.hpp"

namespace mamori::storage {
namespace {

class RoleRepoTest : public ConformanceTest {};

using sample::Session;
using sample::User;

RoleAssignmentRecord Grant(const std::string& id, const std::string& user, const std::string& role,
                           const std::string& scope_type, const std::string& scope_id, int64_t at) {
  RoleAssignmentRecord r;
  r.id = id;
  r.user_id = user;
  r.role = role;
  r.scope_type = scope_type;
  r.scope_id = scope_id;
  r.created_at = at;
  r.created_by = "x";
  return r;
}

TEST_P(RoleRepoTest, RoleAssignmentsRevokeOnce) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    MAMORI_TRY(UserRepo(c).Insert(User("u1", "taro")));
    MAMORI_TRY(RoleRepo(c).Insert({"r1", "u1", "staff", "org_unit", "s1", "2026-04-01", "2027-03-31", "", 1, "x", 0, ""}));
    return RoleRepo(c).Insert({"r2", "u1", "auditor", "city", "", "", "", "", 2, "x", 0, ""});
  }).ok());
  EXPECT_TRUE(db_->Write([&](Connection& c) { return RoleRepo(c).Revoke("r2", "admin", 5); }).ok());
  EXPECT_FALSE(db_->Write([&](Connection& c) { return RoleRepo(c).Revoke("r2", "admin", 6); }).ok());
  auto held = db_->Read([&](Connection& c) { return RoleRepo(c).ListForUser("u1"); });
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0].valid_from, "2026-04-01");
  EXPECT_EQ((*held)[0].scope_id, "s1");
  auto r2 = db_->Read([&](Connection& c) { return RoleRepo(c).Get("r2"); });
  EXPECT_EQ((*r2)->revoked_by, "admin");
}

TEST_P(RoleRepoTest, TheActiveListLeavesRevokedAssignmentsOutForEveryoneOrOneUser) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    MAMORI_TRY(UserRepo(c).Insert(User("u1", "taro")));
    MAMORI_TRY(UserRepo(c).Insert(User("u2", "jiro")));
    RoleRepo r(c);
    MAMORI_TRY(r.Insert(Grant("a", "u2", "staff", "org_unit", "s1", 1)));
    MAMORI_TRY(r.Insert(Grant("b", "u1", "staff", "org_unit", "s2", 2)));
    MAMORI_TRY(r.Insert(Grant("c", "u1", "auditor", "city", "", 3)));
    return r.Revoke("b", "admin", 4);
  }).ok());
  auto ids = [](const std::vector<RoleAssignmentRecord>& list) {
    std::vector<std::string> out;
    for (const auto& r : list) out.push_back(r.id);
    return out;
  };
  auto all = db_->Read([](Connection& c) { return RoleRepo(c).ListActive(""); });
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(ids(*all), (std::vector<std::string>{"c", "a"})) << "by user, then when granted; b is revoked";
  auto mine = db_->Read([](Connection& c) { return RoleRepo(c).ListActive("u1"); });
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(ids(*mine), std::vector<std::string>{"c"});
}

INSTANTIATE_TEST_SUITE_P(Engines, RoleRepoTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
