// Another town's incident report through API v1: the second town's pack
// (tests/packs/sample_town.yaml) writes its own 事故報告 with items and a chain unlike Kobe's —
// 職員 → 課長 (30 minutes, then the 部長 is told) → 情報セキュリティ担当 → 完了, reported to the
// 副町長 — and mamori follows it with no line of C++ naming it. The items and the chain are
// written out here as the town's standard gives them, never read back from the pack. Every test
// runs on SQLite and PostgreSQL.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <map>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "smtp_sink.hpp"

namespace mamori::itest {
namespace {

std::string Id(const json& doc) { return doc.value("id", ""); }

json UnitRole(const std::string& role, const std::string& unit) {
  return {{"role", role}, {"scope_type", "org_unit"}, {"scope_id", unit}};
}

class TownIncidentsTest : public ApiTest {
 protected:
  static void SetUpTestSuite() { SetUpTown(SourceDir() + "/tests/packs/sample_town.yaml"); }

  // A server of the town's pack at `pack_file` with a bureau and two sections: each section's
  // 課長 and a 職員 of section A, the bureau's 部長 and the town's 情報セキュリティ担当.
  static void SetUpTown(const std::string& pack_file) {
    setup_error_.clear();
    try {
      town_ = new ServerProcess(pack_file);
      admin_ = FirstAdminOn(town_->base_url());
      city_id_ = RootUnitOn(*admin_->client).first;
      const std::string bureau = Unit("jiko-bu", "bureau", city_id_);
      section_a_ = Unit("jiko-a", "section", bureau);
      section_b_ = Unit("jiko-b", "section", bureau);
      kacho_ = Make("jkacho", section_a_, {UnitRole("kacho", section_a_)}, "kacho@town.example.jp");
      kacho_b_ = Make("jkachob", section_b_, {UnitRole("kacho", section_b_)});
      bucho_ = Make("jbucho", bureau, {UnitRole("bucho", bureau)}, "bucho@town.example.jp");
      staff_ = Make("jshokuin", section_a_, {UnitRole("shokuin", section_a_)}, "shokuin@town.example.jp");
      officer_ = Make("jtanto", city_id_, {{{"role", "security_manager"}, {"scope_type", "city"}}});
    } catch (const std::exception& e) {
      setup_error_ = e.what();
      ADD_FAILURE() << "suite set-up failed: " << e.what();
    }
  }
  static void TearDownTestSuite() {
    for (Person** p : {&admin_, &kacho_, &kacho_b_, &bucho_, &staff_, &officer_}) {
      delete *p;
      *p = nullptr;
    }
    delete town_;
    town_ = nullptr;
  }
  void SetUp() override {
    if (!setup_error_.empty()) GTEST_SKIP() << "suite set-up failed: " << setup_error_;
  }

  static std::string Unit(const std::string& code, const std::string& kind, const std::string& parent) {
    Reply r = admin_->client->Post("/api/v1/org-units", {{"code", UniqueLogin(code)},
                                                         {"name", "さくら町 " + code},
                                                         {"kind", kind},
                                                         {"parent_id", parent}});
    Require(r.status == 201, "POST /org-units: " + r.Describe());
    return Id(r.doc);
  }
  static Person* Make(const std::string& prefix, const std::string& unit, const std::vector<json>& roles,
                      const std::string& email = "") {
    return MakePersonOn(*admin_->client, town_->base_url(), prefix, unit, roles, email);
  }

  // A report by the 職員 of section A, submitted: state 報告済.
  static json Reported(const std::string& title) {
    Reply draft = staff_->client->Post("/api/v1/incidents", {{"title", title}, {"owner_org_unit_id", section_a_}});
    Require(draft.status == 201, "POST /incidents: " + draft.Describe());
    Reply sent = staff_->client->Post(
        "/api/v1/incidents/" + Id(draft.doc) + "/transitions/teishutsu",
        {{"fields", {{"found_on", "2026-11-30"}, {"finder", "窓口の町民"}, {"summary", "住民票の写しを誤って交付した"}}}});
    Require(sent.status == 200, "teishutsu: " + sent.Describe());
    return sent.doc;
  }

