// The organisation and the meta table on both engines: units found by id and code, listed by
// code, named in bulk, the units in use; meta keys set and replaced.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/repos.hpp"
#include "storage/sample_records.hpp"

namespace mamori::storage {
namespace {

class OrgRepoTest : public ConformanceTest {};

OrgUnitRecord Unit(const std::string& id, const std::string& code, const std::string& name, const std::string& kind,
                   const std::string& parent_id) {
  OrgUnitRecord u;
  u.id = id;
  u.code = code;
  u.name = name;
  u.kind = kind;
  u.parent_id = parent_id;
  return u;
}

TEST_P(OrgRepoTest, AUnitRoundTripsAndIsFoundByIdAndByCode) {
  OrgUnitRecord unit = Unit("d1", "0101", "総務課 'x' \"y\"", "department", "b1");
  unit.valid_from = "2026-04-01";
  unit.valid_to = "2027-03-31";
  unit.created_at = 7;
  ASSERT_TRUE(db_->Write([&](Connection& c) { return OrgRepo(c).Insert(unit); }).ok());
  for (auto got : {db_->Read([](Connection& c) { return OrgRepo(c).Get("d1"); }),
                   db_->Read([](Connection& c) { return OrgRepo(c).FindByCode("0101"); })}) {
    ASSERT_TRUE(got.ok() && got->has_value());
    const OrgUnitRecord& g = **got;
    EXPECT_EQ(g.id, "d1");
    EXPECT_EQ(g.code, "0101");
    EXPECT_EQ(g.name, unit.name);
    EXPECT_EQ(g.kind, "department");
    EXPECT_EQ(g.parent_id, "b1");
    EXPECT_EQ(g.valid_from, "2026-04-01");
    EXPECT_EQ(g.valid_to, "2027-03-31");
    EXPECT_EQ(g.created_at, 7);
  }
  auto root = db_->Read([](Connection& c) { return OrgRepo(c).Get("city"); });
  ASSERT_TRUE(root.ok() && root->has_value());
  EXPECT_EQ((*root)->parent_id, "") << "the city root has no parent";
  EXPECT_FALSE(db_->Read([](Connection& c) { return OrgRepo(c).Get("nope"); })->has_value());
  EXPECT_FALSE(db_->Read([](Connection& c) { return OrgRepo(c).FindByCode("d1"); })->has_value())
      << "a code is not an id";
}

TEST_P(OrgRepoTest, IdsAndCodesAreUniqueAndARefusedInsertLeavesNothing) {
  auto same_code = db_->Write([](Connection& c) {
    return OrgRepo(c).Insert(Unit("x1", "s1", "重複", "section", "b1"));
  });
  EXPECT_FALSE(same_code.ok());
  auto same_id = db_->Write([](Connection& c) {
    return OrgRepo(c).Insert(Unit("s1", "new", "重複", "section", "b1"));
  });
  EXPECT_FALSE(same_id.ok());
  EXPECT_EQ(db_->Read([](Connection& c) { return OrgRepo(c).ListAll(); })->size(), 4u);
}

TEST_P(OrgRepoTest, AllUnitsAreListedByCode) {
  ASSERT_TRUE(db_->Write([](Connection& c) {
    return OrgRepo(c).Insert(Unit("z", "a0", "先頭", "section", "b1"));
  }).ok());
  auto all = db_->Read([](Connection& c) { return OrgRepo(c).ListAll(); });
  ASSERT_TRUE(all.ok());
  std::vector<std::string> codes;
  for (const auto& u : *all) codes.push_back(u.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"a0", "b1", "city", "s1", "s2"}));
}

TEST_P(OrgRepoTest, NamesOfLeavesUnknownIdsOut) {
  auto names = db_->Read([](Connection& c) { return OrgRepo(c).NamesOf({"s1", "b1", "nope"}); });
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::map<std::string, std::string>{{"b1", "局1"}, {"s1", "課1"}}));
  EXPECT_TRUE(db_->Read([](Connection& c) { return OrgRepo(c).NamesOf({}); })->empty());
}

TEST_P(OrgRepoTest, UnitsInUseAreThoseOfActiveUsersAndOfAssetsNotDisposed) {
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    UserRepo u(c);
    MAMORI_TRY(u.Insert(sample::User("u1", "taro", "s1")));
    UserRecord gone = sample::User("u2", "jiro", "b1");
    gone.status = "suspended";
    MAMORI_TRY(u.Insert(gone));
    AssetRepo a(c);
    MAMORI_TRY(a.Insert({.id = "a1", .name = "台帳", .kind = "electronic_data", .owner_org_unit_id = "s2",
                         .confidentiality = 2, .integrity = 1, .availability = 1, .state = "in_use",
                         .created_by = "u1", .created_at = 1, .updated_at = 1}));
    return a.Insert({.id = "a2", .name = "廃棄済み", .kind = "electronic_data", .owner_org_unit_id = "city",
                     .confidentiality = 2, .integrity = 1, .availability = 1, .state = "disposed",
                     .created_by = "u1", .created_at = 1, .updated_at = 1});
  }).ok());
  auto in_use = db_->Read([](Connection& c) { return OrgRepo(c).UnitsInUse(); });
  ASSERT_TRUE(in_use.ok());
  std::set<std::string> units(in_use->begin(), in_use->end());
  EXPECT_EQ(units, (std::set<std::string>{"s1", "s2"})) << "not b1 (suspended user), not city (disposed asset)";
}

TEST_P(OrgRepoTest, AMetaKeyIsSetThenReplaced) {
  EXPECT_FALSE(db_->Read([](Connection& c) { return MetaRepo(c).Get("k"); })->has_value());
  ASSERT_TRUE(db_->Write([](Connection& c) { return MetaRepo(c).Set("k", "一"); }).ok());
  ASSERT_TRUE(db_->Write([](Connection& c) { return MetaRepo(c).Set("k", "二"); }).ok());
  auto v = db_->Read([](Connection& c) { return MetaRepo(c).Get("k"); });
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ(**v, "二");
}

INSTANTIATE_TEST_SUITE_P(Engines, OrgRepoTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
