// The information system ledger on both engines: a register table that predates the kit
// (SystemsTable(): plain column names, ordered by name) written through RegisterRepo and read
// through SystemRepo — every field kept, exact names, optimistic updates, filters with scope
// (by owner section or the system's own id) and order.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/register_repo.hpp"
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

using sample::InsertSystem;
using sample::SystemRow;

TEST_P(SystemRepoTest, SystemRoundTripKeepsEveryField) {
  const std::string notes = "行1\n'quoted' \"double\" \\ back";
  ASSERT_TRUE(Write([&](Connection& c) {
    return InsertSystem(c, "sys1", "住民記録システム", "s1",
                        {{"network_zone", "mynumber"},
                         {"hosting", "cloud"},
                         {"sla_availability", "99.95"},
                         {"rto_minutes", int64_t{0}},  // zero is a value, not "unset"
                         {"rpo_minutes", int64_t{1440}},
                         {"system_owner_user_id", "u1"},
                         {"notes", notes}});
  }).ok());
  ASSERT_TRUE(Write([&](Connection& c) { return InsertSystem(c, "sys2", "庁内LAN"); }).ok());
  auto got = db_->Read([&](Connection& c) { return SystemRepo(c).Get("sys1"); });
  ASSERT_TRUE(got.ok() && got->has_value());
  const SystemRecord& g = **got;
  EXPECT_EQ(g.name, "住民記録システム");
  EXPECT_EQ(g.owner_org_unit_id, "s1");
  EXPECT_EQ(g.network_zone, "mynumber");
  EXPECT_EQ(g.hosting, "cloud");
  EXPECT_EQ(g.sla_availability, "99.95");
  ASSERT_TRUE(g.rto_minutes.has_value());
  EXPECT_EQ(*g.rto_minutes, 0);
  EXPECT_EQ(g.rpo_minutes.value_or(-1), 1440);
  EXPECT_EQ(g.system_owner_user_id, "u1");
  EXPECT_EQ(g.system_admin_user_id, "");
  EXPECT_EQ(g.notes, notes);
  EXPECT_EQ(g.created_by, "u1");
  EXPECT_EQ(g.version, 1);
  auto other = db_->Read([&](Connection& c) { return SystemRepo(c).Get("sys2"); });
  EXPECT_FALSE((*other)->rto_minutes.has_value());
  EXPECT_FALSE((*other)->rpo_minutes.has_value());
  auto none = db_->Read([&](Connection& c) { return SystemRepo(c).Get("nope"); });
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto many = db_->Read([&](Connection& c) { return SystemRepo(c).GetMany({"sys2", "nope", "sys1"}); });
  EXPECT_EQ(many->size(), 2u);
}

TEST_P(SystemRepoTest, SystemsFoundByExactName) {
  ASSERT_TRUE(Write([&](Connection& c) { return InsertSystem(c, "sys1", "住民記録システム"); }).ok());
  ASSERT_TRUE(Write([&](Connection& c) { return InsertSystem(c, "sys2", "庁内LAN"); }).ok());
  ASSERT_TRUE(Write([&](Connection& c) { return InsertSystem(c, "sys3", "庁内LAN"); }).ok());
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
  ASSERT_TRUE(Write([&](Connection& c) { return InsertSystem(c, "sys1", "旧名"); }).ok());
  RegisterRecord s = SystemRow("sys1", "新名", "s1", {{"rto_minutes", int64_t{60}}});
  s.updated_at = 20;
  ASSERT_TRUE(Write([&](Connection& c) { return RegisterRepo(c, SystemsTable()).Update(s); }).ok());
  auto got = db_->Read([&](Connection& c) { return SystemRepo(c).Get("sys1"); });
  EXPECT_EQ((*got)->name, "新名");
  EXPECT_EQ((*got)->version, 2);
  EXPECT_EQ((*got)->rto_minutes.value_or(-1), 60);
  EXPECT_EQ((*got)->updated_at, 20);
  EXPECT_EQ((*got)->created_at, 10);
  // s still carries version 1: stale.
  auto stale = Write([&](Connection& c) { return RegisterRepo(c, SystemsTable()).Update(s); });
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_EQ(Write([&](Connection& c) { return RegisterRepo(c, SystemsTable()).Update(SystemRow("nope", "x")); })
                .error()
                .code,
            ErrorCode::kNotFound);
}

TEST_P(SystemRepoTest, SystemFiltersScopeAndOrder) {
  ASSERT_TRUE(Write([&](Connection& c) -> Status {
    MAMORI_TRY(InsertSystem(c, "x1", "B システム", "s1"));
    MAMORI_TRY(InsertSystem(c, "x2", "A システム", "s2"));
    return InsertSystem(c, "x3", "100%_システム", "b1", {{"network_zone", "internet"}, {"hosting", "external_service"}});
  }).ok());
  auto ids = [&](const RegisterFilter& f) {
    auto list = db_->Read([&](Connection& c) { return RegisterRepo(c, SystemsTable()).List(f, {1, 50}); });
    std::vector<std::string> out;
    for (const auto& s : *list) out.push_back(s.id);
    return out;
  };
  auto count = [&](const RegisterFilter& f) {
    return *db_->Read([&](Connection& c) { return RegisterRepo(c, SystemsTable()).Count(f); });
  };
  EXPECT_EQ(ids({}), (std::vector<std::string>{"x3", "x2", "x1"}));  // by name: digits, then A, then B
  RegisterFilter f;
  f.restrict = true;
  f.org_unit_col = "owner_org_unit_id";
  EXPECT_EQ(count(f), 0);  // an empty scope sees nothing
  f.org_unit_ids = {"s1"};
  EXPECT_EQ(ids(f), (std::vector<std::string>{"x1"}));
  EXPECT_EQ(count(f), 1);
  f.ids = {"x3"};  // a role scoped to the system itself
  EXPECT_EQ(ids(f), (std::vector<std::string>{"x3", "x1"}));
  EXPECT_EQ(count(f), 2);
  f.org_unit_ids.clear();
  EXPECT_EQ(ids(f), (std::vector<std::string>{"x3"}));
  f = {};
  f.eq["network_zone"] = std::string("internet");
  EXPECT_EQ(count(f), 1);
  f = {};
  f.eq["hosting"] = std::string("on_premises");
  EXPECT_EQ(count(f), 2);
  f = {};
  f.eq["owner_org_unit_id"] = std::string("s2");
  EXPECT_EQ(ids(f), (std::vector<std::string>{"x2"}));
  f = {};
  f.q_cols = {"name"};
  f.q = "%";
  EXPECT_EQ(ids(f), (std::vector<std::string>{"x3"}));  // wildcards are literal
  f.q = "_";
  EXPECT_EQ(count(f), 1);
  f.q = "a シス";
  EXPECT_EQ(ids(f), (std::vector<std::string>{"x2"}));  // ASCII case folded on both engines
  auto page = db_->Read([&](Connection& c) { return RegisterRepo(c, SystemsTable()).List({}, {2, 2}); });
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, "x1");
}

INSTANTIATE_TEST_SUITE_P(Engines, SystemRepoTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
