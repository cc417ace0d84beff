// Notifications: placeholder filling, the notice written per recipient (deduplicated, in the
// caller's transaction, mailed only to addresses when a relay is configured), the request
// engine's notices on submit and decision, and a person's own list with mark read.
#include "domain/notifier.hpp"

#include <gtest/gtest.h>

#include "domain/request_service.hpp"
#include "domain/test_env.hpp"
#include "storage/notification_repo.hpp"

namespace mamori::domain {
namespace {

using testing::TestEnv;
using nlohmann::json;

constexpr const char* kPw = "Gr33n-Tea!Kyoto";

policy::PolicyPack PackWithTemplates() {
  policy::PolicyPack p = testing::KobePack();
  p.notification_templates = {
      {.id = "request_submitted",
       .subject = "承認依頼 {{register.title}} {{actor.name}}",
       .body = "{{actor.name}} さんの申請です。\n{{link}}",
       .subject_en = "Approve {{register.title}}",
       .body_en = "From {{actor.name}}. {{link}}"},
      {.id = "request_decided",
       .subject = "申請結果 {{register.title}}：{{state.label}}",
       .body = "{{state.label}}（{{actor.name}}）\n{{record.note}}\n{{link}}",
       .subject_en = "",
       .body_en = ""},
      {.id = "plain", .subject = "件名 {{x}}", .body = "本文 {{link}}", .subject_en = "", .body_en = ""},
  };
  return p;
}

TEST(FillPlaceholders, ReplacesEachNameWithItsValueAndUnknownNamesWithNothing) {
  const std::map<std::string, std::string> vars{{"record.device", "PC-1"}, {"link", "/lending/1"}};
  EXPECT_EQ(FillPlaceholders("{{record.device}} を返却 {{ link }}", vars, false), "PC-1 を返却 /lending/1");
  EXPECT_EQ(FillPlaceholders("[{{nothing}}]", vars, false), "[]");
  EXPECT_EQ(FillPlaceholders("{{record.device} と {{", vars, false), "{{record.device} と {{")
      << "an unclosed placeholder stays as written";
  EXPECT_EQ(FillPlaceholders("{{link}}{{link}}", vars, false), "/lending/1/lending/1");
}

TEST(FillPlaceholders, AValueIsInsertedAsItIsAndNeverReadAsAPlaceholder) {
  const std::map<std::string, std::string> vars{{"a", "{{b}}"}, {"b", "secret"}};
  EXPECT_EQ(FillPlaceholders("{{a}}", vars, false), "{{b}}");
}

TEST(FillPlaceholders, EnglishTakesTheEnglishValueWhenThereIsOne) {
  const std::map<std::string, std::string> vars{{"state.label", "承認"}, {"state.label@en", "approved"}, {"x", "同じ"}};
  EXPECT_EQ(FillPlaceholders("{{state.label}} {{x}}", vars, true), "approved 同じ");
  EXPECT_EQ(FillPlaceholders("{{state.label}} {{x}}", vars, false), "承認 同じ");
}

TEST(RenderNotice, TheSubjectIsOneLineWhateverTheValuesHold) {
  const policy::NotificationTemplate t{.id = "t", .subject = "件名 {{x}}", .body = "本文 {{x}}", .subject_en = "", .body_en = ""};
  const auto r = RenderNotice(t, {{"x", "a\r\nBcc: evil@example.com"}}, false);
  EXPECT_EQ(r.subject.find('\n'), std::string::npos);
  EXPECT_EQ(r.subject.find('\r'), std::string::npos);
  EXPECT_EQ(r.subject, "件名 a  Bcc: evil@example.com");
  EXPECT_EQ(r.body, "本文 a\r\nBcc: evil@example.com") << "the body keeps its lines";
}

TEST(RenderNotice, EnglishFallsBackToJapaneseWhereThePackHasNoEnglish) {
  const policy::NotificationTemplate t{.id = "t", .subject = "件名", .body = "本文", .subject_en = "Subject", .body_en = ""};
  const auto en = RenderNotice(t, {}, true);
  EXPECT_EQ(en.subject, "Subject");
  EXPECT_EQ(en.body, "本文");
  EXPECT_EQ(RenderNotice(t, {}, false).subject, "件名");
}

class NotifierTest : public ::testing::Test {
 protected:
  NotifierTest() : t_(PackWithTemplates()), notifier_(*t_.env), service_(*t_.env) {}

