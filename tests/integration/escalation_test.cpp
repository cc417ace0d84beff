// Escalation, tasks, reporters and visibility on the register kit, through API v1 with the Kobe
// pack (docs/registers.md "Escalation, tasks and reporters", docs/incidents.md): a member of staff
// lists only their own reports (kobe:7.3.1ア: anyone reports; 7.3 visibility); the section chief's
// task list shows the report waiting for their acknowledgement (kobe:7.3.1イ); the 情報基盤管理者
// is told only when a common network is involved (kobe:7.3.1イ) and the CISO only of a judged
// incident (kobe:7.3.3イ); a report touching a 機密性3 asset is kept to those who may see the asset
// and to its chain (kobe:7.3 with 4.2オ(2)); a hop not taken escalates level by level, each level's
// people (and their deputies) seeing it on their task lists. Every test runs on SQLite and PostgreSQL.
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kobe_people.hpp"

namespace mamori::itest {
namespace {

// The task of `tasks` (GET /me/tasks) for record `id`, or null.
json TaskFor(const json& tasks, const std::string& id) {
  for (const auto& t : tasks["items"])
    if (t.value("id", "") == id) return t;
  return nullptr;
}

// How many of `p`'s notifications have `subject`.
int Told(Person& p, const std::string& subject) {
  Reply bell = p.client->Get("/api/v1/notifications?per_page=200");
  Require(bell.status == 200, "GET /notifications: " + bell.Describe());
  int n = 0;
  for (const auto& item : bell.doc["items"]) n += item.value("subject", "") == subject;
  return n;
}

class EscalationFixture : public KobePeopleTest {
 protected:
  static json Draft(Person& p, const std::string& title, const std::string& unit, const json& extra = json::object()) {
    json body = {{"title", title}, {"owner_org_unit_id", unit}};
    for (const auto& [k, v] : extra.items()) body[k] = v;
    Reply r = p.client->Post("/api/v1/incidents", body);
    Require(r.status == 201, "POST /incidents: " + r.Describe());
    return r.doc;
  }

  static json Reported(Person& p, const std::string& title, const std::string& unit, const json& extra = json::object()) {
    json draft = Draft(p, title, unit);
    json fields = {{"discovered_at", "2026-11-30T09:30:00+09:00"}, {"details", "詳細 " + title}};
    for (const auto& [k, v] : extra.items()) fields[k] = v;
    Reply r = p.client->Post("/api/v1/incidents/" + Id(draft) + "/transitions/submit", {{"fields", fields}});
    Require(r.status == 200, "submit: " + r.Describe());
    return r.doc;
  }
};

class ReportersAndTasksTest : public EscalationFixture {
 protected:
  static void SetUpTestSuite() {
    SetUpSuiteWith([] {
      const std::string bureau = CreateOrgUnit(UniqueLogin("escb"), "bureau", city_id_);
      section_a_ = CreateOrgUnit(UniqueLogin("esca"), "section", bureau);
      section_b_ = CreateOrgUnit(UniqueLogin("escc"), "section", bureau);
      chief_a_ = Make("eschiefa", section_a_, {UnitRole("information_manager", section_a_)});
      chief_b_ = Make("eschiefb", section_b_, {UnitRole("information_manager", section_b_)});
      staff_a_ = Make("esstaffa", section_a_, {UnitRole("staff", section_a_)});
      staff_a2_ = Make("esstaffa2", section_a_, {UnitRole("staff", section_a_)});
      secmgr_ = Make("essecmgr", city_id_, {CityRole("security_manager")});
      csirt_ = Make("escsirt", city_id_, {CityRole("csirt")});
      ciso_ = Make("esciso", city_id_, {CityRole("ciso")});
      infra_ = Make("esinfra", city_id_, {CityRole("infrastructure_manager")});
    });
  }

  static void TearDownTestSuite() {
    TearDownSuiteWith({&chief_a_, &chief_b_, &staff_a_, &staff_a2_, &secmgr_, &csirt_, &ciso_, &infra_});
  }

  static inline std::string section_a_, section_b_;
  static inline Person *chief_a_ = nullptr, *chief_b_ = nullptr, *staff_a_ = nullptr, *staff_a2_ = nullptr,
                       *secmgr_ = nullptr, *csirt_ = nullptr, *ciso_ = nullptr, *infra_ = nullptr;
};

TEST_F(ReportersAndTasksTest, AReporterWhoIsNoReaderListsExactlyTheReportsTheyMade) {
  json mine = Draft(*staff_a_, "自分の報告 " + UniqueLogin("m"), section_a_);
  json colleagues = Reported(*staff_a2_, "同僚の報告 " + UniqueLogin("c"), section_a_);
  Reply list = staff_a_->client->Get("/api/v1/incidents?per_page=200");
  ASSERT_EQ(list.status, 200) << list.Describe();
  std::set<std::string> ids;
  for (const auto& item : list.doc["items"]) {
    EXPECT_EQ(item["created_by"], staff_a_->id) << "a reporter lists nobody else's report";
    ids.insert(Id(item));
  }
  EXPECT_TRUE(ids.count(Id(mine)));
  EXPECT_FALSE(ids.count(Id(colleagues)));
  EXPECT_EQ(list.doc["total"], static_cast<int64_t>(ids.size()));
  // Filters still apply, and still name a bad one.
  Reply drafts = staff_a_->client->Get("/api/v1/incidents?state=reported");
  ASSERT_EQ(drafts.status, 200) << drafts.Describe();
  for (const auto& item : drafts.doc["items"]) EXPECT_NE(Id(item), Id(mine)) << "the draft is not reported";
  EXPECT_TRUE(HasFieldError(staff_a_->client->Get("/api/v1/incidents?state=nonsense"), "state", "not_allowed"));
  // A register that is not reportable keeps its list to readers: violations answer staff 403.
  EXPECT_TRUE(IsProblem(staff_a_->client->Get("/api/v1/violations"), 403, "forbidden"));
  // The catalogue says which registers the shell offers.
  Reply cat = staff_a_->client->Get("/api/v1/registers");
  ASSERT_EQ(cat.status, 200);
  std::map<std::string, bool> reportable;
  for (const auto& r : cat.doc["items"])
    if (r.value("kind", "") == "register") reportable[r.value("id", "")] = r.value("reportable", false);
  EXPECT_TRUE(reportable["incidents"]) << "kobe:7.3.1ア: everyone reports an incident";
  EXPECT_FALSE(reportable["violations"]) << "a violation is recorded by the 情報管理者, not reported by anyone";
}

TEST_F(ReportersAndTasksTest, TheSectionChiefsTaskListShowsTheReportUntilTheyAcknowledgeIt) {
  json report = Reported(*staff_a_, "USBメモリの紛失 " + UniqueLogin("t"), section_a_);
  const std::string id = Id(report);
  Reply tasks = chief_a_->client->Get("/api/v1/me/tasks");
  ASSERT_EQ(tasks.status, 200) << tasks.Describe();
  json task = TaskFor(tasks.doc, id);
  ASSERT_FALSE(task.is_null()) << "kobe:7.3.1イ: the report waits for the section's 情報管理者: " << tasks.body;
  EXPECT_EQ(task["register"], "incidents");
  EXPECT_EQ(task["path"], "incidents");
  EXPECT_EQ(task["state"], "reported");
  EXPECT_EQ(task["title"], report["title"]);
  EXPECT_TRUE(task["awaiting"].get<bool>());
  EXPECT_FALSE(task["overdue"].get<bool>());
  EXPECT_EQ(task["escalation_level"], 0);
  EXPECT_FALSE(task["deadline_at"].is_null()) << "the hop has a deadline";
  std::set<std::string> actions;
  for (const auto& a : task["actions"]) actions.insert(a["action"].get<std::string>());
  EXPECT_EQ(actions, (std::set<std::string>{"acknowledge", "acknowledge_urgent"}));
  // Not another section's chief's task, nor the reporter's (nothing to do now).
  EXPECT_TRUE(TaskFor(chief_b_->client->Get("/api/v1/me/tasks").doc, id).is_null());
  EXPECT_TRUE(TaskFor(staff_a_->client->Get("/api/v1/me/tasks").doc, id).is_null());
  // A draft is its reporter's task (submit it).
  json draft = Draft(*staff_a_, "下書き " + UniqueLogin("d"), section_a_);
  json own = TaskFor(staff_a_->client->Get("/api/v1/me/tasks").doc, Id(draft));
  ASSERT_FALSE(own.is_null());
  EXPECT_TRUE(own["deadline_at"].is_null());
  // Acknowledged: off the chief's list, on the security manager's (receive).
  Reply ack = chief_a_->client->Post("/api/v1/incidents/" + id + "/transitions/acknowledge", json::object());
  ASSERT_EQ(ack.status, 200) << ack.Describe();
  EXPECT_TRUE(TaskFor(chief_a_->client->Get("/api/v1/me/tasks").doc, id).is_null());
  json sm = TaskFor(secmgr_->client->Get("/api/v1/me/tasks").doc, id);
  ASSERT_FALSE(sm.is_null());
  EXPECT_EQ(sm["state"], "acknowledged");
}

TEST_F(ReportersAndTasksTest, TheInfrastructureManagerIsToldOnlyWhenACommonNetworkIsInvolved) {
  const std::string tag = UniqueLogin("n");
  const std::string on_title = "共通基盤の障害 " + tag, off_title = "窓口での誤交付 " + tag;
  json on = Reported(*staff_a_, on_title, section_a_, {{"common_network", true}});
  json off = Reported(*staff_a_, off_title, section_a_, {{"common_network", false}});
  // Bad input names the field and changes nothing.
  const std::string path_on = "/api/v1/incidents/" + Id(on);
  Reply bad = chief_a_->client->Post(path_on + "/transitions/acknowledge", {{"fields", {{"common_network", "yes"}}}});
  EXPECT_TRUE(HasFieldError(bad, "fields.common_network")) << bad.Describe();
  EXPECT_EQ(chief_a_->client->Get(path_on).doc["state"], "reported");
  for (const json* r : {&on, &off}) {
    Reply ack = chief_a_->client->Post("/api/v1/incidents/" + Id(*r) + "/transitions/acknowledge", json::object());
    ASSERT_EQ(ack.status, 200) << ack.Describe();
  }
  EXPECT_EQ(Told(*infra_, "【インシデント報告】" + on_title + "（情報管理者確認済）"), 1) << "kobe:7.3.1イ";
  EXPECT_EQ(Told(*infra_, "【インシデント報告】" + off_title + "（情報管理者確認済）"), 0);
  // The security manager is told of both, condition or not.
  EXPECT_EQ(Told(*secmgr_, "【インシデント報告】" + on_title + "（情報管理者確認済）"), 1);
  EXPECT_EQ(Told(*secmgr_, "【インシデント報告】" + off_title + "（情報管理者確認済）"), 1);
}

TEST_F(ReportersAndTasksTest, TheCisoIsToldOfATriageOnlyWhenTheCsirtJudgesItAnIncident) {
  const std::string tag = UniqueLogin("j");
  json yes = Reported(*staff_a_, "不正アクセス " + tag, section_a_);
  json no = Reported(*staff_a_, "誤検知 " + tag, section_a_);
  for (const json* r : {&yes, &no}) {
    Reply took = secmgr_->client->Post("/api/v1/incidents/" + Id(*r) + "/transitions/receive", json::object());
    ASSERT_EQ(took.status, 200) << took.Describe();
  }
  Reply t1 = csirt_->client->Post("/api/v1/incidents/" + Id(yes) + "/transitions/triage",
                                  {{"fields", {{"is_incident", "yes"}, {"severity", "high"}, {"category", "unauthorized_access"}}}});
  ASSERT_EQ(t1.status, 200) << t1.Describe();
  Reply t2 = csirt_->client->Post("/api/v1/incidents/" + Id(no) + "/transitions/triage", {{"fields", {{"is_incident", "no"}}}});
  ASSERT_EQ(t2.status, 200) << t2.Describe();
  EXPECT_EQ(Told(*ciso_, "【CSIRT評価】不正アクセス " + tag + "：該当"), 1) << "kobe:7.3.3イ: told at once";
  EXPECT_EQ(Told(*ciso_, "【CSIRT評価】誤検知 " + tag + "：非該当"), 0);
  EXPECT_EQ(Told(*chief_a_, "【CSIRT評価】誤検知 " + tag + "：非該当"), 1) << "the section's chief hears either verdict";
}

TEST_F(ReportersAndTasksTest, AReportTouchingAConfidentiality3AssetIsKeptToThoseWhoMaySeeTheAssetAndToItsChain) {
  Reply asset = chief_a_->client->Post("/api/v1/assets", {{"name", "住民基本台帳データ " + UniqueLogin("a")},
                                                          {"kind", "electronic_data"},
                                                          {"owner_org_unit_id", section_a_},
                                                          {"confidentiality", 3},
                                                          {"integrity", 2},
                                                          {"availability", 2},
                                                          {"handling", json::array()},
                                                          {"location", "本庁舎"}});
  ASSERT_EQ(asset.status, 201) << asset.Describe();
  json report = Reported(*staff_a_, "機密性3の漏えい " + UniqueLogin("r"), section_a_, {{"asset_id", Id(asset.doc)}});
  json plain = Reported(*staff_a_, "機密性なしの件 " + UniqueLogin("p"), section_a_);
  const std::string path = "/api/v1/incidents/" + Id(report);
  // The CSIRT reads every report but not 機密性3 assets: not theirs yet, so not seen.
  EXPECT_TRUE(IsProblem(csirt_->client->Get(path), 404, "not_found"));
  Reply listed = csirt_->client->Get("/api/v1/incidents?per_page=200");
  ASSERT_EQ(listed.status, 200);
  bool found = false, plain_found = false;
  for (const auto& item : listed.doc["items"]) {
    found = found || Id(item) == Id(report);
    plain_found = plain_found || Id(item) == Id(plain);
  }
  EXPECT_FALSE(found) << "left out of the CSIRT's list";
  EXPECT_TRUE(plain_found) << "a report without such an asset is the CSIRT's as before";
  // Those who may see the asset, and the chain: the reporter, the section's chief, the
  // security manager (assets.read_restricted city-wide).
  EXPECT_EQ(staff_a_->client->Get(path).status, 200);
  EXPECT_EQ(chief_a_->client->Get(path).status, 200);
  EXPECT_EQ(secmgr_->client->Get(path).status, 200);
  // Taken by the security manager, it is the CSIRT's to triage: now they see it …
  ASSERT_EQ(secmgr_->client->Post(path + "/transitions/receive", json::object()).status, 200);
  Reply seen = csirt_->client->Get(path);
  ASSERT_EQ(seen.status, 200) << seen.Describe();
  Reply judged = csirt_->client->Post(path + "/transitions/triage", {{"fields", {{"is_incident", "no"}}}});
  ASSERT_EQ(judged.status, 200) << judged.Describe();
  ASSERT_EQ(secmgr_->client->Post(path + "/transitions/close", json::object()).status, 200);
  // … and, having taken a step of it, still after it is closed.
  EXPECT_EQ(csirt_->client->Get(path).status, 200);
}

// The Kobe pack with the first hop's deadline and each further level one minute long, checked
// every second: a report not acknowledged escalates to level 1 (the bureau's 情報責任者 and the
// security manager), then level 2 (the 統括責任者), each once, each on their task lists; the
// 統括責任者's deputy sees it too.
class EscalationLevelsTest : public EscalationFixture {
 protected:
  static void SetUpTestSuite() {
    SetUpSuiteWith([] {
      // The pack init copied into the data directory (mamori.yaml's `policy:`), rewritten.
      std::ifstream cfg(server_->data_dir() + "/mamori.yaml");
      std::string line, pack_path;
      while (std::getline(cfg, line))
        if (line.rfind("policy: ", 0) == 0) pack_path = line.substr(8);
      Require(!pack_path.empty(), "mamori.yaml names no policy");
      std::ifstream in(pack_path);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string pack = ss.str();
      for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
               {"          deadline:\n            after: 1h\n", "          deadline:\n            after: 1m\n"},
               {"              - after: 2h\n", "              - after: 1m\n"},
               {"              - after: 4h\n", "              - after: 1m\n"}}) {
        Require(pack.find(from) != std::string::npos, "the incident deadline is not where the test expects it: " + from);
        pack.replace(pack.find(from), from.size(), to);
      }
      in.close();
      std::ofstream(pack_path, std::ios::trunc) << pack;
      server_->Reconfigure("deadline_check_seconds: 1\n");
      admin_->client->set_base(server_->base_url());
      approver_->client->set_base(server_->base_url());
      const std::string bureau = CreateOrgUnit(UniqueLogin("elb"), "bureau", city_id_);
      section_ = CreateOrgUnit(UniqueLogin("els"), "section", bureau);
      staff_ = Make("elstaff", section_, {UnitRole("staff", section_)});
      chief_ = Make("elchief", section_, {UnitRole("information_manager", section_)});
      officer_ = Make("elofficer", bureau, {UnitRole("information_officer", bureau)});
      director_ = Make("eldirector", city_id_, {CityRole("security_director")});
      json deputy = CityRole("security_director");
      deputy["delegate_of"] = director_->id;
      deputy_ = Make("eldeputy", city_id_, {deputy});
    });
  }

  static void TearDownTestSuite() { TearDownSuiteWith({&staff_, &chief_, &officer_, &director_, &deputy_}); }

  // The incident.deadline entries of record `id`, oldest first.
  static std::vector<json> DeadlineEntries(Person& p, const std::string& id) {
    Reply h = p.client->Get("/api/v1/incidents/" + id + "/history?per_page=100");
    Require(h.status == 200, "history: " + h.Describe());
    std::vector<json> out;
    for (const auto& e : h.doc["items"])
      if (e.value("action", "") == "incident.deadline") out.insert(out.begin(), e);
    return out;
  }

  static inline std::string section_;
  static inline Person *staff_ = nullptr, *chief_ = nullptr, *officer_ = nullptr, *director_ = nullptr,
                       *deputy_ = nullptr;
};

TEST_F(EscalationLevelsTest, AnUnacknowledgedReportEscalatesLevelByLevelAndEachLevelSeesItOnTheirTaskList) {
  json report = Reported(*staff_, "未確認のまま " + UniqueLogin("u"), section_);
  const std::string id = Id(report);
  std::vector<json> entries;
  for (int i = 0; i < 1500 && entries.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    entries = DeadlineEntries(*chief_, id);
  }
  ASSERT_GE(entries.size(), 2u) << "two levels did not pass";
  EXPECT_EQ(entries[0]["detail"]["level"], 1);
  EXPECT_EQ(entries[0]["detail"]["on_pass"], "escalate");
  EXPECT_EQ(entries[0]["actor"], "system");
  EXPECT_FALSE(entries[0]["detail"]["next_at"].is_null()) << "a further level is due";
  const json& first = entries[0]["detail"]["escalated_to"];
  EXPECT_NE(std::find(first.begin(), first.end(), officer_->id), first.end()) << "level 1: the bureau's 情報責任者";
  EXPECT_EQ(entries[1]["detail"]["level"], 2);
  const json& second = entries[1]["detail"]["escalated_to"];
  EXPECT_NE(std::find(second.begin(), second.end(), director_->id), second.end()) << "level 2: the 統括責任者";
  EXPECT_EQ(std::find(second.begin(), second.end(), officer_->id), second.end()) << "level 2 does not tell level 1 again";
  // Each level's people have it on their task list, with their level, overdue.
  json officer_task = TaskFor(officer_->client->Get("/api/v1/me/tasks").doc, id);
  ASSERT_FALSE(officer_task.is_null());
  EXPECT_EQ(officer_task["escalation_level"], 1);
  EXPECT_TRUE(officer_task["overdue"].get<bool>());
  json director_task = TaskFor(director_->client->Get("/api/v1/me/tasks").doc, id);
  ASSERT_FALSE(director_task.is_null());
  EXPECT_GE(director_task["escalation_level"].get<int>(), 2);
  // The 統括責任者's deputy counts as the 統括責任者.
  json deputy_task = TaskFor(deputy_->client->Get("/api/v1/me/tasks").doc, id);
  ASSERT_FALSE(deputy_task.is_null()) << "a deputy counts as the person";
  EXPECT_GE(deputy_task["escalation_level"].get<int>(), 2);
  // The section chief, who still has not acted, is still offered the acknowledgement; once it is
  // taken, the count starts again from the next state's own deadline.
  Reply ack = chief_->client->Post("/api/v1/incidents/" + id + "/transitions/acknowledge", json::object());
  ASSERT_EQ(ack.status, 200) << ack.Describe();
  EXPECT_EQ(ack.doc["state"], "acknowledged");
  // Each level was told once, though the server looks every second.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  Reply bell = officer_->client->Get("/api/v1/notifications?per_page=200");
  int told = 0;
  for (const auto& n : bell.doc["items"]) told += n.value("link", "").find(id) != std::string::npos &&
                                                  n.value("subject", "").starts_with("【至急・未確認】");
  EXPECT_EQ(told, 1);
}

}  // namespace
}  // namespace mamori::itest
