// The storage conformance suite: every repository behaviour, run unchanged on SQLite and on
// PostgreSQL (MAMORI_TEST_PG_URL). The test command always provides PostgreSQL; without it
// the postgres half fails rather than silently skipping.
#include "storage/repos.hpp"

#include <cstdlib>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/migrations.hpp"
#include "storage/postgres/pg_db.hpp"
#include "storage/test_db.hpp"

namespace mamori::storage {
namespace {

class StorageTest : public ConformanceTest {
 protected:
  static UserRecord User(const std::string& id, const std::string& login, const std::string& unit = "s1") {
    UserRecord u;
    u.id = id;
    u.login_id = login;
    u.name = "名前 " + login;
    u.org_unit_id = unit;
    u.employment_type = "regular";
    u.status = "active";
    u.password_hash = "$argon2id$x";
    u.password_changed_at = 10;
    u.created_at = 10;
    return u;
  }
};

// A session of user u1 started (and last seen) at `at`.
SessionRecord Session(const std::string& id, int64_t at, int64_t expires_at, bool mfa_passed,
                      const std::string& address) {
  SessionRecord r;
  r.id = id;
  r.user_id = "u1";
  r.csrf_token = "csrf";
  r.created_at = at;
  r.last_seen_at = at;
  r.expires_at = expires_at;
  r.address = address;
  r.mfa_passed = mfa_passed;
  return r;
}

TEST_P(StorageTest, MigrationsAreIdempotent) {
  EXPECT_TRUE(Migrate(*db_).ok());
  auto v = db_->Read([](Connection& c) { return c.QueryInt("SELECT MAX(version) FROM schema_migrations", {}, 0); });
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, LatestSchemaVersion());
}

TEST_P(StorageTest, UserRoundTripKeepsEveryField) {
  UserRecord u = User("u1", "taro");
  u.name = "山田 太郎 \"quoted\" 'single' \\ back";
  u.locked_until = 123456789012345;
  u.last_login_at = 5;
  u.last_login_address = "::1";
  u.expires_on = "2030-03-31";
  u.totp_secret = "sealed";
  u.totp_last_step = 42;
  u.must_change_password = false;
  ASSERT_TRUE(db_->Write([&](Connection& c) { return UserRepo(c).Insert(u); }).ok());
  auto got = db_->Read([&](Connection& c) { return UserRepo(c).Get("u1"); });
  ASSERT_TRUE(got.ok()) << got.error().detail;
  ASSERT_TRUE(got->has_value());
  const UserRecord& g = **got;
  EXPECT_EQ(g.name, u.name);
  EXPECT_EQ(g.locked_until, u.locked_until);
  EXPECT_EQ(g.last_login_address, "::1");
  EXPECT_EQ(g.expires_on, "2030-03-31");
  EXPECT_EQ(g.totp_last_step, 42);
  EXPECT_FALSE(g.must_change_password);
  EXPECT_EQ(g.deleted_at, 0);
  auto by_login = db_->Read([&](Connection& c) { return UserRepo(c).FindByLogin("taro"); });
  ASSERT_TRUE(by_login.ok() && by_login->has_value());
  EXPECT_EQ((*by_login)->id, "u1");
}

TEST_P(StorageTest, LoginIdIsUniqueForever) {
  ASSERT_TRUE(db_->Write([&](Connection& c) { return UserRepo(c).Insert(User("u1", "taro")); }).ok());
  auto st = db_->Write([&](Connection& c) { return UserRepo(c).Insert(User("u2", "taro")); });
  EXPECT_FALSE(st.ok());
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

TEST_P(StorageTest, UserFiltersAndPaging) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    UserRepo users(c);
    for (int i = 0; i < 7; ++i) {
      UserRecord u = User("u" + std::to_string(i), "user" + std::to_string(i), i < 4 ? "s1" : "b1");
      if (i == 1) u.status = "suspended";
      if (i == 2) u.locked_until = 1000;
      if (i == 3) u.expires_on = "2020-01-01";
      if (i == 5) u.last_login_at = 900;
      if (i == 6) u.name = "Percent 100%_x";
      MAMORI_TRY(users.Insert(u));
    }
    return RoleRepo(c).Insert({"r1", "u4", "staff", "org_unit", "b1", "", "", "", 1, "x", 0, ""});
  }).ok());
  auto count = [&](UserFilter f) {
    f.now = 500;
    f.today = "2026-01-01";
    return *db_->Read([&](Connection& c) { return UserRepo(c).Count(f); });
  };
  EXPECT_EQ(count({}), 7);
  UserFilter f;
  f.status = "suspended";
  EXPECT_EQ(count(f), 1);
  f.status = "locked";
  EXPECT_EQ(count(f), 1);
  f.status = "expired";
  EXPECT_EQ(count(f), 1);
  f.status = "active";
  EXPECT_EQ(count(f), 4);
  f = {};
  f.restrict_units = true;
  f.org_unit_ids = {"s1"};
  EXPECT_EQ(count(f), 4);
  f.org_unit_ids = {};
  EXPECT_EQ(count(f), 0);  // an empty scope sees nothing, not everything
  f = {};
  f.role = "staff";
  EXPECT_EQ(count(f), 1);
  f = {};
  f.last_login_before = 1000;  // never logged in counts as inactive
  EXPECT_EQ(count(f), 7);
  f.last_login_before = 800;
  EXPECT_EQ(count(f), 6);
  f = {};
  f.q = "USER1";
  EXPECT_EQ(count(f), 1);
  f.q = "100%";
  EXPECT_EQ(count(f), 1);  // wildcards are literal
  f.q = "%";
  EXPECT_EQ(count(f), 1);
  auto page = db_->Read([&](Connection& c) { return UserRepo(c).List({}, Page{2, 3}); });
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].login_id, "user3");
}

