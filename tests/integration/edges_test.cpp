// Edges of issue 9 through API v1 (docs/api.md): the server's vocabularies the UI reads instead of
// keeping copies (GET /policy `terms`, request states from GET /registers), the English text of
// the pack's deny rules in problem documents (`detail_en`), and a register record's history with
// the names of the people who acted. Every test runs on SQLite and PostgreSQL.
#include <ctime>
#include <set>

#include "harness.hpp"

namespace mamori::itest {
namespace {

std::string Id(const json& doc) { return doc.value("id", ""); }

std::vector<std::string> IdsOf(const json& list) {
  std::vector<std::string> out;
  for (const auto& x : list) out.push_back(x.value("id", ""));
  return out;
}

// ---- on the Kobe pack ----------------------------------------------------------------------

class EdgesTest : public ApiTest {};

TEST_F(EdgesTest, PolicyAnswersTheEngineVocabulariesWithJapaneseAndEnglishLabels) {
  Reply r = admin_->client->Get("/api/v1/policy");
  ASSERT_EQ(r.status, 200) << r.Describe();
  const json& terms = r.doc["terms"];
  ASSERT_TRUE(terms.is_object()) << r.Describe();
  for (const char* list : {"asset_kinds", "asset_states", "employment_types", "user_statuses", "org_kinds"}) {
    ASSERT_TRUE(terms.contains(list) && terms[list].is_array() && !terms[list].empty()) << list;
    for (const auto& t : terms[list]) {
      EXPECT_FALSE(t.value("id", "").empty()) << list << ": " << t.dump();
      EXPECT_FALSE(t.value("label", "").empty()) << list << ": " << t.dump();
      EXPECT_FALSE(t.value("label_en", "").empty()) << list << ": " << t.dump();
    }
  }
  // The contract's values (DESIGN.md, API v1): the kinds of an org unit, the six employment types.
  EXPECT_EQ(IdsOf(terms["org_kinds"]), (std::vector<std::string>{"city", "bureau", "department", "section"}));
  EXPECT_EQ(IdsOf(terms["employment_types"]), (std::vector<std::string>{"regular", "reappointed", "fixed_term",
                                                                        "fiscal_year", "dispatched", "contractor"}));
  const std::vector<std::string> statuses = IdsOf(terms["user_statuses"]);
  for (const char* s : {"active", "locked", "suspended", "expired", "deleted"})
    EXPECT_NE(std::find(statuses.begin(), statuses.end(), s), statuses.end()) << s;
  for (const auto& t : terms["asset_states"]) {
    if (t["id"] == "taken_out") {
      EXPECT_EQ(t["label"], "持出中");
    }
  }
  // A person of any role reads them (staff fill in the asset kind too).
  Person staff = NewSignedIn("edterm", {{{"role", "staff"}, {"scope_type", "org_unit"}, {"scope_id", city_id_}}});
  Reply mine = staff.client->Get("/api/v1/policy");
  ASSERT_EQ(mine.status, 200) << mine.Describe();
  EXPECT_EQ(mine.doc["terms"], terms);
}

TEST_F(EdgesTest, EveryListedValueIsOneTheServerAcceptsAndAnUnlistedOneIsRefused) {
  const Reply policy = admin_->client->Get("/api/v1/policy");
  ASSERT_EQ(policy.status, 200) << policy.Describe();
  const json terms = policy.doc["terms"];
  // Each asset kind is accepted as a list filter; one not listed is named as the bad field.
  for (const auto& k : terms["asset_kinds"]) {
    Reply r = admin_->client->Get("/api/v1/assets?per_page=1&kind=" + k["id"].get<std::string>());
    EXPECT_EQ(r.status, 200) << k.dump() << ": " << r.Describe();
  }
  for (const auto& s : terms["asset_states"]) {
    Reply r = admin_->client->Get("/api/v1/assets?per_page=1&state=" + s["id"].get<std::string>());
    EXPECT_EQ(r.status, 200) << s.dump() << ": " << r.Describe();
  }
  for (const auto& s : terms["user_statuses"]) {
    Reply r = admin_->client->Get("/api/v1/users?per_page=1&status=" + s["id"].get<std::string>());
    EXPECT_EQ(r.status, 200) << s.dump() << ": " << r.Describe();
  }
  Reply bad = admin_->client->Get("/api/v1/assets?per_page=1&kind=spaceship");
  EXPECT_TRUE(IsProblem(bad, 422, "validation_failed")) << bad.Describe();
  EXPECT_TRUE(HasFieldError(bad, "kind"));
}

TEST_F(EdgesTest, RequestStatesComeFromTheRequestTypesOfTheCatalogue) {
  Reply r = admin_->client->Get("/api/v1/registers");
  ASSERT_EQ(r.status, 200) << r.Describe();
  std::set<std::string> states;
  size_t types = 0;
  for (const auto& item : r.doc["items"]) {
    if (item.value("kind", "") != "request_type") continue;
    ++types;
    ASSERT_TRUE(item["workflow"].is_object()) << item.value("id", "");
    for (const auto& s : item["workflow"]["states"]) {
      EXPECT_FALSE(s.value("label", "").empty());
      EXPECT_FALSE(s.value("label_en", "").empty());
      states.insert(s.value("id", ""));
    }
  }
  EXPECT_GT(types, 0u);
  // The life cycle of DESIGN.md's Request.
  for (const char* s : {"draft", "submitted", "approved", "rejected", "withdrawn", "completed", "expired"})
    EXPECT_TRUE(states.contains(s)) << s;
}

TEST_F(EdgesTest, ARefusedGrantAnswersTheRulesMessageInBothLanguagesAndChangesNothing) {
  json vendor = CreateUser(UniqueLogin("edvend"), city_id_, "contractor", {{"expires_on", "2099-03-31"}});
  const int64_t head = LogHead();
  Reply r = admin_->client->Post("/api/v1/role-assignments", {{"user_id", vendor["id"]},
                                                                 {"role", "infrastructure_manager"},
                                                                 {"scope_type", "city"}});
  ASSERT_TRUE(IsProblem(r, 403, "policy_denied")) << r.Describe();
  EXPECT_EQ(r.doc.value("clause", ""), "kobe:8.2.1ウ(2)");
  // Japanese first, English beside it: the pack's message_en with the role's English title.
  EXPECT_NE(r.doc.value("detail", "").find("特権"), std::string::npos) << r.Describe();
  EXPECT_NE(r.doc.value("detail", "").find("情報基盤管理者"), std::string::npos) << r.Describe();
  EXPECT_EQ(r.doc.value("detail_en", ""), "Contractor and dispatched staff may not hold privileged roles (Infrastructure Manager)")
      << r.Describe();
  // Nothing granted; the refusal is on the record.
  Reply roles = admin_->client->Get("/api/v1/role-assignments?user_id=" + vendor["id"].get<std::string>());
  ASSERT_EQ(roles.status, 200) << roles.Describe();
  EXPECT_TRUE(roles.doc["items"].empty()) << roles.Describe();
  json log = AuditLog("action=role.assign&result=denied&actor=" + admin_->id);
  ASSERT_FALSE(log["items"].empty());
  EXPECT_GT(log["items"][0]["seq"].get<int64_t>(), head);
  EXPECT_EQ(log["items"][0].value("clause", ""), "kobe:8.2.1ウ(2)");
}

TEST_F(EdgesTest, AProblemWithNoEnglishTextAnswersNoDetailEn) {
  Reply r = admin_->client->Post("/api/v1/org-units", {{"code", "x"}, {"kind", "galaxy"}});
  ASSERT_TRUE(IsProblem(r, 422, "validation_failed")) << r.Describe();
  EXPECT_FALSE(r.doc.contains("detail_en")) << r.Describe();
}

// ---- on the second town's pack (its lending book is a register of the pack) ------------------

class EdgesTownTest : public ApiTest {
 protected:
  static void SetUpTestSuite() {
    setup_error_.clear();
    try {
      town_ = new ServerProcess(SourceDir() + "/tests/packs/sample_town.yaml");
      admin_ = FirstAdminOn(town_->base_url());
      city_id_ = RootUnitOn(*admin_->client).first;
      Reply bureau = admin_->client->Post("/api/v1/org-units", {{"code", UniqueLogin("edbu")},
                                                                 {"name", "さくら町 端の局"},
                                                                 {"kind", "bureau"},
                                                                 {"parent_id", city_id_}});
      Require(bureau.status == 201, "POST /org-units: " + bureau.Describe());
      Reply unit = admin_->client->Post("/api/v1/org-units", {{"code", UniqueLogin("edsec")},
                                                               {"name", "さくら町 端の課"},
                                                               {"kind", "section"},
                                                               {"parent_id", Id(bureau.doc)}});
      Require(unit.status == 201, "POST /org-units: " + unit.Describe());
      section_ = Id(unit.doc);
      kacho_ = MakePersonOn(*admin_->client, town_->base_url(), "edkacho", section_,
                            {{{"role", "kacho"}, {"scope_type", "org_unit"}, {"scope_id", section_}}});
      staff_ = MakePersonOn(*admin_->client, town_->base_url(), "edstaff", section_,
                            {{{"role", "shokuin"}, {"scope_type", "org_unit"}, {"scope_id", section_}}});
    } catch (const std::exception& e) {
      setup_error_ = e.what();
      ADD_FAILURE() << "suite set-up failed: " << e.what();
    }
  }
  static void TearDownTestSuite() {
    for (Person** p : {&admin_, &kacho_, &staff_}) {
      delete *p;
      *p = nullptr;
    }
    delete town_;
    town_ = nullptr;
  }
  void SetUp() override {
    if (!setup_error_.empty()) GTEST_SKIP() << "suite set-up failed: " << setup_error_;
  }

  static std::string Tomorrow() {
    const std::time_t t = std::time(nullptr) + 9 * 3600 + 86400;
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
    return buf;
  }

  static json NewLaptop(const std::string& device) {
    Reply r = kacho_->client->Post("/api/v1/lending",
                                   {{"device", device}, {"kind", "laptop"}, {"owner_org_unit_id", section_}});
    Require(r.status == 201, "POST /lending: " + r.Describe());
    return r.doc;
  }

  static inline ServerProcess* town_ = nullptr;
  static inline std::string section_;
  static inline Person* kacho_ = nullptr;
  static inline Person* staff_ = nullptr;
};

TEST_F(EdgesTownTest, ADenyRuleOfARegisterAnswersItsEnglishMessageBesideTheJapaneseOne) {
  json laptop = NewLaptop("PC-E01");
  Reply past = kacho_->client->Post("/api/v1/lending/" + Id(laptop) + "/transitions/lend",
                                    {{"fields", {{"borrower", staff_->id}, {"due_on", "2020-01-01"}}}});
  ASSERT_TRUE(IsProblem(past, 422, "validation_failed")) << past.Describe();
  EXPECT_TRUE(HasFieldError(past, "fields.due_on", "policy_rule"));
  EXPECT_EQ(past.doc.value("detail", ""), "返却予定日が過去の日付です");
  EXPECT_EQ(past.doc.value("detail_en", ""), "The due date is in the past");
  EXPECT_EQ(past.doc.value("clause", ""), "sakura:5.3");
  // Nothing changed: the laptop is still available, at its first version.
  Reply now = kacho_->client->Get("/api/v1/lending/" + Id(laptop));
  ASSERT_EQ(now.status, 200) << now.Describe();
  EXPECT_EQ(now.doc["state"], "available");
  EXPECT_EQ(now.doc["version"], laptop["version"]);
  EXPECT_TRUE(now.doc["borrower"].is_null());
}

TEST_F(EdgesTownTest, ARecordsHistoryNamesThePeopleWhoActed) {
  json laptop = NewLaptop("PC-E02");
  Reply lent = kacho_->client->Post("/api/v1/lending/" + Id(laptop) + "/transitions/lend",
                                    {{"fields", {{"borrower", staff_->id}, {"due_on", Tomorrow()}}}});
  ASSERT_EQ(lent.status, 200) << lent.Describe();
  const json kacho_user = admin_->client->Get("/api/v1/users/" + kacho_->id).doc;
  ASSERT_FALSE(kacho_user.value("name", "").empty()) << kacho_user.dump();

  // The section head reads it: every entry names its actor, the head themself.
  Reply h = kacho_->client->Get("/api/v1/lending/" + Id(laptop) + "/history");
  ASSERT_EQ(h.status, 200) << h.Describe();
  ASSERT_EQ(h.doc["items"].size(), 2u) << h.Describe();
  for (const auto& e : h.doc["items"]) {
    EXPECT_EQ(e.value("actor", ""), kacho_->id) << e.dump();
    EXPECT_EQ(e["actor_name"], kacho_user["name"]) << e.dump();
    EXPECT_EQ(e.value("actor_login_id", ""), kacho_->login_id) << e.dump();
  }

  // The borrower sees the record (they are named in it) but not the section head through the
  // user list (職員 hold no users.read in the town's pack): the name is withheld as the
  // operation log withholds it; the login ID the log holds anyway stays.
  ASSERT_NE(staff_->client->Get("/api/v1/users/" + kacho_->id).status, 200);
  Reply theirs = staff_->client->Get("/api/v1/lending/" + Id(laptop) + "/history");
  ASSERT_EQ(theirs.status, 200) << theirs.Describe();
  ASSERT_EQ(theirs.doc["items"].size(), 2u) << theirs.Describe();
  for (const auto& e : theirs.doc["items"]) {
    ASSERT_TRUE(e.contains("actor_name")) << e.dump();
    EXPECT_TRUE(e["actor_name"].is_null()) << e.dump();
    EXPECT_EQ(e.value("actor_login_id", ""), kacho_->login_id) << e.dump();
  }
}

}  // namespace
}  // namespace mamori::itest
