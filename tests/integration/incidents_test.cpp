// The Kobe pack's incident register through API v1 (docs/incidents.md): a member of staff reports
// (kobe:7.3.1ア) with the items of kobe:7.3.2, the reporter's section's 情報管理者 acknowledges and
// passes it on (kobe:7.3.1イ), the 情報セキュリティ管理者 takes it (kobe:7.3.1オ) and the CSIRT
// triages it (kobe:7.3.3ア). Who sees what, bad input, the operation log and sealing; a violation
// recorded, notified, guided and reported (kobe:9.7.2); the emergency contacts (kobe:9.4.3). The roles and
// the items are written out as the standard gives them, never read back from the pack. Every test
// runs on SQLite and PostgreSQL.
#include <set>
#include <string>
#include <vector>

#include "kobe_people.hpp"

namespace mamori::itest {
namespace {

class IncidentsTest : public KobePeopleTest {
 protected:
  static void SetUpTestSuite() {
    SetUpSuiteWith([] {
      const std::string bureau = CreateOrgUnit(UniqueLogin("incb"), "bureau", city_id_);
      section_a_ = CreateOrgUnit(UniqueLogin("inca"), "section", bureau);
      section_b_ = CreateOrgUnit(UniqueLogin("incb"), "section", bureau);
      chief_a_ = Make("incchiefa", section_a_, {UnitRole("information_manager", section_a_)});
      chief_b_ = Make("incchiefb", section_b_, {UnitRole("information_manager", section_b_)});
      staff_a_ = Make("incstaffa", section_a_, {UnitRole("staff", section_a_)});
      staff_b_ = Make("incstaffb", section_b_, {UnitRole("staff", section_b_)});
      vendor_a_ = Make("incvendor", section_a_, {UnitRole("contractor", section_a_)}, "contractor");
      secmgr_ = Make("incsecmgr", city_id_, {CityRole("security_manager")});
      csirt_ = Make("inccsirt", city_id_, {CityRole("csirt")});
    });
  }

  static void TearDownTestSuite() {
    TearDownSuiteWith({&chief_a_, &chief_b_, &staff_a_, &staff_b_, &vendor_a_, &secmgr_, &csirt_});
  }


  // A draft report by `p` for `unit` (201 required).
  static json Draft(Person& p, const std::string& title, const std::string& unit) {
    Reply r = p.client->Post("/api/v1/incidents", {{"title", title}, {"owner_org_unit_id", unit}});
    Require(r.status == 201, "POST /incidents: " + r.Describe());
    return r.doc;
  }

  // A report by `p` for `unit`, submitted with the items the standard asks for (200 required).
  static json Reported(Person& p, const std::string& title, const std::string& unit, const std::string& details) {
    json draft = Draft(p, title, unit);
    Reply r = p.client->Post("/api/v1/incidents/" + Id(draft) + "/transitions/submit",
                             {{"fields",
                               {{"discovered_at", "2026-11-30T09:30:00+09:00"},
                                {"occurred_at", "2026-11-30T08:00:00+09:00"},
                                {"informant", "市民 甲野様（電話 078-000-0000）"},
                                {"details", details},
                                {"leaked_info", "申請者12名の氏名と住所"},
                                {"assumed_cause", "宛先の確認漏れ"}}}});
    Require(r.status == 200, "submit: " + r.Describe());
    return r.doc;
  }

  static int64_t Total(Person& p) {
    Reply r = p.client->Get("/api/v1/incidents?per_page=1");
    Require(r.status == 200, "GET /incidents: " + r.Describe());
    return r.doc.value("total", -1);
  }

