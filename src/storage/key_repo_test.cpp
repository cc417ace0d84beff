// The sealing storage on both engines: wrapped data keys in order, re-wrapping, and the narrow
// updates of the re-seal pass (no version bump).
#include "storage/key_repo.hpp"

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/repos.hpp"

namespace mamori::storage {
namespace {

class KeyRepoTest : public ConformanceTest {};

TEST_P(KeyRepoTest, KeysAreListedInTheOrderAddedAndRewrappedOneByOne) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    DataKeyRepo keys(c);
    MAMORI_ASSIGN(int64_t a, keys.Insert({.id = "ka", .wrapped = "w1", .master_id = "file:1", .created_at = 5}));
    MAMORI_ASSIGN(int64_t b, keys.Insert({.id = "kb", .wrapped = "w2", .master_id = "file:1", .created_at = 4}));
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, 2);
    return keys.Rewrap("ka", "w1b", "file:2");
  }).ok());
  auto list = *db_->Read([&](Connection& c) { return DataKeyRepo(c).List(); });
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "ka");
  EXPECT_EQ(list[0].wrapped, "w1b");
  EXPECT_EQ(list[0].master_id, "file:2");
  EXPECT_EQ(list[1].id, "kb") << "the newest added is last (the current key), whatever its clock said";
  auto missing = db_->Write([&](Connection& c) { return DataKeyRepo(c).Rewrap("nope", "x", "y"); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto duplicate = db_->Write([&](Connection& c) -> Status {
    MAMORI_TRY(DataKeyRepo(c).Insert({.id = "ka", .wrapped = "w", .master_id = "m", .created_at = 1}));
    return Ok();
  });
  EXPECT_FALSE(duplicate.ok());
  EXPECT_EQ(db_->Read([&](Connection& c) { return DataKeyRepo(c).List(); })->size(), 2u) << "nothing half-written";
}

TEST_P(KeyRepoTest, TheResealWritesOnlyTheTextAndKeepsTheVersion) {
  AssetRecord a{.id = "a1", .name = "名前", .kind = "electronic_data", .owner_org_unit_id = "s1",
                .confidentiality = 3, .integrity = 1, .availability = 1, .handling = {"持出禁止"},
                .location = "書庫", .system_id = "", .state = "in_use", .created_by = "t", .created_at = 1,
                .updated_at = 1, .version = 4};
  ASSERT_TRUE(db_->Write([&](Connection& c) { return AssetRepo(c).Insert(a); }).ok());
  a.name = "新しい名前";
  a.location = "";
  a.handling = {"x"};
  ASSERT_TRUE(db_->Write([&](Connection& c) { return SealedRowRepo(c).SetAssetText(a); }).ok());
  auto got = **db_->Read([&](Connection& c) { return AssetRepo(c).Get("a1"); });
  EXPECT_EQ(got.name, "新しい名前");
  EXPECT_EQ(got.location, "");
  EXPECT_EQ(got.handling, std::vector<std::string>{"x"});
  EXPECT_EQ(got.version, 4);
  auto ids = *db_->Read([&](Connection& c) { return SealedRowRepo(c).AssetIdsAfter("", 10); });
  EXPECT_EQ(ids, std::vector<std::string>{"a1"});
  EXPECT_TRUE(db_->Read([&](Connection& c) { return SealedRowRepo(c).AssetIdsAfter("a1", 10); })->empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, KeyRepoTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
