// Every refusal on the record, through the real server on both engines: a refused decision
// (policy_denied, separation_of_duties, forbidden on a change) writes one operation-log entry
// with result "denied", its clause and its target, while the refused change writes nothing;
// a refused read writes nothing; identical refusals from one session are counted in one entry,
// so a flood of refused calls cannot flood the log (DESIGN "API v1 contract"; kobe:8.1.7,
// kobe:8.2.1ア, kobe:3.2.10ア).
#include <thread>

#include "harness.hpp"

namespace mamori::itest {
namespace {

json UnitRole(const std::string& role, const std::string& unit) {
  return {{"role", role}, {"scope_type", "org_unit"}, {"scope_id", unit}};
}

class RefusalsTest : public ApiTest {
 protected:
  static void SetUpTestSuite() {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      bureau_ = CreateOrgUnit(UniqueLogin("fb"), "bureau", city_id_);
      section_ = CreateOrgUnit(UniqueLogin("fs"), "section", bureau_);
      staff_ = new Person(NewSignedIn("fstaff", {UnitRole("staff", section_)}, section_));
      chief_ = new Person(NewSignedIn("fchief", {UnitRole("information_manager", section_)}, section_));
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete staff_;
    delete chief_;
    staff_ = chief_ = nullptr;
    ApiTest::TearDownTestSuite();
  }

  // Entries after `after` (seq), oldest first, as the admin reads them.
  static json EntriesAfter(int64_t after) {
    json out = json::array();
    json page = AuditLog("per_page=200");
    for (auto it = page["items"].rbegin(); it != page["items"].rend(); ++it)
      if ((*it)["seq"].get<int64_t>() > after) out.push_back(*it);
    return out;
  }

  // A 機密性2 asset of the section, registered by its chief; its id.
  static std::string NewAsset() {
    Reply r = chief_->client->Post("/api/v1/assets", {{"name", UniqueLogin("台帳")},
                                                      {"kind", "electronic_data"},
                                                      {"owner_org_unit_id", section_},
                                                      {"confidentiality", 2},
                                                      {"integrity", 1},
                                                      {"availability", 1},
                                                      {"handling", json::array()}});
    Require(r.status == 201, "POST /assets: " + r.Describe());
    return r.doc["id"].get<std::string>();
  }

  // The chief's own take-out of a new asset, submitted; its id.
  static std::string OwnTakeOut() {
    Reply r = chief_->client->Post("/api/v1/requests",
                                   {{"type", "take_out"},
                                    {"asset_ids", {NewAsset()}},
                                    {"fields",
                                     {{"destination", "北区役所"},
                                      {"purpose", "窓口応援"},
                                      {"period_from", "2099-04-01"},
                                      {"period_to", "2099-04-03"},
                                      {"carrier", "山田"}}}});
    Require(r.status == 201, "POST /requests: " + r.Describe());
    return r.doc["id"].get<std::string>();
  }