  static inline std::string section_a_, section_b_;
  static inline Person *chief_a_ = nullptr, *chief_b_ = nullptr, *staff_a_ = nullptr, *staff_b_ = nullptr,
                       *vendor_a_ = nullptr, *secmgr_ = nullptr, *csirt_ = nullptr;
};

TEST_F(IncidentsTest, StaffReportTheSectionChiefAcknowledgesTheSecurityManagerTakesItAndTheCsirtTriagesIt) {
  const std::string secret = "誤送信した名簿の本文 " + UniqueLogin("secret");
  json draft = Draft(*staff_a_, "名簿の誤送信", section_a_);
  EXPECT_EQ(draft["state"], "draft");
  EXPECT_EQ(draft["created_by"], staff_a_->id);
  EXPECT_EQ(Actions(draft), (std::set<std::string>{"submit", "withdraw", "add_note"}));
  EXPECT_TRUE(draft["can_update"].get<bool>()) << "the reporter edits their own draft";
  EXPECT_TRUE(draft["deadline_at"].is_null()) << "a draft starts no clock";
  const std::string id = Id(draft);
  const std::string path = "/api/v1/incidents/" + id;

  // The first submission starts the clock.
  Reply submitted = staff_a_->client->Post(path + "/transitions/submit",
                                           {{"fields",
                                             {{"discovered_at", "2026-11-30T09:30:00+09:00"},
                                              {"details", secret},
                                              {"leaked_info", "申請者12名の氏名と住所"}}}});
  ASSERT_EQ(submitted.status, 200) << submitted.Describe();
  EXPECT_EQ(submitted.doc["state"], "reported");
  EXPECT_FALSE(submitted.doc["deadline_at"].is_null());
  EXPECT_EQ(submitted.doc["details"], secret);  // sealed at rest, opened for its readers
  // Once reported, the reporter may only add a note; nothing is edited any more.
  EXPECT_EQ(Actions(submitted.doc), (std::set<std::string>{"add_note"}));
  EXPECT_FALSE(submitted.doc["can_update"].get<bool>());

  // The first hop is the reporter's section's 情報管理者: told, and offered the acknowledgement.
  Reply bell = chief_a_->client->Get("/api/v1/notifications");
  ASSERT_EQ(bell.status, 200) << bell.Describe();
  int told = 0;
  for (const auto& n : bell.doc["items"]) told += n.value("subject", "") == "【インシデント報告】名簿の誤送信";
  EXPECT_EQ(told, 1) << bell.body;
  Reply seen = chief_a_->client->Get(path);
  ASSERT_EQ(seen.status, 200) << seen.Describe();
  EXPECT_EQ(Actions(seen.doc), (std::set<std::string>{"acknowledge", "acknowledge_urgent", "add_note"}));
  // The security manager may take it already (when the chief does not act in time) but the CSIRT
  // cannot triage before the security manager has it.
  Reply early = csirt_->client->Post(path + "/transitions/triage", {{"fields", {{"is_incident", "yes"}}}});
  EXPECT_TRUE(IsProblem(early, 409, "conflict")) << early.Describe();

  Reply ack = chief_a_->client->Post(path + "/transitions/acknowledge",
                                     {{"note", "確認しました"}, {"fields", {{"response_taken", "誤送信先に削除を依頼"}}}});
  ASSERT_EQ(ack.status, 200) << ack.Describe();
  EXPECT_EQ(ack.doc["state"], "acknowledged");
  EXPECT_EQ(ack.doc["response_taken"], "誤送信先に削除を依頼");

  Reply taken = secmgr_->client->Post(path + "/transitions/receive", json::object());
  ASSERT_EQ(taken.status, 200) << taken.Describe();
  EXPECT_EQ(taken.doc["state"], "with_security_manager");

  Reply triaged = csirt_->client->Post(
      path + "/transitions/triage",
      {{"fields", {{"is_incident", "yes"}, {"severity", "high"}, {"category", "misdelivery"}}}});
  ASSERT_EQ(triaged.status, 200) << triaged.Describe();
  EXPECT_EQ(triaged.doc["state"], "triaged");
  EXPECT_EQ(triaged.doc["is_incident"], "yes");
  EXPECT_EQ(triaged.doc["severity"], "high");
  EXPECT_EQ(triaged.doc["severity_label"], "重大");
  EXPECT_EQ(triaged.doc["category_label"], "誤送信・誤送付");

  // The reporter still sees their report, and is offered nothing.
  Reply mine = staff_a_->client->Get(path);
  ASSERT_EQ(mine.status, 200) << mine.Describe();
  EXPECT_EQ(mine.doc["state"], "triaged");
  EXPECT_EQ(Actions(mine.doc), (std::set<std::string>{"add_note"}));
  EXPECT_FALSE(mine.doc["can_update"].get<bool>());

  // Every step is on the record, in order.
  Reply history = secmgr_->client->Get(path + "/history");
  ASSERT_EQ(history.status, 200) << history.Describe();
  std::vector<std::string> steps;
  for (const auto& e : history.doc["items"]) steps.push_back(e["action"].get<std::string>());
  EXPECT_EQ(steps, (std::vector<std::string>{"incident.triage", "incident.receive", "incident.acknowledge",
                                             "incident.submit", "incident.create"}));
  for (const auto& e : history.doc["items"]) {
    EXPECT_EQ(e["target"], "incident:" + id);
    EXPECT_EQ(e.value("clause", ""), "kobe:7.3");
  }
  const json& submit_entry = history.doc["items"][3];
  EXPECT_EQ(submit_entry["actor"], staff_a_->id);
  EXPECT_EQ(submit_entry["detail"]["from"], "draft");
  EXPECT_EQ(submit_entry["detail"]["to"], "reported");
  // A sealed item changes on the record without its text: neither in the entry nor anywhere in
  // the operation log.
  EXPECT_EQ(submit_entry["detail"]["changes"]["details"], (json{{"sealed", true}})) << submit_entry.dump();
  EXPECT_EQ(submit_entry["detail"]["changes"]["leaked_info"], (json{{"sealed", true}}));
  EXPECT_FALSE(submit_entry["detail"]["changes"]["discovered_at"]["to"].is_null());
  EXPECT_EQ(history.body.find(secret), std::string::npos);
  EXPECT_EQ(history.body.find("申請者12名"), std::string::npos);
  json log = AuditLog("action=incident.&per_page=200");
  EXPECT_EQ(log.dump().find(secret), std::string::npos);
}

TEST_F(IncidentsTest, AnotherSectionsStaffAndChiefSeeNothingOfTheReport) {
  json report = Reported(*staff_a_, "USBメモリの紛失", section_a_, "紛失したUSBメモリの中身");
  const std::string path = "/api/v1/incidents/" + Id(report);
  for (Person* outsider : {staff_b_, chief_b_}) {
    EXPECT_TRUE(IsProblem(outsider->client->Get(path), 404, "not_found")) << outsider->login_id;
    EXPECT_TRUE(IsProblem(outsider->client->Get(path + "/history"), 404, "not_found"));
  }
  // The other section's chief reads the register, but only their own section's reports.
  Reply list = chief_b_->client->Get("/api/v1/incidents?per_page=200");
  ASSERT_EQ(list.status, 200) << list.Describe();
  for (const auto& item : list.doc["items"]) EXPECT_EQ(item["owner_org_unit_id"], section_b_);
  Reply mine = chief_a_->client->Get("/api/v1/incidents?per_page=200");
  bool listed = false;
  for (const auto& item : mine.doc["items"]) listed = listed || item["id"] == report["id"];
  EXPECT_TRUE(listed) << "the reporter's own chief lists it";
  // The other section's chief cannot acknowledge it either: 404, as if it did not exist.
  Reply ack = chief_b_->client->Post(path + "/transitions/acknowledge", json::object());
  EXPECT_TRUE(IsProblem(ack, 404, "not_found")) << ack.Describe();
  EXPECT_EQ(chief_a_->client->Get(path).doc["state"], "reported");
  // A colleague in the reporter's own section is no reader either: a report is its reporter's,
  // its chain's and the CSIRT's.
  Person* colleague = Make("incpeer", section_a_, {UnitRole("staff", section_a_)});
  EXPECT_TRUE(IsProblem(colleague->client->Get(path), 404, "not_found"));
  delete colleague;
}

TEST_F(IncidentsTest, AContractorReportsAndSeesOnlyWhatTheyReported) {
  json others = Reported(*staff_a_, "不審メールの受信", section_a_, "添付ファイルを開いた");
  json own = Reported(*vendor_a_, "委託先端末のマルウェア検知", section_a_, "保守端末でウイルス検知");
  EXPECT_EQ(own["created_by"], vendor_a_->id);
  EXPECT_EQ(vendor_a_->client->Get("/api/v1/incidents/" + Id(own)).status, 200);
  EXPECT_EQ(vendor_a_->client->Get("/api/v1/incidents/" + Id(own) + "/history").status, 200);
  EXPECT_TRUE(IsProblem(vendor_a_->client->Get("/api/v1/incidents/" + Id(others)), 404, "not_found"));
  EXPECT_TRUE(IsProblem(vendor_a_->client->Get("/api/v1/incidents/" + Id(others) + "/history"), 404, "not_found"));
  // The receipt of their own report reaches them in the app, with its link.
  Reply bell = vendor_a_->client->Get("/api/v1/notifications");
  ASSERT_EQ(bell.status, 200) << bell.Describe();
  int receipts = 0;
  for (const auto& n : bell.doc["items"]) receipts += n.value("subject", "") == "【インシデント受領】委託先端末のマルウェア検知";
  EXPECT_EQ(receipts, 1) << bell.body;
  // The contractor's report reaches the section's chief like anyone's.
  EXPECT_EQ(Actions(chief_a_->client->Get("/api/v1/incidents/" + Id(own)).doc),
            (std::set<std::string>{"acknowledge", "acknowledge_urgent", "add_note"}));
}

TEST_F(IncidentsTest, BadInputNamesEachFieldAndChangesNothing) {
  const int64_t total = Total(*secmgr_);
  const int64_t head = LogHead();
  Reply bad = staff_a_->client->Post("/api/v1/incidents", {{"title", std::string(201, 'x')},
                                                          {"owner_org_unit_id", section_a_},
                                                          {"discovered_at", "昨日の朝"},
                                                          {"severity", "high"},
                                                          {"state", "closed"},
                                                          {"system_id", "00000000000000000000000000000000"},
                                                          {"colour", "red"}});
  EXPECT_TRUE(IsProblem(bad, 422, "validation_failed")) << bad.Describe();
  EXPECT_TRUE(HasFieldError(bad, "title", "too_long"));
  EXPECT_TRUE(HasFieldError(bad, "discovered_at", "invalid_format"));
  EXPECT_TRUE(HasFieldError(bad, "severity", "read_only"));
  EXPECT_TRUE(HasFieldError(bad, "state", "read_only"));
  EXPECT_TRUE(HasFieldError(bad, "colour", "unknown_field"));
  Reply missing = staff_a_->client->Post("/api/v1/incidents", {{"details", "内容だけ"}});
  EXPECT_TRUE(HasFieldError(missing, "title", "required")) << missing.Describe();
  EXPECT_TRUE(HasFieldError(missing, "owner_org_unit_id", "required"));
  Reply no_system = staff_a_->client->Post(
      "/api/v1/incidents",
      {{"title", "t"}, {"owner_org_unit_id", section_a_}, {"system_id", "00000000000000000000000000000000"}});
  EXPECT_TRUE(HasFieldError(no_system, "system_id", "not_found")) << no_system.Describe();
  EXPECT_EQ(Total(*secmgr_), total);
  EXPECT_EQ(LogHead(), head) << "a refused body writes nothing";

  // A member of staff reports for their own section, not another's.
  Reply elsewhere = staff_a_->client->Post("/api/v1/incidents", {{"title", "他課の件"}, {"owner_org_unit_id", section_b_}});
  EXPECT_TRUE(IsProblem(elsewhere, 403, "forbidden")) << elsewhere.Describe();
  EXPECT_EQ(Total(*secmgr_), total);

  // Submitting needs when it was discovered and what happened (kobe:7.3.2).
  json draft = Draft(*staff_a_, "項目不足の報告", section_a_);
  const std::string path = "/api/v1/incidents/" + Id(draft);
  Reply empty = staff_a_->client->Post(path + "/transitions/submit", json::object());
  EXPECT_TRUE(IsProblem(empty, 422, "validation_failed")) << empty.Describe();
  EXPECT_TRUE(HasFieldError(empty, "fields.discovered_at", "policy_rule"));
  EXPECT_EQ(empty.doc.value("clause", ""), "kobe:7.3.2");
  Reply no_details = staff_a_->client->Post(path + "/transitions/submit",
                                            {{"fields", {{"discovered_at", "2026-11-30T09:30:00+09:00"}}}});
  EXPECT_TRUE(HasFieldError(no_details, "fields.details", "policy_rule")) << no_details.Describe();
  Reply wrong_item = staff_a_->client->Post(path + "/transitions/submit",
                                            {{"fields", {{"discovered_at", "2026-11-30"}, {"severity", "low"}}}});
  EXPECT_TRUE(HasFieldError(wrong_item, "fields.discovered_at", "invalid_format")) << wrong_item.Describe();
  EXPECT_TRUE(HasFieldError(wrong_item, "fields.severity", "unknown_field"));
  Reply unchanged = staff_a_->client->Get(path);
  EXPECT_EQ(unchanged.doc["state"], "draft");
  EXPECT_EQ(unchanged.doc["version"], 1);
  EXPECT_TRUE(unchanged.doc["discovered_at"].is_null());

  // Triage: the verdict is one of the pack's, and an incident needs a severity and a category.
  json report = Reported(*staff_a_, "評価の入力誤り", section_a_, "内容");
  const std::string rpath = "/api/v1/incidents/" + Id(report);
  ASSERT_EQ(secmgr_->client->Post(rpath + "/transitions/receive", json::object()).status, 200);
  Reply no_verdict = csirt_->client->Post(rpath + "/transitions/triage", {{"fields", json::object()}});
  EXPECT_TRUE(HasFieldError(no_verdict, "fields.is_incident", "required")) << no_verdict.Describe();
  Reply maybe = csirt_->client->Post(rpath + "/transitions/triage", {{"fields", {{"is_incident", "maybe"}}}});
  EXPECT_TRUE(HasFieldError(maybe, "fields.is_incident", "not_allowed")) << maybe.Describe();
  Reply no_severity = csirt_->client->Post(rpath + "/transitions/triage",
                                           {{"fields", {{"is_incident", "yes"}, {"category", "malware"}}}});
  EXPECT_TRUE(HasFieldError(no_severity, "fields.severity", "policy_rule")) << no_severity.Describe();
  EXPECT_EQ(no_severity.doc.value("clause", ""), "kobe:7.3.3");
  Reply after = csirt_->client->Get(rpath);
  EXPECT_EQ(after.doc["state"], "with_security_manager");
  EXPECT_TRUE(after.doc["is_incident"].is_null());
}

TEST_F(IncidentsTest, OnlyTheChainMayTakeEachStepAndARefusalIsLogged) {
  json report = Reported(*staff_a_, "権限外の操作", section_a_, "内容");
  const std::string path = "/api/v1/incidents/" + Id(report);
  // The reporter cannot acknowledge their own report, nor can the CSIRT skip the chain.
  Reply by_reporter = staff_a_->client->Post(path + "/transitions/acknowledge", json::object());
  EXPECT_TRUE(IsProblem(by_reporter, 403, "forbidden")) << by_reporter.Describe();
  json last = AuditLog("per_page=1")["items"][0];
  EXPECT_EQ(last["action"], "incident.acknowledge");
  EXPECT_EQ(last["result"], "denied");
  EXPECT_EQ(last["target"], "incident:" + Id(report));
  Reply by_csirt = csirt_->client->Post(path + "/transitions/acknowledge", json::object());
  EXPECT_TRUE(IsProblem(by_csirt, 403, "forbidden")) << by_csirt.Describe();
  // The chief's urgent acknowledgement needs a note saying why.
  Reply urgent = chief_a_->client->Post(path + "/transitions/acknowledge_urgent", json::object());
  EXPECT_TRUE(HasFieldError(urgent, "note", "required")) << urgent.Describe();
  // Nobody but the security manager and the CSIRT edits a report.
  Reply patch = chief_a_->client->Send("PATCH", path, json{{"version", report["version"]}, {"title", "改題"}}.dump());
  EXPECT_TRUE(IsProblem(patch, 403, "forbidden")) << patch.Describe();
  EXPECT_EQ(chief_a_->client->Get(path).doc["state"], "reported");
  EXPECT_EQ(chief_a_->client->Get(path).doc["title"], "権限外の操作");
}

TEST_F(IncidentsTest, AReportJudgedNotAnIncidentClosesAndOneNotYetJudgedDoesNot) {
  json report = Reported(*staff_a_, "誤検知の疑い", section_a_, "警告が出た");
  const std::string path = "/api/v1/incidents/" + Id(report);
  ASSERT_EQ(secmgr_->client->Post(path + "/transitions/receive", json::object()).status, 200);
  Reply not_yet = csirt_->client->Post(path + "/transitions/triage", {{"fields", {{"is_incident", "not_yet"}}}});
  ASSERT_EQ(not_yet.status, 200) << not_yet.Describe();
  EXPECT_TRUE(IsProblem(csirt_->client->Post(path + "/transitions/close", json::object()), 409, "conflict"));
  // Containment instructions are for incidents only.
  Reply instruct = csirt_->client->Post(path + "/transitions/instruct", {{"fields", {{"instructions", "端末を隔離"}}}});
  EXPECT_TRUE(IsProblem(instruct, 409, "conflict")) << instruct.Describe();
  Reply no = csirt_->client->Post(path + "/transitions/triage", {{"fields", {{"is_incident", "no"}}}});
  ASSERT_EQ(no.status, 200) << no.Describe();
  Reply closed = csirt_->client->Post(path + "/transitions/close", {{"note", "誤検知"}});
  ASSERT_EQ(closed.status, 200) << closed.Describe();
  EXPECT_EQ(closed.doc["state"], "closed");
  EXPECT_FALSE(closed.doc["can_update"].get<bool>());
  // The reporter is told.
  Reply bell = staff_a_->client->Get("/api/v1/notifications?per_page=200");
  int told = 0;
  for (const auto& n : bell.doc["items"]) told += n.value("subject", "") == "【インシデント終了】誤検知の疑い";
  EXPECT_EQ(told, 1) << bell.body;
}

TEST_F(IncidentsTest, ASectionChiefRecordsAViolationTellsThePersonGivesGuidanceAndReportsIt) {
  Reply made = chief_a_->client->Post("/api/v1/violations", {{"act", "パスワードを付箋で掲示"},
                                                            {"person", staff_a_->id},
                                                            {"owner_org_unit_id", section_a_},
                                                            {"occurred_on", "2026-11-20"},
                                                            {"rule_clause", "kobe:7.4.3"},
                                                            {"details", "端末の画面に付箋"}});
  ASSERT_EQ(made.status, 201) << made.Describe();
  EXPECT_EQ(made.doc["state"], "recorded");
  EXPECT_EQ(made.doc["person_name"], "試験 " + staff_a_->login_id);
  const std::string path = "/api/v1/violations/" + Id(made.doc);
  // kobe:9.7.2ア: the person is told, and sees the record addressed to them.
  Reply told = chief_a_->client->Post(path + "/transitions/notify_person", json::object());
  ASSERT_EQ(told.status, 200) << told.Describe();
  EXPECT_EQ(told.doc["state"], "notified");
  Reply bell = staff_a_->client->Get("/api/v1/notifications");
  int notices = 0;
  for (const auto& n : bell.doc["items"])
    notices += n.value("subject", "") == "【情報セキュリティポリシー違反の通知】パスワードを付箋で掲示";
  EXPECT_EQ(notices, 1) << bell.body;
  Reply seen = staff_a_->client->Get(path);
  ASSERT_EQ(seen.status, 200) << seen.Describe();
  EXPECT_TRUE(seen.doc["available_actions"].empty());
  // Nobody else of the section, nor another section's chief, sees it.
  EXPECT_TRUE(IsProblem(vendor_a_->client->Get(path), 404, "not_found"));
  EXPECT_TRUE(IsProblem(chief_b_->client->Get(path), 404, "not_found"));
  // The guidance is required, then the report goes to the security manager (9.7.2ウ).
  Reply no_guidance = chief_a_->client->Post(path + "/transitions/give_guidance", {{"fields", json::object()}});
  EXPECT_TRUE(HasFieldError(no_guidance, "fields.guidance", "required")) << no_guidance.Describe();
  Reply guided = chief_a_->client->Post(path + "/transitions/give_guidance",
                                        {{"fields", {{"guidance", "パスワード管理について個別に指導"}}}});
  ASSERT_EQ(guided.status, 200) << guided.Describe();
  Reply reported = chief_a_->client->Post(path + "/transitions/report", json::object());
  ASSERT_EQ(reported.status, 200) << reported.Describe();
  EXPECT_EQ(reported.doc["state"], "reported");
  Reply mgr_bell = secmgr_->client->Get("/api/v1/notifications?per_page=200");
  int reports = 0;
  for (const auto& n : mgr_bell.doc["items"])
    reports += n.value("subject", "").rfind("【違反・指導の報告】パスワードを付箋で掲示", 0) == 0;
  EXPECT_EQ(reports, 1) << mgr_bell.body;
  Reply history = secmgr_->client->Get(path + "/history");
  ASSERT_EQ(history.status, 200) << history.Describe();
  std::vector<std::string> steps;
  for (const auto& e : history.doc["items"]) steps.push_back(e["action"].get<std::string>());
  EXPECT_EQ(steps, (std::vector<std::string>{"violation.report", "violation.give_guidance", "violation.notify_person",
                                             "violation.create"}));
  EXPECT_EQ(history.doc["items"][0].value("clause", ""), "kobe:9.7.2");
  EXPECT_EQ(history.body.find("端末の画面に付箋"), std::string::npos) << "the sealed details stay out of the log";
  // A member of staff records no violations.
  Reply by_staff = staff_a_->client->Post("/api/v1/violations", {{"act", "x"},
                                                                {"person", staff_b_->id},
                                                                {"owner_org_unit_id", section_a_},
                                                                {"occurred_on", "2026-11-20"},
                                                                {"rule_clause", "kobe:7.4.3"}});
  EXPECT_TRUE(IsProblem(by_staff, 403, "forbidden")) << by_staff.Describe();
}

TEST_F(IncidentsTest, TheEmergencyContactListIsKeptByTheSecurityManagerAndReadByTheResponders) {
  Reply bad = secmgr_->client->Post("/api/v1/emergency-contacts",
                                    {{"contact_order", 0}, {"contact", "兵庫県警察 サイバー犯罪対策課"}, {"kind", "fire"}});
  EXPECT_TRUE(IsProblem(bad, 422, "validation_failed")) << bad.Describe();
  EXPECT_TRUE(HasFieldError(bad, "contact_order", "out_of_range"));
  EXPECT_TRUE(HasFieldError(bad, "kind", "not_allowed"));
  EXPECT_TRUE(HasFieldError(bad, "phone", "required"));
  Reply made = secmgr_->client->Post("/api/v1/emergency-contacts", {{"contact_order", 3},
                                                                    {"contact", "兵庫県警察 サイバー犯罪対策課"},
                                                                    {"kind", "police"},
                                                                    {"phone", "078-000-0000"}});
  ASSERT_EQ(made.status, 201) << made.Describe();
  EXPECT_EQ(made.doc["contact_order"], 3);
  EXPECT_EQ(made.doc["kind_label"], "警察");
  EXPECT_EQ(csirt_->client->Get("/api/v1/emergency-contacts/" + Id(made.doc)).status, 200);
  EXPECT_TRUE(IsProblem(staff_a_->client->Get("/api/v1/emergency-contacts"), 403, "forbidden"));
  Reply by_csirt = csirt_->client->Post("/api/v1/emergency-contacts",
                                        {{"contact_order", 1}, {"contact", "x"}, {"kind", "internal"}, {"phone", "1"}});
  EXPECT_TRUE(IsProblem(by_csirt, 403, "forbidden")) << by_csirt.Describe();
}

// kobe:9.4.3: the list says whom to call in which order; a section chief (a grant over a section
// only) reads the whole city's list, in its order, and may not change it.
TEST_F(IncidentsTest, ASectionChiefReadsTheWholeEmergencyContactListInItsOrder) {
  const std::string tag = UniqueLogin("order");
  for (int order : {20, 5, 12}) {
    Reply made = secmgr_->client->Post("/api/v1/emergency-contacts", {{"contact_order", order},
                                                                      {"contact", tag + " 連絡先" + std::to_string(order)},
                                                                      {"kind", "internal"},
                                                                      {"phone", "078-331-0000"}});
    ASSERT_EQ(made.status, 201) << made.Describe();
  }
  Reply list = chief_a_->client->Get("/api/v1/emergency-contacts?per_page=200&q=" + tag);
  ASSERT_EQ(list.status, 200) << list.Describe();
  std::vector<int64_t> orders;
  for (const auto& item : list.doc["items"]) orders.push_back(item["contact_order"].get<int64_t>());
  EXPECT_EQ(orders, (std::vector<int64_t>{5, 12, 20}));
  const std::string id = Id(list.doc["items"][0]);
  EXPECT_EQ(chief_b_->client->Get("/api/v1/emergency-contacts/" + id).status, 200);
  Reply change = chief_a_->client->Send(
      "PATCH", "/api/v1/emergency-contacts/" + id,
      json{{"version", list.doc["items"][0]["version"]}, {"phone", "000"}}.dump());
  EXPECT_TRUE(IsProblem(change, 403, "forbidden")) << change.Describe();
}

// kobe:7.3.3: the reporter edits their own draft; once reported nothing is edited, and what is
// learnt later is a note on the timeline that leaves the report where it is.
TEST_F(IncidentsTest, OnlyADraftIsEditedAndLaterWhatIsLearntIsANote) {
  json draft = Draft(*staff_a_, "下書きの件名", section_a_);
  const std::string path = "/api/v1/incidents/" + Id(draft);
  Reply edited = staff_a_->client->Send("PATCH", path, json{{"version", draft["version"]}, {"title", "直した件名"}}.dump());
  ASSERT_EQ(edited.status, 200) << edited.Describe();
  EXPECT_EQ(edited.doc["title"], "直した件名");
  Reply sent = staff_a_->client->Post(path + "/transitions/submit",
                                      {{"fields", {{"discovered_at", "2026-11-30T09:00:00+09:00"}, {"details", "内容"}}}});
  ASSERT_EQ(sent.status, 200) << sent.Describe();
  Reply late = staff_a_->client->Send("PATCH", path, json{{"version", sent.doc["version"]}, {"title", "後から"}}.dump());
  EXPECT_TRUE(IsProblem(late, 403, "forbidden")) << late.Describe();
  Reply by_manager = secmgr_->client->Send("PATCH", path, json{{"version", sent.doc["version"]}, {"title", "後から"}}.dump());
  EXPECT_TRUE(IsProblem(by_manager, 409, "conflict")) << by_manager.Describe();
  // A note needs its text, keeps the state and the clock, and is on the timeline.
  Reply bare = csirt_->client->Post(path + "/transitions/add_note", json::object());
  EXPECT_TRUE(HasFieldError(bare, "note", "required")) << bare.Describe();
  Reply noted = csirt_->client->Post(path + "/transitions/add_note", {{"note", "委託事業者に電話で確認した"}});
  ASSERT_EQ(noted.status, 200) << noted.Describe();
  EXPECT_EQ(noted.doc["state"], "reported");
  EXPECT_EQ(noted.doc["deadline_at"], sent.doc["deadline_at"]);
  EXPECT_EQ(noted.doc["title"], "直した件名");
  Reply history = secmgr_->client->Get(path + "/history");
  ASSERT_EQ(history.status, 200) << history.Describe();
  EXPECT_EQ(history.doc["items"][0]["action"], "incident.add_note");
  EXPECT_EQ(history.doc["items"][0]["detail"]["note"], "委託事業者に電話で確認した");
  // Another section's staff may add nothing: they do not see the report.
  EXPECT_EQ(staff_b_->client->Post(path + "/transitions/add_note", {{"note", "x"}}).status, 404);
}

}  // namespace
}  // namespace mamori::itest