  static inline ServerProcess* town_ = nullptr;
  static inline Person *kacho_ = nullptr, *kacho_b_ = nullptr, *bucho_ = nullptr, *staff_ = nullptr,
                       *officer_ = nullptr;
  static inline std::string section_a_, section_b_;
};

TEST_F(TownIncidentsTest, TheTownsReportHasItsOwnItemsAndStatesNotKobes) {
  Reply catalogue = staff_->client->Get("/api/v1/registers");
  ASSERT_EQ(catalogue.status, 200) << catalogue.Describe();
  json reg;
  for (const auto& r : catalogue.doc["items"])
    if (r["id"] == "incidents") reg = r;
  ASSERT_FALSE(reg.is_null()) << "the town's incident report is not in the catalogue";
  EXPECT_EQ(reg["title"], "事故報告");
  std::set<std::string> fields, states;
  for (const auto& f : reg["fields"]) fields.insert(f["id"].get<std::string>());
  for (const auto& s : reg["workflow"]["states"]) states.insert(s["id"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"title", "owner_org_unit_id", "found_on", "finder", "impact",
                                            "personal_data", "summary", "result"}));
  EXPECT_EQ(states, (std::set<std::string>{"shitagaki", "hokoku", "kakunin", "taiou", "kanryo", "torisage"}));
  EXPECT_TRUE(reg["can_create"].get<bool>());
  EXPECT_FALSE(reg["can_read"].get<bool>());  // a 職員 reports but reads only their own

  // Kobe's items are unknown here, and nothing is written.
  Reply kobe = staff_->client->Post("/api/v1/incidents", {{"title", "神戸の項目"},
                                                          {"owner_org_unit_id", section_a_},
                                                          {"details", "内容"},
                                                          {"leaked_info", "漏えい"}});
  EXPECT_TRUE(IsProblem(kobe, 422, "validation_failed"));
  EXPECT_TRUE(HasFieldError(kobe, "details", "unknown_field"));
  EXPECT_TRUE(HasFieldError(kobe, "leaked_info", "unknown_field"));
  Reply all = officer_->client->Get("/api/v1/incidents?q=" + std::string("%E7%A5%9E%E6%88%B8"));
  ASSERT_EQ(all.status, 200) << all.Describe();
  EXPECT_EQ(all.doc["total"], 0);
}

TEST_F(TownIncidentsTest, TheReportGoesFromStaffThroughTheSectionHeadToTheSecurityOfficer) {
  Reply draft = staff_->client->Post("/api/v1/incidents", {{"title", "USBメモリの紛失"}, {"owner_org_unit_id", section_a_}});
  ASSERT_EQ(draft.status, 201) << draft.Describe();
  EXPECT_EQ(draft.doc["state"], "shitagaki");
  const std::string id = Id(draft.doc);
  const std::string path = "/api/v1/incidents/" + id;

  // The town requires a summary before the report leaves the draft; the refusal names it.
  Reply bare = staff_->client->Post(path + "/transitions/teishutsu", json::object());
  EXPECT_TRUE(IsProblem(bare, 422, "validation_failed"));
  EXPECT_TRUE(HasFieldError(bare, "fields.summary", "policy_rule"));
  EXPECT_EQ(bare.doc["clause"], "sakura:7.2");
  EXPECT_EQ(staff_->client->Get(path).doc["state"], "shitagaki");

  Reply sent = staff_->client->Post(path + "/transitions/teishutsu",
                                    {{"fields", {{"found_on", "2026-11-30"}, {"finder", "山田（窓口）"},
                                                 {"summary", "会議室にUSBメモリを置き忘れた"}}}});
  ASSERT_EQ(sent.status, 200) << sent.Describe();
  EXPECT_EQ(sent.doc["state"], "hokoku");
  EXPECT_FALSE(sent.doc["deadline_at"].is_null());  // the section head's 30 minutes run

  // The section's 課長 sees it and alone confirms it; another section's 課長 sees nothing.
  EXPECT_TRUE(IsProblem(kacho_b_->client->Get(path), 404, "not_found"));
  Reply early = officer_->client->Post(path + "/transitions/uketsuke", json::object());
  EXPECT_TRUE(IsProblem(early, 409, "conflict"));
  Reply other = kacho_b_->client->Post(path + "/transitions/kakunin", {{"fields", {{"impact", "internal"}}}});
  EXPECT_EQ(other.status, 404) << other.Describe();
  Reply no_reach = kacho_->client->Post(path + "/transitions/kakunin", json::object());
  EXPECT_TRUE(IsProblem(no_reach, 422, "validation_failed"));
  EXPECT_TRUE(HasFieldError(no_reach, "fields.impact"));
  Reply confirmed = kacho_->client->Post(path + "/transitions/kakunin", {{"fields", {{"impact", "residents"}}}});
  ASSERT_EQ(confirmed.status, 200) << confirmed.Describe();
  EXPECT_EQ(confirmed.doc["state"], "kakunin");

  // The reporter may not take the security officer's step.
  Reply self = staff_->client->Post(path + "/transitions/uketsuke", json::object());
  EXPECT_TRUE(IsProblem(self, 403, "forbidden"));
  Reply taken = officer_->client->Post(path + "/transitions/uketsuke", json::object());
  ASSERT_EQ(taken.status, 200) << taken.Describe();
  EXPECT_EQ(taken.doc["state"], "taiou");
  Reply no_result = officer_->client->Post(path + "/transitions/kanryo", json::object());
  EXPECT_TRUE(HasFieldError(no_result, "fields.result"));
  Reply done = officer_->client->Post(path + "/transitions/kanryo", {{"fields", {{"result", "回収し、所属内で注意喚起した"}}}});
  ASSERT_EQ(done.status, 200) << done.Describe();
  EXPECT_EQ(done.doc["state"], "kanryo");
  EXPECT_TRUE(done.doc["available_actions"].empty());

  // The town's log prefix names every step, and the sealed 発見者 is not in it.
  Reply history = officer_->client->Get(path + "/history");
  ASSERT_EQ(history.status, 200) << history.Describe();
  // The reporter's refused attempt is on the record too, as a refusal.
  std::vector<std::string> steps;
  json submitted;
  for (const auto& e : history.doc["items"]) {
    const std::string action = e["action"].get<std::string>();
    if (e.value("result", "") == "denied") {
      EXPECT_EQ(action, "jiko.uketsuke");
      EXPECT_EQ(e["actor"], staff_->id);
      continue;
    }
    steps.push_back(action);
    if (action == "jiko.teishutsu") submitted = e;
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"jiko.kanryo", "jiko.uketsuke", "jiko.kakunin", "jiko.teishutsu",
                                             "jiko.create"}));
  EXPECT_EQ(history.body.find("山田（窓口）"), std::string::npos);
  EXPECT_EQ(submitted["detail"]["changes"]["finder"], (json{{"sealed", true}})) << submitted.dump();
  // The reporter reads their report with the sealed items opened.
  Reply mine = staff_->client->Get(path);
  ASSERT_EQ(mine.status, 200) << mine.Describe();
  EXPECT_EQ(mine.doc["finder"], "山田（窓口）");
}

