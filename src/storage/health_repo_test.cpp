// The readiness probe and the scrape-time gauges on both engines.
#include "storage/health_repo.hpp"

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/repos.hpp"
#include "storage/sample_records.hpp"

namespace mamori::storage {
namespace {

class HealthRepoTest : public ConformanceTest {
 protected:
  static UserRecord User(const std::string& id, const std::string& status, int64_t locked_until) {
    UserRecord u = sample::User(id, id);
    u.status = status;
    u.locked_until = locked_until;
    return u;
  }
};

TEST_P(HealthRepoTest, APingAnswersOnALiveDatabase) {
  EXPECT_TRUE(db_->Read([](Connection& c) { return HealthRepo(c).Ping(); }).ok());
}

TEST_P(HealthRepoTest, GaugesCountActiveAccountsLockedPastNowAndTheLogHead) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    UserRepo u(c);
    MAMORI_TRY(u.Insert(User("locked", "active", 200)));
    MAMORI_TRY(u.Insert(User("lapsed", "active", 100)));    // lockout over at now = 100
    MAMORI_TRY(u.Insert(User("gone", "suspended", 500)));   // suspended: not a lockout
    MAMORI_TRY(u.Insert(User("free", "active", 0)));
    return AuditRepo(c).SetHead(42, "h");
  }).ok());
  auto g = db_->Read([](Connection& c) { return HealthRepo(c).Gauges(100); });
  ASSERT_TRUE(g.ok()) << g.error().detail;
  EXPECT_EQ(g->locked_accounts, 1);
  EXPECT_EQ(g->log_head_seq, 42);
}

INSTANTIATE_TEST_SUITE_P(Engines, HealthRepoTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
