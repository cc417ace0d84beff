// Conformance of the asset register repository (the system ledger's is system_repo_test.cpp),
// run unchanged on SQLite and on PostgreSQL (MAMORI_TEST_PG_URL; without it the postgres half fails).
#include <functional>

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/register_repo.hpp"
#include "storage/repos.hpp"
#include "storage/sample_records.hpp"

namespace mamori::storage {
namespace {

class AssetStorageTest : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
      UserRecord u;
      u.id = "u1";
      u.login_id = "taro";
      u.name = "太郎";
      u.org_unit_id = "s1";
      u.employment_type = "regular";
      u.status = "active";
      u.created_at = 1;
      return UserRepo(c).Insert(u);
    }).ok());
  }

  static AssetRecord Asset(const std::string& id, const std::string& name, const std::string& owner = "s1",
                           int64_t c = 2) {
    AssetRecord a;
    a.id = id;
    a.name = name;
    a.kind = "electronic_data";
    a.owner_org_unit_id = owner;
    a.confidentiality = c;
    a.integrity = 1;
    a.availability = 1;
    a.state = "in_use";
    a.created_by = "u1";
    a.created_at = 10;
    a.updated_at = 10;
    return a;
  }

  Status Write(const std::function<Status(Connection&)>& fn) { return db_->Write(fn); }

  int64_t CountAssets(const AssetFilter& f) {
    return *db_->Read([&](Connection& c) { return AssetRepo(c).Count(f); });
  }
  std::vector<std::string> AssetIds(const AssetFilter& f, Page page = {1, 50}) {
    auto list = db_->Read([&](Connection& c) { return AssetRepo(c).List(f, page); });
    std::vector<std::string> out;
    for (const auto& a : *list) out.push_back(a.id);
    return out;
  }
};

TEST_P(AssetStorageTest, AssetRoundTripKeepsEveryField) {
  ASSERT_TRUE(Write([&](Connection& c) { return sample::InsertSystem(c, "sys1", "基幹"); }).ok());
  AssetRecord a = Asset("a1", "住民票データ", "s1", 3);
  a.kind = "removable_medium";
  a.integrity = 2;
  a.availability = 2;
  a.handling = {"複製禁止", "持出禁止", "with \"quotes\" and \\ and ,", ""};
  a.location = "本庁舎3階 書庫";
  a.system_id = "sys1";
  ASSERT_TRUE(Write([&](Connection& c) { return AssetRepo(c).Insert(a); }).ok());
  auto got = db_->Read([&](Connection& c) { return AssetRepo(c).Get("a1"); });
  ASSERT_TRUE(got.ok() && got->has_value());
  const AssetRecord& g = **got;
  EXPECT_EQ(g.name, a.name);
  EXPECT_EQ(g.kind, "removable_medium");
  EXPECT_EQ(g.owner_org_unit_id, "s1");
  EXPECT_EQ(g.confidentiality, 3);
  EXPECT_EQ(g.integrity, 2);
  EXPECT_EQ(g.availability, 2);
  EXPECT_EQ(g.handling, a.handling);
  EXPECT_EQ(g.location, a.location);
  EXPECT_EQ(g.system_id, "sys1");
  EXPECT_EQ(g.state, "in_use");
  EXPECT_EQ(g.created_by, "u1");
  EXPECT_EQ(g.version, 1);
  AssetRecord bare = Asset("a2", "紙の台帳");
  ASSERT_TRUE(Write([&](Connection& c) { return AssetRepo(c).Insert(bare); }).ok());
  auto b = db_->Read([&](Connection& c) { return AssetRepo(c).Get("a2"); });
  EXPECT_TRUE((*b)->handling.empty());
  EXPECT_EQ((*b)->system_id, "");
  EXPECT_EQ((*b)->location, "");
}

TEST_P(AssetStorageTest, AssetNeedsAnExistingOwnerAndSystem) {
  AssetRecord a = Asset("a1", "x");
  a.system_id = "no-such-system";
  EXPECT_FALSE(Write([&](Connection& c) { return AssetRepo(c).Insert(a); }).ok());
  AssetRecord b = Asset("a2", "y", "no-such-unit");
  EXPECT_FALSE(Write([&](Connection& c) { return AssetRepo(c).Insert(b); }).ok());
  EXPECT_EQ(CountAssets({}), 0);
}