// The same town with the section head's 30 minutes rewritten to one minute and e-mail to a
// local SMTP server: the 課長 is told once on submission; when the minute passes unconfirmed,
// the 部長 is told once, and the record says the deadline escalated.
class TownIncidentEscalationTest : public TownIncidentsTest {
 protected:
  static void SetUpTestSuite() {
    const bool ready = SetUpStep(setup_error_, [] {
      PrepareMailTown("jikomail", "tests/packs/sample_town.yaml", "            after: 30m\n", "            after: 1m\n",
                      "the section head's deadline", dir_, sink_);
    });
    if (!ready) return;
    SetUpTown(dir_ + "/town.yaml");
    if (!setup_error_.empty()) return;
    SetUpStep(setup_error_, [] {
      town_->Reconfigure(TownMailSettings(sink_->port()));
      for (Person* p : {admin_, kacho_, kacho_b_, bucho_, staff_, officer_}) p->client->set_base(town_->base_url());
    });
  }
  static void TearDownTestSuite() {
    TownIncidentsTest::TearDownTestSuite();
    RemoveMailTown(dir_, sink_);
  }
  static inline SmtpSink* sink_ = nullptr;
  static inline std::string dir_;
};

TEST_F(TownIncidentEscalationTest, AnUnconfirmedReportEscalatesToTheDepartmentHeadOnce) {
  json report = Reported("窓口での誤交付");
  const std::string id = Id(report);
  // The section head is told once, with the record's link.
  auto told = sink_->WaitForLinks("kacho@town.example.jp", {id}, "/r/incidents/");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].value("subject", ""), "〔さくら町〕事故報告：窓口での誤交付");
  // Nobody confirms; after the minute the 部長 is told, once, though the server looks every second.
  std::vector<json> late;
  for (int i = 0; i < 1000; ++i) {
    late = sink_->WaitForLinks("bucho@town.example.jp", {id}, "/r/incidents/", 1);
    if (!late.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(late.size(), 1u) << "the department head was not told";
  EXPECT_EQ(late[0].value("subject", ""), "〔さくら町〕事故報告の確認が遅れています：窓口での誤交付");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(sink_->WaitForLinks("bucho@town.example.jp", {id}, "/r/incidents/", 1).size(), 1u);
  // The reporter was not told of the delay; the escalation is on the record.
  EXPECT_TRUE(sink_->WaitForLinks("shokuin@town.example.jp", {id}, "/r/incidents/", 1).empty());
  Reply history = bucho_->client->Get("/api/v1/incidents/" + id + "/history");
  ASSERT_EQ(history.status, 200) << history.Describe();
  EXPECT_EQ(history.doc["items"][0]["action"], "jiko.deadline");
  EXPECT_EQ(history.doc["items"][0]["actor"], "system");
  EXPECT_EQ(history.doc["items"][0]["detail"]["on_pass"], "escalate");
  // The 課長 may still confirm afterwards.
  Reply confirmed = kacho_->client->Post("/api/v1/incidents/" + id + "/transitions/kakunin",
                                         {{"fields", {{"impact", "internal"}}}});
  EXPECT_EQ(confirmed.status, 200) << confirmed.Describe();
}

// kill -9 in the middle of a burst of submissions: after the restart every report is wholly
// submitted (state, its log entry, the section head's notice) or wholly a draft, and every
// submission the server had answered with 200 is there. The operation log still verifies.
class TownIncidentCrashTest : public TownIncidentsTest {};

TEST_F(TownIncidentCrashTest, AReportInterruptedByKillNineIsWhollySubmittedOrWhollyADraft) {
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    Reply draft = staff_->client->Post("/api/v1/incidents", {{"title", "停電中の報告 " + std::to_string(i)},
                                                             {"owner_org_unit_id", section_a_}});
    ASSERT_EQ(draft.status, 201) << draft.Describe();
    ids.push_back(Id(draft.doc));
  }
  std::map<std::string, int> answered;
  std::atomic<int> done{0};
  std::thread submitter([&] {
    for (const auto& id : ids) {
      answered[id] = staff_->client
                         ->Post("/api/v1/incidents/" + id + "/transitions/teishutsu",
                                {{"fields", {{"summary", "サーバ停止の直前に送った報告"}, {"impact", "internal"}}}})
                         .status;
      ++done;
    }
  });
  // The kill lands while submissions are under way: after the tenth answer, during the next.
  while (done < 10) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  town_->Kill();
  submitter.join();
  town_->Start();
  for (Person* p : {admin_, kacho_, kacho_b_, bucho_, staff_, officer_}) p->client->set_base(town_->base_url());

  Reply told = kacho_->client->Get("/api/v1/notifications?per_page=200");
  ASSERT_EQ(told.status, 200) << told.Describe();
  int submitted = 0, drafts = 0;
  for (const auto& id : ids) {
    Reply rec = staff_->client->Get("/api/v1/incidents/" + id);
    ASSERT_EQ(rec.status, 200) << rec.Describe();
    Reply history = staff_->client->Get("/api/v1/incidents/" + id + "/history");
    ASSERT_EQ(history.status, 200) << history.Describe();
    int entries = 0;
    for (const auto& e : history.doc["items"]) entries += e["action"] == "jiko.teishutsu";
    int notices = 0;
    for (const auto& n : told.doc["items"]) notices += n.dump().find(id) != std::string::npos;
    if (rec.doc["state"] == "hokoku") {
      ++submitted;
      EXPECT_EQ(entries, 1) << id;
      EXPECT_EQ(notices, 1) << id;
      EXPECT_EQ(rec.doc["summary"], "サーバ停止の直前に送った報告");
    } else {
      ++drafts;
      EXPECT_EQ(rec.doc["state"], "shitagaki");
      EXPECT_NE(answered[id], 200) << id << " was answered 200 but is still a draft";
      EXPECT_EQ(entries, 0) << id;
      EXPECT_EQ(notices, 0) << id;
      EXPECT_TRUE(rec.doc["summary"].is_null()) << id;
    }
  }
  EXPECT_GT(submitted, 0) << "the kill came before any submission";
  EXPECT_GT(drafts, 0) << "the kill came after every submission";
  ProcResult verify = town_->LogVerify();
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

}  // namespace
}  // namespace mamori::itest
