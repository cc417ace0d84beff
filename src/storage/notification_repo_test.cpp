// Conformance of the notification and mail outbox repositories, run unchanged on SQLite and on
// PostgreSQL (MAMORI_TEST_PG_URL; without it the postgres half fails): round trips with their
// NULLs, a user's list newest first with its unread count, marking read only one's own, and the
// outbox claim that exactly one sender wins, with its lease, retry and sent states.
#include "storage/notification_repo.hpp"

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"

namespace mamori::storage {
namespace {

class NotificationStorageTest : public ConformanceTest {
 protected:
  NotificationRecord Note(const std::string& id, const std::string& user, int64_t at) {
    return NotificationRecord{.id = id,
                              .user_id = user,
                              .created_at = at,
                              .subject = "【承認依頼】持出し " + id,
                              .body = "本文\n二行目",
                              .link = "/requests/" + id,
                              .kind = "request_submitted",
                              .target = "request:" + id};
  }
  MailRecord Mail(const std::string& id, int64_t due) {
    return MailRecord{.id = id,
                      .notification_id = "n-" + id,
                      .to_address = "taro@city.example.jp",
                      .subject = "件名 " + id,
                      .body = "本文",
                      .created_at = 10,
                      .next_attempt_at = due,
                      .message_id = "<" + id + "@city.example.jp>"};
  }
};

TEST_P(NotificationStorageTest, ANotificationRoundTripsWithItsNullsAndListsNewestFirstForItsUserOnly) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    NotificationRepo r(c);
    MAMORI_TRY(r.Insert(Note("n1", "u1", 100)));
    MAMORI_TRY(r.Insert(Note("n2", "u1", 300)));
    MAMORI_TRY(r.Insert(Note("n3", "u2", 200)));
    NotificationRecord bare = Note("n4", "u1", 200);
    bare.link = "";
    bare.target = "";
    return r.Insert(bare);
  }).ok());
  auto got = db_->Read([&](Connection& c) { return NotificationRepo(c).Get("n4"); });
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->subject, "【承認依頼】持出し n4");
  EXPECT_EQ((*got)->body, "本文\n二行目");
  EXPECT_EQ((*got)->link, "");
  EXPECT_EQ((*got)->target, "");
  EXPECT_EQ((*got)->read_at, 0);

  auto list = db_->Read([&](Connection& c) { return NotificationRepo(c).ListForUser("u1", Page{.page = 1, .per_page = 2}); });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "n2");
  EXPECT_EQ((*list)[1].id, "n4");
  auto page2 = db_->Read([&](Connection& c) { return NotificationRepo(c).ListForUser("u1", Page{.page = 2, .per_page = 2}); });
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->size(), 1u);
  EXPECT_EQ((*page2)[0].id, "n1");
  EXPECT_EQ(*db_->Read([&](Connection& c) { return NotificationRepo(c).CountForUser("u1"); }), 3);
  EXPECT_EQ(*db_->Read([&](Connection& c) { return NotificationRepo(c).CountUnread("u2"); }), 1);
}

TEST_P(NotificationStorageTest, MarkingReadTouchesOnlyTheOwnersUnreadNotifications) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    NotificationRepo r(c);
    MAMORI_TRY(r.Insert(Note("n1", "u1", 100)));
    MAMORI_TRY(r.Insert(Note("n2", "u1", 200)));
    return r.Insert(Note("n3", "u2", 300));
  }).ok());
  auto mark = [&](const std::string& user, const std::string& id, int64_t at) {
    return *db_->Write([&](Connection& c) { return NotificationRepo(c).MarkRead(user, id, at); });
  };
  EXPECT_EQ(mark("u2", "n1", 500), 0) << "another user's notification is not marked";
  EXPECT_EQ(mark("u1", "n1", 500), 1);
  EXPECT_EQ(mark("u1", "n1", 600), 0) << "a read notification keeps its first read time";
  EXPECT_EQ((*db_->Read([&](Connection& c) { return NotificationRepo(c).Get("n1"); }))->read_at, 500);
  EXPECT_EQ(*db_->Read([&](Connection& c) { return NotificationRepo(c).CountUnread("u1"); }), 1);
  EXPECT_EQ(*db_->Write([&](Connection& c) { return NotificationRepo(c).MarkAllRead("u1", 700); }), 1);
  EXPECT_EQ(*db_->Read([&](Connection& c) { return NotificationRepo(c).CountUnread("u1"); }), 0);
  EXPECT_EQ(*db_->Read([&](Connection& c) { return NotificationRepo(c).CountUnread("u2"); }), 1)
      << "read-all is the caller's own only";
}

