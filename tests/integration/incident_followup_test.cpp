// Sub-records of an incident through API v1 (docs/registers.md "Sub-records", docs/incidents.md
// "Instructions and external reports"): the CSIRT's containment and recovery instructions to a
// section (kobe:7.3.3ウ), each with an owner, a due date and a done mark, and the reports to MIC,
// the prefecture, the police and the press (kobe:3.3.2イ, 7.3.1エ/オ), each with a due time that
// depends on whom it goes to. A child is seen by exactly whoever sees its incident; it is added by
// the CSIRT or the security manager to an incident they see; a transition stamps who did it and
// when; a record past its deadline and not final answers `overdue: true`. Every test runs on
// SQLite and PostgreSQL.
#include <set>
#include <string>
#include <vector>

#include "common/time.hpp"
#include "kobe_people.hpp"

namespace mamori::itest {
namespace {

// Seconds from `from` to `to`, both RFC 3339 strings of the API.
int64_t SecondsBetween(const json& from, const json& to) {
  const auto a = ParseRfc3339(from.get<std::string>());
  const auto b = ParseRfc3339(to.get<std::string>());
  Require(a.has_value() && b.has_value(), "RFC 3339 times: " + from.dump() + " " + to.dump());
  return (*b - *a) / 1000000;
}

constexpr char kInstructions[] = "/api/v1/incident-instructions";
constexpr char kReports[] = "/api/v1/incident-external-reports";

class IncidentFollowupTest : public KobePeopleTest {
 protected:
  static void SetUpTestSuite() {
    SetUpSuiteWith([] {
      const std::string bureau = CreateOrgUnit(UniqueLogin("fub"), "bureau", city_id_);
      section_a_ = CreateOrgUnit(UniqueLogin("fua"), "section", bureau);
      section_b_ = CreateOrgUnit(UniqueLogin("fub"), "section", bureau);
      chief_a_ = Make("fuchiefa", section_a_, {UnitRole("information_manager", section_a_)});
      chief_b_ = Make("fuchiefb", section_b_, {UnitRole("information_manager", section_b_)});
      staff_a_ = Make("fustaffa", section_a_, {UnitRole("staff", section_a_)});
      secmgr_ = Make("fusecmgr", city_id_, {CityRole("security_manager")});
      csirt_ = Make("fucsirt", city_id_, {CityRole("csirt")});
    });
  }

  static void TearDownTestSuite() { TearDownSuiteWith({&chief_a_, &chief_b_, &staff_a_, &secmgr_, &csirt_}); }


  static void Take(Person& p, const std::string& id, const std::string& action, const json& body = json::object()) {
    Reply r = p.client->Post("/api/v1/incidents/" + id + "/transitions/" + action, body);
    Require(r.status == 200, action + ": " + r.Describe());
  }

  // An incident of section A reported by its staff, acknowledged by its chief, taken by the
  // security manager and triaged by the CSIRT as an incident.
  static std::string Triaged(const std::string& title) {
    Reply draft = staff_a_->client->Post("/api/v1/incidents", {{"title", title}, {"owner_org_unit_id", section_a_}});
    Require(draft.status == 201, "POST /incidents: " + draft.Describe());
    const std::string id = Id(draft.doc);
    Take(*staff_a_, id, "submit",
         {{"fields", {{"discovered_at", "2026-11-30T09:30:00+09:00"}, {"details", "庁外へのメール誤送信"}}}});
    Take(*chief_a_, id, "acknowledge");
    Take(*secmgr_, id, "receive");
    Take(*csirt_, id, "triage",
         {{"fields", {{"is_incident", "yes"}, {"severity", "medium"}, {"category", "misdelivery"}}}});
    return id;
  }

  static json Instruction(const std::string& incident, const std::string& due_on) {
    return {{"incident_id", incident},
            {"instruction", "誤送信先へ削除を依頼し、その結果を報告すること"},
            {"owner_org_unit_id", section_a_},
            {"owner_user_id", chief_a_->id},
            {"due_on", due_on}};
  }

  // The children of `incident` that `p` lists (200 required).
  static json Children(Person& p, const std::string& path, const std::string& incident) {
    Reply r = p.client->Get(path + std::string("?incident_id=") + incident);
    Require(r.status == 200, "GET children: " + r.Describe());
    return r.doc;
  }