  storage::UserRecord User(const std::string& login, const std::string& email) {
    auto u = t_.AddUser(login, t_.section_a, kPw);
    if (!email.empty()) {
      u.email = email;
      EXPECT_TRUE(t_.tdb.db()->Write([&](storage::Connection& c) { return storage::UserRepo(c).Update(u); }).ok());
    }
    return u;
  }

  Status Send(const Notice& n) {
    return t_.tdb.db()->Write([&](storage::Connection& c) { return notifier_.Send(c, n); });
  }

  int64_t Count(const char* sql) {
    return *t_.tdb.db()->Read([&](storage::Connection& c) { return c.QueryInt(sql, {}, -1); });
  }

  std::vector<storage::NotificationRecord> Of(const std::string& user_id) {
    return *t_.tdb.db()->Read([&](storage::Connection& c) {
      return storage::NotificationRepo(c).ListForUser(user_id, storage::Page{});
    });
  }

  std::vector<storage::MailRecord> Outbox() {
    std::vector<storage::MailRecord> out;
    auto ids = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::MailOutboxRepo(c).Due(INT64_MAX, 100); });
    for (const auto& id : ids)
      out.push_back(**t_.tdb.db()->Read([&](storage::Connection& c) { return storage::MailOutboxRepo(c).Get(id); }));
    return out;
  }

  TestEnv t_;
  Notifier notifier_;
  NotificationService service_;
};