  static inline std::string bureau_, section_;
  static inline Person* staff_ = nullptr;
  static inline Person* chief_ = nullptr;
};

TEST_F(RefusalsTest, AForbiddenChangeIsOneDeniedEntryCitingAccessControlAndCreatesNothing) {
  const int64_t users = UserCount();
  const int64_t head = LogHead();
  Reply r = staff_->client->Post("/api/v1/users", {{"login_id", UniqueLogin("intruder")},
                                                   {"name", "侵入者"},
                                                   {"org_unit_id", section_},
                                                   {"employment_type", "regular"}});
  ASSERT_TRUE(IsProblem(r, 403, "forbidden"));
  EXPECT_EQ(UserCount(), users);
  json after = EntriesAfter(head);
  ASSERT_EQ(after.size(), 1u) << after.dump();
  EXPECT_EQ(after[0]["action"], "user.create");
  EXPECT_EQ(after[0]["result"], "denied");
  EXPECT_EQ(after[0]["actor"], staff_->id);
  EXPECT_EQ(after[0]["clause"], "kobe:8.2.1ア");
  EXPECT_EQ(after[0]["detail"]["code"], "forbidden");
  EXPECT_NE(after[0]["session"], "-");
}

TEST_F(RefusalsTest, AForbiddenChangeOnAnObjectNamesItAsTheTarget) {
  const int64_t head = LogHead();
  // The section chief sees the section's people (users.read) but may not suspend them.
  Reply r = chief_->client->Post("/api/v1/users/" + staff_->id + "/suspend", json::object());
  ASSERT_TRUE(IsProblem(r, 403, "forbidden"));
  EXPECT_EQ(GetUser(staff_->id)["status"], "active");
  json after = EntriesAfter(head);
  ASSERT_EQ(after.size(), 1u) << after.dump();
  EXPECT_EQ(after[0]["action"], "user.suspend");
  EXPECT_EQ(after[0]["target"], "user:" + staff_->id);
  EXPECT_EQ(after[0]["actor"], chief_->id);
  EXPECT_EQ(after[0]["result"], "denied");
}

TEST_F(RefusalsTest, ARefusedReadWritesNothing) {
  const int64_t head = LogHead();
  Reply r = staff_->client->Get("/api/v1/users");
  ASSERT_TRUE(IsProblem(r, 403, "forbidden"));
  EXPECT_EQ(LogHead(), head);
}

TEST_F(RefusalsTest, ASelfApprovalIsDeniedOnTheRecordWithTheSeparationClauseAndTheRequestStaysUndecided) {
  const std::string id = OwnTakeOut();
  const int64_t head = LogHead();
  Reply r = chief_->client->Post("/api/v1/requests/" + id + "/approve", json::object());
  ASSERT_TRUE(IsProblem(r, 403, "separation_of_duties"));
  Reply now = chief_->client->Get("/api/v1/requests/" + id);
  EXPECT_EQ(now.doc["state"], "submitted");
  json after = EntriesAfter(head);
  ASSERT_EQ(after.size(), 1u) << after.dump();
  EXPECT_EQ(after[0]["action"], "request.approve");
  EXPECT_EQ(after[0]["target"], "request:" + id);
  EXPECT_EQ(after[0]["result"], "denied");
  EXPECT_EQ(after[0]["clause"], "kobe:3.2.10ア");
  EXPECT_EQ(after[0]["detail"]["code"], "separation_of_duties");
}

TEST_F(RefusalsTest, ADenyRuleRefusalCarriesTheRulesClauseAndNoRequestIsCreated) {
  const std::string asset = NewAsset();
  const int64_t head = LogHead();
  // kobe:4.2オ(3): confidential information leaves the section only encrypted.
  Reply r = staff_->client->Post("/api/v1/requests", {{"type", "copy_send"},
                                                      {"asset_ids", {asset}},
                                                      {"fields",
                                                       {{"method", "email"},
                                                        {"recipients", "県 情報政策課"},
                                                        {"purpose", "照会への回答"},
                                                        {"outside_section", true},
                                                        {"encrypted", false}}}});
  ASSERT_TRUE(IsProblem(r, 403, "policy_denied")) << r.Describe();
  json after = EntriesAfter(head);
  ASSERT_EQ(after.size(), 1u) << "only the refusal, no request.create: " << after.dump();
  EXPECT_EQ(after[0]["action"], "request.create");
  EXPECT_EQ(after[0]["result"], "denied");
  EXPECT_EQ(after[0]["clause"], r.doc["clause"]);
  EXPECT_EQ(after[0]["clause"], "kobe:4.2オ(3)");
  Reply mine = staff_->client->Get("/api/v1/requests?mine=true&per_page=200");
  for (const auto& item : mine.doc["items"]) EXPECT_NE(item["type"], "copy_send");
}

TEST_F(RefusalsTest, AFloodOfIdenticalRefusalsIsCountedInOneEntry) {
  const std::string id = OwnTakeOut();
  const int64_t head = LogHead();
  for (int i = 0; i < 30; ++i)
    ASSERT_EQ(chief_->client->Post("/api/v1/requests/" + id + "/approve", json::object()).status, 403);
  json after = EntriesAfter(head);
  ASSERT_EQ(after.size(), 1u) << "30 identical refusals in the window are one entry: " << after.dump();
  EXPECT_EQ(after[0]["target"], "request:" + id);
  // Another target is another refusal.
  const std::string other = OwnTakeOut();
  const int64_t head2 = LogHead();
  ASSERT_EQ(chief_->client->Post("/api/v1/requests/" + other + "/approve", json::object()).status, 403);
  EXPECT_EQ(EntriesAfter(head2).size(), 1u);
}

TEST_F(RefusalsTest, TheCountOfRepeatsIsWrittenAtShutdownAtTheLatest) {
  const std::string id = OwnTakeOut();
  const int64_t head = LogHead();
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(chief_->client->Post("/api/v1/requests/" + id + "/approve", json::object()).status, 403);
  // A stop ends the window early: the four repeats are written before the log is sealed.
  server_->Stop();
  server_->Start();
  for (Person* p : {admin_, staff_, chief_}) p->client->set_base(server_->base_url());
  json counted;
  for (const auto& e : EntriesAfter(head))
    if (e["target"] == "request:" + id && e["detail"].contains("repeated")) counted = e;
  ASSERT_FALSE(counted.is_null()) << EntriesAfter(head).dump();
  EXPECT_EQ(counted["detail"]["repeated"], 4);
  EXPECT_EQ(counted["result"], "denied");
  EXPECT_EQ(counted["action"], "request.approve");
  EXPECT_EQ(counted["clause"], "kobe:3.2.10ア");
}

TEST_F(RefusalsTest, TheChainHoldsWithRefusalsOnIt) {
  Reply v = admin_->client->Get("/api/v1/audit-log/verify");
  ASSERT_EQ(v.status, 200) << v.Describe();
  EXPECT_EQ(v.doc["ok"], true) << v.Describe();
  json denied = AuditLog("result=denied&per_page=200");
  EXPECT_GE(denied["total"].get<int64_t>(), 4);
}

// Last in the suite: it lowers the sign-in throttle for the rest of the server's life.
TEST_F(RefusalsTest, ThrottledSignInsAreDeniedOnTheRecordByAddressAndCountedNotEachWritten) {
  server_->Reconfigure("login_throttle_failures: 3\nlogin_throttle_window_seconds: 600");
  for (Person* p : {admin_, staff_, chief_}) p->client->set_base(server_->base_url());
  auto sprayer = NewClient();
  sprayer->source_address = "127.0.0.9";
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(sprayer->Login(UniqueLogin("nobody"), "Wrong-Password-1").status, 401);
  const int64_t head = LogHead();
  for (int i = 0; i < 10; ++i) {
    Reply r = sprayer->Login(UniqueLogin("nobody"), "Wrong-Password-1");
    ASSERT_TRUE(IsProblem(r, 429, "rate_limited")) << r.Describe();
  }
  json after = EntriesAfter(head);
  ASSERT_EQ(after.size(), 1u) << "ten throttled attempts from one address in the window are one entry: "
                              << after.dump();
  EXPECT_EQ(after[0]["action"], "auth.login");
  EXPECT_EQ(after[0]["result"], "denied");
  EXPECT_EQ(after[0]["address"], "127.0.0.9");
  EXPECT_EQ(after[0]["actor"], "-");
  EXPECT_EQ(after[0]["detail"]["code"], "rate_limited");
  // kobe:8.2.5: the login limits.
  EXPECT_EQ(after[0]["clause"], "kobe:8.2.5");
}

}  // namespace
}  // namespace mamori::itest