TEST_P(StorageTest, PasswordHistoryNewestFirst) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    MAMORI_TRY(UserRepo(c).Insert(User("u1", "taro")));
    for (int i = 0; i < 8; ++i) MAMORI_TRY(UserRepo(c).AddPasswordHistory("u1", "h" + std::to_string(i), 100 + i));
    return Ok();
  }).ok());
  auto h = db_->Read([&](Connection& c) { return UserRepo(c).RecentPasswordHashes("u1", 3); });
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, (std::vector<std::string>{"h7", "h6", "h5"}));
}

TEST_P(StorageTest, SessionsEndIndividuallyAndPerUser) {
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

TEST_P(StorageTest, LiveSessionsAreListedNewestFirstAndHalfSignInsEndAlone) {
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

TEST_P(StorageTest, LoginFailuresAreCountedPerAddressAndPruned) {
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

TEST_P(StorageTest, RoleAssignmentsRevokeOnce) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    MAMORI_TRY(UserRepo(c).Insert(User("u1", "taro")));
    MAMORI_TRY(RoleRepo(c).Insert({"r1", "u1", "staff", "org_unit", "s1", "2026-04-01", "2027-03-31", "", 1, "x", 0, ""}));
    return RoleRepo(c).Insert({"r2", "u1", "auditor", "city", "", "", "", "", 2, "x", 0, ""});
  }).ok());
  EXPECT_TRUE(db_->Write([&](Connection& c) { return RoleRepo(c).Revoke("r2", "admin", 5); }).ok());
  EXPECT_FALSE(db_->Write([&](Connection& c) { return RoleRepo(c).Revoke("r2", "admin", 6); }).ok());
  auto held = db_->Read([&](Connection& c) { return RoleRepo(c).ListForUser("u1"); });
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0].valid_from, "2026-04-01");
  EXPECT_EQ((*held)[0].scope_id, "s1");
  auto r2 = db_->Read([&](Connection& c) { return RoleRepo(c).Get("r2"); });
  EXPECT_EQ((*r2)->revoked_by, "admin");
}

