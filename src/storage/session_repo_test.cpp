// Sessions and sign-in failures on both engines: ending one, all or the half-signed-in ones of
// a user, the live list, failures counted per address and pruned.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/repos.hpp"
#include "storage/sample_records.hpp"

namespace mamori::storage {
namespace {

class SessionRepoTest : public ConformanceTest {};

using sample::Session;
using sample::User;

TEST_P(SessionRepoTest, SessionsEndIndividuallyAndPerUser) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    MAMORI_TRY(UserRepo(c).Insert(User("u1", "taro")));
    SessionRepo s(c);
    for (const char* id : {"a", "b", "c"}) {
      SessionRecord r = Session(id, 1, 100, false, "127.0.0.1");
      r.prev_login_at = 7;
      r.prev_login_address = "10.0.0.7";
      MAMORI_TRY(s.Insert(r));
    }
    MAMORI_TRY(s.SetMfaPassed("a"));
    MAMORI_TRY(s.Touch("a", 50));
    MAMORI_TRY(s.End("b", 60, "logout"));
    return s.EndOthersForUser("u1", "a", 70, "password_changed");
  }).ok());
  auto a = db_->Read([&](Connection& c) { return SessionRepo(c).Get("a"); });
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_TRUE((*a)->mfa_passed);
  EXPECT_EQ((*a)->last_seen_at, 50);
  EXPECT_EQ((*a)->ended_at, 0);
  EXPECT_EQ((*a)->prev_login_at, 7);
  EXPECT_EQ((*a)->prev_login_address, "10.0.0.7");
  auto b = db_->Read([&](Connection& c) { return SessionRepo(c).Get("b"); });
  EXPECT_EQ((*b)->end_reason, "logout");
  auto cc = db_->Read([&](Connection& c) { return SessionRepo(c).Get("c"); });
  EXPECT_EQ((*cc)->end_reason, "password_changed");
  auto ended = db_->Write([&](Connection& c) { return SessionRepo(c).EndAllForUser("u1", 80, "suspended"); });
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(*ended, 1);
}

TEST_P(SessionRepoTest, LiveSessionsAreListedNewestFirstAndHalfSignInsEndAlone) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    MAMORI_TRY(UserRepo(c).Insert(User("u1", "taro")));
    SessionRepo s(c);
    SessionRecord full = Session("full", 10, 1000, true, "192.0.2.1");
    full.user_agent = "UA 1";
    MAMORI_TRY(s.Insert(full));
    MAMORI_TRY(s.Insert(Session("half", 20, 1000, false, "192.0.2.2")));
    MAMORI_TRY(s.Insert(Session("old", 5, 50, true, "")));
    return Ok();
  }).ok());
  auto live = db_->Read([&](Connection& c) { return SessionRepo(c).ListLive("u1", 100); });
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 2u) << "past its absolute limit is not live";
  EXPECT_EQ((*live)[0].id, "half");
  EXPECT_EQ((*live)[1].user_agent, "UA 1");
  auto ended = db_->Write([&](Connection& c) { return SessionRepo(c).EndPendingForUser("u1", 110, "locked"); });
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(*ended, 1);
  live = db_->Read([&](Connection& c) { return SessionRepo(c).ListLive("u1", 120); });
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].id, "full");
}

TEST_P(SessionRepoTest, LoginFailuresAreCountedPerAddressAndPruned) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    LoginFailureRepo f(c);
    for (int64_t at : {30, 10, 20}) MAMORI_TRY(f.Record("192.0.2.1", at));
    return f.Record("192.0.2.9", 25);
  }).ok());
  auto since = db_->Read([&](Connection& c) { return LoginFailureRepo(c).Since("192.0.2.1", 10); });
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(*since, (std::vector<int64_t>{20, 30})) << "after the bound, oldest first, this address only";
  ASSERT_TRUE(db_->Write([&](Connection& c) { return LoginFailureRepo(c).Prune(25); }).ok());
  since = db_->Read([&](Connection& c) { return LoginFailureRepo(c).Since("192.0.2.1", 0); });
  EXPECT_EQ(*since, (std::vector<int64_t>{30}));
  EXPECT_TRUE(db_->Read([&](Connection& c) { return LoginFailureRepo(c).Since("192.0.2.9", 0); })->empty());
}

TEST_P(SessionRepoTest, TouchAndMfaChangeOnlyALiveSessionAndEndingOthersKeepsTheCurrentOne) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    MAMORI_TRY(UserRepo(c).Insert(User("u1", "taro")));
    SessionRepo s(c);
    MAMORI_TRY(s.Insert(Session("here", 10, 1000, false, "192.0.2.1")));
    MAMORI_TRY(s.Insert(Session("phone", 11, 1000, true, "192.0.2.2")));
    MAMORI_TRY(s.Insert(Session("old", 12, 1000, true, "192.0.2.3")));
    MAMORI_TRY(s.End("old", 13, "signed_out"));
    MAMORI_TRY(s.Touch("here", 50));
    MAMORI_TRY(s.SetMfaPassed("here"));
    MAMORI_TRY(s.Touch("old", 60));  // ended: nothing changes
    return s.EndOthersForUser("u1", "here", 70, "password_changed");
  }).ok());
  auto get = [&](const char* id) { return **db_->Read([&](Connection& c) { return SessionRepo(c).Get(id); }); };
  const SessionRecord here = get("here");
  EXPECT_EQ(here.last_seen_at, 50);
  EXPECT_TRUE(here.mfa_passed);
  EXPECT_EQ(here.ended_at, 0);
  const SessionRecord phone = get("phone");
  EXPECT_EQ(phone.ended_at, 70);
  EXPECT_EQ(phone.end_reason, "password_changed");
  const SessionRecord old = get("old");
  EXPECT_EQ(old.last_seen_at, 12) << "an ended session is never touched again";
  EXPECT_EQ(old.ended_at, 13);
  EXPECT_EQ(old.end_reason, "signed_out") << "ending others does not rewrite an earlier end";
  EXPECT_FALSE(db_->Read([&](Connection& c) { return SessionRepo(c).Get("nope"); })->has_value());
}

INSTANTIATE_TEST_SUITE_P(Engines, SessionRepoTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
