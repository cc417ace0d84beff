// The storage conformance suite of the database itself — migrations, transactions that commit
// whole or not at all, group commit, concurrency — run unchanged on SQLite and on PostgreSQL
// (MAMORI_TEST_PG_URL; without it the postgres half fails rather than silently skipping). Each
// repository has its own suite beside it (<name>_repo_test.cpp) on the same fixture.
#include "storage/repos.hpp"

#include <cstdlib>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/migrations.hpp"
#include "storage/postgres/pg_db.hpp"
#include "storage/sample_records.hpp"
#include "storage/test_db.hpp"

namespace mamori::storage {
namespace {

class StorageTest : public ConformanceTest {};

using sample::User;

TEST_P(StorageTest, MigrationsAreIdempotent) {
  EXPECT_TRUE(Migrate(*db_).ok());
  auto v = db_->Read([](Connection& c) { return c.QueryInt("SELECT MAX(version) FROM schema_migrations", {}, 0); });
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, LatestSchemaVersion());
}

TEST_P(StorageTest, FailedTransactionLeavesNothing) {
  auto st = db_->Write([&](Connection& c) -> Status {
    MAMORI_TRY(UserRepo(c).Insert(User("u1", "taro")));
    MAMORI_TRY(UserRepo(c).Insert(User("u2", "jiro")));
    return Error::Conflict("later step failed");
  });
  EXPECT_FALSE(st.ok());
  auto n = db_->Read([&](Connection& c) { return UserRepo(c).Count({}); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

TEST_P(StorageTest, ExceptionRollsBack) {
  EXPECT_THROW((void)db_->Write([&](Connection& c) -> Status {
    (void)UserRepo(c).Insert(User("u1", "taro"));
    throw std::runtime_error("boom");
  }), std::runtime_error);
  auto n = db_->Read([&](Connection& c) { return UserRepo(c).Count({}); });
  EXPECT_EQ(*n, 0);
}

TEST_P(StorageTest, ConcurrentWritersAreSerialised) {
  // Eight threads each add ten users through Write(); every insert lands exactly once.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        auto st = db_->Write([&](Connection& c) -> Status {
          MAMORI_ASSIGN(auto head, AuditRepo(c).Head());
          MAMORI_TRY(UserRepo(c).Insert(User(id, "login" + id)));
          return AuditRepo(c).SetHead(head.first + 1, "h");
        });
        if (!st.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto head = db_->Read([&](Connection& c) { return AuditRepo(c).Head(); });
  EXPECT_EQ(head->first, 80);  // no lost update of the head
}

TEST_P(StorageTest, GroupCommitKeepsEachTransactionWholeOrGone) {
  // Many writers at once share commits; every third one fails after writing (half of those
  // on a failed statement — a duplicate login — which aborts a PostgreSQL transaction until
  // its savepoint is rolled back). The others land whole, the failed ones leave nothing, and
  // the head advanced exactly once per kept transaction, in one order.
  ASSERT_TRUE(db_->Write([&](Connection& c) { return UserRepo(c).Insert(User("taken", "taken")); }).ok());
  std::vector<std::thread> threads;
  std::atomic<int> kept{0}, refused{0}, wrong{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const int n = t * 20 + i;
        const std::string id = "g" + std::to_string(n);
        auto st = db_->Write([&](Connection& c) -> Status {
          MAMORI_ASSIGN(auto head, AuditRepo(c).Head());
          MAMORI_TRY(UserRepo(c).Insert(User(id, "login" + id)));
          MAMORI_TRY(AuditRepo(c).SetHead(head.first + 1, id));
          if (n % 3 == 1) return Error::Conflict("refused after writing");
          if (n % 3 == 2 && n % 2 == 0) return UserRepo(c).Insert(User(id + "x", "taken"));
          return Ok();
        });
        const bool should_fail = n % 3 == 1 || (n % 3 == 2 && n % 2 == 0);
        if (st.ok() == should_fail) ++wrong;
        (st.ok() ? kept : refused)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  auto users = db_->Read([&](Connection& c) { return UserRepo(c).Count({}); });
  EXPECT_EQ(*users, kept.load() + 1);
  auto head = db_->Read([&](Connection& c) { return AuditRepo(c).Head(); });
  EXPECT_EQ(head->first, kept.load());
  EXPECT_GT(refused.load(), 0);
}

TEST_P(StorageTest, AWriteInsideAWriteIsRefusedNotADeadlock) {
  auto st = db_->Write([&](Connection& c) -> Status {
    MAMORI_TRY(UserRepo(c).Insert(User("outer", "outer")));
    return db_->Write([&](Connection& inner) { return UserRepo(inner).Insert(User("inner", "inner")); });
  });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(*db_->Read([&](Connection& c) { return UserRepo(c).Count({}); }), 0);
  // The database is still usable afterwards.
  EXPECT_TRUE(db_->Write([&](Connection& c) { return UserRepo(c).Insert(User("after", "after")); }).ok());
}

TEST(PlaceholderTest, RewritesOutsideQuotesOnly) {
  EXPECT_EQ(RewritePlaceholders("SELECT ?, '?', \"?\" WHERE a = ?"), "SELECT $1, '?', \"?\" WHERE a = $2");
}

TEST(DatabaseTest, UnknownUrlRefused) {
  auto db = Database::Open("mysql://x");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().fields[0].field, "db");
}

INSTANTIATE_TEST_SUITE_P(Engines, StorageTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
