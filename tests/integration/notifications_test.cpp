// Notifications through the real server (docs/notifications.md), on both engines: a submitted
// request tells its approvers and a decision tells the requester, in the app (GET
// /api/v1/notifications with the unread count, mark read, read all: the caller's own only, each
// logged) and by e-mail through a real local SMTP server (Debian's python3-aiosmtpd, started by
// the test on a port of 43100-43199): each message arrives exactly once with its Japanese
// subject, also when the SMTP server and mamori are restarted while the outbox is full. And the
// users API's `email`: accepted, answered, cleared, and refused when it is not an address.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "smtp_sink.hpp"

namespace mamori::itest {
namespace {

using namespace std::chrono_literals;

json UnitRole(const std::string& role, const std::string& unit) {
  return {{"role", role}, {"scope_type", "org_unit"}, {"scope_id", unit}};
}

class NotificationsTest : public ApiTest {
 protected:
  static void SetUpTestSuite() {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      sink_ = new SmtpSink(MakeTempDir("smtp"));
      sink_->Start();
      server_->Reconfigure("smtp_url: smtp://127.0.0.1:" + std::to_string(sink_->port()) +
                           "\nsmtp_from: mamori@city.example.jp\nsmtp_tls: false\nsmtp_retry_seconds: 1\n"
                           "public_url: https://mamori.city.example.jp\n");
      admin_->client->set_base(server_->base_url());
      approver_->client->set_base(server_->base_url());
      const std::string bureau = CreateOrgUnit(UniqueLogin("nb"), "bureau", city_id_);
      section_ = CreateOrgUnit(UniqueLogin("ns"), "section", bureau);
      chief_ = MakePerson("nchief", {UnitRole("information_manager", section_)}, "chief");
      staff_ = MakePerson("nstaff", {UnitRole("staff", section_)}, "staff");
      quiet_ = MakePerson("nquiet", {UnitRole("staff", section_)}, "");
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void TearDownTestSuite() {
    for (Person** p : {&chief_, &staff_, &quiet_}) {
      delete *p;
      *p = nullptr;
    }
    delete sink_;
    sink_ = nullptr;
    ApiTest::TearDownTestSuite();
  }

  // A signed-in person of the suite's section; `mail`: the local part of their address ("" = none).
  static Person* MakePerson(const std::string& prefix, const std::vector<json>& roles, const std::string& mail) {
    auto p = std::make_unique<Person>();
    p->login_id = UniqueLogin(prefix);
    json extra = json::object();
    if (!mail.empty()) extra["email"] = mail + "." + p->login_id + "@city.example.jp";
    json created = CreateUser(p->login_id, section_, "regular", extra);
    p->id = created["id"].get<std::string>();
    p->password = created["temporary_password"].get<std::string>();
    for (json a : roles) {
      a["user_id"] = p->id;
      Reply r = admin_->client->Post("/api/v1/role-assignments", a);
      Require(r.status == 201, "POST /role-assignments: " + r.Describe());
    }
    p->client = NewClient();
    Reply r = p->client->Login(p->login_id, p->password);
    Require(r.status == 200, "login: " + r.Describe());
    p->login_doc = r.doc;
    CompleteSignIn(*p);
    return p.release();
  }

  static std::string Email(const Person& p) { return GetUser(p.id).value("email", ""); }

  // A transport request of the staff member for a new asset of the section: its id.
  static std::string SubmitRequest() {
    Reply asset = chief_->client->Post("/api/v1/assets", {{"name", UniqueLogin("資産")},
                                                          {"kind", "electronic_data"},
                                                          {"owner_org_unit_id", section_},
                                                          {"confidentiality", 2},
                                                          {"integrity", 1},
                                                          {"availability", 1},
                                                          {"handling", json::array()}});
    Require(asset.status == 201, "POST /assets: " + asset.Describe());
    Reply r = staff_->client->Post("/api/v1/requests", {{"type", "transport"},
                                                        {"asset_ids", {asset.doc["id"]}},
                                                        {"fields",
                                                         {{"from", "本庁舎"},
                                                          {"to", "北区役所"},
                                                          {"carried_on", "2099-04-01"},
                                                          {"carrier", "山田"},
                                                          {"protection", "施錠できるケースで運搬"}}}});
    Require(r.status == 201, "POST /requests: " + r.Describe());
    return r.doc["id"].get<std::string>();
  }

  static json Notifications(Person& p, const std::string& query = "") {
    Reply r = p.client->Get("/api/v1/notifications" + query);
    Require(r.status == 200, "GET /notifications: " + r.Describe());
    return r.doc;
  }

  static void PointClientsAtServer() {
    for (Person* p : {admin_, approver_, chief_, staff_, quiet_}) p->client->set_base(server_->base_url());
  }

  static inline SmtpSink* sink_ = nullptr;
  static inline std::string section_;
  static inline Person* chief_ = nullptr;
  static inline Person* staff_ = nullptr;
  static inline Person* quiet_ = nullptr;
};

TEST_F(NotificationsTest, ASubmittedRequestIsInTheApproversListAndMailboxOnceWithItsJapaneseSubject) {
  const int64_t unread = Notifications(*chief_)["unread"].get<int64_t>();
  const std::string id = SubmitRequest();

  json list = Notifications(*chief_);
  EXPECT_EQ(list["unread"].get<int64_t>(), unread + 1);
  ASSERT_FALSE(list["items"].empty());
  const json n = list["items"][0];
  EXPECT_EQ(n["kind"], "request_submitted");
  EXPECT_EQ(n["link"], "/requests/" + id);
  EXPECT_EQ(n["target"], "request:" + id);
  EXPECT_TRUE(n["read_at"].is_null());
  const std::string subject = n["subject"].get<std::string>();
  // Kobe's template: an approval request naming the request type and the requester.
  EXPECT_NE(subject.find("承認依頼"), std::string::npos) << subject;
  EXPECT_NE(subject.find("情報資産の運搬"), std::string::npos) << subject;
  EXPECT_EQ(Notifications(*staff_)["items"].size(), 0u) << "the requester is not told of their own request";

  const auto mails = sink_->WaitForLinks(Email(*chief_), {id});
  ASSERT_EQ(mails.size(), 1u) << "one mail for the request";
  const json* mail = &mails[0];
  ASSERT_NE(mail, nullptr) << "no mail links the request";
  EXPECT_EQ((*mail)["subject"], subject) << "the relay's reader decodes the same Japanese subject";
  EXPECT_EQ((*mail)["mail_from"], "mamori@city.example.jp");
  EXPECT_EQ((*mail)["rcpt_tos"], json::array({Email(*chief_)}));
  EXPECT_EQ((*mail)["charset"], "utf-8");
  EXPECT_NE((*mail)["headers"].get<std::string>().find("Subject: =?UTF-8?B?"), std::string::npos)
      << "the subject is RFC 2047 encoded";
  EXPECT_NE((*mail)["body"].get<std::string>().find("https://mamori.city.example.jp/requests/" + id),
            std::string::npos)
      << "an e-mailed link is absolute";
  EXPECT_FALSE((*mail)["message_id"].get<std::string>().empty());
}

TEST_F(NotificationsTest, ADecisionTellsTheRequesterInTheAppAndByMail) {
  const std::string id = SubmitRequest();
  Reply r = chief_->client->Post("/api/v1/requests/" + id + "/reject", {{"note", "運搬日を見直してください"}});
  ASSERT_EQ(r.status, 200) << r.Describe();
  json list = Notifications(*staff_);
  ASSERT_FALSE(list["items"].empty());
  const json n = list["items"][0];
  EXPECT_EQ(n["kind"], "request_decided");
  EXPECT_NE(n["subject"].get<std::string>().find("却下"), std::string::npos) << n.dump();
  EXPECT_NE(n["body"].get<std::string>().find("運搬日を見直してください"), std::string::npos) << n.dump();
  const auto mails = sink_->WaitForLinks(Email(*staff_), {id});
  ASSERT_EQ(mails.size(), 1u) << "one mail for the decision";
  EXPECT_EQ(mails[0]["subject"], n["subject"]) << "the decision's mail carries the same subject";
}

TEST_F(NotificationsTest, EachMessageArrivesExactlyOnceThoughTheRelayAndMamoriRestartMidOutbox) {
  const std::string chief_mail = Email(*chief_);
  const int port = sink_->port();
  sink_->Stop();  // the relay is down: the outbox fills and is retried
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(SubmitRequest());
  std::this_thread::sleep_for(3500ms);  // the sender looks every 2 s: at least one failed attempt each
  server_->Stop();  // mamori goes down with the outbox unsent
  sink_->Start(port);
  server_->Start();
  PointClientsAtServer();
  auto mails = sink_->WaitForLinks(chief_mail, ids);
  std::this_thread::sleep_for(3s);  // time for a duplicate to show, were there one
  mails = sink_->WaitForLinks(chief_mail, ids);
  std::map<std::string, int> by_id;
  std::set<std::string> linked;
  for (const auto& m : mails) {
    ++by_id[m.value("message_id", "")];
    EXPECT_NE(m.value("subject", "").find("承認依頼"), std::string::npos) << m.dump();
    for (const auto& id : ids)
      if (m.value("body", "").find("/requests/" + id) != std::string::npos) linked.insert(id);
  }
  EXPECT_EQ(linked.size(), ids.size()) << "every request's mail arrived";
  EXPECT_EQ(mails.size(), ids.size()) << "and each once";
  for (const auto& [mid, count] : by_id) EXPECT_EQ(count, 1) << "message " << mid << " arrived " << count << " times";
  EXPECT_EQ(by_id.size(), ids.size());
  EXPECT_NE(server_->ServeLog().find("not sent"), std::string::npos)
      << "the relay was really down for a while: attempts failed and were retried";
}

TEST_F(NotificationsTest, MarkingReadIsTheOwnersOnlyAndLogged) {
  SubmitRequest();
  SubmitRequest();
  json list = Notifications(*chief_, "?per_page=1");
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_GE(list["total"].get<int64_t>(), 2);
  const std::string id = list["items"][0]["id"];
  const int64_t unread = list["unread"].get<int64_t>();
  ASSERT_GE(unread, 2);

  // Someone else's, a malformed id, an unknown one: 404, nothing changed, nothing logged.
  const int64_t head = LogHead();
  EXPECT_TRUE(IsProblem(staff_->client->Post("/api/v1/notifications/" + id + "/read", json::object()), 404, "not_found"));
  EXPECT_TRUE(IsProblem(chief_->client->Post("/api/v1/notifications/../read", json::object()), 404, "not_found"));
  EXPECT_TRUE(IsProblem(chief_->client->Post("/api/v1/notifications/" + std::string(32, 'a') + "/read", json::object()),
                        404, "not_found"));
  EXPECT_TRUE(IsProblem(chief_->client->Post("/api/v1/notifications/" + id + "/read", json::object(), Csrf::kOmit), 403,
                        "csrf_failed"));
  EXPECT_EQ(Notifications(*chief_)["unread"].get<int64_t>(), unread);
  EXPECT_TRUE(IsProblem(chief_->client->Get("/api/v1/notifications?unknown=1"), 422, "validation_failed"));

  Reply r = chief_->client->Post("/api/v1/notifications/" + id + "/read", json::object());
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.doc["id"], id);
  EXPECT_FALSE(r.doc["read_at"].is_null());
  EXPECT_EQ(Notifications(*chief_)["unread"].get<int64_t>(), unread - 1);
  json logged = AuditLog("action=notification.read&per_page=5");
  ASSERT_FALSE(logged["items"].empty());
  EXPECT_EQ(logged["items"][0]["target"], "notification:" + id);
  EXPECT_EQ(logged["items"][0]["actor"], chief_->id);
  EXPECT_GT(LogHead(), head);