TEST_P(AssetStorageTest, AssetUpdateNeedsTheCurrentVersion) {
  ASSERT_TRUE(Write([&](Connection& c) { return AssetRepo(c).Insert(Asset("a1", "旧")); }).ok());
  AssetRecord a = Asset("a1", "新");
  a.state = "taken_out";
  a.handling = {"配布先限定"};
  a.updated_at = 99;
  ASSERT_TRUE(Write([&](Connection& c) { return AssetRepo(c).Update(a); }).ok());
  auto got = db_->Read([&](Connection& c) { return AssetRepo(c).Get("a1"); });
  EXPECT_EQ((*got)->name, "新");
  EXPECT_EQ((*got)->state, "taken_out");
  EXPECT_EQ((*got)->handling, std::vector<std::string>{"配布先限定"});
  EXPECT_EQ((*got)->version, 2);
  EXPECT_EQ((*got)->updated_at, 99);
  EXPECT_EQ((*got)->created_at, 10);
  auto stale = Write([&](Connection& c) { return AssetRepo(c).Update(a); });
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  got = db_->Read([&](Connection& c) { return AssetRepo(c).Get("a1"); });
  EXPECT_EQ((*got)->version, 2);
  EXPECT_EQ(Write([&](Connection& c) { return AssetRepo(c).Update(Asset("nope", "x")); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(AssetStorageTest, AssetFiltersScopeAndRestriction) {
  ASSERT_TRUE(Write([&](Connection& c) -> Status {
    AssetRepo r(c);
    MAMORI_TRY(r.Insert(Asset("a1", "c1 in s1", "s1", 1)));
    MAMORI_TRY(r.Insert(Asset("a2", "c2 in s1", "s1", 2)));
    MAMORI_TRY(r.Insert(Asset("a3", "c3 in s1", "s1", 3)));
    MAMORI_TRY(r.Insert(Asset("a4", "c2 in s2", "s2", 2)));
    AssetRecord a5 = Asset("a5", "c3 in s2", "s2", 3);
    a5.state = "disposed";
    a5.kind = "paper_document";
    MAMORI_TRY(r.Insert(a5));
    return r.Insert(Asset("a6", "c1 in b1", "b1", 1));
  }).ok());
  EXPECT_EQ(CountAssets({}), 6);
  AssetFilter f;
  f.restrict_owners = true;
  EXPECT_EQ(CountAssets(f), 0);  // an empty scope sees nothing, not everything
  f.owner_units = {"s1", "s2"};
  EXPECT_EQ(CountAssets(f), 5);
  // Confidentiality 3 only in s1 (e.g. the actor's own section).
  f.restricted_from = 3;
  f.restricted_units = {"s1"};
  EXPECT_EQ(AssetIds(f), (std::vector<std::string>{"a1", "a2", "a4", "a3"}));  // by name
  f.restricted_units.clear();
  EXPECT_EQ(CountAssets(f), 3);  // no unit: nothing at 3
  f.restricted_all = true;
  EXPECT_EQ(CountAssets(f), 5);
  f = {};
  f.min_confidentiality = 2;
  EXPECT_EQ(CountAssets(f), 4);
  f = {};
  f.state = "disposed";
  EXPECT_EQ(AssetIds(f), (std::vector<std::string>{"a5"}));
  f = {};
  f.kind = "paper_document";
  EXPECT_EQ(CountAssets(f), 1);
  f = {};
  f.owner_org_unit_id = "b1";
  EXPECT_EQ(AssetIds(f), (std::vector<std::string>{"a6"}));
  f = {};
  f.q = "C3 IN";
  EXPECT_EQ(CountAssets(f), 2);
  f.owner_org_unit_id = "s2";
  EXPECT_EQ(AssetIds(f), (std::vector<std::string>{"a5"}));
}

TEST_P(AssetStorageTest, AssetScopeReachesSystemsToo) {
  ASSERT_TRUE(Write([&](Connection& c) -> Status {
    MAMORI_TRY(sample::InsertSystem(c, "sys1", "基幹"));
    AssetRepo r(c);
    AssetRecord a1 = Asset("a1", "of sys1, s2", "s2", 2);
    a1.system_id = "sys1";
    MAMORI_TRY(r.Insert(a1));
    AssetRecord a2 = Asset("a2", "of sys1, s2, c3", "s2", 3);
    a2.system_id = "sys1";
    MAMORI_TRY(r.Insert(a2));
    MAMORI_TRY(r.Insert(Asset("a3", "s1 c3", "s1", 3)));
    return r.Insert(Asset("a4", "s2 plain", "s2", 1));
  }).ok());
  AssetFilter f;
  f.restrict_owners = true;
  f.owner_systems = {"sys1"};
  EXPECT_EQ(AssetIds(f), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(CountAssets(f), 2);
  f.owner_units = {"s1"};
  EXPECT_EQ(AssetIds(f), (std::vector<std::string>{"a1", "a2", "a3"}));
  f.restricted_from = 3;
  EXPECT_EQ(AssetIds(f), (std::vector<std::string>{"a1"}));
  EXPECT_EQ(CountAssets(f), 1);
  f.restricted_systems = {"sys1"};
  EXPECT_EQ(AssetIds(f), (std::vector<std::string>{"a1", "a2"}));
  f.restricted_units = {"s1"};
  EXPECT_EQ(CountAssets(f), 3);
  f.restricted_systems.clear();
  EXPECT_EQ(AssetIds(f), (std::vector<std::string>{"a1", "a3"}));
  f = {};
  f.system_id = "sys1";
  EXPECT_EQ(CountAssets(f), 2);
}

TEST_P(AssetStorageTest, AssetListIsOrderedByNameThenIdAndPaged) {
  ASSERT_TRUE(Write([&](Connection& c) -> Status {
    AssetRepo r(c);
    MAMORI_TRY(r.Insert(Asset("z", "same")));
    MAMORI_TRY(r.Insert(Asset("y", "same")));
    MAMORI_TRY(r.Insert(Asset("m", "100%_off")));
    MAMORI_TRY(r.Insert(Asset("n", "100 percent")));
    return r.Insert(Asset("k", "another\\name"));
  }).ok());
  EXPECT_EQ(AssetIds({}), (std::vector<std::string>{"n", "m", "k", "y", "z"}));
  EXPECT_EQ(AssetIds({}, {2, 2}), (std::vector<std::string>{"k", "y"}));
  EXPECT_EQ(AssetIds({}, {3, 2}), (std::vector<std::string>{"z"}));
  EXPECT_TRUE(AssetIds({}, {4, 2}).empty());
  AssetFilter f;
  f.q = "%";
  EXPECT_EQ(AssetIds(f), (std::vector<std::string>{"m"}));  // wildcards are literal
  f.q = "_";
  EXPECT_EQ(AssetIds(f), (std::vector<std::string>{"m"}));
  f.q = "\\";
  EXPECT_EQ(AssetIds(f), (std::vector<std::string>{"k"}));
}

TEST_P(AssetStorageTest, TotalsFollowEveryChange) {
  // Count sums a per-(owner, confidentiality, state, kind) summary unless the filter names a
  // substring or a system; either way it must equal the rows List finds.
  auto check = [&](const char* what) {
    std::vector<AssetFilter> filters(9);
    filters[1].owner_org_unit_id = "s2";
    filters[2].min_confidentiality = 2;
    filters[3].state = "taken_out";
    filters[4].kind = "terminal";
    filters[5].restrict_owners = true;
    filters[5].owner_units = {"s1", "b1"};
    filters[6].restricted_from = 3;
    filters[6].restricted_units = {"s2"};
    filters[7].q = "asset";
    filters[8].state = "in_use";
    filters[8].restricted_from = 2;
    for (size_t i = 0; i < filters.size(); ++i)
      EXPECT_EQ(CountAssets(filters[i]), static_cast<int64_t>(AssetIds(filters[i], {1, 200}).size()))
          << what << ", filter " << i;
  };
  ASSERT_TRUE(Write([&](Connection& c) -> Status {
    AssetRepo r(c);
    for (int i = 0; i < 12; ++i) {
      AssetRecord a = Asset("a" + std::to_string(i), "asset " + std::to_string(i), i % 3 == 0 ? "s2" : "s1", 1 + i % 3);
      if (i % 4 == 0) a.kind = "terminal";
      MAMORI_TRY(r.Insert(a));
    }
    return Ok();
  }).ok());
  check("after inserts");
  EXPECT_EQ(CountAssets({}), 12);
  // Every grouped column changes, one at a time and all at once.
  auto change = [&](const std::string& id, const std::function<void(AssetRecord&)>& fn) {
    ASSERT_TRUE(Write([&](Connection& c) -> Status {
      MAMORI_ASSIGN(auto cur, AssetRepo(c).Get(id));
      AssetRecord next = *cur;
      fn(next);
      return AssetRepo(c).Update(next);
    }).ok());
  };
  change("a1", [](AssetRecord& a) { a.state = "taken_out"; });
  change("a2", [](AssetRecord& a) { a.owner_org_unit_id = "s2"; });
  change("a4", [](AssetRecord& a) { a.confidentiality = 3; });
  change("a5", [](AssetRecord& a) { a.kind = "terminal"; });
  change("a7", [](AssetRecord& a) {
    a.state = "disposed";
    a.owner_org_unit_id = "b1";
    a.confidentiality = 1;
    a.kind = "server";
  });
  change("a8", [](AssetRecord& a) { a.name = "renamed"; });  // no grouped column
  check("after updates");
  // A stale update and a rolled-back one leave the totals alone.
  AssetRecord stale = Asset("a1", "x", "b1", 3);
  EXPECT_FALSE(Write([&](Connection& c) { return AssetRepo(c).Update(stale); }).ok());
  EXPECT_FALSE(Write([&](Connection& c) -> Status {
    MAMORI_ASSIGN(auto cur, AssetRepo(c).Get("a3"));
    cur->state = "provided";
    MAMORI_TRY(AssetRepo(c).Update(*cur));
    MAMORI_TRY(AssetRepo(c).Insert(Asset("a99", "late")));
    return Error::Conflict("later step failed");
  }).ok());
  check("after failures");
  EXPECT_EQ(CountAssets({}), 12);
  AssetFilter provided;
  provided.state = "provided";
  EXPECT_EQ(CountAssets(provided), 0);
}

TEST_P(AssetStorageTest, AuditEntriesOfOneTargetNewestFirst) {
  ASSERT_TRUE(Write([&](Connection& c) -> Status {
    AuditRepo a(c);
    for (int i = 1; i <= 6; ++i) {
      LogEntryRecord e{i, 100 * i, "u1", "taro", "-", "-", i == 1 ? "asset.create" : "asset.update",
                       i % 2 ? "asset:a1" : "asset:a2", "success", "", "{}", "p", "h"};
      MAMORI_TRY(a.Insert(e));
    }
    return a.SetHead(6, "h");
  }).ok());
  LogFilter f;
  f.target = "asset:a1";
  auto list = db_->Read([&](Connection& c) { return AuditRepo(c).List(f, {1, 50}); });
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].seq, 5);
  EXPECT_EQ((*list)[2].action, "asset.create");
  EXPECT_EQ(*db_->Read([&](Connection& c) { return AuditRepo(c).Count(f); }), 3);
  f.target = "asset:a";
  EXPECT_EQ(*db_->Read([&](Connection& c) { return AuditRepo(c).Count(f); }), 0);  // exact, not a prefix
}

TEST_P(AssetStorageTest, FailedTransactionLeavesNoAsset) {
  auto st = Write([&](Connection& c) -> Status {
    MAMORI_TRY(sample::InsertSystem(c, "sys1", "x"));
    MAMORI_TRY(AssetRepo(c).Insert(Asset("a1", "x")));
    return Error::Conflict("later step failed");
  });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(CountAssets({}), 0);
  EXPECT_EQ(*db_->Read([&](Connection& c) { return RegisterRepo(c, SystemsTable()).Count({}); }), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, AssetStorageTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
