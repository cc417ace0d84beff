#include "domain/auth_service.hpp"

#include <gtest/gtest.h>

#include "auth/totp.hpp"
#include "domain/test_env.hpp"

namespace mamori::domain {
namespace {

using testing::TestEnv;

constexpr const char* kPw = "Gr33n-Tea!Kyoto";

class AuthServiceTest : public ::testing::Test {
 protected:
  AuthServiceTest() : auth_(*t_.env) {}

  // Enrols TOTP on a fresh login and returns the raw secret; `login` becomes the renewed
  // session (enrolment is a step up: a new token).
  std::string Enrol(LoginResult& login) {
    auto en = auth_.StartTotp(login.state);
    EXPECT_TRUE(en.ok());
    std::string secret = *auth::Base32Decode(en->secret_base32);
    auto renewed = auth_.ConfirmTotp(login.state, Code(secret));
    EXPECT_TRUE(renewed.ok());
    if (renewed.ok()) login = *renewed;
    return secret;
  }
  std::string Code(const std::string& secret) { return auth::TotpCode(secret, t_.clock.NowSeconds() / 30); }

  TestEnv t_;
  AuthService auth_;
};

TEST_F(AuthServiceTest, LockoutAfterPackFailuresThenUnlocksAfterPackMinutes) {
  t_.AddUser("taro", t_.section_a, kPw);
  for (int i = 0; i < t_.pack.auth.lockout.max_failures; ++i) {
    auto r = auth_.Login("taro", "wrong-password", "10.0.0.9");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidCredentials);
  }
  // Locked: the right password gets exactly the same answer as a wrong one or an unknown ID.
  auto locked = auth_.Login("taro", kPw, "10.0.0.9");
  auto unknown = auth_.Login("nobody", kPw, "10.0.0.9");
  ASSERT_FALSE(locked.ok());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(locked.error().code, unknown.error().code);
  EXPECT_EQ(locked.error().detail, unknown.error().detail);
  t_.clock.Advance((t_.pack.auth.lockout.lock_minutes - 1) * kMicrosPerMinute);
  EXPECT_FALSE(auth_.Login("taro", kPw, "10.0.0.9").ok());
  t_.clock.Advance(2 * kMicrosPerMinute);
  EXPECT_TRUE(auth_.Login("taro", kPw, "10.0.0.9").ok());
  EXPECT_TRUE(t_.VerifyLog().ok);
}

TEST_F(AuthServiceTest, EveryAttemptIsLoggedWithAddress) {
  t_.AddUser("taro", t_.section_a, kPw);
  const int64_t before = t_.LogHead();
  (void)auth_.Login("taro", "nope", "192.0.2.7");
  (void)auth_.Login("ghost", "nope", "192.0.2.8");
  ASSERT_TRUE(auth_.Login("taro", kPw, "192.0.2.9").ok());
  storage::LogFilter logins;
  logins.action = "auth.login";
  auto entries = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::AuditRepo(c).List(logins, {1, 10}); });
  ASSERT_EQ(t_.LogHead() - before, 3);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].result, "success");
  EXPECT_EQ(entries[0].address, "192.0.2.9");
  EXPECT_EQ(entries[1].result, "failure");
  EXPECT_EQ(entries[1].actor_login, "ghost");
  EXPECT_EQ(entries[2].address, "192.0.2.7");
  EXPECT_EQ(entries[2].clause, "kobe:8.2.5");
}

TEST_F(AuthServiceTest, PreviousLoginIsReported) {
  t_.AddUser("taro", t_.section_a, kPw);
  auto first = auth_.Login("taro", kPw, "10.0.0.1");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->state.session.prev_login_at, 0);
  t_.clock.Advance(kMicrosPerHour);
  auto second = auth_.Login("taro", kPw, "10.0.0.2");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->state.session.prev_login_address, "10.0.0.1");
  EXPECT_EQ(second->state.session.prev_login_at, t_.clock.NowMicros() - kMicrosPerHour);
}

TEST_F(AuthServiceTest, IdleAndAbsoluteTimeouts) {
  t_.AddUser("taro", t_.section_a, kPw);
  auto login = auth_.Login("taro", kPw, "10.0.0.1");
  ASSERT_TRUE(login.ok());
  t_.clock.Advance((t_.pack.auth.session.idle_minutes - 1) * kMicrosPerMinute);
  ASSERT_TRUE(auth_.Authenticate(login->token, "10.0.0.1").ok());
  t_.clock.Advance((t_.pack.auth.session.idle_minutes + 1) * kMicrosPerMinute);
  auto idle = auth_.Authenticate(login->token, "10.0.0.1");
  ASSERT_FALSE(idle.ok());
  EXPECT_EQ(idle.error().code, ErrorCode::kUnauthenticated);
  // Once ended, always ended.
  t_.clock.Advance(-(t_.pack.auth.session.idle_minutes + 1) * kMicrosPerMinute);
  EXPECT_FALSE(auth_.Authenticate(login->token, "10.0.0.1").ok());

  auto busy = auth_.Login("taro", kPw, "10.0.0.1");
  ASSERT_TRUE(busy.ok());
  const int64_t steps = t_.pack.auth.session.absolute_hours * 60 / 10;
  for (int64_t i = 0; i < steps - 1; ++i) {
    t_.clock.Advance(10 * kMicrosPerMinute);
    ASSERT_TRUE(auth_.Authenticate(busy->token, "10.0.0.1").ok()) << i;
  }
  t_.clock.Advance(11 * kMicrosPerMinute);
  EXPECT_FALSE(auth_.Authenticate(busy->token, "10.0.0.1").ok());
}

TEST_F(AuthServiceTest, TotpEnrolmentAndNoCodeTwice) {
  t_.AddUser("taro", t_.section_a, kPw);
  auto login = auth_.Login("taro", kPw, "10.0.0.1");
  ASSERT_TRUE(login.ok());
  EXPECT_TRUE(login->state.MfaPending());
  EXPECT_FALSE(login->state.mfa_enrolled);
  const std::string secret = Enrol(*login);
  auto after = auth_.Authenticate(login->token, "10.0.0.1");
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->MfaPending());

  auto next = auth_.Login("taro", kPw, "10.0.0.1");
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->state.MfaPending());
  EXPECT_TRUE(next->state.mfa_enrolled);
  // The code used at enrolment, still within its 30 s step, is refused.
  auto replay = auth_.VerifyMfa(next->state, Code(secret));
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code, ErrorCode::kInvalidCredentials);
  t_.clock.Advance(30 * kMicrosPerSecond);
  auto ok = auth_.VerifyMfa(next->state, Code(secret));
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(ok->state.MfaPending());
  EXPECT_FALSE(auth_.VerifyMfa(next->state, Code(secret)).ok());
}

TEST_F(AuthServiceTest, PasswordChangeRulesAndHistory) {
  t_.AddUser("taro", t_.section_a, kPw);
  auto login = auth_.Login("taro", kPw, "10.0.0.1");
  ASSERT_TRUE(login.ok());
  EXPECT_TRUE(login->state.must_change_password);
  auto wrong = auth_.ChangePassword(login->state, "not-it", "Other-Pass-77");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().fields[0].code, "wrong_current_password");
  auto same = auth_.ChangePassword(login->state, kPw, kPw);
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().code, ErrorCode::kPasswordRejected);
  bool reused = false;
  for (const auto& f : same.error().fields) reused |= f.code == "reused";
  EXPECT_TRUE(reused);
  auto weak = auth_.ChangePassword(login->state, kPw, "taro1234");
  ASSERT_FALSE(weak.ok());
  std::set<std::string> codes;
  for (const auto& f : weak.error().fields) codes.insert(f.code);
  EXPECT_TRUE(codes.count("too_few_classes"));
  EXPECT_TRUE(codes.count("contains_login_id"));

  // Walk through history: each of the last N passwords is refused.
  std::vector<std::string> passwords = {kPw};
  const char* next[] = {"Blue#Mountain-42", "Sakura*River-913", "Quiet+Harbor-5x8", "Maple$Garden-6yz",
                        "Frost&Lantern-73", "Cedar!Valley-208"};
  std::string current = kPw;
  std::string token = login->token;
  for (const char* n : next) {
    auto s = auth_.Authenticate(token, "10.0.0.1");
    ASSERT_TRUE(s.ok());
    auto st = auth_.ChangePassword(*s, current, n);
    ASSERT_TRUE(st.ok()) << n << ": " << (st.ok() ? "" : st.error().fields.empty() ? st.error().detail : st.error().fields[0].code);
    token = st->token;  // each change renews the session
    passwords.push_back(n);
    current = n;
    t_.clock.Advance(kMicrosPerSecond);
  }
  auto s = auth_.Authenticate(token, "10.0.0.1");
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->must_change_password);
  // The last history+1 passwords (current included) are refused; older ones are allowed again.
  const int n = static_cast<int>(passwords.size());
  for (int i = n - 1; i >= n - 1 - t_.pack.auth.password.history; --i) {
    auto st = auth_.ChangePassword(*s, current, passwords[i]);
    EXPECT_FALSE(st.ok()) << passwords[i];
  }
  EXPECT_TRUE(auth_.ChangePassword(*s, current, passwords[0]).ok());
}