  static inline std::string section_a_, section_b_;
  static inline Person *chief_a_ = nullptr, *chief_b_ = nullptr, *staff_a_ = nullptr, *secmgr_ = nullptr,
                       *csirt_ = nullptr;
};

TEST_F(IncidentFollowupTest, TheCsirtInstructsTheSectionChiefWhoSeesItOnTheIncidentAndReportsItDone) {
  const std::string incident = Triaged("住民宛メールの誤送信");
  Reply added = csirt_->client->Post(kInstructions, Instruction(incident, "2099-03-31"));
  ASSERT_EQ(added.status, 201) << added.Describe();
  const std::string id = Id(added.doc);
  EXPECT_EQ(added.doc["state"], "open");
  EXPECT_EQ(added.doc["incident_id"], incident);
  EXPECT_EQ(added.doc["created_by"], csirt_->id);
  EXPECT_EQ(added.doc["overdue"], false);
  // Due at the end of its due date (midnight JST starting the next day).
  ASSERT_TRUE(added.doc["deadline_at"].is_string()) << added.body;
  EXPECT_EQ(ParseRfc3339(added.doc["deadline_at"].get<std::string>()), ParseRfc3339("2099-03-31T15:00:00Z"))
      << added.body;

  // The owner is told, with the instruction in the subject.
  Reply bell = chief_a_->client->Get("/api/v1/notifications");
  ASSERT_EQ(bell.status, 200) << bell.Describe();
  int told = 0;
  for (const auto& n : bell.doc["items"])
    told += n.value("subject", "") == "【応急措置・復旧の指示】誤送信先へ削除を依頼し、その結果を報告すること" &&
            n.value("target", "") == "incident_instruction:" + id;
  EXPECT_EQ(told, 1) << bell.body;

  // The section's chief sees it among the incident's instructions; only the CSIRT may add one.
  json listed = Children(*chief_a_, kInstructions, incident);
  ASSERT_EQ(listed["total"], 1) << listed.dump();
  EXPECT_EQ(listed["items"][0]["id"], id);
  EXPECT_EQ(listed["can_create"], false);
  EXPECT_EQ(Children(*csirt_, kInstructions, incident)["can_create"], true);
  EXPECT_EQ(Actions(listed["items"][0]), (std::set<std::string>{"done"}));
  EXPECT_EQ(Actions(Children(*csirt_, kInstructions, incident)["items"][0]), (std::set<std::string>{"cancel"}));

  // Done needs the result; a refused report changes nothing.
  Reply bare = chief_a_->client->Post(std::string(kInstructions) + "/" + id + "/transitions/done", json::object());
  EXPECT_TRUE(IsProblem(bare, 422, "validation_failed")) << bare.Describe();
  EXPECT_TRUE(HasFieldError(bare, "fields.result", "required"));
  Reply still = chief_a_->client->Get(std::string(kInstructions) + "/" + id);
  EXPECT_EQ(still.doc["state"], "open");
  EXPECT_EQ(still.doc["version"], 1);
  EXPECT_TRUE(still.doc["done_by"].is_null());

  const int64_t head = LogHead();
  Reply done = chief_a_->client->Post(std::string(kInstructions) + "/" + id + "/transitions/done",
                                      {{"fields", {{"result", "誤送信先から削除済みの回答を得た"}}}});
  ASSERT_EQ(done.status, 200) << done.Describe();
  EXPECT_EQ(done.doc["state"], "done");
  // The engine stamps who reported it done and when; neither came from the form.
  EXPECT_EQ(done.doc["done_by"], chief_a_->id);
  ASSERT_TRUE(done.doc["done_at"].is_string()) << done.body;
  EXPECT_LT(std::abs(SecondsBetween(done.doc["updated_at"], done.doc["done_at"])), 2);
  EXPECT_EQ(done.doc["overdue"], false);
  EXPECT_TRUE(done.doc["available_actions"].empty());

  json log = AuditLog("action=incident_instruction.done&per_page=5");
  ASSERT_FALSE(log["items"].empty());
  const json& entry = log["items"][0];
  EXPECT_GT(entry["seq"].get<int64_t>(), head);
  EXPECT_EQ(entry["actor"], chief_a_->id);
  EXPECT_EQ(entry["target"], "incident_instruction:" + id);
  EXPECT_EQ(entry["detail"]["to"], "done");
  EXPECT_EQ(entry["detail"]["changes"]["done_by"]["to"], chief_a_->id) << entry.dump();
  EXPECT_EQ(entry.value("clause", ""), "kobe:7.3.3ウ");
}

TEST_F(IncidentFollowupTest, AnInstructionIsSeenByExactlyWhoeverSeesItsIncident) {
  const std::string incident = Triaged("業務端末のマルウェア感染");
  Reply added = csirt_->client->Post(kInstructions, Instruction(incident, "2099-03-31"));
  ASSERT_EQ(added.status, 201) << added.Describe();
  const std::string path = std::string(kInstructions) + "/" + Id(added.doc);
  // The reporter sees their incident, so its instructions; the chief of another section sees
  // neither: 404 as if neither existed.
  EXPECT_EQ(staff_a_->client->Get(path).status, 200);
  EXPECT_TRUE(IsProblem(chief_b_->client->Get("/api/v1/incidents/" + incident), 404, "not_found"));
  EXPECT_TRUE(IsProblem(chief_b_->client->Get(path), 404, "not_found"));
  EXPECT_TRUE(IsProblem(chief_b_->client->Get(path + "/history"), 404, "not_found"));
  Reply list = chief_b_->client->Get(std::string(kInstructions) + "?incident_id=" + incident);
  EXPECT_TRUE(IsProblem(list, 404, "not_found")) << list.Describe();
  Reply done = chief_b_->client->Post(path + "/transitions/done", {{"fields", {{"result", "x"}}}});
  EXPECT_TRUE(IsProblem(done, 404, "not_found")) << done.Describe();
  EXPECT_EQ(csirt_->client->Get(path).doc["state"], "open");
  // A list names its incident: without it, 422 naming the field.
  Reply all = csirt_->client->Get(kInstructions);
  EXPECT_TRUE(IsProblem(all, 422, "validation_failed")) << all.Describe();
  EXPECT_TRUE(HasFieldError(all, "incident_id", "required"));
}

TEST_F(IncidentFollowupTest, AChildNeedsAnIncidentItsCreatorSeesAndARightToAddOne) {
  const std::string incident = Triaged("書類の紛失");
  const int64_t before = Children(*csirt_, kInstructions, incident)["total"];
  const int64_t head = LogHead();
  // Another section's chief does not see the incident: 404 naming the field.
  Reply outsider = chief_b_->client->Post(kInstructions, Instruction(incident, "2099-03-31"));
  EXPECT_TRUE(IsProblem(outsider, 404, "not_found")) << outsider.Describe();
  EXPECT_TRUE(HasFieldError(outsider, "incident_id", "not_found"));
  // No such incident: the same answer.
  Reply missing = csirt_->client->Post(kInstructions, Instruction("0123456789abcdef0123456789abcdef", "2099-03-31"));
  EXPECT_TRUE(IsProblem(missing, 404, "not_found")) << missing.Describe();
  // The section's own chief sees the incident but is no party that adds instructions.
  Reply chief = chief_a_->client->Post(kInstructions, Instruction(incident, "2099-03-31"));
  EXPECT_TRUE(IsProblem(chief, 403, "forbidden")) << chief.Describe();
  // Bad input names each field.
  json bad = Instruction(incident, "2099-13-01");
  bad.erase("incident_id");
  bad["owner_user_id"] = "nobody";
  Reply invalid = csirt_->client->Post(kInstructions, bad);
  EXPECT_TRUE(IsProblem(invalid, 422, "validation_failed")) << invalid.Describe();
  EXPECT_TRUE(HasFieldError(invalid, "incident_id", "required"));
  EXPECT_TRUE(HasFieldError(invalid, "due_on", "invalid_format"));
  // Nothing was added and nothing logged as done (refusals are on the record as denied).
  EXPECT_EQ(Children(*csirt_, kInstructions, incident)["total"], before);
  json log = AuditLog("action=incident_instruction.create&per_page=50");
  for (const auto& e : log["items"]) {
    if (e.value("result", "") == "success") {
      EXPECT_LE(e["seq"].get<int64_t>(), head) << e.dump();
    }
  }

  // A child stays with its incident.
  Reply added = secmgr_->client->Post(kInstructions, Instruction(incident, "2099-03-31"));
  ASSERT_EQ(added.status, 201) << added.Describe();
  const std::string other = Triaged("別のインシデント");
  Reply moved = secmgr_->client->Send("PATCH", std::string(kInstructions) + "/" + Id(added.doc),
                                      json{{"version", 1}, {"incident_id", other}}.dump());
  EXPECT_TRUE(IsProblem(moved, 422, "validation_failed")) << moved.Describe();
  EXPECT_TRUE(HasFieldError(moved, "incident_id", "read_only"));
  EXPECT_EQ(csirt_->client->Get(std::string(kInstructions) + "/" + Id(added.doc)).doc["incident_id"], incident);
}

TEST_F(IncidentFollowupTest, AClosedIncidentTakesNoMoreInstructions) {
  Reply draft = staff_a_->client->Post("/api/v1/incidents", {{"title", "誤報"}, {"owner_org_unit_id", section_a_}});
  ASSERT_EQ(draft.status, 201) << draft.Describe();
  const std::string id = Id(draft.doc);
  Take(*staff_a_, id, "submit", {{"fields", {{"discovered_at", "2026-11-30T09:30:00+09:00"}, {"details", "誤報"}}}});
  Take(*secmgr_, id, "receive");
  Take(*csirt_, id, "triage", {{"fields", {{"is_incident", "no"}}}});
  Take(*csirt_, id, "close");
  Reply late = csirt_->client->Post(kInstructions, Instruction(id, "2099-03-31"));
  EXPECT_TRUE(IsProblem(late, 409, "conflict")) << late.Describe();
  EXPECT_TRUE(HasFieldError(late, "incident_id", "final"));
  json listed = Children(*csirt_, kInstructions, id);
  EXPECT_EQ(listed["total"], 0);
  EXPECT_EQ(listed["can_create"], false);
}

TEST_F(IncidentFollowupTest, AnInstructionPastItsDueDateIsOverdueUntilDone) {
  const std::string incident = Triaged("共有フォルダの権限設定誤り");
  Reply added = csirt_->client->Post(kInstructions, Instruction(incident, "2020-04-01"));
  ASSERT_EQ(added.status, 201) << added.Describe();
  EXPECT_EQ(added.doc["overdue"], true);
  json listed = Children(*chief_a_, kInstructions, incident);
  ASSERT_EQ(listed["total"], 1);
  EXPECT_EQ(listed["items"][0]["overdue"], true);
  Reply done = chief_a_->client->Post(std::string(kInstructions) + "/" + Id(added.doc) + "/transitions/done",
                                      {{"fields", {{"result", "権限を修正した"}}}});
  ASSERT_EQ(done.status, 200) << done.Describe();
  EXPECT_EQ(done.doc["overdue"], false) << "a final state is never overdue";
}

TEST_F(IncidentFollowupTest, AnExternalReportIsDueByItsAuthorityAndStampedWhenSent) {
  const std::string incident = Triaged("個人情報を含むファイルの流出");
  // The city's choice (the standard gives no hours): MIC within 24 hours, the press within 72.
  Reply mic = csirt_->client->Post(kReports, {{"incident_id", incident}, {"authority", "mic"}});
  ASSERT_EQ(mic.status, 201) << mic.Describe();
  EXPECT_EQ(mic.doc["state"], "pending");
  EXPECT_EQ(SecondsBetween(mic.doc["created_at"], mic.doc["deadline_at"]), 24 * 3600) << mic.body;
  Reply press = csirt_->client->Post(kReports, {{"incident_id", incident}, {"authority", "press"}});
  ASSERT_EQ(press.status, 201) << press.Describe();
  EXPECT_EQ(SecondsBetween(press.doc["created_at"], press.doc["deadline_at"]), 72 * 3600) << press.body;
  EXPECT_EQ(mic.doc["overdue"], false);

  // Sending needs what was said and how; the refusal changes nothing.
  const std::string path = std::string(kReports) + "/" + Id(mic.doc);
  Reply bare = secmgr_->client->Post(path + "/transitions/send", {{"fields", {{"method", "fax"}}}});
  EXPECT_TRUE(IsProblem(bare, 422, "validation_failed")) << bare.Describe();
  EXPECT_TRUE(HasFieldError(bare, "fields.content", "required"));
  EXPECT_TRUE(HasFieldError(bare, "fields.method", "not_allowed"));
  // The stamped fields are the engine's: a form may not set them.
  Reply forged = secmgr_->client->Post(
      path + "/transitions/send",
      {{"fields", {{"content", "第一報"}, {"method", "email"}, {"sent_by", chief_a_->id}}}});
  EXPECT_TRUE(HasFieldError(forged, "fields.sent_by", "unknown_field")) << forged.Describe();
  EXPECT_EQ(csirt_->client->Get(path).doc["state"], "pending");

  Reply sent = secmgr_->client->Post(path + "/transitions/send",
                                     {{"fields", {{"content", "第一報：流出の事実と件数を報告"}, {"method", "email"}}}});
  ASSERT_EQ(sent.status, 200) << sent.Describe();
  EXPECT_EQ(sent.doc["state"], "sent");
  EXPECT_EQ(sent.doc["sent_by"], secmgr_->id);
  ASSERT_TRUE(sent.doc["sent_at"].is_string());
  EXPECT_EQ(sent.doc["content"], "第一報：流出の事実と件数を報告");
  EXPECT_EQ(sent.doc["overdue"], false);

  // Not needed is a decision with its reason.
  Reply skip = secmgr_->client->Post(std::string(kReports) + "/" + Id(press.doc) + "/transitions/cancel", json::object());
  EXPECT_TRUE(HasFieldError(skip, "note", "required")) << skip.Describe();

  // Both are listed under the incident for its readers, and not for others.
  json listed = Children(*chief_a_, kReports, incident);
  EXPECT_EQ(listed["total"], 2);
  EXPECT_TRUE(IsProblem(chief_b_->client->Get(std::string(kReports) + "?incident_id=" + incident), 404, "not_found"));
}

TEST_F(IncidentFollowupTest, TheCatalogueNamesTheIncidentsChildRegisters) {
  Reply reg = csirt_->client->Get("/api/v1/registers");
  ASSERT_EQ(reg.status, 200) << reg.Describe();
  std::set<std::string> children;
  json parent;
  for (const auto& r : reg.doc["items"]) {
    if (r["id"] == "incidents")
      for (const auto& c : r["children"]) children.insert(c["register"].get<std::string>());
    if (r["id"] == "incident_instructions") parent = r["parent"];
  }
  EXPECT_EQ(children, (std::set<std::string>{"incident_instructions", "incident_external_reports"}));
  EXPECT_EQ(parent["register"], "incidents");
  EXPECT_EQ(parent["field"], "incident_id");
}

// kobe:7.3.3: the incident's timeline is the log itself, its instructions' steps and its
// attachments included, in the order they happened; another section's chief reads none of it.
TEST_F(IncidentFollowupTest, TheIncidentsTimelineHoldsItsInstructionsStepsInOrder) {
  const std::string incident = Triaged("庁内ネットワークの不審な通信");
  Reply added = csirt_->client->Post(kInstructions, Instruction(incident, "2099-03-31"));
  ASSERT_EQ(added.status, 201) << added.Describe();
  Reply done = chief_a_->client->Post(std::string(kInstructions) + "/" + Id(added.doc) + "/transitions/done",
                                      {{"fields", {{"result", "通信を遮断した"}}}});
  ASSERT_EQ(done.status, 200) << done.Describe();
  Reply timeline = csirt_->client->Get("/api/v1/incidents/" + incident + "/history");
  ASSERT_EQ(timeline.status, 200) << timeline.Describe();
  std::vector<std::string> actions;
  for (const auto& e : timeline.doc["items"]) actions.push_back(e["action"].get<std::string>());
  ASSERT_GE(actions.size(), 4u);
  // Newest first: the instruction's steps, then the incident's own.
  EXPECT_EQ(actions[0], "incident_instruction.done") << timeline.body;
  EXPECT_EQ(actions[1], "incident_instruction.create") << timeline.body;
  EXPECT_EQ(actions[2], "incident.triage") << timeline.body;
  EXPECT_EQ(timeline.doc["items"][0]["target"], "incident_instruction:" + Id(added.doc));
  EXPECT_EQ(timeline.doc["total"], static_cast<int64_t>(actions.size()));
  EXPECT_TRUE(IsProblem(chief_b_->client->Get("/api/v1/incidents/" + incident + "/history"), 404, "not_found"));
}

}  // namespace
}  // namespace mamori::itest