TEST_P(NotificationStorageTest, AnOutboxRowIsClaimedByExactlyOneSenderUntilItsLeaseRunsOut) {
  ASSERT_TRUE(db_->Write([&](Connection& c) { return MailOutboxRepo(c).Insert(Mail("m1", 100)); }).ok());
  auto claim = [&](int64_t now, int64_t lease) {
    return *db_->Write([&](Connection& c) { return MailOutboxRepo(c).Claim("m1", now, lease); });
  };
  EXPECT_FALSE(claim(99, 1000)) << "not due yet";
  EXPECT_TRUE(claim(100, 1000));
  EXPECT_FALSE(claim(100, 1000)) << "a second sender at the same moment loses";
  EXPECT_FALSE(claim(999, 2000)) << "the lease still runs";
  EXPECT_EQ(*db_->Read([&](Connection& c) { return MailOutboxRepo(c).Due(999, 10); }), std::vector<std::string>{});
  EXPECT_EQ(*db_->Read([&](Connection& c) { return MailOutboxRepo(c).Due(1000, 10); }), std::vector<std::string>{"m1"})
      << "a sender that died leaves the row due again once the lease is over";
  EXPECT_TRUE(claim(1000, 5000));
  auto row = *db_->Read([&](Connection& c) { return MailOutboxRepo(c).Get("m1"); });
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->attempts, 2);
  EXPECT_EQ(row->message_id, "<m1@city.example.jp>");
  EXPECT_EQ(row->sent_at, 0);
}

TEST_P(NotificationStorageTest, ASentRowIsNeverDueOrClaimedAgainAndAFailedOneWaitsForItsRetry) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    MailOutboxRepo r(c);
    MAMORI_TRY(r.Insert(Mail("m1", 100)));
    return r.Insert(Mail("m2", 100));
  }).ok());
  ASSERT_TRUE(*db_->Write([&](Connection& c) { return MailOutboxRepo(c).Claim("m1", 100, 200); }));
  ASSERT_TRUE(db_->Write([&](Connection& c) { return MailOutboxRepo(c).MarkSent("m1", 150); }).ok());
  ASSERT_TRUE(*db_->Write([&](Connection& c) { return MailOutboxRepo(c).Claim("m2", 100, 200); }));
  ASSERT_TRUE(db_->Write([&](Connection& c) { return MailOutboxRepo(c).MarkFailed("m2", "421 try later", 400); }).ok());

  EXPECT_EQ(*db_->Read([&](Connection& c) { return MailOutboxRepo(c).Due(399, 10); }), std::vector<std::string>{});
  EXPECT_EQ(*db_->Read([&](Connection& c) { return MailOutboxRepo(c).Due(1'000'000, 10); }),
            std::vector<std::string>{"m2"});
  EXPECT_FALSE(*db_->Write([&](Connection& c) { return MailOutboxRepo(c).Claim("m1", 1'000'000, 2'000'000); }));
  auto m1 = *db_->Read([&](Connection& c) { return MailOutboxRepo(c).Get("m1"); });
  EXPECT_EQ(m1->sent_at, 150);
  EXPECT_EQ(m1->next_attempt_at, 0);
  auto m2 = *db_->Read([&](Connection& c) { return MailOutboxRepo(c).Get("m2"); });
  EXPECT_EQ(m2->last_error, "421 try later");
  EXPECT_EQ(m2->next_attempt_at, 400);
  EXPECT_EQ(*db_->Read([&](Connection& c) { return MailOutboxRepo(c).CountUnsent(); }), 1);

  // Given up: no next attempt, never due again.
  ASSERT_TRUE(db_->Write([&](Connection& c) { return MailOutboxRepo(c).MarkFailed("m2", "550 no such user", 0); }).ok());
  EXPECT_EQ(*db_->Read([&](Connection& c) { return MailOutboxRepo(c).Due(INT64_MAX, 10); }), std::vector<std::string>{});
}

TEST_P(NotificationStorageTest, AUsersEmailRoundTripsAndClears) {
  UserRecord u;
  u.id = "u1";
  u.login_id = "taro";
  u.name = "太郎";
  u.org_unit_id = "s1";
  u.employment_type = "regular";
  u.status = "active";
  u.created_at = 1;
  u.email = "taro@city.example.jp";
  ASSERT_TRUE(db_->Write([&](Connection& c) { return UserRepo(c).Insert(u); }).ok());
  EXPECT_EQ((*db_->Read([&](Connection& c) { return UserRepo(c).Get("u1"); }))->email, "taro@city.example.jp");
  u.email = "";
  ASSERT_TRUE(db_->Write([&](Connection& c) { return UserRepo(c).Update(u); }).ok());
  EXPECT_EQ((*db_->Read([&](Connection& c) { return UserRepo(c).Get("u1"); }))->email, "");
}

INSTANTIATE_TEST_SUITE_P(Engines, NotificationStorageTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage
