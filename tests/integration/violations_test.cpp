// Violations and their consequences through API v1 with the Kobe pack (kobe:9.7.2; docs/incidents.md,
// docs/registers.md "Effects", "Repeat count", "Notes", "Edit rules", "Fiscal year", "A record's
// report"): a section's 情報管理者 records a breach, the person is told and sees the notice; when the
// breach recurs the chief asks for the person's rights to be stopped and the ID administrator
// (情報基盤管理者) suspends the ID or ends the role assignments through the identity services —
// logged with the clause, in the transition's transaction, refused as those services refuse.
// Notes keep the state; nothing is edited after the person is told; the register per 年度; one
// record as an Excel report. The roles and rules are written out as the standard gives them,
// never read back from the pack. Every test runs on SQLite and PostgreSQL.
#include <string>
#include <vector>

#include "kobe_people.hpp"

namespace mamori::itest {
namespace {

bool Offers(const json& record, const std::string& action) {
  for (const auto& a : record["available_actions"])
    if (a.value("action", "") == action) return true;
  return false;
}

// The operation-log entries of `action` whose target is `target`.
std::vector<json> Entries(const json& log, const std::string& target) {
  std::vector<json> out;
  for (const auto& e : log["items"])
    if (e.value("target", "") == target) out.push_back(e);
  return out;
}

class ViolationsTest : public KobePeopleTest {
 protected:
  static void SetUpTestSuite() {
    SetUpSuiteWith([] {
      const std::string bureau = CreateOrgUnit(UniqueLogin("vlb"), "bureau", city_id_);
      section_ = CreateOrgUnit(UniqueLogin("vla"), "section", bureau);
      other_section_ = CreateOrgUnit(UniqueLogin("vlo"), "section", bureau);
      chief_ = Make("vlchief", section_, {UnitRole("information_manager", section_)});
      other_chief_ = Make("vlochief", other_section_, {UnitRole("information_manager", other_section_)});
      idadmin_ = Make("vlidadm", city_id_, {CityRole("infrastructure_manager")});
      secmgr_ = Make("vlsecmgr", city_id_, {CityRole("security_manager")});
      colleague_ = Make("vlcoll", section_, {UnitRole("staff", section_)});
    });
  }

  static void TearDownTestSuite() { TearDownSuiteWith({&chief_, &other_chief_, &idadmin_, &secmgr_, &colleague_}); }


  // A member of staff of the section, signed in.
  static std::unique_ptr<Person> Staff(const std::string& prefix) {
    return std::unique_ptr<Person>(Make(prefix, section_, {UnitRole("staff", section_)}));
  }

  // A violation by `person` recorded by the chief (201 required).
  static json Record(const std::string& person, const std::string& act, const std::string& on = "2026-11-20") {
    Reply r = chief_->client->Post("/api/v1/violations", {{"act", act},
                                                          {"person", person},
                                                          {"owner_org_unit_id", section_},
                                                          {"occurred_on", on},
                                                          {"rule_clause", "kobe:7.4.3"},
                                                          {"details", "端末の画面に付箋"}});
    Require(r.status == 201, "POST /violations: " + r.Describe());
    return r.doc;
  }

  // Takes `action` as `p` (200 required); the record.
  static json Step(Person& p, const std::string& path, const std::string& action, const json& body = json::object()) {
    Reply r = p.client->Post(path + "/transitions/" + action, body);
    Require(r.status == 200, action + ": " + r.Describe());
    return r.doc;
  }

  // A violation by `person` taken through notice and guidance to the report (kobe:9.7.2ア, ウ).
  static json Reported(const std::string& person, const std::string& act) {
    json v = Record(person, act);
    const std::string path = "/api/v1/violations/" + Id(v);
    Step(*chief_, path, "notify_person");
    Step(*chief_, path, "give_guidance", {{"fields", {{"guidance", "個別に指導"}}}});
    return Step(*chief_, path, "report");
  }

  static inline std::string section_, other_section_;
  static inline Person *chief_ = nullptr, *other_chief_ = nullptr, *idadmin_ = nullptr, *secmgr_ = nullptr,
                       *colleague_ = nullptr;
};

TEST_F(ViolationsTest, ARepeatedBreachLeadsToTheIdAdministratorSuspendingThePersonWhoCanNoLongerSignIn) {
  auto person = Staff("vlrep");
  json first = Record(person->id, "パスワードを付箋で掲示");
  EXPECT_EQ(first["repeat_count"], 0) << "no earlier violation";
  const std::string first_path = "/api/v1/violations/" + Id(first);
  Step(*chief_, first_path, "notify_person");
  // kobe:9.7.2ア: the person is told and sees the record addressed to them.
  Reply bell = person->client->Get("/api/v1/notifications?per_page=200");
  int notices = 0;
  for (const auto& n : bell.doc["items"]) notices += n.value("link", "") == "/r/violations/" + Id(first);
  EXPECT_EQ(notices, 1) << bell.body;
  Reply seen = person->client->Get(first_path);
  ASSERT_EQ(seen.status, 200) << seen.Describe();
  EXPECT_EQ(seen.doc["person"], person->id);
  Step(*chief_, first_path, "give_guidance", {{"fields", {{"guidance", "パスワード管理を個別に指導"}}}});
  json reported = Step(*chief_, first_path, "report");

  // A first breach is met with guidance, not with suspension (kobe:9.7.2イ: when guidance fails):
  // the request is not offered, and asked for anyway it is refused.
  EXPECT_FALSE(Offers(reported, "request_suspension")) << "a first breach offers the request for suspension";
  Reply too_soon = chief_->client->Post(first_path + "/transitions/request_suspension", {{"note", "改善なし"}});
  EXPECT_TRUE(IsProblem(too_soon, 409, "conflict")) << too_soon.Describe();
  Reply unchanged = chief_->client->Get(first_path);
  EXPECT_EQ(unchanged.doc["state"], "reported");
  EXPECT_EQ(unchanged.doc["version"], reported["version"]);

  // The breach recurs: the second record counts the first.
  json second = Record(person->id, "パスワードを再び付箋で掲示", "2026-11-27");
  EXPECT_EQ(second["repeat_count"], 1);
  EXPECT_EQ(chief_->client->Get(first_path).doc["repeat_count"], 0) << "the first counts only what came before it";
  const std::string path = "/api/v1/violations/" + Id(second);
  Step(*chief_, path, "notify_person");
  Step(*chief_, path, "give_guidance", {{"fields", {{"guidance", "再度指導"}}}});
  Reply no_note = chief_->client->Post(path + "/transitions/request_suspension", json::object());
  EXPECT_TRUE(HasFieldError(no_note, "note", "required")) << no_note.Describe();
  EXPECT_TRUE(Offers(chief_->client->Get(path).doc, "request_suspension")) << "a repeated breach does not offer it";
  json requested = Step(*chief_, path, "request_suspension", {{"note", "指導後も改善されない"}});
  EXPECT_EQ(requested["state"], "suspension_requested");
  EXPECT_FALSE(Offers(requested, "suspend_id")) << "the section chief does not suspend IDs";

  // Only the ID administrator suspends; the chief is refused and nothing changes.
  const int64_t head = LogHead();
  Reply by_chief = chief_->client->Post(path + "/transitions/suspend_id", json::object());
  EXPECT_TRUE(IsProblem(by_chief, 403, "forbidden")) << by_chief.Describe();
  EXPECT_EQ(GetUser(person->id).value("status", ""), "active");
  json refusals = AuditLog("action=violation.suspend_id&result=denied&per_page=200");
  EXPECT_EQ(Entries(refusals, "violation:" + Id(second)).size(), 1u) << refusals.dump();
  EXPECT_TRUE(Entries(AuditLog("action=user.suspend&per_page=200"), "user:" + person->id).empty());
  EXPECT_GT(LogHead(), head);

  Reply idadmin_view = idadmin_->client->Get(path);
  ASSERT_EQ(idadmin_view.status, 200) << idadmin_view.Describe();
  EXPECT_TRUE(Offers(idadmin_view.doc, "suspend_id"));
  json suspended = Step(*idadmin_, path, "suspend_id");
  EXPECT_EQ(suspended["state"], "id_suspended");
  EXPECT_FALSE(suspended["can_update"].get<bool>());
  EXPECT_EQ(GetUser(person->id).value("status", ""), "suspended");
  // Access stops at once: the open session ends and the password no longer signs in.
  EXPECT_TRUE(IsProblem(person->client->Get("/api/v1/session"), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(NewClient()->Login(person->login_id, person->password), 401, "invalid_credentials"));

  // The suspension is on the record with the clause and what caused it, beside the transition.
  std::vector<json> entries = Entries(AuditLog("action=user.suspend&per_page=200"), "user:" + person->id);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].value("clause", ""), "kobe:9.7.2");
  EXPECT_EQ(entries[0].value("actor", ""), idadmin_->id);
  EXPECT_EQ(entries[0]["detail"].value("record", ""), Id(second));
  EXPECT_EQ(entries[0]["detail"].value("register", ""), "violations");
  std::vector<json> steps = Entries(AuditLog("action=violation.suspend_id&result=success&per_page=200"),
                                    "violation:" + Id(second));
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].value("seq", 0) + 1, entries[0].value("seq", 0)) << "written together, in one transaction";
}