TEST_P(StorageTest, AuditFiltersNewestFirst) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    AuditRepo a(c);
    for (int i = 1; i <= 5; ++i) {
      LogEntryRecord e{i, 100 * i, i % 2 ? "u1" : "u2", i % 2 ? "taro" : "jiro", "-", "10.0.0.1",
                       i < 3 ? "auth.login" : "user.create", "-", i == 2 ? "failure" : "success", "", "{}", "p", "h"};
      MAMORI_TRY(a.Insert(e));
    }
    return a.SetHead(5, "h");
  }).ok());
  auto list = [&](LogFilter f) {
    return *db_->Read([&](Connection& c) { return AuditRepo(c).List(f, {1, 50}); });
  };
  LogFilter f;
  EXPECT_EQ(list(f).front().seq, 5);
  f.actor = "taro";
  EXPECT_EQ(list(f).size(), 3u);
  f = {};
  f.action = "auth.";
  EXPECT_EQ(list(f).size(), 2u);
  f.result = "failure";
  EXPECT_EQ(list(f).size(), 1u);
  f = {};
  f.from = 200;
  f.to = 400;
  EXPECT_EQ(list(f).size(), 2u);
  f = {};
  f.restrict_actors = true;
  f.actor_ids = {"u2"};
  EXPECT_EQ(list(f).size(), 2u);
  auto head = db_->Read([&](Connection& c) { return AuditRepo(c).Head(); });
  EXPECT_EQ(head->first, 5);
}

TEST_P(StorageTest, AuditTargetTypeMatchesThePrefixWithWildcardsTakenLiterally) {
  const char* targets[] = {"org_unit:s1", "orgXunit:s1", "asset:a1", "assets", "user:u1", "asset-import:i1"};
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    AuditRepo a(c);
    int64_t seq = 0;
    for (const char* t : targets) {
      ++seq;
      MAMORI_TRY(a.Insert({.seq = seq, .at = seq, .actor = "u1", .actor_login = "taro", .session = "-", .address = "-",
                           .action = "x.y", .target = t, .result = "success", .clause = "", .detail = "{}",
                           .prev_hash = "p", .hash = "h"}));
    }
    return a.SetHead(seq, "h");
  }).ok());
  auto targets_of = [&](const std::string& type) {
    LogFilter f;
    f.target_type = type;
    std::vector<std::string> out;
    for (const auto& e : *db_->Read([&](Connection& c) { return AuditRepo(c).List(f, {1, 50}); })) out.push_back(e.target);
    EXPECT_EQ(*db_->Read([&](Connection& c) { return AuditRepo(c).Count(f); }), static_cast<int64_t>(out.size()));
    return out;
  };
  EXPECT_EQ(targets_of("org_unit"), std::vector<std::string>{"org_unit:s1"}) << "_ is no wildcard";
  EXPECT_EQ(targets_of("asset"), std::vector<std::string>{"asset:a1"}) << "neither assets nor asset-import:";
  EXPECT_EQ(targets_of("asset-import"), std::vector<std::string>{"asset-import:i1"});
}

TEST_P(StorageTest, GetManyFindsTheKnownIdsAcrossSlices) {
  std::vector<std::string> ids;
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    for (int i = 0; i < 620; ++i) {
      ids.push_back("u" + std::to_string(i));
      MAMORI_TRY(UserRepo(c).Insert(User(ids.back(), "login" + std::to_string(i))));
    }
    return Ok();
  }).ok());
  ids.push_back("nobody");
  auto found = *db_->Read([&](Connection& c) { return UserRepo(c).GetMany(ids); });
  EXPECT_EQ(found.size(), 620u) << "more ids than one IN list holds; the unknown one left out";
  std::set<std::string> names;
  for (const auto& u : found) names.insert(u.name);
  EXPECT_TRUE(names.count("名前 login619"));
  EXPECT_TRUE(db_->Read([&](Connection& c) { return UserRepo(c).GetMany({}); })->empty());
  EXPECT_TRUE(db_->Read([&](Connection& c) { return AssetRepo(c).GetMany({"none"}); })->empty());
  EXPECT_TRUE(db_->Read([&](Connection& c) { return SystemRepo(c).GetMany({"none"}); })->empty());
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

TEST_P(StorageTest, HostileTextIsData) {
  const std::string evil = "x'); DROP TABLE users; -- \xE2\x80\xAE ?";
  ASSERT_TRUE(db_->Write([&](Connection& c) {
    UserRecord u = User("u1", "taro");
    u.name = evil;
    return UserRepo(c).Insert(u);
  }).ok());
  auto got = db_->Read([&](Connection& c) { return UserRepo(c).Get("u1"); });
  EXPECT_EQ((*got)->name, evil);
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
