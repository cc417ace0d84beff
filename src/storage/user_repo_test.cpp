// The user repository on both engines: every field kept, login IDs unique forever, filters,
// paging, password history, bulk reads, hostile text stored as data.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/repos.hpp"
#include "storage/sample_records.hpp"

namespace mamori::storage {
namespace {

class UserRepoTest : public ConformanceTest {};

using sample::Session;
using sample::User;

TEST_P(UserRepoTest, UserRoundTripKeepsEveryField) {
  UserRecord u = User("u1", "taro");
  u.name = "山田 太郎 \"quoted\" 'single' \\ back";
  u.locked_until = 123456789012345;
  u.last_login_at = 5;
  u.last_login_address = "::1";
  u.expires_on = "2030-03-31";
  u.totp_secret = "sealed";
  u.totp_last_step = 42;
  u.must_change_password = false;
  ASSERT_TRUE(db_->Write([&](Connection& c) { return UserRepo(c).Insert(u); }).ok());
  auto got = db_->Read([&](Connection& c) { return UserRepo(c).Get("u1"); });
  ASSERT_TRUE(got.ok()) << got.error().detail;
  ASSERT_TRUE(got->has_value());
  const UserRecord& g = **got;
  EXPECT_EQ(g.name, u.name);
  EXPECT_EQ(g.locked_until, u.locked_until);
  EXPECT_EQ(g.last_login_address, "::1");
  EXPECT_EQ(g.expires_on, "2030-03-31");
  EXPECT_EQ(g.totp_last_step, 42);
  EXPECT_FALSE(g.must_change_password);
  EXPECT_EQ(g.deleted_at, 0);
  auto by_login = db_->Read([&](Connection& c) { return UserRepo(c).FindByLogin("taro"); });
  ASSERT_TRUE(by_login.ok() && by_login->has_value());
  EXPECT_EQ((*by_login)->id, "u1");
}

TEST_P(UserRepoTest, LoginIdIsUniqueForever) {
  ASSERT_TRUE(db_->Write([&](Connection& c) { return UserRepo(c).Insert(User("u1", "taro")); }).ok());
  auto st = db_->Write([&](Connection& c) { return UserRepo(c).Insert(User("u2", "taro")); });
  EXPECT_FALSE(st.ok());
}

TEST_P(UserRepoTest, UserFiltersAndPaging) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    UserRepo users(c);
    for (int i = 0; i < 7; ++i) {
      UserRecord u = User("u" + std::to_string(i), "user" + std::to_string(i), i < 4 ? "s1" : "b1");
      if (i == 1) u.status = "suspended";
      if (i == 2) u.locked_until = 1000;
      if (i == 3) u.expires_on = "2020-01-01";
      if (i == 5) u.last_login_at = 900;
      if (i == 6) u.name = "Percent 100%_x";
      MAMORI_TRY(users.Insert(u));
    }
    return RoleRepo(c).Insert({"r1", "u4", "staff", "org_unit", "b1", "", "", "", 1, "x", 0, ""});
  }).ok());
  auto count = [&](UserFilter f) {
    f.now = 500;
    f.today = "2026-01-01";
    return *db_->Read([&](Connection& c) { return UserRepo(c).Count(f); });
  };
  EXPECT_EQ(count({}), 7);
  UserFilter f;
  f.status = "suspended";
  EXPECT_EQ(count(f), 1);
  f.status = "locked";
  EXPECT_EQ(count(f), 1);
  f.status = "expired";
  EXPECT_EQ(count(f), 1);
  f.status = "active";
  EXPECT_EQ(count(f), 4);
  f = {};
  f.restrict_units = true;
  f.org_unit_ids = {"s1"};
  EXPECT_EQ(count(f), 4);
  f.org_unit_ids = {};
  EXPECT_EQ(count(f), 0);  // an empty scope sees nothing, not everything
  f = {};
  f.role = "staff";
  EXPECT_EQ(count(f), 1);
  f = {};
  f.last_login_before = 1000;  // never logged in counts as inactive
  EXPECT_EQ(count(f), 7);
  f.last_login_before = 800;
  EXPECT_EQ(count(f), 6);
  f = {};
  f.q = "USER1";
  EXPECT_EQ(count(f), 1);
  f.q = "100%";
  EXPECT_EQ(count(f), 1);  // wildcards are literal
  f.q = "%";
  EXPECT_EQ(count(f), 1);
  auto page = db_->Read([&](Connection& c) { return UserRepo(c).List({}, Page{2, 3}); });
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].login_id, "user3");
}

TEST_P(UserRepoTest, PasswordHistoryNewestFirst) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    MAMORI_TRY(UserRepo(c).Insert(User("u1", "taro")));
    for (int i = 0; i < 8; ++i) MAMORI_TRY(UserRepo(c).AddPasswordHistory("u1", "h" + std::to_string(i), 100 + i));
    return Ok();
  }).ok());
  auto h = db_->Read([&](Connection& c) { return UserRepo(c).RecentPasswordHashes("u1", 3); });
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, (std::vector<std::string>{"h7", "h6", "h5"}));
}

TEST_P(UserRepoTest, GetManyFindsTheKnownIdsAcrossSlices) {
  std::vector<std::string> ids;
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    for (int i = 0; i < 620; ++i) {
      ids.push_back("u" + std::to_string(i));
      MAMORI_TRY(UserRepo(c).Insert(User(ids.back(), "login" + std::to_string(i))));
    }
    return Ok();
  }).ok());
  ids.push_back("nobody");
  auto found = *db_->Read([&](Connection& c) { return UserRepo(c).GetMany(ids); });
  EXPECT_EQ(found.size(), 620u) << "more ids than one IN list holds; the unknown one left out";
  std::set<std::string> names;
  for (const auto& u : found) names.insert(u.name);
  EXPECT_TRUE(names.count("名前 login619"));
  EXPECT_TRUE(db_->Read([&](Connection& c) { return UserRepo(c).GetMany({}); })->empty());
  EXPECT_TRUE(db_->Read([&](Connection& c) { return AssetRepo(c).GetMany({"none"}); })->empty());
  EXPECT_TRUE(db_->Read([&](Connection& c) { return SystemRepo(c).GetMany({"none"}); })->empty());
}

TEST_P(UserRepoTest, HostileTextIsData) {
  const std::string evil = "x'); DROP TABLE users; -- \xE2\x80\xAE ?";
  ASSERT_TRUE(db_->Write([&](Connection& c) {
    UserRecord u = User("u1", "taro");
    u.name = evil;
    return UserRepo(c).Insert(u);
  }).ok());
  auto got = db_->Read([&](Connection& c) { return UserRepo(c).Get("u1"); });
  EXPECT_EQ((*got)->name, evil);
}

INSTANTIATE_TEST_SUITE_P(Engines, UserRepoTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