TEST_F(ViolationsTest, TheIdAdministratorCannotSuspendThemselfThroughAViolationAndNothingChanges) {
  // A breach by the ID administrator, recorded twice by the chief of a section.
  Reported(idadmin_->id, "管理者IDの共用");
  json second = Reported(idadmin_->id, "管理者IDの再度の共用");
  EXPECT_EQ(second["repeat_count"], 1);
  const std::string path = "/api/v1/violations/" + Id(second);
  json requested = Step(*chief_, path, "request_suspension", {{"note", "繰り返し"}});
  Reply own = idadmin_->client->Post(path + "/transitions/suspend_id", json::object());
  EXPECT_TRUE(IsProblem(own, 409, "conflict")) << own.Describe();
  Reply own_roles = idadmin_->client->Post(path + "/transitions/revoke_rights", {{"note", "剥奪"}});
  EXPECT_TRUE(IsProblem(own_roles, 403, "separation_of_duties")) << own_roles.Describe();
  // Nothing of the refused transitions stayed: the record, the ID and the roles are as they were.
  Reply after = chief_->client->Get(path);
  EXPECT_EQ(after.doc["state"], "suspension_requested");
  EXPECT_EQ(after.doc["version"], requested["version"]);
  EXPECT_EQ(GetUser(idadmin_->id).value("status", ""), "active");
  EXPECT_EQ(idadmin_->client->Get("/api/v1/session").status, 200);
  EXPECT_TRUE(Entries(AuditLog("action=role.end&per_page=200"), "user:" + idadmin_->id).empty());
}

TEST_F(ViolationsTest, RevokingTheRightsEndsEveryRoleAssignmentOfThePersonEachLoggedWithTheClause) {
  auto person = Staff("vlrev");
  AssignRole(person->id, "information_manager", "org_unit", other_section_);
  Reported(person->id, "私物USBメモリの使用");
  json second = Reported(person->id, "私物USBメモリの再度の使用");
  const std::string path = "/api/v1/violations/" + Id(second);
  Step(*chief_, path, "request_suspension", {{"note", "改善されない"}});
  Reply no_note = idadmin_->client->Post(path + "/transitions/revoke_rights", json::object());
  EXPECT_TRUE(HasFieldError(no_note, "note", "required")) << no_note.Describe();
  json revoked = Step(*idadmin_, path, "revoke_rights", {{"note", "情報資産の使用権を剥奪"}});
  EXPECT_EQ(revoked["state"], "rights_revoked");
  Reply roles = admin_->client->Get("/api/v1/role-assignments?user_id=" + person->id);
  ASSERT_EQ(roles.status, 200) << roles.Describe();
  int in_force = 0;
  for (const auto& a : roles.doc["items"]) in_force += a.value("revoked_at", json()).is_null() ? 1 : 0;
  EXPECT_EQ(in_force, 0) << roles.body;
  std::vector<json> ended = Entries(AuditLog("action=role.end&per_page=200"), "user:" + person->id);
  ASSERT_EQ(ended.size(), 2u) << "staff and information_manager";
  for (const auto& e : ended) {
    EXPECT_EQ(e.value("clause", ""), "kobe:9.7.2");
    EXPECT_EQ(e["detail"].value("record", ""), Id(second));
  }
  // The ID itself stays active: revoking rights is not suspending the ID.
  EXPECT_EQ(GetUser(person->id).value("status", ""), "active");
}

