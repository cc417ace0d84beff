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
    MAMORI_TRY(r.Insert({.id = "a", .user_id = "u2", .role = "staff", .scope_type = "org_unit", .scope_id = "s1",
                         .created_at = 1, .created_by = "x"}));
    MAMORI_TRY(r.Insert({.id = "b", .user_id = "u1", .role = "staff", .scope_type = "org_unit", .scope_id = "s2",
                         .created_at = 2, .created_by = "x"}));
    MAMORI_TRY(r.Insert({.id = "c", .user_id = "u1", .role = "auditor", .scope_type = "city", .created_at = 3,
                         .created_by = "x"}));
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
