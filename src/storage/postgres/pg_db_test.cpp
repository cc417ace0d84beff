// What the application sees when its PostgreSQL server goes away (a failover): `unavailable`
// with Retry-After instead of an internal error, broken connections dropped from the pool, and a
// new connection on the next call. A lost server is simulated by pg_terminate_backend on the
// test's own connection (the same FATAL 57P01 a stopped or killed server gives), a demoted
// primary by a read-only transaction. Runs against MAMORI_TEST_PG_URL.
#include "storage/postgres/pg_db.hpp"

#include <gtest/gtest.h>

#include "storage/test_db.hpp"

namespace mamori::storage {
namespace {

constexpr std::string_view kCreateProbe = "CREATE TABLE failover_probe (x INTEGER NOT NULL)";
constexpr std::string_view kInsertProbe = "INSERT INTO failover_probe (x) VALUES (?)";
constexpr std::string_view kCountProbe = "SELECT COUNT(*) FROM failover_probe WHERE x = ?";
constexpr std::string_view kBackendPid = "SELECT pg_backend_pid()";
// Waits (up to 5 s) until the backend has really gone.
constexpr std::string_view kTerminate = "SELECT pg_terminate_backend(?, 5000)";

class PgFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<TestDatabase>("postgres");
    ASSERT_NE(tdb_->db(), nullptr) << "cannot open a postgres test database (is MAMORI_TEST_PG_URL set?)";
    db_ = tdb_->db();
    ASSERT_TRUE(db_->Read([](Connection& c) { return c.ExecScript(kCreateProbe); }).ok());
    // A second pool plays the part of whatever ends the first one's connections.
    auto killer = Database::Open(tdb_->url(), 1);
    ASSERT_TRUE(killer.ok());
    killer_ = std::move(killer).value();
  }

  // Ends the server side of `c` (as a server shutdown or crash does for its clients).
  void Terminate(Connection& c) {
    auto pid = c.QueryInt(kBackendPid, {}, 0);
    ASSERT_TRUE(pid.ok());
    auto done = killer_->Read([&](Connection& k) { return k.QueryInt(kTerminate, {*pid}, 0); });
    ASSERT_TRUE(done.ok());
    ASSERT_EQ(*done, 1);
  }

  int64_t Count(int64_t x) {
    auto n = killer_->Read([&](Connection& k) { return k.QueryInt(kCountProbe, {x}, -1); });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }

  static void ExpectUnavailable(const Error& e) {
    EXPECT_EQ(e.code, ErrorCode::kUnavailable) << e.detail;
    EXPECT_GT(e.retry_after_seconds, 0);
    EXPECT_TRUE(e.fields.empty());
  }

  std::unique_ptr<TestDatabase> tdb_;
  Database* db_ = nullptr;
  std::unique_ptr<Database> killer_;
};

TEST(PgUnavailableStateTest, ConnectionShutdownReadOnlyAndFullServerAreUnavailableOthersAreNot) {
  for (const char* s : {"08000", "08003", "08006", "08001", "57P01", "57P02", "57P03", "25006", "53300"})
    EXPECT_TRUE(IsUnavailableState(s)) << s;
  // Errors of the statement itself stay errors: unique violation, syntax, serialization, none.
  for (const char* s : {"23505", "42601", "40001", "57014", "25P02", ""}) EXPECT_FALSE(IsUnavailableState(s)) << s;
}

TEST_F(PgFailoverTest, AWriteOnAPooledConnectionWhoseServerWentAwayIsRetriedOnANewConnection) {
  // Leave one connection in the pool, then end it behind the pool's back.
  ASSERT_TRUE(db_->Read([&](Connection& c) -> Status {
    Terminate(c);
    return Ok();
  }).ok());
  // Nothing of the transaction had reached the dead server: the write goes through at once.
  auto st = db_->Write([](Connection& c) { return c.Execute(kInsertProbe, {int64_t{1}}); });
  ASSERT_TRUE(st.ok()) << st.error().detail;
  EXPECT_EQ(Count(1), 1);
}

TEST_F(PgFailoverTest, AConnectionLostInsideATransactionAnswersUnavailableAndCommitsNothing) {
  auto st = db_->Write([&](Connection& c) -> Status {
    MAMORI_TRY(c.Execute(kInsertProbe, {int64_t{2}}));
    Terminate(c);
    MAMORI_TRY(c.Execute(kInsertProbe, {int64_t{3}}));
    return Ok();
  });
  ASSERT_FALSE(st.ok());
  ExpectUnavailable(st.error());
  EXPECT_EQ(Count(2), 0);
  EXPECT_EQ(Count(3), 0);
  // The broken connection left the pool: the next write reconnects on its own.
  auto again = db_->Write([](Connection& c) { return c.Execute(kInsertProbe, {int64_t{4}}); });
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_EQ(Count(4), 1);
}

TEST_F(PgFailoverTest, AConnectionLostAtCommitIsNeverReportedAsDone) {
  // The commit hook runs inside the transaction just before COMMIT: end the link there, so
  // COMMIT itself meets the dead connection.
  db_->SetCommitHook([&](Connection& c) -> std::function<void()> {
    Terminate(c);
    return [] { ADD_FAILURE() << "the after-commit step ran although COMMIT failed"; };
  });
  auto st = db_->Write([](Connection& c) { return c.Execute(kInsertProbe, {int64_t{5}}); });
  ASSERT_FALSE(st.ok());
  ExpectUnavailable(st.error());
  // The detail tells the user the outcome is not known (to check before repeating).
  EXPECT_NE(st.error().detail.find("確認できません"), std::string::npos) << st.error().detail;
  EXPECT_EQ(Count(5), 0);
}

TEST_F(PgFailoverTest, AWriteOnAServerThatBecameReadOnlyAnswersUnavailableAndTheConnectionIsDropped) {
  // A demoted primary accepts the connection but refuses writes (25006).
  int64_t pid_before = 0;
  auto st = db_->Write([&](Connection& c) -> Status {
    MAMORI_ASSIGN(pid_before, c.QueryInt(kBackendPid, {}, 0));
    MAMORI_TRY(c.ExecScript("SET TRANSACTION READ ONLY"));
    MAMORI_TRY(c.Execute(kInsertProbe, {int64_t{6}}));
    return Ok();
  });
  ASSERT_FALSE(st.ok());
  ExpectUnavailable(st.error());
  EXPECT_EQ(Count(6), 0);
  // That connection is not reused: a new one (here to a writable server) takes the next write.
  int64_t pid_after = 0;
  auto again = db_->Write([&](Connection& c) -> Status {
    MAMORI_ASSIGN(pid_after, c.QueryInt(kBackendPid, {}, 0));
    MAMORI_TRY(c.Execute(kInsertProbe, {int64_t{7}}));
    return Ok();
  });
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_GT(pid_after, 0);
  EXPECT_NE(pid_after, pid_before);
  EXPECT_EQ(Count(7), 1);
}

TEST(PgConnectTest, NoServerListeningAnswersUnavailableWithRetryAfter) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  auto db = Database::Open("postgresql://mamori@127.0.0.1:1,127.0.0.1:2/mamori?target_session_attrs=read-write");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
  EXPECT_GT(db.error().retry_after_seconds, 0);
}

}  // namespace
}  // namespace mamori::storage