TEST_F(ViolationsTest, ANoteKeepsTheStateNeedsItsTextAndIsTakenOnlyByTheChainEvenOnAClosedRecord) {
  auto person = Staff("vlnote");
  json v = Record(person->id, "離席時の画面ロック忘れ");
  const std::string path = "/api/v1/violations/" + Id(v);
  Reply empty = chief_->client->Post(path + "/transitions/add_note", json::object());
  EXPECT_TRUE(HasFieldError(empty, "note", "required")) << empty.Describe();
  EXPECT_EQ(chief_->client->Get(path).doc["version"], v["version"]) << "a refused note changes nothing";
  json noted = Step(*chief_, path, "add_note", {{"note", "本人と面談の予定"}});
  EXPECT_EQ(noted["state"], "recorded");
  EXPECT_EQ(noted["version"], v["version"].get<int64_t>() + 1);
  // The person sees the record but adds nothing to it.
  Reply by_person = person->client->Post(path + "/transitions/add_note", {{"note", "異議"}});
  EXPECT_TRUE(IsProblem(by_person, 403, "forbidden")) << by_person.Describe();
  // The security manager notes a reported record too.
  Step(*chief_, path, "notify_person");
  Step(*chief_, path, "give_guidance", {{"fields", {{"guidance", "指導"}}}});
  Step(*chief_, path, "report");
  json mgr = Step(*secmgr_, path, "add_note", {{"note", "全庁へ注意喚起する"}});
  EXPECT_EQ(mgr["state"], "reported");
  Reply history = chief_->client->Get(path + "/history");
  ASSERT_EQ(history.status, 200);
  EXPECT_EQ(history.doc["items"][0].value("action", ""), "violation.add_note");
  EXPECT_EQ(history.doc["items"][0]["detail"].value("note", ""), "全庁へ注意喚起する");
  EXPECT_EQ(history.doc["items"][0]["detail"].value("from", ""), "reported");
  EXPECT_EQ(history.doc["items"][0]["detail"].value("to", ""), "reported");
}

TEST_F(ViolationsTest, TheRecordIsCorrectedOnlyBeforeThePersonIsToldAndOnlyByTheSectionChief) {
  auto person = Staff("vledit");
  json v = Record(person->id, "机上に書類放置");
  const std::string path = "/api/v1/violations/" + Id(v);
  EXPECT_TRUE(v["can_update"].get<bool>());
  Reply fixed = chief_->client->Send("PATCH", path, json{{"version", v["version"]}, {"act", "机上に個人情報書類を放置"}}.dump());
  ASSERT_EQ(fixed.status, 200) << fixed.Describe();
  EXPECT_EQ(fixed.doc["act"], "机上に個人情報書類を放置");
  // Another section's chief neither sees nor edits it.
  Reply other = other_chief_->client->Send("PATCH", path, json{{"version", fixed.doc["version"]}, {"act", "x"}}.dump());
  EXPECT_TRUE(IsProblem(other, 404, "not_found")) << other.Describe();
  json told = Step(*chief_, path, "notify_person");
  EXPECT_FALSE(told["can_update"].get<bool>());
  Reply late = chief_->client->Send("PATCH", path, json{{"version", told["version"]}, {"act", "書き換え"}}.dump());
  EXPECT_TRUE(IsProblem(late, 409, "conflict")) << late.Describe();
  Reply after = chief_->client->Get(path);
  EXPECT_EQ(after.doc["act"], "机上に個人情報書類を放置");
  EXPECT_EQ(after.doc["version"], told["version"]);
}

