#include "storage/snapshot.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "storage/migrations.hpp"
#include "storage/repos.hpp"
#include "storage/test_db.hpp"

namespace mamori::storage {
namespace {

namespace fs = std::filesystem;

class SnapshotTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<TestDatabase>(GetParam());
    ASSERT_NE(tdb_->db(), nullptr) << "no " << GetParam() << " test database (MAMORI_TEST_PG_URL unset?)";
  }
  Status SetHead(int64_t seq) {
    return tdb_->db()->Write([&](Connection& c) { return AuditRepo(c).SetHead(seq, std::string(64, 'a')); });
  }
  std::unique_ptr<TestDatabase> tdb_;
};

TEST_P(SnapshotTest, FactsNameTheSchemaVersionAndTheLogHead) {
  ASSERT_TRUE(SetHead(42).ok());
  auto f = tdb_->db()->Read([](Connection& c) { return ReadFacts(c); });
  ASSERT_TRUE(f.ok()) << f.error().detail;
  EXPECT_EQ(f->schema_version, LatestSchemaVersion());
  EXPECT_EQ(f->head_seq, 42);
  EXPECT_EQ(f->head_hash, std::string(64, 'a'));
  if (GetParam() == "postgres") {
    EXPECT_GE(f->pg_server_major, 15);
    EXPECT_EQ(f->pg_schema.rfind("t_", 0), 0u) << f->pg_schema;
  }
  auto empty = tdb_->db()->Read([](Connection& c) { return IsEmptyTarget(c); });
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(*empty);
}

TEST_P(SnapshotTest, ASnapshotSeesTheDatabaseAsItWasWhenItWasTaken) {
  ASSERT_TRUE(SetHead(1).ok());
  if (GetParam() == "postgres") {
    auto snap = PgExportedSnapshot::Begin(*tdb_->db());
    ASSERT_TRUE(snap.ok()) << snap.error().detail;
    EXPECT_FALSE((*snap)->id().empty());
    ASSERT_TRUE(SetHead(2).ok());  // committed by another connection after the snapshot
    auto f = ReadFacts((*snap)->conn());
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->head_seq, 1);
    return;
  }
  const std::string src = tdb_->url().substr(7);
  const std::string copy = src + ".copy";
  // A writer keeps committing while the copy is taken; the copy is one of its states.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int64_t s = 2; !stop; ++s) (void)SetHead(s);
  });
  auto facts = SqliteSnapshot(src, copy);
  stop = true;
  writer.join();
  ASSERT_TRUE(facts.ok()) << facts.error().detail;
  EXPECT_FALSE(fs::exists(copy + "-wal"));
  {
    auto db = Database::Open("sqlite:" + copy, 1);
    ASSERT_TRUE(db.ok());
    auto f = (*db)->Read([](Connection& c) { return ReadFacts(c); });
    ASSERT_TRUE(f.ok());
    EXPECT_GE(f->head_seq, 1);
    EXPECT_EQ(f->schema_version, LatestSchemaVersion());
    // The facts read with the copy are the copy's own, though the writer went on.
    EXPECT_EQ(facts->head_seq, f->head_seq);
    EXPECT_EQ(facts->schema_version, f->schema_version);
  }
  EXPECT_FALSE(SqliteSnapshot(src, copy).ok()) << "an existing copy is never overwritten";
  fs::remove(copy);
  fs::remove(copy + "-wal");
  fs::remove(copy + "-shm");
}

TEST(SnapshotTargets, AFreshDatabaseIsAnEmptyTarget) {
  char tmpl[] = "/tmp/snapshot-empty-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  {
    auto db = Database::Open(std::string("sqlite:") + tmpl + "/x.db", 1);
    ASSERT_TRUE(db.ok());
    auto empty = (*db)->Read([](Connection& c) { return IsEmptyTarget(c); });
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(*empty);
  }
  fs::remove_all(tmpl);
}

INSTANTIATE_TEST_SUITE_P(Engines, SnapshotTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
