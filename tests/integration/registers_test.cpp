// The register and workflow kit through API v1 (docs/registers.md), on the second town's pack
// (tests/packs/sample_town.yaml), whose 貸出簿 (lending book of shared laptops, with lend/return
// and an overdue reminder) is written in the pack alone: no line of C++ names it. Every test
// runs on SQLite and PostgreSQL.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "harness.hpp"
#include "smtp_sink.hpp"

namespace mamori::itest {
namespace {

std::string Id(const json& doc) { return doc.value("id", ""); }

class RegistersTest : public ApiTest {
 protected:
  static void SetUpTestSuite() { SetUpTown(SourceDir() + "/tests/packs/sample_town.yaml"); }

  // A server of the town's pack at `pack_file`, with a section head, another section's head and
  // a member of staff (`staff_email`, when given, is theirs).
  static void SetUpTown(const std::string& pack_file, const std::string& staff_email = "") {
    setup_error_.clear();
    try {
      town_ = new ServerProcess(pack_file);
      admin_ = FirstAdminOn(town_->base_url());
      city_id_ = RootUnitOn(*admin_->client).first;
      const std::string bureau = Unit("lend-bu", "bureau", city_id_);
      section_a_ = Unit("lend-a", "section", bureau);
      section_b_ = Unit("lend-b", "section", bureau);
      kacho_ = Make("kacho", section_a_, {{{"role", "kacho"}, {"scope_type", "org_unit"}, {"scope_id", section_a_}}});
      kacho_b_ = Make("kachob", section_b_, {{{"role", "kacho"}, {"scope_type", "org_unit"}, {"scope_id", section_b_}}});
      staff_ = Make("shokuin", section_a_, {{{"role", "shokuin"}, {"scope_type", "org_unit"}, {"scope_id", section_a_}}},
                    staff_email);
    } catch (const std::exception& e) {
      setup_error_ = e.what();
      ADD_FAILURE() << "suite set-up failed: " << e.what();
    }
  }
  static void TearDownTestSuite() {
    for (Person** p : {&admin_, &kacho_, &kacho_b_, &staff_}) {
      delete *p;
      *p = nullptr;
    }
    delete town_;
    town_ = nullptr;
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


  void SetUp() override {
    if (!setup_error_.empty()) GTEST_SKIP() << "suite set-up failed: " << setup_error_;
  }

  static json NewLaptop(Person& p, const std::string& device, const std::string& unit) {
    Reply r = p.client->Post("/api/v1/lending", {{"device", device}, {"kind", "laptop"}, {"owner_org_unit_id", unit}});
    Require(r.status == 201, "POST /lending: " + r.Describe());
    return r.doc;
  }

  static int64_t Head() {
    Reply r = admin_->client->Get("/api/v1/audit-log?per_page=1");
    Require(r.status == 200 && !r.doc["items"].empty(), "GET /audit-log: " + r.Describe());
    return r.doc["items"][0]["seq"].get<int64_t>();
  }

  static std::string Tomorrow() {
    const std::time_t t = std::time(nullptr) + 9 * 3600 + 86400;
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
    return buf;
  }

  static inline ServerProcess* town_ = nullptr;
  static inline Person *admin_ = nullptr, *kacho_ = nullptr, *kacho_b_ = nullptr, *staff_ = nullptr;
  static inline std::string city_id_, section_a_, section_b_;
};

TEST_F(RegistersTest, TheCatalogueDescribesTheLendingBookWithItsWorkflowInJapaneseAndEnglish) {
  Reply r = staff_->client->Get("/api/v1/registers");
  ASSERT_EQ(r.status, 200) << r.Describe();
  const json* lending = nullptr;
  for (const auto& item : r.doc["items"])
    if (item["id"] == "lending") lending = &item;
  ASSERT_NE(lending, nullptr) << r.body;
  EXPECT_EQ((*lending)["title"], "貸出簿");
  EXPECT_EQ((*lending)["title_en"], "Lending book");
  EXPECT_EQ((*lending)["api_path"], "/api/v1/lending");
  EXPECT_EQ((*lending)["can_read"], true);
  EXPECT_EQ((*lending)["can_create"], false);  // staff read; section heads manage
  std::set<std::string> states, actions;
  for (const auto& s : (*lending)["workflow"]["states"]) states.insert(s["id"].get<std::string>());
  for (const auto& t : (*lending)["workflow"]["transitions"]) actions.insert(t["id"].get<std::string>());
  EXPECT_EQ(states, (std::set<std::string>{"available", "lent", "retired"}));
  EXPECT_EQ(actions, (std::set<std::string>{"lend", "return", "retire"}));
  bool kind_has_help = false;
  for (const auto& f : (*lending)["fields"])
    if (f["id"] == "kind") kind_has_help = f["choices"][0]["help"] == "庁外へ持ち出せる端末";
  EXPECT_TRUE(kind_has_help);
  // The request types are in the catalogue too, so the UI keeps no copy of them.
  bool take_out = false;
  for (const auto& item : r.doc["items"]) take_out = take_out || (item["kind"] == "request_type" && item["id"] == "mochidashi");
  EXPECT_TRUE(take_out);
}

TEST_F(RegistersTest, ASectionHeadLendsALaptopAndTakesItBackEachStepOnTheRecord) {
  json laptop = NewLaptop(*kacho_, "PC-014 ノートPC", section_a_);
  EXPECT_EQ(laptop["state"], "available");
  EXPECT_EQ(laptop["state_label"], "貸出可");
  EXPECT_EQ(laptop.value("owner_org_unit_name", "").rfind("さくら町 lend-a", 0), 0u) << laptop.dump();
  EXPECT_EQ(laptop["kind_label"], "ノートPC");
  EXPECT_EQ(laptop["version"], 1);
  std::set<std::string> offered;
  for (const auto& a : laptop["available_actions"]) offered.insert(a["action"].get<std::string>());
  EXPECT_EQ(offered, (std::set<std::string>{"lend", "retire"}));
  const std::string id = Id(laptop);

  Reply lent = kacho_->client->Post("/api/v1/lending/" + id + "/transitions/lend",
                                    {{"note", "出張用"}, {"fields", {{"borrower", staff_->id}, {"due_on", Tomorrow()}}}});
  ASSERT_EQ(lent.status, 200) << lent.Describe();
  EXPECT_EQ(lent.doc["state"], "lent");
  EXPECT_EQ(lent.doc["borrower"], staff_->id);
  EXPECT_EQ(lent.doc["borrower_name"], "町職員 shokuin");
  EXPECT_EQ(lent.doc["due_on"], Tomorrow());
  EXPECT_FALSE(lent.doc["deadline_at"].is_null());
  EXPECT_EQ(lent.doc["version"], 2);

  // The borrower sees the record addressed to them, and is offered nothing.
  Reply seen = staff_->client->Get("/api/v1/lending/" + id);
  ASSERT_EQ(seen.status, 200) << seen.Describe();
  EXPECT_TRUE(seen.doc["available_actions"].empty());
  EXPECT_FALSE(seen.doc["can_update"].get<bool>());

  Reply back = kacho_->client->Post("/api/v1/lending/" + id + "/transitions/return", json::object());
  ASSERT_EQ(back.status, 200) << back.Describe();
  EXPECT_EQ(back.doc["state"], "available");
  // A return clears the loan (the pack's `clears`), so the next lend starts empty.
  EXPECT_TRUE(back.doc["borrower"].is_null());
  EXPECT_TRUE(back.doc["due_on"].is_null());
  EXPECT_TRUE(back.doc["deadline_at"].is_null());

  Reply history = kacho_->client->Get("/api/v1/lending/" + id + "/history");
  ASSERT_EQ(history.status, 200) << history.Describe();
  std::vector<std::string> steps;
  for (const auto& e : history.doc["items"]) steps.push_back(e["action"].get<std::string>());
  EXPECT_EQ(steps, (std::vector<std::string>{"lending.return", "lending.lend", "lending.create"}));
}

TEST_F(RegistersTest, AStateThatDoesNotAllowTheActionIsAConflictAndChangesNothing) {
  json laptop = NewLaptop(*kacho_, "PC-020", section_a_);
  const int64_t head = Head();
  Reply r = kacho_->client->Post("/api/v1/lending/" + Id(laptop) + "/transitions/return", json::object());
  EXPECT_TRUE(IsProblem(r, 409, "conflict")) << r.Describe();
  Reply again = kacho_->client->Get("/api/v1/lending/" + Id(laptop));
  EXPECT_EQ(again.doc["state"], "available");
  EXPECT_EQ(again.doc["version"], 1);
  // A state conflict is bad timing, not a refused decision: nothing at all is written.
  EXPECT_EQ(Head(), head);
}

TEST_F(RegistersTest, OnlyThePartiesTheWorkflowNamesMayTakeATransition) {
  json laptop = NewLaptop(*kacho_, "PC-021", section_a_);
  // Staff may read but not lend; the other section's head does not even see it.
  Reply by_staff = staff_->client->Post("/api/v1/lending/" + Id(laptop) + "/transitions/lend",
                                        {{"fields", {{"borrower", staff_->id}, {"due_on", Tomorrow()}}}});
  EXPECT_TRUE(IsProblem(by_staff, 403, "forbidden")) << by_staff.Describe();
  // The refused decision is on the record under the transition's action.
  Reply log = admin_->client->Get("/api/v1/audit-log?per_page=1");
  EXPECT_EQ(log.doc["items"][0]["action"], "lending.lend");
  EXPECT_EQ(log.doc["items"][0]["result"], "denied");
  EXPECT_EQ(log.doc["items"][0]["target"], "lending:" + Id(laptop));
  Reply by_other = kacho_b_->client->Post("/api/v1/lending/" + Id(laptop) + "/transitions/lend",
                                          {{"fields", {{"borrower", staff_->id}, {"due_on", Tomorrow()}}}});
  EXPECT_TRUE(IsProblem(by_other, 404, "not_found")) << by_other.Describe();
  Reply list_b = kacho_b_->client->Get("/api/v1/lending");
  for (const auto& item : list_b.doc["items"]) EXPECT_NE(item["id"], laptop["id"]);
  EXPECT_EQ(kacho_->client->Get("/api/v1/lending/" + Id(laptop)).doc["state"], "available");
}

TEST_F(RegistersTest, BadInputNamesEachFieldAndWritesNothing) {
  const int64_t total = kacho_->client->Get("/api/v1/lending?per_page=1").doc.value("total", -1);
  Reply r = kacho_->client->Post("/api/v1/lending", {{"device", std::string(101, 'x')},
                                                     {"kind", "desktop"},
                                                     {"owner_org_unit_id", "00000000000000000000000000000000"},
                                                     {"borrower", staff_->id},
                                                     {"colour", "red"}});
  EXPECT_TRUE(IsProblem(r, 422, "validation_failed")) << r.Describe();
  EXPECT_TRUE(HasFieldError(r, "device", "too_long"));
  EXPECT_TRUE(HasFieldError(r, "kind", "not_allowed"));
  EXPECT_TRUE(HasFieldError(r, "borrower", "read_only"));
  EXPECT_TRUE(HasFieldError(r, "colour", "unknown_field"));
  Reply missing = kacho_->client->Post("/api/v1/lending", {{"kind", "laptop"}});
  EXPECT_TRUE(HasFieldError(missing, "device", "required"));
  EXPECT_TRUE(HasFieldError(missing, "owner_org_unit_id", "required"));
  Reply unknown_unit = kacho_->client->Post(
      "/api/v1/lending", {{"device", "PC"}, {"kind", "laptop"}, {"owner_org_unit_id", "00000000000000000000000000000000"}});
  EXPECT_TRUE(HasFieldError(unknown_unit, "owner_org_unit_id", "not_found")) << unknown_unit.Describe();
  EXPECT_EQ(kacho_->client->Get("/api/v1/lending?per_page=1").doc.value("total", -2), total);

  json laptop = NewLaptop(*kacho_, "PC-022", section_a_);
  Reply no_borrower = kacho_->client->Post("/api/v1/lending/" + Id(laptop) + "/transitions/lend",
                                           {{"fields", {{"due_on", "2020-01-01"}, {"device", "x"}}}});
  EXPECT_TRUE(HasFieldError(no_borrower, "fields.borrower", "required")) << no_borrower.Describe();
  EXPECT_TRUE(HasFieldError(no_borrower, "fields.device", "unknown_field"));
  // The pack's deny rule: a due date in the past names the field, citing the town's clause.
  Reply past = kacho_->client->Post("/api/v1/lending/" + Id(laptop) + "/transitions/lend",
                                    {{"fields", {{"borrower", staff_->id}, {"due_on", "2020-01-01"}}}});
  EXPECT_TRUE(IsProblem(past, 422, "validation_failed")) << past.Describe();
  EXPECT_TRUE(HasFieldError(past, "fields.due_on", "policy_rule"));
  EXPECT_EQ(past.doc.value("clause", ""), "sakura:5.3");
  EXPECT_EQ(kacho_->client->Get("/api/v1/lending/" + Id(laptop)).doc["state"], "available");
  // Retiring needs a note.
  Reply no_note = kacho_->client->Post("/api/v1/lending/" + Id(laptop) + "/transitions/retire", json::object());
  EXPECT_TRUE(HasFieldError(no_note, "note", "required")) << no_note.Describe();
}

TEST_F(RegistersTest, AStaleVersionIsAConflictAndAChangeIsLoggedAsADiff) {
  json laptop = NewLaptop(*kacho_, "PC-023", section_a_);
  const std::string path = "/api/v1/lending/" + Id(laptop);
  Reply changed = kacho_->client->Send("PATCH", path, json{{"version", 1}, {"notes", "キーボード交換済み"}}.dump());
  ASSERT_EQ(changed.status, 200) << changed.Describe();
  EXPECT_EQ(changed.doc["notes"], "キーボード交換済み");
  EXPECT_EQ(changed.doc["version"], 2);
  Reply stale = kacho_->client->Send("PATCH", path, json{{"version", 1}, {"notes", "上書き"}}.dump());
  EXPECT_TRUE(IsProblem(stale, 409, "conflict")) << stale.Describe();
  EXPECT_TRUE(HasFieldError(stale, "version", "stale"));
  Reply ro = kacho_->client->Send("PATCH", path, json{{"version", 2}, {"borrower", staff_->id}}.dump());
  EXPECT_TRUE(HasFieldError(ro, "borrower", "read_only")) << ro.Describe();
  Reply history = kacho_->client->Get(path + "/history");
  ASSERT_EQ(history.status, 200);
  const json& update = history.doc["items"][0];
  EXPECT_EQ(update["action"], "lending.update");
  EXPECT_EQ(update["detail"]["changes"]["notes"]["from"], nullptr);
  EXPECT_EQ(update["detail"]["changes"]["notes"]["to"], "キーボード交換済み");
}

TEST_F(RegistersTest, TheListFiltersByStateAndFieldAndSearches) {
  json a = NewLaptop(*kacho_, "検索用タブレット", section_a_);
  Reply by_q = kacho_->client->Get("/api/v1/lending?q=" + std::string("%E6%A4%9C%E7%B4%A2%E7%94%A8"));
  ASSERT_EQ(by_q.status, 200) << by_q.Describe();
  ASSERT_EQ(by_q.doc["total"], 1) << by_q.body;
  EXPECT_EQ(by_q.doc["items"][0]["id"], a["id"]);
  Reply by_state = kacho_->client->Get("/api/v1/lending?state=retired");
  EXPECT_EQ(by_state.doc["total"], 0);
  Reply by_unit = kacho_->client->Get("/api/v1/lending?owner_org_unit_id=" + section_a_ + "&kind=laptop&per_page=200");
  ASSERT_EQ(by_unit.status, 200) << by_unit.Describe();
  for (const auto& item : by_unit.doc["items"]) EXPECT_EQ(item["owner_org_unit_id"], section_a_);
  EXPECT_TRUE(HasFieldError(kacho_->client->Get("/api/v1/lending?device=x"), "device", "unknown_field"));
  EXPECT_TRUE(HasFieldError(kacho_->client->Get("/api/v1/lending?state=lost"), "state", "not_allowed"));
  EXPECT_TRUE(HasFieldError(kacho_->client->Get("/api/v1/lending?kind=desktop"), "kind", "not_allowed"));
}

TEST_F(RegistersTest, TheRegisterExportsAsExcelAndCsvAndImportsAllRowsOrNone) {
  Reply csv = kacho_->client->Get("/api/v1/lending/export?format=csv");
  ASSERT_EQ(csv.status, 200) << csv.Describe();
  EXPECT_NE(csv.body.find("機器"), std::string::npos);
  EXPECT_NE(csv.body.find("貸出可"), std::string::npos);
  Reply xlsx = kacho_->client->Get("/api/v1/lending/export");
  ASSERT_EQ(xlsx.status, 200) << xlsx.Describe();
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");
  const int64_t total = kacho_->client->Get("/api/v1/lending?per_page=1").doc.value("total", -1);
  const std::string bad = "機器,種別,管理所属\r\nPC-100,ノートPC," + section_a_ + "\r\nPC-101,デスクトップ," + section_a_ + "\r\n";
  Reply refused = kacho_->client->Send("POST", "/api/v1/lending/import", bad, Csrf::kSend, {"Content-Type: text/csv"});
  EXPECT_TRUE(IsProblem(refused, 422, "validation_failed")) << refused.Describe();
  bool row3 = false;
  for (const auto& e : refused.doc["errors"]) row3 = row3 || (e["field"] == "kind" && e["row"] == 3);
  EXPECT_TRUE(row3) << refused.body;
  EXPECT_EQ(kacho_->client->Get("/api/v1/lending?per_page=1").doc.value("total", -2), total);
  const std::string good = "機器,種別,管理所属\r\nPC-100,ノートPC," + section_a_ + "\r\nPC-101,タブレット," + section_a_ + "\r\n";
  Reply imported = kacho_->client->Send("POST", "/api/v1/lending/import", good, Csrf::kSend, {"Content-Type: text/csv"});
  ASSERT_EQ(imported.status, 201) << imported.Describe();
  EXPECT_EQ(imported.doc["imported"], 2);
  EXPECT_EQ(kacho_->client->Get("/api/v1/lending?per_page=1").doc.value("total", -2), total + 2);
}

TEST_F(RegistersTest, TheOpenApiDocumentDescribesTheRegistersRoutesAndSchemas) {
  Client anyone(town_->base_url());
  Reply r = anyone.Get("/api/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  const json& paths = r.doc["paths"];
  ASSERT_TRUE(paths.contains("/api/v1/lending")) << "no lending path";
  EXPECT_TRUE(paths.contains("/api/v1/lending/{id}/transitions/lend"));
  EXPECT_EQ(paths["/api/v1/lending/{id}/transitions/lend"]["post"]["x-mamori-action"], "lending.lend");
  const json& record = r.doc["components"]["schemas"]["LendingRecord"];
  EXPECT_EQ(record["properties"]["kind"]["enum"], (json{"laptop", "tablet", "mobile_router", nullptr}));
  EXPECT_TRUE(record["properties"].contains("borrower_name"));
  EXPECT_TRUE(IsProblem(admin_->client->Get("/api/v1/no-such-register"), 404, "not_found"));
}

// The same town with the overdue reminder due one minute after the loan (the pack's deadline
// rewritten to `after: 1m`) and e-mail to a real local SMTP server: the lend notice and the
// overdue reminder each arrive exactly once, and the reminder also in the app.
class RegisterMailTest : public RegistersTest {
 protected:
  static void SetUpTestSuite() {
    const bool ready = SetUpStep(setup_error_, [] {
      PrepareMailTown("lendmail", "tests/packs/sample_town.yaml", "            field: due_on\n", "            after: 1m\n",
                      "the lending deadline", dir_, sink_);
    });
    if (!ready) return;
    SetUpTown(dir_ + "/town.yaml", "shokuin@town.example.jp");
    if (!setup_error_.empty()) return;
    SetUpStep(setup_error_, [] {
      town_->Reconfigure(TownMailSettings(sink_->port()));
      for (Person* p : {admin_, kacho_, kacho_b_, staff_}) p->client->set_base(town_->base_url());
    });
  }
  static void TearDownTestSuite() {
    RegistersTest::TearDownTestSuite();
    RemoveMailTown(dir_, sink_);
  }
  static inline SmtpSink* sink_ = nullptr;
  static inline std::string dir_;
};

TEST_F(RegisterMailTest, TheLendNoticeAndTheOverdueReminderEachArriveOnceByMailAndInTheApp) {
  json laptop = NewLaptop(*kacho_, "PC-MAIL ノートPC", section_a_);
  const std::string id = Id(laptop);
  Reply lent = kacho_->client->Post("/api/v1/lending/" + id + "/transitions/lend",
                                    {{"fields", {{"borrower", staff_->id}, {"due_on", Tomorrow()}}}});
  ASSERT_EQ(lent.status, 200) << lent.Describe();
  // The lend notice: the pack's Japanese subject, once.
  auto lend_mail = sink_->WaitForLinks("shokuin@town.example.jp", {id}, "/r/lending/");
  ASSERT_EQ(lend_mail.size(), 1u);
  EXPECT_EQ(lend_mail[0].value("subject", ""), "【貸出】PC-MAIL ノートPC");
  EXPECT_NE(lend_mail[0].value("body", "").find("https://mamori.town.example.jp/r/lending/" + id), std::string::npos);
  // A minute later the deadline passes: the reminder arrives once, though the server looks
  // every second.
  std::vector<json> all;
  for (int i = 0; i < 1000; ++i) {
    all = sink_->WaitForLinks("shokuin@town.example.jp", {id}, "/r/lending/", 1);
    if (all.size() >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(all.size(), 2u) << "no overdue reminder arrived";
  std::this_thread::sleep_for(std::chrono::seconds(3));
  all = sink_->WaitForLinks("shokuin@town.example.jp", {id}, "/r/lending/", 1);
  ASSERT_EQ(all.size(), 2u);
  std::set<std::string> subjects;
  for (const auto& m : all) subjects.insert(m.value("subject", ""));
  EXPECT_EQ(subjects, (std::set<std::string>{"【貸出】PC-MAIL ノートPC", "【返却期限超過】PC-MAIL ノートPC"}));
  // In the app as well, and the deadline's handling is on the record.
  Reply mine = staff_->client->Get("/api/v1/notifications");
  ASSERT_EQ(mine.status, 200) << mine.Describe();
  int overdue = 0;
  for (const auto& n : mine.doc["items"]) overdue += n.value("subject", "") == "【返却期限超過】PC-MAIL ノートPC";
  EXPECT_EQ(overdue, 1);
  Reply history = kacho_->client->Get("/api/v1/lending/" + id + "/history");
  EXPECT_EQ(history.doc["items"][0]["action"], "lending.deadline");
  EXPECT_EQ(history.doc["items"][0]["actor"], "system");
}

}  // namespace
}  // namespace mamori::itest
