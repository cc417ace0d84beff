// The information system ledger on both engines: every field kept, exact names, optimistic
// updates, filters with scope and order.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/repos.hpp"
#include "storage/sample_records.hpp"

namespace mamori::storage {
namespace {

class SystemRepoTest : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(db_->Write([&](Connection& c) { return UserRepo(c).Insert(sample::User("u1", "taro")); }).ok());
  }

  Status Write(const std::function<Status(Connection&)>& fn) { return db_->Write(fn); }
};

using sample::System;

TEST_P(SystemRepoTest, SystemRoundTripKeepsEveryField) {
  SystemRecord s = System("sys1", "住民記録システム");
  s.network_zone = "mynumber";
  s.hosting = "cloud";
  s.sla_availability = "99.95";
  s.rto_minutes = 0;  // zero is a value, not "unset"
  s.rpo_minutes = 1440;
  s.system_owner_user_id = "u1";
  s.notes = "行1\n'quoted' \"double\" \\ back";
  ASSERT_TRUE(Write([&](Connection& c) { return SystemRepo(c).Insert(s); }).ok());
  ASSERT_TRUE(Write([&](Connection& c) { return SystemRepo(c).Insert(System("sys2", "庁内LAN")); }).ok());
  auto got = db_->Read([&](Connection& c) { return SystemRepo(c).Get("sys1"); });
  ASSERT_TRUE(got.ok() && got->has_value());
  const SystemRecord& g = **got;
  EXPECT_EQ(g.name, s.name);
  EXPECT_EQ(g.network_zone, "mynumber");
  EXPECT_EQ(g.hosting, "cloud");
  EXPECT_EQ(g.sla_availability, "99.95");
  ASSERT_TRUE(g.rto_minutes.has_value());
  EXPECT_EQ(*g.rto_minutes, 0);
  EXPECT_EQ(g.rpo_minutes.value_or(-1), 1440);
  EXPECT_EQ(g.system_owner_user_id, "u1");
  EXPECT_EQ(g.system_admin_user_id, "");
  EXPECT_EQ(g.notes, s.notes);
  EXPECT_EQ(g.version, 1);
  auto other = db_->Read([&](Connection& c) { return SystemRepo(c).Get("sys2"); });
  EXPECT_FALSE((*other)->rto_minutes.has_value());
  EXPECT_FALSE((*other)->rpo_minutes.has_value());
  auto none = db_->Read([&](Connection& c) { return SystemRepo(c).Get("nope"); });
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(SystemRepoTest, SystemsFoundByExactName) {
  ASSERT_TRUE(Write([&](Connection& c) { return SystemRepo(c).Insert(System("sys1", "住民記録システム")); }).ok());
  ASSERT_TRUE(Write([&](Connection& c) { return SystemRepo(c).Insert(System("sys2", "庁内LAN")); }).ok());
  ASSERT_TRUE(Write([&](Connection& c) { return SystemRepo(c).Insert(System("sys3", "庁内LAN")); }).ok());
  auto one = db_->Read([&](Connection& c) { return SystemRepo(c).FindByName("住民記録システム"); });
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].id, "sys1");
  auto two = db_->Read([&](Connection& c) { return SystemRepo(c).FindByName("庁内LAN"); });
  EXPECT_EQ(two->size(), 2u);
  // Exact match only: no substring, no LIKE wildcard.
  EXPECT_TRUE(db_->Read([&](Connection& c) { return SystemRepo(c).FindByName("住民記録"); })->empty());
  EXPECT_TRUE(db_->Read([&](Connection& c) { return SystemRepo(c).FindByName("%"); })->empty());
}

TEST_P(SystemRepoTest, SystemUpdateNeedsTheCurrentVersion) {
  ASSERT_TRUE(Write([&](Connection& c) { return SystemRepo(c).Insert(System("sys1", "旧名")); }).ok());
  SystemRecord s = System("sys1", "新名");
  s.rto_minutes = 60;
  s.updated_at = 20;
  ASSERT_TRUE(Write([&](Connection& c) { return SystemRepo(c).Update(s); }).ok());
  auto got = db_->Read([&](Connection& c) { return SystemRepo(c).Get("sys1"); });
  EXPECT_EQ((*got)->name, "新名");
  EXPECT_EQ((*got)->version, 2);
  EXPECT_EQ((*got)->rto_minutes.value_or(-1), 60);
  EXPECT_EQ((*got)->updated_at, 20);
  EXPECT_EQ((*got)->created_at, 10);
  // s still carries version 1: stale.
  auto stale = Write([&](Connection& c) { return SystemRepo(c).Update(s); });
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  SystemRecord missing = System("nope", "x");
  EXPECT_EQ(Write([&](Connection& c) { return SystemRepo(c).Update(missing); }).error().code, ErrorCode::kNotFound);
}

TEST_P(SystemRepoTest, SystemFiltersScopeAndOrder) {
  ASSERT_TRUE(Write([&](Connection& c) -> Status {
    SystemRepo r(c);
    MAMORI_TRY(r.Insert(System("x1", "B システム", "s1")));
    MAMORI_TRY(r.Insert(System("x2", "A システム", "s2")));
    SystemRecord s = System("x3", "100%_システム", "b1");
    s.network_zone = "internet";
    s.hosting = "external_service";
    return r.Insert(s);
  }).ok());
  auto ids = [&](const SystemFilter& f) {
    auto list = db_->Read([&](Connection& c) { return SystemRepo(c).List(f, {1, 50}); });
    std::vector<std::string> out;
    for (const auto& s : *list) out.push_back(s.id);
    return out;
  };
  auto count = [&](const SystemFilter& f) { return *db_->Read([&](Connection& c) { return SystemRepo(c).Count(f); }); };
  EXPECT_EQ(ids({}), (std::vector<std::string>{"x3", "x2", "x1"}));  // by name: digits, then A, then B
  SystemFilter f;
  f.restrict = true;
  EXPECT_EQ(count(f), 0);  // an empty scope sees nothing
  f.org_unit_ids = {"s1"};
  EXPECT_EQ(ids(f), (std::vector<std::string>{"x1"}));
  f.system_ids = {"x3"};
  EXPECT_EQ(ids(f), (std::vector<std::string>{"x3", "x1"}));
  f.org_unit_ids.clear();
  EXPECT_EQ(ids(f), (std::vector<std::string>{"x3"}));
  f = {};
  f.network_zone = "internet";
  EXPECT_EQ(count(f), 1);
  f = {};
  f.hosting = "on_premises";
  EXPECT_EQ(count(f), 2);
  f = {};
  f.owner_org_unit_id = "s2";
  EXPECT_EQ(ids(f), (std::vector<std::string>{"x2"}));
  f = {};
  f.q = "%";
  EXPECT_EQ(ids(f), (std::vector<std::string>{"x3"}));  // wildcards are literal
  f.q = "_";
  EXPECT_EQ(count(f), 1);
  f.q = "a シス";
  EXPECT_EQ(ids(f), (std::vector<std::string>{"x2"}));  // ASCII case folded on both engines
  auto page = db_->Read([&](Connection& c) { return SystemRepo(c).List({}, {2, 2}); });
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, "x1");
}

INSTANTIATE_TEST_SUITE_P(Engines, SystemRepoTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