  r = chief_->client->Post("/api/v1/notifications/read-all", json::object());
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.doc["marked"].get<int64_t>(), unread - 1);
  EXPECT_EQ(Notifications(*chief_)["unread"].get<int64_t>(), 0);
  json all = AuditLog("action=notification.read_all&per_page=1");
  ASSERT_FALSE(all["items"].empty());
  EXPECT_EQ(all["items"][0]["detail"]["count"].get<int64_t>(), unread - 1);
}

TEST_F(NotificationsTest, AUserWithoutAnAddressIsNotifiedInTheAppOnly) {
  EXPECT_TRUE(GetUser(quiet_->id)["email"].is_null());
  // quiet_ becomes an approver of the section too: a request there tells them as well.
  Reply r = admin_->client->Post("/api/v1/role-assignments",
                                 {{"user_id", quiet_->id}, {"role", "information_manager"}, {"scope_type", "org_unit"},
                                  {"scope_id", section_}});
  ASSERT_EQ(r.status, 201) << r.Describe();
  SignInAgain(*quiet_);
  const int64_t unread = Notifications(*quiet_)["unread"].get<int64_t>();
  const std::string id = SubmitRequest();
  EXPECT_EQ(Notifications(*quiet_)["unread"].get<int64_t>(), unread + 1);
  EXPECT_EQ(sink_->WaitForLinks(Email(*chief_), {id}).size(), 1u) << "the chief's mail came";
  for (const auto& m : sink_->Messages())
    for (const auto& to : m["rcpt_tos"]) EXPECT_EQ(to.get<std::string>().find(quiet_->login_id), std::string::npos);
}

TEST_F(NotificationsTest, TheUsersApiTakesAnsweresAndClearsAnEmailAndRefusesWhatIsNotOne) {
  const int64_t users = UserCount();
  const int64_t head = LogHead();
  for (const json& bad : {json("taro"), json("taro@localhost"), json("taro@city.example.jp\r\nBcc: x@y.jp"),
                          json("山田@city.example.jp"), json(42), json(std::string(300, 'a') + "@x.jp")}) {
    Reply r = admin_->client->Post("/api/v1/users", {{"login_id", UniqueLogin("mail")},
                                                      {"name", "メール 太郎"},
                                                      {"org_unit_id", section_},
                                                      {"employment_type", "regular"},
                                                      {"email", bad}});
    EXPECT_TRUE(IsProblem(r, 422, "validation_failed")) << bad.dump() << ": " << r.Describe();
    EXPECT_TRUE(HasFieldError(r, "email")) << bad.dump();
  }
  EXPECT_EQ(UserCount(), users) << "nothing was created";
  EXPECT_EQ(LogHead(), head) << "nothing was logged";

  json u = CreateUser(UniqueLogin("mail"), section_, "regular", {{"email", "hanako@city.example.jp"}});
  EXPECT_EQ(u["email"], "hanako@city.example.jp");
  const std::string id = u["id"];
  EXPECT_EQ(GetUser(id)["email"], "hanako@city.example.jp");

  Reply bad = admin_->client->Send("PATCH", "/api/v1/users/" + id,
                                   json{{"version", u["version"]}, {"email", "not an address"}}.dump());
  EXPECT_TRUE(IsProblem(bad, 422, "validation_failed")) << bad.Describe();
  EXPECT_TRUE(HasFieldError(bad, "email", "invalid_format"));
  EXPECT_EQ(GetUser(id)["email"], "hanako@city.example.jp") << "nothing changed";

  Reply changed = admin_->client->Send("PATCH", "/api/v1/users/" + id,
                                       json{{"version", u["version"]}, {"email", "h.tanaka@city.example.jp"}}.dump());
  ASSERT_EQ(changed.status, 200) << changed.Describe();
  EXPECT_EQ(changed.doc["email"], "h.tanaka@city.example.jp");
  json logged = AuditLog("action=user.update&per_page=1");
  EXPECT_EQ(logged["items"][0]["detail"]["changes"]["email"]["to"], "h.tanaka@city.example.jp");

  Reply cleared = admin_->client->Send("PATCH", "/api/v1/users/" + id,
                                       json{{"version", changed.doc["version"]}, {"email", nullptr}}.dump());
  ASSERT_EQ(cleared.status, 200) << cleared.Describe();
  EXPECT_TRUE(cleared.doc["email"].is_null());
}

}  // namespace
}  // namespace mamori::itest
