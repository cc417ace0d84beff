#include "domain/refusal_log.hpp"

#include <gtest/gtest.h>

#include "domain/test_env.hpp"

namespace mamori::domain {
namespace {

using testing::TestEnv;

constexpr int64_t kWindow = 60 * kMicrosPerSecond;

std::vector<storage::LogEntryRecord> Denied(TestEnv& t) {
  std::vector<storage::LogEntryRecord> out;
  (void)t.tdb.db()->Read([&](storage::Connection& c) {
    return storage::AuditRepo(c).Scan(1, 0, [&](storage::LogEntryRecord&& e) {
      if (e.result == "denied") out.push_back(std::move(e));
    });
  });
  return out;
}

audit::Event Attempt(const std::string& session, const std::string& target) {
  audit::Event e;
  e.actor = "u1";
  e.actor_login = "taro";
  e.session = session;
  e.address = "10.0.0.5";
  e.action = "request.approve";
  e.target = target;
  return e;
}

Error SelfApproval() {
  return Error{ErrorCode::kSeparationOfDuties, "自分の申請は承認できません", "kobe:3.2.10ア", {}};
}

TEST(RefusalKinds, PolicyAndDutyAndThrottleAreAlwaysRecordedForbiddenOnlyOnAChange) {
  EXPECT_TRUE(IsRecordedRefusal(ErrorCode::kPolicyDenied, false));
  EXPECT_TRUE(IsRecordedRefusal(ErrorCode::kSeparationOfDuties, true));
  EXPECT_TRUE(IsRecordedRefusal(ErrorCode::kRateLimited, false));
  EXPECT_TRUE(IsRecordedRefusal(ErrorCode::kForbidden, true));
  EXPECT_FALSE(IsRecordedRefusal(ErrorCode::kForbidden, false));
  EXPECT_FALSE(IsRecordedRefusal(ErrorCode::kValidationFailed, true));
  EXPECT_FALSE(IsRecordedRefusal(ErrorCode::kNotFound, true));
}

TEST(RefusalLog, ARefusalIsWrittenAtOnceAsDeniedWithItsClauseTargetAndReason) {
  TestEnv t;
  RefusalLog refusals(*t.env, kWindow);
  ASSERT_TRUE(refusals.Record(Attempt("s1", "request:r1"), SelfApproval()).ok());
  auto denied = Denied(t);
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0].action, "request.approve");
  EXPECT_EQ(denied[0].target, "request:r1");
  EXPECT_EQ(denied[0].clause, "kobe:3.2.10ア");
  EXPECT_EQ(denied[0].actor_login, "taro");
  auto detail = nlohmann::json::parse(denied[0].detail);
  EXPECT_EQ(detail["code"], "separation_of_duties");
  EXPECT_EQ(detail["reason"], "自分の申請は承認できません");
  EXPECT_TRUE(t.VerifyLog().ok);
}

TEST(RefusalLog, AForbiddenChangeWithoutClauseCitesThePacksAccessControlClause) {
  TestEnv t;
  RefusalLog refusals(*t.env, kWindow);
  ASSERT_TRUE(refusals.Record(Attempt("s1", "user:u9"), Error::Forbidden()).ok());
  // Kobe: systems restrict whoever has no right of access (kobe:8.2.1ア).
  EXPECT_EQ(Denied(t).at(0).clause, "kobe:8.2.1ア");
  ASSERT_TRUE(refusals.Record(Attempt("s1", "-"), Error{ErrorCode::kRateLimited, "多すぎます", "", {}}).ok());
  // Throttled sign-ins: the login limits of kobe:8.2.5.
  EXPECT_EQ(Denied(t).at(1).clause, "kobe:8.2.5");
}

TEST(RefusalLog, IdenticalRefusalsInTheWindowAreCountedInOneEntryWrittenWhenTheWindowCloses) {
  TestEnv t;
  RefusalLog refusals(*t.env, kWindow);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(refusals.Record(Attempt("s1", "request:r1"), SelfApproval()).ok());
    t.clock.Advance(100'000);
  }
  EXPECT_EQ(Denied(t).size(), 1u) << "49 repeats within the window are only counted";
  EXPECT_EQ(*refusals.Flush(), 0) << "the window is still open";
  t.clock.Advance(kWindow);
  EXPECT_EQ(*refusals.Flush(), 1);
  auto denied = Denied(t);
  ASSERT_EQ(denied.size(), 2u);
  auto detail = nlohmann::json::parse(denied[1].detail);
  EXPECT_EQ(detail["repeated"], 49);
  EXPECT_EQ(denied[1].target, "request:r1");
  EXPECT_EQ(denied[1].clause, "kobe:3.2.10ア");
  EXPECT_EQ(refusals.open_windows(), 0u);
  EXPECT_TRUE(t.VerifyLog().ok);
}

