#include "domain/health_service.hpp"

#include <gtest/gtest.h>

#include "domain/test_env.hpp"

namespace mamori::domain {
namespace {

using testing::TestEnv;

TEST(HealthServiceTest, AFreshNodeIsReadyBeforeAnyVerification) {
  TestEnv t;
  LogService logs(*t.env);
  HealthService health(*t.env, logs);
  auto r = health.Ready();
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_FALSE(r->checked);
  EXPECT_TRUE(r->ok);
}

TEST(HealthServiceTest, AnIntactVerifiedLogIsReadyWithTheSeqItVerified) {
  TestEnv t;
  LogService logs(*t.env);
  ASSERT_TRUE(logs.Check(/*tail_only=*/false).ok());
  auto r = HealthService(*t.env, logs).Ready();
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_TRUE(r->checked);
  EXPECT_EQ(r->verified_seq, t.LogHead());
}

TEST(HealthServiceTest, ABrokenLogMakesTheNodeUnavailableNamingTheFirstBadSeq) {
  TestEnv t;
  LogService logs(*t.env);
  // Someone with the server's disk edits the first entry behind mamori's back.
  ASSERT_TRUE(t.tdb.db()->Write([](storage::Connection& c) -> Status {
    MAMORI_ASSIGN(int64_t n, c.Execute("UPDATE audit_log SET detail = 'edited' WHERE seq = 1"));
    if (n != 1) return Error::Internal("no entry 1");
    return Ok();
  }).ok());
  (void)logs.Check(/*tail_only=*/false);
  auto r = HealthService(*t.env, logs).Ready();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().detail.find("seq 1"), std::string::npos) << r.error().detail;
}

TEST(HealthServiceTest, GaugesCountOnlyAccountsStillLockedAndTheLogHead) {
  TestEnv t;
  const int64_t now = t.clock.NowMicros();
  auto locked = t.AddUser("locked1", t.section_a, "Gr33n-Tea!Kyoto");
  auto expired = t.AddUser("locked2", t.section_a, "Gr33n-Tea!Kyoto");
  (void)t.AddUser("free", t.section_a, "Gr33n-Tea!Kyoto");
  locked.locked_until = now + 60 * kMicrosPerSecond;
  expired.locked_until = now - 1;
  ASSERT_TRUE(t.tdb.db()->Write([&](storage::Connection& c) -> Status {
    MAMORI_TRY(storage::UserRepo(c).Update(locked));
    return storage::UserRepo(c).Update(expired);
  }).ok());
  LogService logs(*t.env);
  auto g = HealthService(*t.env, logs).Gauges();
  ASSERT_TRUE(g.ok()) << g.error().detail;
  EXPECT_EQ(g->locked_accounts, 1);
  EXPECT_EQ(g->log_head_seq, t.LogHead());
  EXPECT_GT(g->log_head_seq, 1);
}

}  // namespace
}  // namespace mamori::domain