TEST_F(AuthServiceTest, PasswordChangeEndsOtherSessions) {
  t_.AddUser("taro", t_.section_a, kPw);
  auto a = auth_.Login("taro", kPw, "10.0.0.1");
  auto b = auth_.Login("taro", kPw, "10.0.0.2");
  ASSERT_TRUE(a.ok() && b.ok());
  auto changed = auth_.ChangePassword(a->state, kPw, "Blue#Mountain-42");
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(auth_.Authenticate(changed->token, "10.0.0.1").ok()) << "this session goes on, renewed";
  EXPECT_FALSE(auth_.Authenticate(a->token, "10.0.0.1").ok()) << "under a new token";
  EXPECT_FALSE(auth_.Authenticate(b->token, "10.0.0.2").ok());
}

TEST_F(AuthServiceTest, PrivilegedPasswordsRotate) {
  auto u = t_.AddUser("infra", t_.section_a, kPw);
  ASSERT_TRUE(t_.Grant(u.id, "infrastructure_manager", "city", "").ok());
  auto login = auth_.Login("infra", kPw, "10.0.0.1");
  ASSERT_TRUE(login.ok());
  ASSERT_TRUE(auth_.ChangePassword(login->state, kPw, "Blue#Mountain-42").ok());
  t_.clock.Advance((t_.pack.auth.password.privileged_max_age_days - 1) * kMicrosPerDay);
  auto fresh = auth_.Login("infra", "Blue#Mountain-42", "10.0.0.1");
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->state.must_change_password);
  t_.clock.Advance(2 * kMicrosPerDay);
  auto due = auth_.Login("infra", "Blue#Mountain-42", "10.0.0.1");
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->state.must_change_password);  // kobe:8.2.6エ
}