TEST(RefusalLog, OtherSessionsTargetsOrCodesAreNotIdentical) {
  TestEnv t;
  RefusalLog refusals(*t.env, kWindow);
  ASSERT_TRUE(refusals.Record(Attempt("s1", "request:r1"), SelfApproval()).ok());
  ASSERT_TRUE(refusals.Record(Attempt("s2", "request:r1"), SelfApproval()).ok());
  ASSERT_TRUE(refusals.Record(Attempt("s1", "request:r2"), SelfApproval()).ok());
  ASSERT_TRUE(refusals.Record(Attempt("s1", "request:r1"), Error::Forbidden()).ok());
  // Another rule refusing the same call is another refusal.
  ASSERT_TRUE(refusals.Record(Attempt("s1", "request:r1"),
                              Error{ErrorCode::kSeparationOfDuties, "別の理由", "kobe:3.2.10イ", {}}).ok());
  EXPECT_EQ(Denied(t).size(), 5u);
}

TEST(RefusalLog, TwoDifferentCallsRefusedByOneRuleAreTwoRefusalsOneCallSentTwiceIsOne) {
  TestEnv t;
  RefusalLog refusals(*t.env, kWindow);
  ASSERT_TRUE(refusals.Record(Attempt("s1", "-"), SelfApproval(), "body-a").ok());
  ASSERT_TRUE(refusals.Record(Attempt("s1", "-"), SelfApproval(), "body-b").ok());
  ASSERT_TRUE(refusals.Record(Attempt("s1", "-"), SelfApproval(), "body-a").ok());
  EXPECT_EQ(Denied(t).size(), 2u);
}

TEST(RefusalLog, WithoutASessionOneAddressIsOneCaller) {
  TestEnv t;
  RefusalLog refusals(*t.env, kWindow);
  audit::Event anon;
  anon.action = "auth.login";
  anon.address = "192.0.2.7";
  const Error throttled{ErrorCode::kRateLimited, "試行が多すぎます", "", {}};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(refusals.Record(anon, throttled).ok());
  anon.address = "192.0.2.8";
  ASSERT_TRUE(refusals.Record(anon, throttled).ok());
  EXPECT_EQ(Denied(t).size(), 2u);
}

TEST(RefusalLog, ARefusalAfterTheWindowWritesTheCountThenItself) {
  TestEnv t;
  RefusalLog refusals(*t.env, kWindow);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(refusals.Record(Attempt("s1", "request:r1"), SelfApproval()).ok());
  t.clock.Advance(kWindow + 1);
  ASSERT_TRUE(refusals.Record(Attempt("s1", "request:r1"), SelfApproval()).ok());
  auto denied = Denied(t);
  ASSERT_EQ(denied.size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(denied[1].detail)["repeated"], 2);
  EXPECT_FALSE(nlohmann::json::parse(denied[2].detail).contains("repeated"));
}

TEST(RefusalLog, ShutdownFlushWritesOpenCountsAndAWindowWithoutRepeatsWritesNothingMore) {
  TestEnv t;
  RefusalLog refusals(*t.env, kWindow);
  ASSERT_TRUE(refusals.Record(Attempt("s1", "request:r1"), SelfApproval()).ok());
  ASSERT_TRUE(refusals.Record(Attempt("s1", "request:r1"), SelfApproval()).ok());
  ASSERT_TRUE(refusals.Record(Attempt("s1", "request:r2"), SelfApproval()).ok());
  EXPECT_EQ(*refusals.Flush(true), 1) << "only the window with a repeat has a count to write";
  EXPECT_EQ(Denied(t).size(), 3u);
}

TEST(RefusalLog, PastTheBoundEveryRefusalIsWrittenNothingGoesUncounted) {
  TestEnv t;
  RefusalLog refusals(*t.env, kWindow, /*max_open=*/2);
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(refusals.Record(Attempt("s" + std::to_string(i), "request:r1"), SelfApproval()).ok());
  // Two windows are open; the third and fourth caller are written but not windowed.
  ASSERT_TRUE(refusals.Record(Attempt("s3", "request:r1"), SelfApproval()).ok());
  EXPECT_EQ(refusals.open_windows(), 2u);
  EXPECT_EQ(Denied(t).size(), 5u);
}

}  // namespace
}  // namespace mamori::domain