TEST_F(ViolationsTest, TheRegisterPerFiscalYearRunsFromAprilToMarchByTheDayItHappened) {
  auto person = Staff("vlfy");
  json march = Record(person->id, "年度末の違反", "2026-03-31");
  json april = Record(person->id, "年度初めの違反", "2026-04-01");
  const std::string base = "/api/v1/violations?person=" + person->id;
  Reply fy2025 = chief_->client->Get(base + "&fiscal_year=2025");
  ASSERT_EQ(fy2025.status, 200) << fy2025.Describe();
  ASSERT_EQ(fy2025.doc["total"], 1);
  EXPECT_EQ(fy2025.doc["items"][0]["id"], Id(march));
  Reply fy2026 = chief_->client->Get(base + "&fiscal_year=2026");
  ASSERT_EQ(fy2026.doc["total"], 1);
  EXPECT_EQ(fy2026.doc["items"][0]["id"], Id(april));
  EXPECT_EQ(chief_->client->Get(base + "&fiscal_year=2027").doc["total"], 0);
  for (const char* bad : {"26", "２０２６", "0000", "2026a"}) {
    Reply r = chief_->client->Get(base + "&fiscal_year=" + bad);
    EXPECT_TRUE(HasFieldError(r, "fiscal_year", "invalid_format")) << bad << ": " << r.Describe();
  }
  // A register that keeps no 年度 names the key as unknown.
  Reply none = secmgr_->client->Get("/api/v1/emergency-contacts?fiscal_year=2026");
  EXPECT_TRUE(HasFieldError(none, "fiscal_year", "unknown_field")) << none.Describe();
  Reply sheet = chief_->client->Get("/api/v1/violations/export?format=csv&fiscal_year=2025&person=" + person->id);
  ASSERT_EQ(sheet.status, 200) << sheet.Describe();
  EXPECT_NE(sheet.body.find("年度末の違反"), std::string::npos);
  EXPECT_EQ(sheet.body.find("年度初めの違反"), std::string::npos);
}

TEST_F(ViolationsTest, OneRecordExportsAsAnExcelReportForItsReadersOnlyAndTheExportIsLogged) {
  auto person = Staff("vlxl");
  json v = Record(person->id, "ウイルス対策ソフトの無効化");
  const std::string path = "/api/v1/violations/" + Id(v);
  Step(*chief_, path, "notify_person");
  Reply xlsx = chief_->client->Get(path + "/export?format=xlsx");
  ASSERT_EQ(xlsx.status, 200) << xlsx.Describe();
  EXPECT_EQ(xlsx.ContentType(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(xlsx.body.substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_NE(xlsx.Header("content-disposition").find(".xlsx"), std::string::npos);
  Reply history = chief_->client->Get(path + "/history");
  EXPECT_EQ(history.doc["items"][0].value("action", ""), "violation.export");
  // The person named reads their own record's report; a colleague and another chief see nothing.
  EXPECT_EQ(person->client->Get(path + "/export").status, 200);
  EXPECT_TRUE(IsProblem(colleague_->client->Get(path + "/export"), 404, "not_found"));
  EXPECT_TRUE(IsProblem(other_chief_->client->Get(path + "/export"), 404, "not_found"));
  Reply csv = chief_->client->Get(path + "/export?format=csv");
  EXPECT_TRUE(HasFieldError(csv, "format", "not_allowed")) << csv.Describe();
  Reply extra = chief_->client->Get(path + "/export?state=recorded");
  EXPECT_TRUE(HasFieldError(extra, "state", "unknown_field")) << extra.Describe();
}

}  // namespace
}  // namespace mamori::itest