TEST_F(AuthServiceTest, ExpiredContractorCannotSignIn) {
  const std::string tomorrow = FormatDate(JstDate(t_.clock.NowMicros() + kMicrosPerDay));
  t_.AddUser("vendor", t_.section_a, kPw, "contractor", tomorrow);
  auto ok = auth_.Login("vendor", kPw, "10.0.0.1");
  ASSERT_TRUE(ok.ok());
  t_.clock.Advance(3 * kMicrosPerDay);
  EXPECT_FALSE(auth_.Authenticate(ok->token, "10.0.0.1").ok());
  auto r = auth_.Login("vendor", kPw, "10.0.0.1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidCredentials);
}

TEST_F(AuthServiceTest, MfaRequirementComesFromThePack) {
  policy::PolicyPack pack = testing::KobePack();
  pack.auth.mfa.required_for = policy::MfaRequirement::kPrivileged;
  TestEnv t(pack);
  AuthService auth(*t.env);
  auto staff = t.AddUser("staff", t.section_a, kPw);
  auto infra = t.AddUser("infra", t.section_a, kPw);
  ASSERT_TRUE(t.Grant(infra.id, "infrastructure_manager", "city", "").ok());
  EXPECT_FALSE(auth.Login("staff", kPw, "1.1.1.1")->state.mfa_needed);
  EXPECT_TRUE(auth.Login("infra", kPw, "1.1.1.1")->state.mfa_needed);
}

TEST_F(AuthServiceTest, LogoutEndsTheSession) {
  t_.AddUser("taro", t_.section_a, kPw);
  auto login = auth_.Login("taro", kPw, "10.0.0.1");
  ASSERT_TRUE(login.ok());
  ASSERT_TRUE(auth_.Logout(login->state).ok());
  EXPECT_FALSE(auth_.Authenticate(login->token, "10.0.0.1").ok());
  EXPECT_FALSE(auth_.Authenticate("", "10.0.0.1").ok());
  EXPECT_FALSE(auth_.Authenticate(std::string(500, 'a'), "10.0.0.1").ok());
}

TEST_F(AuthServiceTest, AnAddressPastTheThrottleIsRefusedAcrossAccountsUntilItsFailuresAge) {
  t_.env->sign_in.throttle_failures = 3;
  t_.env->sign_in.throttle_window_seconds = 60;
  for (const char* login : {"user1", "user2", "user3", "user4"}) t_.AddUser(login, t_.section_a, kPw);
  for (const char* login : {"user1", "user2"}) {
    EXPECT_EQ(auth_.Login(login, "wrong", "192.0.2.1").error().code, ErrorCode::kInvalidCredentials);
    t_.clock.Advance(10 * kMicrosPerSecond);
  }
  EXPECT_EQ(auth_.Login("nobody", "wrong", "192.0.2.1").error().code, ErrorCode::kInvalidCredentials);
  auto refused = auth_.Login("user4", kPw, "192.0.2.1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kRateLimited);
  EXPECT_EQ(refused.error().retry_after_seconds, 40) << "the first failure, 20 s ago, leaves the 60 s window in 40 s";
  EXPECT_EQ(refused.error().clause, "kobe:8.2.5");
  EXPECT_TRUE(auth_.Login("user4", kPw, "192.0.2.2").ok()) << "another address";
  t_.clock.Advance(41 * kMicrosPerSecond);
  EXPECT_TRUE(auth_.Login("user4", kPw, "192.0.2.1").ok()) << "one failure has aged out of the window";
  // IPv6 clients count by their /64.
  for (const char* a : {"2001:db8:0:1::1", "2001:db8:0:1::2", "2001:db8:0:1::3"}) (void)auth_.Login("user1", "x", a);
  EXPECT_EQ(auth_.Login("user4", kPw, "2001:db8:0:1::99").error().code, ErrorCode::kRateLimited);
  EXPECT_TRUE(auth_.Login("user4", kPw, "2001:db8:0:2::1").ok());
  // Throttled attempts did not count towards any account's lockout.
  for (const char* login : {"user1", "user2", "user3", "user4"}) {
    auto u = t_.tdb.db()->Read([&](storage::Connection& c) { return storage::UserRepo(c).FindByLogin(login); });
    ASSERT_TRUE(u.ok() && u->has_value());
    EXPECT_EQ(AuthService::EffectiveStatus(**u, t_.clock.NowMicros(), t_.env->Today()), "active") << login;
  }
}

TEST_F(AuthServiceTest, ALockoutKeepsTheOwnersSessionAndEndsHalfFinishedSignIns) {
  t_.AddUser("taro", t_.section_a, kPw);
  auto owner = auth_.Login("taro", kPw, "10.0.0.1");
  ASSERT_TRUE(owner.ok());
  Enrol(*owner);
  ASSERT_TRUE(auth_.Authenticate(owner->token, "10.0.0.1").ok());
  auto attacker = auth_.Login("taro", kPw, "203.0.113.1");  // knows the password, not the code
  ASSERT_TRUE(attacker.ok());
  ASSERT_TRUE(attacker->state.MfaPending());
  for (int i = 0; i < t_.pack.auth.lockout.max_failures; ++i) (void)auth_.Login("taro", "wrong", "203.0.113.2");
  EXPECT_FALSE(auth_.Login("taro", kPw, "10.0.0.1").ok()) << "locked against sign-in";
  EXPECT_FALSE(auth_.Authenticate(attacker->token, "203.0.113.1").ok()) << "the half sign-in ended";
  auto still = auth_.Authenticate(owner->token, "10.0.0.1");
  ASSERT_TRUE(still.ok()) << "the owner's session survives the lockout";
  EXPECT_TRUE(auth_.ListSessions(*still).ok());
  t_.clock.Advance(t_.pack.auth.lockout.lock_minutes * kMicrosPerMinute / 2);
  EXPECT_TRUE(auth_.Authenticate(owner->token, "10.0.0.1").ok()) << "and goes on while the lock lasts";
  EXPECT_TRUE(t_.VerifyLog().ok);
}

TEST_F(AuthServiceTest, EveryStepUpRenewsTheTokenWithinTheSameLimits) {
  t_.AddUser("taro", t_.section_a, kPw);
  auto login = auth_.Login("taro", kPw, "10.0.0.1", "Mozilla/5.0 \x01test");
  ASSERT_TRUE(login.ok());
  EXPECT_EQ(login->state.session.user_agent, "Mozilla/5.0 ?test") << "control characters are not stored";
  t_.clock.Advance(kMicrosPerMinute);
  auto changed = auth_.ChangePassword(login->state, kPw, "Blue#Mountain-42");
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->token, login->token);
  EXPECT_NE(changed->state.session.csrf_token, login->state.session.csrf_token);
  EXPECT_EQ(changed->state.session.created_at, login->state.session.created_at);
  EXPECT_EQ(changed->state.session.expires_at, login->state.session.expires_at) << "never extended";
  EXPECT_FALSE(auth_.Authenticate(login->token, "10.0.0.1").ok());
  auto now = auth_.Authenticate(changed->token, "10.0.0.1");
  ASSERT_TRUE(now.ok());
  EXPECT_FALSE(now->must_change_password);
  EXPECT_EQ(now->session.user_agent, "Mozilla/5.0 ?test");
}

TEST_F(AuthServiceTest, MySessionsListsLiveOnesAndEndsThemByReference) {
  auto u = t_.AddUser("taro", t_.section_a, kPw);
  t_.AddUser("jiro", t_.section_a, kPw);
  auto a = auth_.Login("taro", kPw, "10.0.0.1", "A");
  auto b = auth_.Login("taro", kPw, "10.0.0.2", "B");
  auto other = auth_.Login("jiro", kPw, "10.0.0.3");
  ASSERT_TRUE(a.ok() && b.ok() && other.ok());
  auto list = auth_.ListSessions(a->state);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].current + (*list)[1].current, 1);
  const std::string b_ref = AuthService::SessionRef(b->state.session.id);
  EXPECT_EQ(auth_.EndSession(other->state, b_ref).error().code, ErrorCode::kNotFound) << "not theirs";
  ASSERT_TRUE(auth_.EndSession(a->state, b_ref).ok());
  EXPECT_FALSE(auth_.Authenticate(b->token, "10.0.0.2").ok());
  EXPECT_EQ(auth_.ListSessions(a->state)->size(), 1u);
  // An administrator ends all; a colleague without users.manage cannot.
  auto c = auth_.Login("taro", kPw, "10.0.0.4");
  EXPECT_FALSE(auth_.EndUserSessions(other->state.actor, u.id).ok());
  auto ended = auth_.EndUserSessions(t_.admin, u.id);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(*ended, 2);
  EXPECT_FALSE(auth_.Authenticate(a->token, "10.0.0.1").ok());
  EXPECT_FALSE(auth_.Authenticate(c->token, "10.0.0.4").ok());
  EXPECT_TRUE(auth_.Authenticate(other->token, "10.0.0.3").ok());
  EXPECT_TRUE(t_.VerifyLog().ok);
}

}  // namespace
}  // namespace mamori::domain