TEST_F(NotifierTest, EachRecipientGetsOneNotificationHoweverOftenNamedAndUnknownOnesNone) {
  auto a = User("alice", "");
  auto b = User("bob", "");
  ASSERT_TRUE(Send({.user_ids = {a.id, b.id, a.id, "no-such-user", ""},
                    .template_id = "plain",
                    .vars = {{"x", "一"}},
                    .link = "/requests/r1",
                    .target = "request:r1"})
                  .ok());
  ASSERT_EQ(Of(a.id).size(), 1u);
  ASSERT_EQ(Of(b.id).size(), 1u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications"), 2);
  const auto n = Of(a.id)[0];
  EXPECT_EQ(n.subject, "件名 一");
  EXPECT_EQ(n.body, "本文 /requests/r1");
  EXPECT_EQ(n.link, "/requests/r1");
  EXPECT_EQ(n.kind, "plain") << "the kind defaults to the template";
  EXPECT_EQ(n.target, "request:r1");
  EXPECT_EQ(n.read_at, 0);
}

TEST_F(NotifierTest, WithoutARelayNothingIsQueuedForMail) {
  auto a = User("alice", "alice@city.example.jp");
  ASSERT_FALSE(t_.env->notify.mail);
  ASSERT_TRUE(Send({.user_ids = {a.id}, .template_id = "plain", .link = "/x"}).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM mail_outbox"), 0);
}

TEST_F(NotifierTest, WithARelayUsersWithAnAddressAreQueuedOnceWithAbsoluteLinksAndAMessageId) {
  t_.env->notify = {.mail = true, .public_url = "https://mamori.city.example.jp", .mail_domain = "city.example.jp"};
  auto a = User("alice", "alice@city.example.jp");
  auto b = User("bob", "");  // no address: in the app only
  ASSERT_TRUE(Send({.user_ids = {a.id, b.id, a.id}, .template_id = "plain", .vars = {{"x", "二"}}, .link = "/requests/r2"})
                  .ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications"), 2);
  const auto mails = Outbox();
  ASSERT_EQ(mails.size(), 1u);
  const auto& m = mails[0];
  EXPECT_EQ(m.to_address, "alice@city.example.jp");
  EXPECT_EQ(m.subject, "件名 二");
  EXPECT_EQ(m.body, "本文 https://mamori.city.example.jp/requests/r2");
  EXPECT_EQ(m.notification_id, Of(a.id)[0].id);
  EXPECT_EQ(m.message_id, "<" + m.id + "@city.example.jp>");
  EXPECT_EQ(m.attempts, 0);
  EXPECT_EQ(m.sent_at, 0);
  EXPECT_EQ(Of(a.id)[0].body, "本文 /requests/r2") << "in the app the link stays a path";
}

TEST_F(NotifierTest, ANoticeIsPartOfTheCallersTransactionAndGoesWhenItRollsBack) {
  t_.env->notify.mail = true;
  auto a = User("alice", "alice@city.example.jp");
  auto r = t_.tdb.db()->Write([&](storage::Connection& c) -> Status {
    MAMORI_TRY(notifier_.Send(c, {.user_ids = {a.id}, .template_id = "plain"}));
    return Error::Conflict("the change failed after the notice");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM mail_outbox"), 0);
}

TEST_F(NotifierTest, ATemplateThePackDoesNotHaveSendsNothing) {
  auto a = User("alice", "");
  ASSERT_TRUE(Send({.user_ids = {a.id}, .template_id = "not_in_the_pack"}).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications"), 0);
}

TEST_F(NotifierTest, ADeletedUserIsNotNotified) {
  auto a = User("alice", "");
  a.status = "deleted";
  ASSERT_TRUE(t_.tdb.db()->Write([&](storage::Connection& c) { return storage::UserRepo(c).Update(a); }).ok());
  ASSERT_TRUE(Send({.user_ids = {a.id}, .template_id = "plain"}).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications"), 0);
}

Actor ActorOf(TestEnv& t, const storage::UserRecord& u) {
  Actor a;
  a.user_id = u.id;
  a.login_id = u.login_id;
  a.roles = *t.tdb.db()->Read([&](storage::Connection& c) { return storage::RoleRepo(c).ListForUser(u.id); });
  return a;
}

TEST_F(NotifierTest, MarkingReadIsForTheOwnerOnlyAndIsLogged) {
  auto a = User("alice", "");
  auto b = User("bob", "");
  ASSERT_TRUE(Send({.user_ids = {a.id}, .template_id = "plain", .target = "request:r1"}).ok());
  ASSERT_TRUE(Send({.user_ids = {a.id}, .template_id = "plain"}).ok());
  const Actor alice = ActorOf(t_, a), bob = ActorOf(t_, b);
  auto mine = service_.List(alice, {});
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->total, 2);
  EXPECT_EQ(mine->unread, 2);
  const std::string id = mine->items[1].id;

  const int64_t head = t_.LogHead();
  auto theirs = service_.MarkRead(bob, id);
  ASSERT_FALSE(theirs.ok());
  EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound) << "another's notification is as absent as none";
  EXPECT_EQ(t_.LogHead(), head);
  EXPECT_EQ(service_.List(alice, {})->unread, 2) << "nothing changed";
  EXPECT_EQ(service_.List(bob, {})->total, 0) << "bob sees none of alice's";

  auto read = service_.MarkRead(alice, id);
  ASSERT_TRUE(read.ok()) << read.error().detail;
  EXPECT_NE(read->read_at, 0);
  EXPECT_EQ(service_.List(alice, {})->unread, 1);
  EXPECT_EQ(t_.LogHead(), head + 1);
  auto entries = *t_.tdb.db()->Read([&](storage::Connection& c) {
    storage::LogFilter f;
    f.target = "notification:" + id;
    return storage::AuditRepo(c).List(f, {});
  });
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, audit::action::kNotificationRead);
  EXPECT_EQ(entries[0].actor, a.id);

  // Again: no change, no entry.
  ASSERT_TRUE(service_.MarkRead(alice, id).ok());
  EXPECT_EQ(t_.LogHead(), head + 1);

  auto all = service_.MarkAllRead(alice);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, 1);
  EXPECT_EQ(service_.List(alice, {})->unread, 0);
  EXPECT_EQ(t_.LogHead(), head + 2);
  EXPECT_EQ(*service_.MarkAllRead(alice), 0);
  EXPECT_EQ(t_.LogHead(), head + 2) << "nothing to mark, nothing logged";
  EXPECT_TRUE(t_.VerifyLog().ok);
}

class RequestNoticeTest : public NotifierTest {
 protected:
  RequestNoticeTest() : assets_(*t_.env), requests_(*t_.env, assets_) {
    t_.env->notify.mail = true;
    staff_ = User("staff", "staff@city.example.jp");
    chief_ = User("chief", "chief@city.example.jp");
    deputy_ = User("deputy", "");
    other_ = User("otherchief", "other@city.example.jp");
    EXPECT_TRUE(t_.Grant(staff_.id, "staff", "org_unit", t_.section_a).ok());
    EXPECT_TRUE(t_.Grant(chief_.id, "information_manager", "org_unit", t_.section_a).ok());
    EXPECT_TRUE(t_.Grant(deputy_.id, "information_manager", "org_unit", t_.bureau_a).ok());
    EXPECT_TRUE(t_.Grant(other_.id, "information_manager", "org_unit", t_.section_b).ok());
  }

  std::string Asset() {
    storage::AssetRecord r{.id = NewId(),
                           .name = "住民記録",
                           .kind = "removable_medium",
                           .owner_org_unit_id = t_.section_a,
                           .confidentiality = 3,
                           .integrity = 2,
                           .availability = 1,
                           .state = "in_use",
                           .created_by = "t",
                           .created_at = 1,
                           .updated_at = 1};
    EXPECT_TRUE(t_.tdb.db()->Write([&](storage::Connection& c) { return storage::AssetRepo(c).Insert(r); }).ok());
    return r.id;
  }

  static json TakeOut() {
    return {{"destination", "区役所"}, {"purpose", "窓口業務"}, {"period_from", "2026-10-01"},
            {"period_to", "2026-10-05"}, {"carrier", "山本"}};
  }

  AssetService assets_;
  RequestService requests_;
  storage::UserRecord staff_, chief_, deputy_, other_;
};

TEST_F(RequestNoticeTest, ASubmittedRequestNotifiesEveryApproverInScopeAndNobodyElse) {
  auto created = requests_.Create(ActorOf(t_, staff_), {"take_out", {Asset()}, TakeOut()});
  ASSERT_TRUE(created.ok()) << created.error().detail;
  const std::string id = created->request.id;
  const policy::RequestType* type = t_.pack.FindRequestType("take_out");
  ASSERT_NE(type, nullptr);
  for (const auto* u : {&chief_, &deputy_}) {
    auto n = Of(u->id);
    ASSERT_EQ(n.size(), 1u) << u->login_id;
    EXPECT_EQ(n[0].kind, "request_submitted");
    EXPECT_EQ(n[0].subject, "承認依頼 " + type->title + " 名前");
    EXPECT_EQ(n[0].link, "/requests/" + id);
    EXPECT_EQ(n[0].target, "request:" + id);
  }
  EXPECT_TRUE(Of(staff_.id).empty()) << "the requester is not told of their own request";
  EXPECT_TRUE(Of(other_.id).empty()) << "another section's manager is not an approver";
  const auto mails = Outbox();
  ASSERT_EQ(mails.size(), 1u) << "only the chief has an address";
  EXPECT_EQ(mails[0].to_address, "chief@city.example.jp");
}

TEST_F(RequestNoticeTest, ADecisionNotifiesTheRequesterWithTheOutcomeAndTheNote) {
  auto created = requests_.Create(ActorOf(t_, staff_), {"take_out", {Asset()}, TakeOut()});
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(requests_.Reject(ActorOf(t_, chief_), created->request.id, "期間が長すぎます").ok());
  auto n = Of(staff_.id);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, "request_decided");
  EXPECT_NE(n[0].subject.find("却下"), std::string::npos) << n[0].subject;
  EXPECT_NE(n[0].body.find("期間が長すぎます"), std::string::npos) << n[0].body;

  t_.clock.Advance(kMicrosPerSecond);  // newest first: the second decision is listed first
  auto second = requests_.Create(ActorOf(t_, staff_), {"take_out", {Asset()}, TakeOut()});
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(requests_.Approve(ActorOf(t_, chief_), second->request.id, "").ok());
  n = Of(staff_.id);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_NE(n[0].subject.find("承認"), std::string::npos) << n[0].subject;
}

TEST_F(RequestNoticeTest, ARefusedStepLeavesNoNotice) {
  auto created = requests_.Create(ActorOf(t_, staff_), {"take_out", {Asset()}, TakeOut()});
  ASSERT_TRUE(created.ok());
  const int64_t before = Count("SELECT COUNT(*) FROM notifications");
  const int64_t mails = Count("SELECT COUNT(*) FROM mail_outbox");
  // A rejection without a reason is refused: nothing is told.
  EXPECT_FALSE(requests_.Reject(ActorOf(t_, chief_), created->request.id, "").ok());
  EXPECT_FALSE(requests_.Approve(ActorOf(t_, other_), created->request.id, "").ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM notifications"), before);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM mail_outbox"), mails);
}

TEST_F(RequestNoticeTest, ADraftNotifiesNobodyUntilItIsSubmitted) {
  auto draft = requests_.Create(ActorOf(t_, staff_), {"take_out", {Asset()}, TakeOut(), true});
  ASSERT_TRUE(draft.ok());
  EXPECT_TRUE(Of(chief_.id).empty());
  ASSERT_TRUE(requests_.Submit(ActorOf(t_, staff_), draft->request.id).ok());
  EXPECT_EQ(Of(chief_.id).size(), 1u);
}

}  // namespace
}  // namespace mamori::domain
