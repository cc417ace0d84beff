// The request engine (申請) through the real server, knowing only API v1 and the policy pack:
// every request type of the Kobe pack from creation to completion with its approver and clause,
// every deny rule (403 policy_denied naming its clause, nothing created), applies_when,
// separation of duties (kobe:3.2.10ア) with delegation and validity dates, the inbox and who
// sees what, the state machine, and bad input of every kind on every request route (kobe:4.2,
// 6.1.6, 7.1.1, 8.1.4, 8.1.15, 8.1.19, 8.1.20, 8.3.3, 8.3.5, 9.5, 10.2). Then a second
// municipality's pack (tests/packs/sample_town.yaml, written only from docs/policy_pack.md) run
// with `mamori init --policy`: its approvers, clauses, deny rules and levels, with no code change.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <tuple>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "storage/test_db.hpp"

namespace mamori::itest {
namespace {

using namespace std::chrono_literals;

json UnitRole(const std::string& role, const std::string& unit) {
  return {{"role", role}, {"scope_type", "org_unit"}, {"scope_id", unit}};
}
json CityRole(const std::string& role) { return {{"role", role}, {"scope_type", "city"}}; }

std::string RequestPath(const json& req, const std::string& action = "") {
  return "/api/v1/requests/" + req.value("id", std::string("?")) + (action.empty() ? "" : "/" + action);
}

// 422 validation_failed naming `field` (with `code` when given).
::testing::AssertionResult Refused(const Reply& r, const std::string& field, const std::string& code = "") {
  if (!IsProblem(r, 422, "validation_failed"))
    return ::testing::AssertionFailure() << "expected 422 naming " << field << ": " << r.Describe();
  return HasFieldError(r, field, code);
}

// 403 policy_denied citing `clause`.
::testing::AssertionResult Denied(const Reply& r, const std::string& clause) {
  if (!IsProblem(r, 403, "policy_denied"))
    return ::testing::AssertionFailure() << "expected policy_denied: " << r.Describe();
  if (r.doc.value("clause", "") != clause)
    return ::testing::AssertionFailure() << "expected clause " << clause << ": " << r.Describe();
  return ::testing::AssertionSuccess();
}

std::string Id(const json& j) { return j.at("id").get<std::string>(); }

// Every item of a request listing, all pages.
json ListAll(Client& c, const std::string& query) {
  json all = json::array();
  for (int page = 1; page < 100; ++page) {
    Reply r = c.Get("/api/v1/requests?per_page=200&page=" + std::to_string(page) + (query.empty() ? "" : "&" + query));
    Require(r.status == 200, "GET /requests?" + query + ": " + r.Describe());
    for (const auto& i : r.doc["items"]) all.push_back(i);
    if (r.doc["items"].size() < 200) break;
  }
  return all;
}

std::set<std::string> ListedIds(Client& c, const std::string& query) {
  std::set<std::string> out;
  for (const auto& i : ListAll(c, query)) out.insert(i.value("id", ""));
  return out;
}

std::set<std::string> Only(const std::set<std::string>& listed, const std::set<std::string>& among) {
  std::set<std::string> out;
  for (const auto& id : listed)
    if (among.count(id)) out.insert(id);
  return out;
}

// ==== The Kobe pack ==========================================================================

class RequestsTest : public ApiTest {
 protected:
  static void SetUpTestSuite() {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      bureau_a_ = CreateOrgUnit(UniqueLogin("rba"), "bureau", city_id_);
      bureau_b_ = CreateOrgUnit(UniqueLogin("rbb"), "bureau", city_id_);
      section_a_ = CreateOrgUnit(UniqueLogin("rsa"), "section", bureau_a_);
      section_b_ = CreateOrgUnit(UniqueLogin("rsb"), "section", bureau_b_);
      chief_a_ = MakePerson("chiefa", section_a_, {UnitRole("information_manager", section_a_)});
      chief_b_ = MakePerson("chiefb", section_b_, {UnitRole("information_manager", section_b_)});
      staff_a_ = MakePerson("staffa", section_a_, {UnitRole("staff", section_a_)});
      staff_a2_ = MakePerson("staffa2", section_a_, {UnitRole("staff", section_a_)});
      staff_b_ = MakePerson("staffb", section_b_, {UnitRole("staff", section_b_)});
      officer_a_ = MakePerson("officera", bureau_a_, {UnitRole("information_officer", bureau_a_)});
      ciso_ = MakePerson("ciso", city_id_, {CityRole("ciso")});
      director_ = MakePerson("director", city_id_, {CityRole("security_director")});
      // 代行 (kobe:3.2.11, kobe:9.3): the same role over the same scope, standing in for chief A.
      json deputy = UnitRole("information_manager", section_a_);
      deputy["delegate_of"] = chief_a_->id;
      deputy_a_ = MakePerson("deputya", section_a_, {deputy});
      // An approver role whose validity ended (and a current role that lets them see the
      // section's requests), and one whose validity has not begun.
      json lapsed = UnitRole("information_manager", section_a_);
      lapsed["valid_from"] = "2020-04-01";
      lapsed["valid_to"] = "2021-03-31";
      lapsed_ = MakePerson("lapsed", section_a_, {lapsed, UnitRole("information_officer", bureau_a_)});
      json future = UnitRole("information_manager", section_a_);
      future["valid_from"] = "2099-04-01";
      future_ = MakePerson("future", section_a_, {future});
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void TearDownTestSuite() {
    for (Person** p : {&chief_a_, &chief_b_, &staff_a_, &staff_a2_, &staff_b_, &officer_a_, &ciso_, &director_,
                       &deputy_a_, &lapsed_, &future_}) {
      delete *p;
      *p = nullptr;
    }
    ApiTest::TearDownTestSuite();
  }

  // A fully signed-in person of `unit` holding `assignments` (role-assignment bodies without
  // user_id, so validity dates and delegate_of can be given).
  static Person* MakePerson(const std::string& prefix, const std::string& unit, const std::vector<json>& assignments) {
    auto p = std::make_unique<Person>();
    p->login_id = UniqueLogin(prefix);
    json created = CreateUser(p->login_id, unit);
    p->id = created["id"].get<std::string>();
    p->password = created["temporary_password"].get<std::string>();
    for (json a : assignments) {
      a["user_id"] = p->id;
      Reply r = admin_->client->Post("/api/v1/role-assignments", a);
      // Roles that need a second person: the init approver approves the grant.
      if (r.status == 202)
        r = approver_->client->Post("/api/v1/requests/" + r.doc.value("request_id", "") + "/approve", json::object());
      Require(r.status == 201 || r.status == 200, "POST /role-assignments " + a.dump() + ": " + r.Describe());
    }
    p->client = NewClient();
    Reply r = p->client->Login(p->login_id, p->password);
    Require(r.status == 200, "first login of " + p->login_id + ": " + r.Describe());
    p->login_doc = r.doc;
    CompleteSignIn(*p);
    return p.release();
  }

  // A new asset registered by the owner section's information manager; its JSON.
  static json NewAsset(int confidentiality, const std::string& unit = "", json handling = json::array(),
                       const std::string& system_id = "", const std::string& kind = "electronic_data") {
    const std::string owner = unit.empty() ? section_a_ : unit;
    Person& chief = owner == section_b_ ? *chief_b_ : *chief_a_;
    json body = {{"name", UniqueLogin("資産")},
                 {"kind", kind},
                 {"owner_org_unit_id", owner},
                 {"confidentiality", confidentiality},
                 {"integrity", 1},
                 {"availability", 1},
                 {"handling", handling}};
    if (!system_id.empty()) body["system_id"] = system_id;
    Reply r = chief.client->Post("/api/v1/assets", body);
    Require(r.status == 201, "POST /assets: " + r.Describe());
    return r.doc;
  }

  static std::string AssetState(const json& asset) {
    Reply r = ciso_->client->Get("/api/v1/assets/" + asset["id"].get<std::string>());
    Require(r.status == 200, "GET /assets/{id}: " + r.Describe());
    return r.doc.value("state", "");
  }

  // A valid form for each Kobe request type.
  static json Form(const std::string& type) {
    static const std::map<std::string, json> forms = {
        {"copy_send",
         {{"method", "email"},
          {"recipients", "県 情報政策課"},
          {"purpose", "照会への回答"},
          {"outside_section", true},
          {"encrypted", true}}},
        {"transport",
         {{"from", "本庁舎"},
          {"to", "北区役所"},
          {"carried_on", "2099-04-01"},
          {"carrier", "山田"},
          {"protection", "施錠できるケースで運搬"}}},
        {"external_provision",
         {{"recipient", "県警察本部"},
          {"planned_on", "2099-04-01"},
          {"summary", "照会への回答\n（写し1通）"},
          {"encrypted", true}}},
        {"disposal", {{"method", "physical_destruction"}, {"reason", "保存期間満了"}, {"planned_on", "2099-04-01"}}},
        {"take_out",
         {{"destination", "北区役所"},
          {"purpose", "窓口応援"},
          {"period_from", "2099-04-01"},
          {"period_to", "2099-04-03"},
          {"carrier", "山田"}}},
        {"remote_work",
         {{"place", "自宅"},
          {"public_place", false},
          {"personal_data", true},
          {"bulk_or_sensitive_personal_data", false},
          {"remote_access", "lgwan"},
          {"period_from", "2099-04-01"},
          {"period_to", "2099-04-30"}}},
        {"personal_device",
         {{"device_type", "smartphone"},
          {"device_owner", "山田"},
          {"os_version", "Android 15"},
          {"purpose", "災害時の連絡"},
          {"data_handled", "職員連絡網"},
          {"max_confidentiality", 2},
          {"security_measures", "画面ロック\nウイルス対策"},
          {"period_from", "2099-04-01"},
          {"period_to", "2099-09-30"}}},
        {"software_install",
         {{"software", "7-Zip"},
          {"version", "24.08"},
          {"terminal", "PC-0001"},
          {"purpose", "暗号化圧縮"},
          {"license", "LGPL"},
          {"acquisition", "free_license"},
          {"vendor_supported", true}}},
        {"equipment_change",
         {{"equipment", "課内スイッチ"}, {"change", "ポートを増設する"}, {"reason", "端末の増加"}, {"minor_addition", true}}},
        {"wireless_lan",
         {{"network_zone", "lgwan"},
          {"location", "3階会議室"},
          {"purpose", "会議資料の閲覧"},
          {"security", "WPA3-Enterprise"}}},
        {"offsite_equipment",
         {{"equipment", "防災カメラ"},
          {"location", "六甲山"},
          {"purpose", "災害監視"},
          {"security_measures", "施錠した筐体"}}},
        {"info_exchange", {{"counterpart", "大阪市"}, {"content", "障害の情報"}, {"purpose", "再発防止"}}},
        {"personal_test_data",
         {{"system", "住民記録システム"},
          {"reason", "移行の検証"},
          {"measures", "マスキング"},
          {"period_from", "2099-04-01"},
          {"period_to", "2099-04-30"}}},
        {"removable_media", {{"purpose", "データの受渡し"}, {"data", "統計表"}, {"used_on", "2099-04-01"}}},
        {"exception",
         {{"rule", "7.1.1エ"},
          {"reason", "災害対応"},
          {"measures", "暗号化"},
          {"period_from", "2099-04-01"},
          {"period_to", "2099-04-30"}}},
        {"exception_minor",
         {{"rule", "8.1.19"},
          {"reason", "研修用"},
          {"measures", "隔離端末"},
          {"period_from", "2099-04-01"},
          {"period_to", "2099-04-30"}}},
        {"exception_emergency",
         {{"rule", "7.1.1エ"}, {"reason", "避難所の開設"}, {"measures", "事後に報告"}, {"executed_on", "2026-01-10"}}},
        {"external_service",
         {{"service_name", "オンライン会議"},
          {"provider", "X社"},
          {"purpose", "会議"},
          {"terms_based", false},
          {"max_confidentiality", 2},
          {"data_location", "国内"},
          {"jurisdiction", "日本法・神戸地裁"},
          {"service_manager", "山田"},
          {"termination_plan", "データ消去の証明を受け取る"}}},
    };
    auto it = forms.find(type);
    Require(it != forms.end(), "no form for " + type);
    return it->second;
  }

  static json Body(const std::string& type, const std::vector<std::string>& asset_ids, const json& fields) {
    return {{"type", type}, {"asset_ids", asset_ids}, {"fields", fields}};
  }
  static std::vector<std::string> Ids(std::initializer_list<json> assets) {
    std::vector<std::string> out;
    for (const auto& a : assets) out.push_back(a["id"].get<std::string>());
    return out;
  }

  static Reply Post(Person& p, const json& body) { return p.client->Post("/api/v1/requests", body); }

  // POST /requests (201 required); the request.
  static json MustCreate(Person& p, const std::string& type, const std::vector<std::string>& asset_ids,
                         const json& fields, bool draft = false) {
    json body = Body(type, asset_ids, fields);
    if (draft) body["draft"] = true;
    Reply r = Post(p, body);
    Require(r.status == 201, "POST /requests " + type + ": " + r.Describe());
    return r.doc;
  }

  static Reply Act(Person& p, const json& req, const std::string& action, const json& body = json::object()) {
    return p.client->Post(RequestPath(req, action), body);
  }

  // The request as `p` sees it (GET, 200 required).
  static json Fetch(Person& p, const json& req) {
    Reply r = p.client->Get(RequestPath(req));
    Require(r.status == 200, "GET " + RequestPath(req) + ": " + r.Describe());
    return r.doc;
  }
  static std::string StateOf(const json& req) { return Fetch(*ciso_, req).value("state", ""); }

  // Every request in the city (the CISO reads them all).
  static int64_t RequestTotal() {
    Reply r = ciso_->client->Get("/api/v1/requests?per_page=1");
    Require(r.status == 200, "GET /requests: " + r.Describe());
    return r.doc["total"].get<int64_t>();
  }

  struct Snapshot {
    int64_t requests = 0;
    int64_t head = 0;
  };
  static Snapshot Snap() { return {RequestTotal(), LogHead()}; }
  // Nothing was created and nothing logged since `before`.
  static ::testing::AssertionResult Unchanged(const Snapshot& before) {
    Snapshot now = Snap();
    if (now.requests != before.requests)
      return ::testing::AssertionFailure() << "requests went from " << before.requests << " to " << now.requests;
    if (now.head != before.head)
      return ::testing::AssertionFailure() << "the log head moved from " << before.head << " to " << now.head;
    return ::testing::AssertionSuccess();
  }
  // A refused decision since `before`: nothing created, and the one new log entry is the
  // refusal itself (result denied, citing `clause`).
  static ::testing::AssertionResult RefusedOnRecord(const Snapshot& before, const std::string& clause) {
    Snapshot now = Snap();
    if (now.requests != before.requests)
      return ::testing::AssertionFailure() << "requests went from " << before.requests << " to " << now.requests;
    if (now.head != before.head + 1)
      return ::testing::AssertionFailure() << "expected one refusal entry, the head moved from " << before.head
                                           << " to " << now.head;
    json last = AuditLog("per_page=1")["items"][0];
    if (last["result"] != "denied" || last["clause"] != clause)
      return ::testing::AssertionFailure() << "the new entry is not the refusal: " << last.dump();
    return ::testing::AssertionSuccess();
  }

  static Person *chief_a_, *chief_b_, *staff_a_, *staff_a2_, *staff_b_, *officer_a_, *ciso_, *director_, *deputy_a_,
      *lapsed_, *future_;
  static std::string bureau_a_, bureau_b_, section_a_, section_b_;
};

Person *RequestsTest::chief_a_ = nullptr, *RequestsTest::chief_b_ = nullptr, *RequestsTest::staff_a_ = nullptr,
       *RequestsTest::staff_a2_ = nullptr, *RequestsTest::staff_b_ = nullptr, *RequestsTest::officer_a_ = nullptr,
       *RequestsTest::ciso_ = nullptr, *RequestsTest::director_ = nullptr, *RequestsTest::deputy_a_ = nullptr,
       *RequestsTest::lapsed_ = nullptr, *RequestsTest::future_ = nullptr;
std::string RequestsTest::bureau_a_, RequestsTest::bureau_b_, RequestsTest::section_a_, RequestsTest::section_b_;

// ---- every type ----------------------------------------------------------------------------

struct TypeCase {
  const char* type;
  const char* clause;      // the type's clause in the pack, as the API cites it
  const char* role;        // approver role
  const char* scope;       // asset_owner | requester_unit | city
  const char* asset_kind;  // "" when the request names no asset
  const char* approver;    // chief | admin | director | ciso
  json completion;         // the completion record; null when the type records none
  const char* in_effect;   // the asset's state once approved
  const char* after;       // the asset's state once completed
};

// Each type goes to the role the pack names, and that role's holder decides it: the CISO
// (kobe:3.2.1), the 統括責任者 (kobe:3.2.2), the security manager (kobe:3.2.3), the
// infrastructure manager (kobe:3.2.4) and the section chief (kobe:3.2.6).
TEST_F(RequestsTest, EveryKobeTypeFromRequestToCompletion) {
  const std::vector<TypeCase> cases = {
      {"copy_send", "kobe:4.2オ(3)", "information_manager", "asset_owner", "electronic_data", "chief", nullptr, "in_use",
       "in_use"},
      {"transport",
       "kobe:4.2キ(2)",
       "information_manager",
       "asset_owner",
       "paper_document",
       "chief",
       {{"arrived_on", "2099-04-01"}},
       "in_use",
       "in_use"},
      {"external_provision",
       "kobe:4.2ク(2)",
       "information_manager",
       "asset_owner",
       "electronic_data",
       "chief",
       {{"provided_on", "2099-04-01"}, {"provided_by", "山田"}, {"provided_summary", "回答書1通"}},
       "in_use",
       "provided"},
      {"disposal",
       "kobe:4.2ケ(3)",
       "information_manager",
       "asset_owner",
       "terminal",
       "chief",
       {{"disposed_on", "2099-04-01"},
        {"erased_by", "廃棄業者A"},
        {"erasure_method", "物理破壊"},
        {"proof", "証明書 No.123"}},
       "in_use",
       "disposed"},
      {"take_out",
       "kobe:7.1.1エ",
       "information_manager",
       "asset_owner",
       "mobile_terminal",
       "chief",
       {{"returned_on", "2099-04-03"}},
       "taken_out",
       "in_use"},
      {"remote_work", "kobe:7.1.1オ(1)", "information_manager", "requester_unit", "", "chief", nullptr, "", ""},
      {"personal_device", "kobe:7.1.1カ(1)", "information_manager", "requester_unit", "", "chief", nullptr, "", ""},
      {"software_install", "kobe:8.1.19", "infrastructure_manager", "city", "", "admin", nullptr, "", ""},
      {"equipment_change", "kobe:8.1.20", "infrastructure_manager", "city", "", "admin", nullptr, "", ""},
      {"wireless_lan", "kobe:8.1.15イ", "security_manager", "city", "", "admin", nullptr, "", ""},
      {"offsite_equipment", "kobe:6.1.6", "security_director", "city", "", "director", nullptr, "", ""},
      {"info_exchange", "kobe:8.1.4", "security_director", "city", "", "director", nullptr, "", ""},
      {"personal_test_data",
       "kobe:8.3.3イ(3)",
       "security_director",  // 統括責任者 (kobe:8.3.3イ(3)), never the section chief
       "city",
       "electronic_data",
       "director",
       {{"erased_on", "2099-05-01"}},
       "in_use",
       "in_use"},
      {"removable_media",
       "proc:2(1)③",  // the usage log of the procurement clauses
       "information_manager",
       "asset_owner",
       "removable_medium",
       "chief",
       {{"returned_on", "2099-04-01"}, {"erased_on", "2099-04-01"}, {"erased_by", "山田"}, {"erasure_method", "上書き"}},
       "taken_out",
       "in_use"},
      {"exception", "kobe:9.5.1", "ciso", "city", "", "ciso", nullptr, "", ""},
      {"exception_minor", "kobe:9.5.1", "security_director", "city", "", "director", nullptr, "", ""},
      {"exception_emergency", "kobe:9.5.2", "ciso", "city", "", "ciso", nullptr, "", ""},
      {"external_service", "kobe:10.2", "security_director", "city", "", "director", nullptr, "", ""},
  };
  ASSERT_EQ(cases.size(), 18u);
  // The pack in force lists exactly these types.
  Reply pol = admin_->client->Get("/api/v1/policy");
  ASSERT_EQ(pol.status, 200) << pol.Describe();
  std::set<std::string> in_pack, in_cases;
  // Types with an effect (role grants, authenticator resets) start from the directory.
  for (const auto& t : pol.doc["request_types"])
    if (t.value("effect", json()).is_null()) in_pack.insert(t.value("id", ""));
  for (const auto& c : cases) in_cases.insert(c.type);
  EXPECT_EQ(in_pack, in_cases);

  for (const auto& c : cases) {
    SCOPED_TRACE(c.type);
    const std::string type = c.type;
    Person& approver = std::string(c.approver) == "chief"      ? *chief_a_
                       : std::string(c.approver) == "admin"    ? *admin_
                       : std::string(c.approver) == "director" ? *director_
                                                               : *ciso_;
    json asset;
    std::vector<std::string> assets;
    if (*c.asset_kind) {
      asset = NewAsset(2, section_a_, json::array(), "", c.asset_kind);
      assets.push_back(Id(asset));
    }
    // kobe:8.1.4: an exchange names the system concerned, is filed by the 情報基盤管理者 and is
    // permitted by the 統括責任者 and then that system's 業務システム責任者 (the chain is
    // request_chain_test.cpp's subject).
    json form = Form(type);
    std::unique_ptr<Person> system_owner;
    if (type == "info_exchange") {
      Reply sys = admin_->client->Post("/api/v1/systems", {{"name", UniqueLogin("交換システム")},
                                                           {"owner_org_unit_id", section_a_},
                                                           {"network_zone", "lgwan"},
                                                           {"hosting", "on_premises"}});
      ASSERT_EQ(sys.status, 201) << sys.Describe();
      form["system_id"] = sys.doc["id"];
      system_owner.reset(MakePerson(
          "sysowner", section_a_, {{{"role", "system_owner"}, {"scope_type", "system"}, {"scope_id", sys.doc["id"]}}}));
    }
    // Exceptions are filed by a section chief (kobe:9.5.1, 9.5.2), an exchange by the
    // infrastructure manager (kobe:8.1.4); everything else by staff.
    Person& requester = type.rfind("exception", 0) == 0 ? *chief_a_ : type == "info_exchange" ? *admin_ : *staff_a_;
    const int64_t head = LogHead();
    Reply created = Post(requester, Body(type, assets, form));
    ASSERT_EQ(created.status, 201) << created.Describe();
    const json& r = created.doc;
    const bool emergency = type == "exception_emergency";
    EXPECT_EQ(r["id"].get<std::string>().size(), 32u);
    EXPECT_EQ(r.value("type", ""), type);
    EXPECT_EQ(r.value("state", ""), emergency ? "executed" : "submitted");
    EXPECT_EQ(r.value("clause", ""), c.clause);
    EXPECT_EQ(r.value("requester_id", ""), requester.id);
    EXPECT_EQ(r["asset_ids"], json(assets));
    EXPECT_EQ(r["fields"], form);
    ASSERT_TRUE(r["approver"].is_object()) << r.dump();
    EXPECT_EQ(r["approver"].value("role", ""), c.role);
    if (std::string(c.scope) == "city") {
      EXPECT_EQ(r["approver"].value("scope_type", ""), "city");
      EXPECT_TRUE(r["approver"]["scope_id"].is_null()) << r["approver"].dump();
    } else {
      // Both the asset's owner section and the requester's unit are section A here; the
      // difference is shown by ApproverScopeIsTheAssetsOwnerOrTheRequestersUnit.
      EXPECT_EQ(r["approver"].value("scope_type", ""), "org_unit");
      EXPECT_EQ(r["approver"].value("scope_id", ""), section_a_);
    }
    EXPECT_GT(LogHead(), head) << "request.create is logged";
    EXPECT_EQ(r["actions"].value("approve", true), false) << "the requester is never offered approval";
    EXPECT_EQ(Fetch(approver, r)["actions"].value("approve", false), !emergency);

    if (emergency) {
      EXPECT_FALSE(r["report_due_at"].is_null()) << "the pack's report deadline is set: " << r.dump();
      EXPECT_TRUE(IsProblem(Act(approver, r, "approve"), 409, "conflict")) << "nothing to approve before the report";
      Reply reported = Act(requester, r, "report", {{"note", "避難所を開設し、翌日に報告"}});
      ASSERT_EQ(reported.status, 200) << reported.Describe();
      EXPECT_EQ(reported.doc.value("state", ""), "reported");
    }
    Person* decider = &approver;
    if (system_owner) {
      // The 統括責任者's step leaves it waiting for the system's owner.
      Reply step = Act(approver, r, "approve", {{"note", "承認します"}});
      ASSERT_EQ(step.status, 200) << step.Describe();
      EXPECT_EQ(step.doc.value("state", ""), "submitted");
      decider = system_owner.get();
    }
    Reply approved = Act(*decider, r, "approve", {{"note", "承認します"}});
    ASSERT_EQ(approved.status, 200) << approved.Describe();
    EXPECT_EQ(approved.doc.value("state", ""), "approved");
    EXPECT_EQ(approved.doc.value("decided_by", ""), decider->id);
    EXPECT_EQ(approved.doc.value("decision_note", ""), "承認します");
    if (!asset.is_null()) {
      EXPECT_EQ(AssetState(asset), c.in_effect) << "while approved";
    }

    if (emergency) {
      EXPECT_TRUE(IsProblem(Act(requester, r, "complete"), 409, "conflict"))
          << "an emergency exception has no completion";
      continue;
    }
    if (!c.completion.is_null()) {
      // Each completion field is required and named.
      Reply missing = Act(requester, r, "complete", {{"completion", json::object()}});
      EXPECT_TRUE(IsProblem(missing, 422, "validation_failed")) << missing.Describe();
      for (const auto& [k, _] : c.completion.items())
        EXPECT_TRUE(HasFieldError(missing, "completion." + k, "required")) << k;
      EXPECT_EQ(StateOf(r), "approved") << "a refused completion changes nothing";
      if (!asset.is_null()) {
        EXPECT_EQ(AssetState(asset), c.in_effect);
      }
    }
    Reply done =
        Act(requester, r, "complete", {{"completion", c.completion.is_null() ? json::object() : c.completion}});
    ASSERT_EQ(done.status, 200) << done.Describe();
    EXPECT_EQ(done.doc.value("state", ""), "completed");
    if (!c.completion.is_null()) {
      EXPECT_EQ(done.doc["completion"], c.completion);
    }
    if (!asset.is_null()) {
      EXPECT_EQ(AssetState(asset), c.after) << "once completed";
    }
  }
}

TEST_F(RequestsTest, ApproverScopeIsTheAssetsOwnerOrTheRequestersUnit) {
  // The bureau's information officer asks about an asset of section A: asset_owner types go to
  // section A's information manager, requester_unit types to the officer's own bureau.
  json asset = NewAsset(2);
  json take_out = MustCreate(*officer_a_, "take_out", Ids({asset}), Form("take_out"));
  // Someone must hold the approver role over the bureau, or those requests are refused as
  // having no approver (issue 7).
  std::unique_ptr<Person> bureau_manager(
      MakePerson("bmgr", bureau_a_, {UnitRole("information_manager", bureau_a_)}));
  EXPECT_EQ(take_out["approver"],
            json({{"role", "information_manager"}, {"scope_type", "org_unit"}, {"scope_id", section_a_}}));
  json remote = MustCreate(*officer_a_, "remote_work", Ids({asset}), Form("remote_work"));
  EXPECT_EQ(remote["approver"],
            json({{"role", "information_manager"}, {"scope_type", "org_unit"}, {"scope_id", bureau_a_}}));
  json device = MustCreate(*officer_a_, "personal_device", {}, Form("personal_device"));
  EXPECT_EQ(device["approver"],
            json({{"role", "information_manager"}, {"scope_type", "org_unit"}, {"scope_id", bureau_a_}}));
  json install = MustCreate(*officer_a_, "software_install", {}, Form("software_install"));
  EXPECT_EQ(install["approver"],
            json({{"role", "infrastructure_manager"}, {"scope_type", "city"}, {"scope_id", nullptr}}));

  // Section A's chief decides the take-out, not the remote work of someone outside the section.
  EXPECT_TRUE(IsProblem(Act(*chief_a_, remote, "approve"), 404, "not_found"));
  EXPECT_EQ(StateOf(remote), "submitted");
  Reply ok = Act(*chief_a_, take_out, "approve");
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  EXPECT_EQ(ok.doc.value("state", ""), "approved");
  EXPECT_EQ(AssetState(asset), "taken_out");

  // Section B's assets go to section B's chief.
  json b_asset = NewAsset(2, section_b_);
  json b_req = MustCreate(*staff_b_, "copy_send", Ids({b_asset}), Form("copy_send"));
  EXPECT_EQ(b_req["approver"].value("scope_id", ""), section_b_);
  EXPECT_TRUE(IsProblem(Act(*chief_a_, b_req, "approve"), 404, "not_found"));
  EXPECT_EQ(Act(*chief_b_, b_req, "approve").status, 200);
}

// ---- deny rules and applies_when -----------------------------------------------------------

TEST_F(RequestsTest, EveryDenyRuleAnswers403WithItsClauseAndCreatesNothing) {
  json c2 = NewAsset(2);
  json c3 = NewAsset(3);
  json banned = NewAsset(2, "", {"持出禁止"});
  // A system on the マイナンバー利用事務系 and an asset on it.
  Reply sys = admin_->client->Post("/api/v1/systems", {{"name", UniqueLogin("住民記録システム")},
                                                       {"owner_org_unit_id", section_a_},
                                                       {"network_zone", "mynumber"},
                                                       {"hosting", "on_premises"}});
  ASSERT_EQ(sys.status, 201) << sys.Describe();
  json on_mynumber = NewAsset(2, "", json::array(), sys.doc["id"].get<std::string>(), "terminal");

  struct DenyCase {
    const char* what;
    std::string type;
    std::vector<std::string> assets;
    json fields;
    const char* clause;
  };
  auto with = [](const std::string& type, const json& changes) {
    json f = Form(type);
    for (const auto& [k, v] : changes.items()) f[k] = v;
    return f;
  };
  const std::vector<DenyCase> cases = {
      {"unencrypted copy outside the section", "copy_send", Ids({c2}),
       with("copy_send", {{"outside_section", true}, {"encrypted", false}}), "kobe:4.2オ(3)"},
      {"return before the take-out", "take_out", Ids({c2}),
       with("take_out", {{"period_from", "2099-04-10"}, {"period_to", "2099-04-09"}}), "kobe:7.1.1エ"},
      {"a 持出禁止 asset", "take_out", Ids({banned}), Form("take_out"), "kobe:4.2イ"},
      {"personal data in a public place",
       "remote_work",
       {},
       with("remote_work", {{"public_place", true}, {"personal_data", true}}),
       "kobe:7.1.1オ(2)"},
      {"bulk or sensitive personal data at home", "remote_work", {},
       with("remote_work", {{"public_place", false}, {"bulk_or_sensitive_personal_data", true}}), "kobe:7.1.1オ(2)"},
      {"機密性3 on a non-issued device (field)",
       "personal_device",
       {},
       with("personal_device", {{"max_confidentiality", 3}}),
       "kobe:7.1.1カ(2)"},
      {"機密性3 on a non-issued device (asset)", "personal_device", Ids({c3}), Form("personal_device"),
       "kobe:7.1.1カ(2)"},
      {"wireless LAN on the My Number zone (field)",
       "wireless_lan",
       {},
       with("wireless_lan", {{"network_zone", "mynumber"}}),
       "kobe:8.1.15イ"},
      {"wireless LAN for an asset on a My Number system", "wireless_lan", Ids({on_mynumber}), Form("wireless_lan"),
       "kobe:8.1.15イ"},
      {"機密性2 on a terms-of-service cloud",
       "external_service",
       {},
       with("external_service", {{"terms_based", true}, {"max_confidentiality", 2}}),
       "kobe:10.2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const Snapshot before = Snap();
    Reply r = Post(*staff_a_, Body(c.type, c.assets, c.fields));
    EXPECT_TRUE(Denied(r, c.clause));
    EXPECT_TRUE(RefusedOnRecord(before, c.clause));
  }
  // Just inside each rule, the same requests are accepted.
  const std::vector<DenyCase> allowed = {
      {"encrypted copy outside the section", "copy_send", Ids({c2}),
       with("copy_send", {{"outside_section", true}, {"encrypted", true}}), ""},
      {"unencrypted copy inside the section", "copy_send", Ids({c2}),
       with("copy_send", {{"outside_section", false}, {"encrypted", false}}), ""},
      {"a one-day take-out", "take_out", Ids({c2}),
       with("take_out", {{"period_from", "2099-04-10"}, {"period_to", "2099-04-10"}}), ""},
      {"no personal data in a public place", "remote_work", Ids({c2}),
       with("remote_work", {{"public_place", true}, {"personal_data", false}}), ""},
      {"機密性2 on a non-issued device", "personal_device", Ids({c2}), Form("personal_device"), ""},
      {"wireless LAN on the internet zone", "wireless_lan", Ids({c2}),
       with("wireless_lan", {{"network_zone", "internet"}}), ""},
      {"機密性1 on a terms-of-service cloud",
       "external_service",
       {},
       with("external_service", {{"terms_based", true}, {"max_confidentiality", 1}}),
       ""},
      {"機密性3 on a contracted cloud",
       "external_service",
       {},
       with("external_service", {{"terms_based", false}, {"max_confidentiality", 3}}),
       ""},
  };
  for (const auto& c : allowed) {
    SCOPED_TRACE(c.what);
    Reply r = Post(*staff_a_, Body(c.type, c.assets, c.fields));
    EXPECT_EQ(r.status, 201) << r.Describe();
  }
}

TEST_F(RequestsTest, PermissionsOnlyForTheClassesThatNeedThem) {
  json c1 = NewAsset(1);
  for (const auto& [type, clause] : std::map<std::string, std::string>{
           {"copy_send", "kobe:4.2オ(3)"}, {"transport", "kobe:4.2キ(2)"}, {"external_provision", "kobe:4.2ク(2)"}}) {
    SCOPED_TRACE(type);
    const Snapshot before = Snap();
    Reply r = Post(*staff_a_, Body(type, Ids({c1}), Form(type)));
    EXPECT_TRUE(Refused(r, "asset_ids", "not_required"));
    EXPECT_EQ(r.doc.value("clause", ""), clause) << r.Describe();
    EXPECT_TRUE(Unchanged(before));
  }
  // One asset that needs it is enough for the whole request.
  json c2 = NewAsset(2);
  EXPECT_EQ(Post(*staff_a_, Body("copy_send", Ids({c1, c2}), Form("copy_send"))).status, 201);
  // Take-out has no class condition in the pack: even 機密性1 needs permission.
  EXPECT_EQ(Post(*staff_a_, Body("take_out", Ids({c1}), Form("take_out"))).status, 201);
}

// ---- separation of duties, scope, delegation, validity ---------------------------------------

TEST_F(RequestsTest, NobodyDecidesTheirOwnRequestEvenHoldingTheApproverRole) {
  json asset = NewAsset(2);
  json own = MustCreate(*chief_a_, "take_out", Ids({asset}), Form("take_out"));
  EXPECT_EQ(own["approver"].value("scope_id", ""), section_a_) << "chief A is the approver the pack names";
  EXPECT_EQ(own["actions"].value("approve", true), false);
  for (const char* action : {"approve", "reject"}) {
    SCOPED_TRACE(action);
    Reply r = Act(*chief_a_, own, action, {{"note", "自分で決裁"}});
    EXPECT_TRUE(IsProblem(r, 403, "separation_of_duties"));
    EXPECT_EQ(r.doc.value("clause", ""), "kobe:3.2.10ア") << r.Describe();
  }
  EXPECT_EQ(StateOf(own), "submitted");
  EXPECT_EQ(AssetState(asset), "in_use");
  EXPECT_FALSE(ListedIds(*chief_a_->client, "inbox=true").count(Id(own))) << "not in one's own inbox";
  // The administrator holds infrastructure_manager city-wide and still cannot approve their own
  // software installation.
  json install = MustCreate(*admin_, "software_install", {}, Form("software_install"));
  Reply self = Act(*admin_, install, "approve");
  EXPECT_TRUE(IsProblem(self, 403, "separation_of_duties"));
  EXPECT_EQ(self.doc.value("clause", ""), "kobe:3.2.10ア");
  EXPECT_EQ(StateOf(install), "submitted");
  // Someone else with the role decides: chief A's deputy.
  Reply by_deputy = Act(*deputy_a_, own, "approve");
  EXPECT_EQ(by_deputy.status, 200) << by_deputy.Describe();
  EXPECT_EQ(by_deputy.doc.value("decided_by", ""), deputy_a_->id);
}

TEST_F(RequestsTest, OnlyTheApproverInScopeDecidesAndOthersLearnNothing) {
  json asset = NewAsset(2);
  json req = MustCreate(*staff_a_, "take_out", Ids({asset}), Form("take_out"));
  // Those who may see the request but hold no approver role over it: 403 forbidden.
  for (Person* p : {officer_a_, ciso_, lapsed_}) {
    SCOPED_TRACE(p->login_id);
    EXPECT_EQ(Fetch(*p, req)["actions"].value("approve", true), false);
    EXPECT_TRUE(IsProblem(Act(*p, req, "approve"), 403, "forbidden"));
    EXPECT_TRUE(IsProblem(Act(*p, req, "reject", {{"note", "却下"}}), 403, "forbidden"));
  }
  // Those who may not even see it: 404, as for a request that does not exist.
  for (Person* p : {staff_a2_, chief_b_, future_, staff_b_}) {
    SCOPED_TRACE(p->login_id);
    EXPECT_TRUE(IsProblem(p->client->Get(RequestPath(req)), 404, "not_found"));
    EXPECT_TRUE(IsProblem(Act(*p, req, "approve"), 404, "not_found"));
    EXPECT_TRUE(IsProblem(Act(*p, req, "reject", {{"note", "却下"}}), 404, "not_found"));
    EXPECT_FALSE(ListedIds(*p->client, "").count(Id(req)));
  }
  EXPECT_EQ(StateOf(req), "submitted");
  EXPECT_EQ(AssetState(asset), "in_use");
  // The delegate approves like the chief.
  EXPECT_EQ(Fetch(*deputy_a_, req)["actions"].value("approve", false), true);
  Reply ok = Act(*deputy_a_, req, "approve");
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  EXPECT_EQ(ok.doc.value("decided_by", ""), deputy_a_->id);
  EXPECT_EQ(AssetState(asset), "taken_out");
}

TEST_F(RequestsTest, ADelegationEndsWithThePrincipalsRole) {
  // A section of its own, so that revoking its chief's role touches no other test.
  const std::string section_c = CreateOrgUnit(UniqueLogin("rsc"), "section", bureau_b_);
  std::unique_ptr<Person> chief(MakePerson("chiefc", section_c, {UnitRole("information_manager", section_c)}));
  json delegated = UnitRole("information_manager", section_c);
  delegated["delegate_of"] = chief->id;
  std::unique_ptr<Person> deputy(MakePerson("deputyc", section_c, {delegated}));
  std::unique_ptr<Person> staff(MakePerson("staffc", section_c, {UnitRole("staff", section_c)}));
  Reply asset = chief->client->Post("/api/v1/assets", {{"name", UniqueLogin("資産")},
                                                       {"kind", "electronic_data"},
                                                       {"owner_org_unit_id", section_c},
                                                       {"confidentiality", 2},
                                                       {"integrity", 1},
                                                       {"availability", 1}});
  ASSERT_EQ(asset.status, 201) << asset.Describe();
  // While the chief holds the role, the deputy stands in (kobe:3.2.11).
  json first = MustCreate(*staff, "copy_send", Ids({asset.doc}), Form("copy_send"));
  json second = MustCreate(*staff, "copy_send", Ids({asset.doc}), Form("copy_send"));
  ASSERT_EQ(Act(*deputy, first, "approve").status, 200);
  // The chief's role is revoked: there is nobody left to stand in for.
  Reply roles = admin_->client->Get("/api/v1/role-assignments?user_id=" + chief->id);
  ASSERT_EQ(roles.status, 200) << roles.Describe();
  std::string assignment;
  for (const auto& ra : roles.doc["items"])
    if (ra.value("role", "") == "information_manager") assignment = Id(ra);
  ASSERT_FALSE(assignment.empty()) << roles.Describe();
  ASSERT_EQ(admin_->client->Delete("/api/v1/role-assignments/" + assignment).status, 204);
  EXPECT_TRUE(IsProblem(Act(*chief, second, "approve"), 404, "not_found")) << "the former chief";
  // SERVER BUG: src/domain/request_service.cpp RequestService::CanApprove (and the inbox filter in
  // RequestService::List) accept any assignment of the approver role, ignoring delegate_of: a
  // delegation outlives the principal's own role, so the deputy still approves (200).
  Reply by_deputy = Act(*deputy, second, "approve");
  EXPECT_TRUE(by_deputy.status == 403 || by_deputy.status == 404) << by_deputy.Describe();
  EXPECT_FALSE(ListedIds(*deputy->client, "inbox=true").count(Id(second)));
}

// ---- inbox and visibility --------------------------------------------------------------------

TEST_F(RequestsTest, InboxListsExactlyWhatThePersonMayDecide) {
  std::map<std::string, json> r;
  r["take_out"] = MustCreate(*staff_a_, "take_out", Ids({NewAsset(2)}), Form("take_out"));
  r["remote"] = MustCreate(*staff_a_, "remote_work", {}, Form("remote_work"));
  r["chiefs_own"] = MustCreate(*chief_a_, "take_out", Ids({NewAsset(2)}), Form("take_out"));
  r["section_b"] = MustCreate(*staff_b_, "copy_send", Ids({NewAsset(2, section_b_)}), Form("copy_send"));
  r["install"] = MustCreate(*staff_a_, "software_install", {}, Form("software_install"));
  r["exception"] = MustCreate(*chief_b_, "exception", {}, Form("exception"));  // kobe:9.5.1: a section chief files
  r["offsite"] = MustCreate(*staff_a_, "offsite_equipment", {}, Form("offsite_equipment"));
  r["draft"] = MustCreate(*staff_a_, "take_out", Ids({NewAsset(2)}), Form("take_out"), /*draft=*/true);
  r["decided"] = MustCreate(*staff_a_, "copy_send", Ids({NewAsset(2)}), Form("copy_send"));
  ASSERT_EQ(Act(*chief_a_, r["decided"], "approve").status, 200);
  r["executed"] = MustCreate(*chief_a_, "exception_emergency", {}, Form("exception_emergency"));
  r["reported"] = MustCreate(*chief_a_, "exception_emergency", {}, Form("exception_emergency"));
  ASSERT_EQ(Act(*chief_a_, r["reported"], "report", {{"note", "報告"}}).status, 200);
  std::set<std::string> all;
  std::map<std::string, std::string> name_of;
  for (const auto& [name, req] : r) {
    all.insert(Id(req));
    name_of[Id(req)] = name;
  }
  auto names = [&](const std::set<std::string>& ids) {
    std::set<std::string> out;
    for (const auto& id : ids) out.insert(name_of[id]);
    return out;
  };
  const std::map<Person*, std::set<std::string>> expected = {
      {chief_a_, {"take_out", "remote"}},
      {deputy_a_, {"take_out", "remote", "chiefs_own"}},
      {chief_b_, {"section_b"}},
      {admin_, {"install"}},
      {ciso_, {"exception", "reported"}},
      {director_, {"offsite"}},
      {officer_a_, {}},
      {staff_a_, {}},
      {staff_a2_, {}},
      {lapsed_, {}},
      {future_, {}},
  };
  for (const auto& [p, want] : expected) {
    SCOPED_TRACE(p->login_id);
    const std::set<std::string> inbox = Only(ListedIds(*p->client, "inbox=true"), all);
    EXPECT_EQ(names(inbox), want);
    // The inbox agrees with what each request offers this person.
    std::set<std::string> may;
    for (const auto& id : all) {
      Reply g = p->client->Get("/api/v1/requests/" + id);
      if (g.status == 200 && g.doc["actions"].value("approve", false)) may.insert(id);
    }
    EXPECT_EQ(names(may), want);
    // Everything an inbox lists is submitted or reported, and never one's own.
    for (const auto& item : ListAll(*p->client, "inbox=true")) {
      EXPECT_NE(item.value("requester_id", ""), p->id);
      EXPECT_TRUE(item.value("state", "") == "submitted" || item.value("state", "") == "reported") << item.dump();
    }
  }
  // Paging and the total agree for an inbox.
  Reply page = deputy_a_->client->Get("/api/v1/requests?inbox=true&per_page=1");
  ASSERT_EQ(page.status, 200) << page.Describe();
  EXPECT_EQ(page.doc["items"].size(), 1u);
  EXPECT_GE(page.doc["total"].get<int64_t>(), 3);
}

TEST_F(RequestsTest, MineAndWhoSeesWhichRequests) {
  json mine_a = MustCreate(*staff_a_, "remote_work", {}, Form("remote_work"));
  json mine_a2 = MustCreate(*staff_a2_, "remote_work", {}, Form("remote_work"));
  json mine_b = MustCreate(*staff_b_, "remote_work", {}, Form("remote_work"));
  // mine=true: exactly one's own.
  for (Person* p : {staff_a_, staff_a2_, chief_a_}) {
    SCOPED_TRACE(p->login_id);
    for (const auto& item : ListAll(*p->client, "mine=true")) EXPECT_EQ(item.value("requester_id", ""), p->id);
  }
  EXPECT_TRUE(ListedIds(*staff_a_->client, "mine=true").count(Id(mine_a)));
  EXPECT_FALSE(ListedIds(*chief_a_->client, "mine=true").count(Id(mine_a)));
  // Staff hold no requests.read: their own only, in every listing.
  for (Person* p : {staff_a_, staff_a2_, staff_b_}) {
    SCOPED_TRACE(p->login_id);
    const json items = ListAll(*p->client, "");
    EXPECT_FALSE(items.empty());
    for (const auto& item : items) EXPECT_EQ(item.value("requester_id", ""), p->id) << item.dump();
  }
  EXPECT_TRUE(IsProblem(staff_a2_->client->Get(RequestPath(mine_a)), 404, "not_found"));
  // requests.read reaches the people of one's scope.
  const auto officer = ListedIds(*officer_a_->client, "");
  EXPECT_TRUE(officer.count(Id(mine_a)) && officer.count(Id(mine_a2)));
  EXPECT_FALSE(officer.count(Id(mine_b)));
  const auto chief_b = ListedIds(*chief_b_->client, "");
  EXPECT_TRUE(chief_b.count(Id(mine_b)));
  EXPECT_FALSE(chief_b.count(Id(mine_a)));
  const auto ciso = ListedIds(*ciso_->client, "");
  EXPECT_TRUE(ciso.count(Id(mine_a)) && ciso.count(Id(mine_b)));
  EXPECT_EQ(Fetch(*officer_a_, mine_a).value("id", ""), Id(mine_a));
  // Filters: type and state.
  for (const auto& item : ListAll(*ciso_->client, "type=remote_work&state=submitted")) {
    EXPECT_EQ(item.value("type", ""), "remote_work");
    EXPECT_EQ(item.value("state", ""), "submitted");
  }
}

// ---- the state machine ---------------------------------------------------------------------

TEST_F(RequestsTest, DraftsSubmitAndWithdrawOnlyBeforeADecision) {
  json asset = NewAsset(2);
  json draft = MustCreate(*staff_a_, "take_out", Ids({asset}), Form("take_out"), /*draft=*/true);
  EXPECT_EQ(draft.value("state", ""), "draft");
  EXPECT_EQ(draft["actions"].value("submit", false), true);
  EXPECT_FALSE(ListedIds(*chief_a_->client, "inbox=true").count(Id(draft)));
  EXPECT_TRUE(IsProblem(Act(*chief_a_, draft, "approve"), 409, "conflict")) << "a draft is not decided";
  EXPECT_TRUE(IsProblem(Act(*chief_a_, draft, "submit"), 403, "forbidden")) << "only the requester submits";
  EXPECT_TRUE(IsProblem(Act(*staff_a_, draft, "complete"), 409, "conflict"));
  Reply submitted = Act(*staff_a_, draft, "submit");
  ASSERT_EQ(submitted.status, 200) << submitted.Describe();
  EXPECT_EQ(submitted.doc.value("state", ""), "submitted");
  EXPECT_TRUE(IsProblem(Act(*staff_a_, draft, "submit"), 409, "conflict"));
  EXPECT_TRUE(ListedIds(*chief_a_->client, "inbox=true").count(Id(draft)));

  // Withdraw: from a draft and from submitted, by the requester only.
  json draft2 = MustCreate(*staff_a_, "remote_work", {}, Form("remote_work"), true);
  Reply w1 = Act(*staff_a_, draft2, "withdraw");
  ASSERT_EQ(w1.status, 200) << w1.Describe();
  EXPECT_EQ(w1.doc.value("state", ""), "withdrawn");
  EXPECT_TRUE(IsProblem(Act(*chief_a_, draft, "withdraw"), 403, "forbidden"));
  Reply w2 = Act(*staff_a_, draft, "withdraw");
  ASSERT_EQ(w2.status, 200) << w2.Describe();
  EXPECT_EQ(w2.doc.value("state", ""), "withdrawn");
  for (const char* action : {"withdraw", "submit", "approve", "complete"}) {
    SCOPED_TRACE(action);
    Person& who = std::string(action) == "approve" ? *chief_a_ : *staff_a_;
    EXPECT_TRUE(IsProblem(Act(who, draft, action), 409, "conflict"));
  }
  EXPECT_EQ(AssetState(asset), "in_use");
  // Not after approval.
  json approved = MustCreate(*staff_a_, "remote_work", {}, Form("remote_work"));
  ASSERT_EQ(Act(*chief_a_, approved, "approve").status, 200);
  EXPECT_TRUE(IsProblem(Act(*staff_a_, approved, "withdraw"), 409, "conflict"));
  EXPECT_EQ(StateOf(approved), "approved");
}

TEST_F(RequestsTest, DecisionsHappenOnceAndCompletionIsTheRequestersAfterApproval) {
  json asset = NewAsset(2);
  json req = MustCreate(*staff_a_, "take_out", Ids({asset}), Form("take_out"));
  EXPECT_TRUE(
      IsProblem(Act(*staff_a_, req, "complete", {{"completion", {{"returned_on", "2099-04-03"}}}}), 409, "conflict"))
      << "not before approval";
  // Rejecting needs a reason.
  EXPECT_TRUE(Refused(Act(*chief_a_, req, "reject", json::object()), "note", "required"));
  EXPECT_TRUE(Refused(Act(*chief_a_, req, "reject", {{"note", ""}}), "note", "required"));
  EXPECT_EQ(StateOf(req), "submitted");
  ASSERT_EQ(Act(*chief_a_, req, "approve").status, 200);
  EXPECT_TRUE(IsProblem(Act(*chief_a_, req, "approve"), 409, "conflict")) << "approve twice";
  EXPECT_TRUE(IsProblem(Act(*deputy_a_, req, "approve"), 409, "conflict"));
  EXPECT_TRUE(IsProblem(Act(*chief_a_, req, "reject", {{"note", "やはり却下"}}), 409, "conflict"));
  // Someone else cannot record the return.
  EXPECT_TRUE(
      IsProblem(Act(*chief_a_, req, "complete", {{"completion", {{"returned_on", "2099-04-03"}}}}), 403, "forbidden"));
  EXPECT_EQ(AssetState(asset), "taken_out");
  ASSERT_EQ(Act(*staff_a_, req, "complete", {{"completion", {{"returned_on", "2099-04-03"}}}}).status, 200);
  EXPECT_TRUE(
      IsProblem(Act(*staff_a_, req, "complete", {{"completion", {{"returned_on", "2099-04-03"}}}}), 409, "conflict"));
  EXPECT_EQ(AssetState(asset), "in_use");

  // A rejection keeps its note and is final.
  json other = MustCreate(*staff_a_, "copy_send", Ids({asset}), Form("copy_send"));
  Reply rejected = Act(*chief_a_, other, "reject", {{"note", "送付先を確認してください"}});
  ASSERT_EQ(rejected.status, 200) << rejected.Describe();
  EXPECT_EQ(rejected.doc.value("state", ""), "rejected");
  EXPECT_EQ(rejected.doc.value("decision_note", ""), "送付先を確認してください");
  EXPECT_TRUE(IsProblem(Act(*chief_a_, other, "approve"), 409, "conflict"));
  EXPECT_TRUE(IsProblem(Act(*staff_a_, other, "complete"), 409, "conflict"));
  EXPECT_TRUE(IsProblem(Act(*staff_a_, other, "withdraw"), 409, "conflict"));
}

TEST_F(RequestsTest, EmergencyExceptionsAreReportedBeforeTheyAreApproved) {
  // The section chief acts first and reports afterwards (kobe:9.5.2 names who may).
  json req = MustCreate(*chief_a_, "exception_emergency", {}, Form("exception_emergency"));
  EXPECT_EQ(req.value("state", ""), "executed");
  EXPECT_EQ(req["actions"].value("report", false), true);
  EXPECT_TRUE(IsProblem(Act(*ciso_, req, "approve"), 409, "conflict"));
  EXPECT_TRUE(IsProblem(Act(*ciso_, req, "reject", {{"note", "却下"}}), 409, "conflict"));
  EXPECT_FALSE(ListedIds(*ciso_->client, "inbox=true").count(Id(req)));
  EXPECT_TRUE(IsProblem(Act(*ciso_, req, "report", {{"note", "代理報告"}}), 403, "forbidden"));
  EXPECT_TRUE(IsProblem(Act(*chief_a_, req, "withdraw"), 409, "conflict")) << "what was done cannot be withdrawn";
  Reply reported = Act(*chief_a_, req, "report", {{"note", "翌朝に報告"}});
  ASSERT_EQ(reported.status, 200) << reported.Describe();
  EXPECT_EQ(reported.doc.value("state", ""), "reported");
  EXPECT_TRUE(IsProblem(Act(*chief_a_, req, "report", {{"note", "再報告"}}), 409, "conflict"));
  EXPECT_TRUE(ListedIds(*ciso_->client, "inbox=true").count(Id(req)));
  EXPECT_TRUE(IsProblem(Act(*chief_a_, req, "approve"), 403, "separation_of_duties"));
  Reply approved = Act(*ciso_, req, "approve");
  ASSERT_EQ(approved.status, 200) << approved.Describe();
  EXPECT_EQ(approved.doc.value("state", ""), "approved");
  EXPECT_TRUE(IsProblem(Act(*chief_a_, req, "complete"), 409, "conflict"));
}

TEST_F(RequestsTest, AssetsThatAreOutOrDisposedCannotBeRequestedAgain) {
  json asset = NewAsset(2);
  json out = MustCreate(*staff_a_, "take_out", Ids({asset}), Form("take_out"));
  ASSERT_EQ(Act(*chief_a_, out, "approve").status, 200);
  ASSERT_EQ(AssetState(asset), "taken_out");
  Snapshot before = Snap();
  EXPECT_TRUE(IsProblem(Post(*staff_a_, Body("take_out", Ids({asset}), Form("take_out"))), 409, "conflict"));
  EXPECT_TRUE(
      IsProblem(Post(*staff_a_, Body("removable_media", Ids({asset}), Form("removable_media"))), 409, "conflict"));
  EXPECT_TRUE(Unchanged(before));
  ASSERT_EQ(Act(*staff_a_, out, "complete", {{"completion", {{"returned_on", "2099-04-03"}}}}).status, 200);
  // Disposed for good.
  json gone = NewAsset(2);
  json disposal = MustCreate(*staff_a_, "disposal", Ids({gone}), Form("disposal"));
  ASSERT_EQ(Act(*chief_a_, disposal, "approve").status, 200);
  ASSERT_EQ(Act(*staff_a_, disposal, "complete",
                {{"completion",
                  {{"disposed_on", "2099-04-01"},
                   {"erased_by", "業者"},
                   {"erasure_method", "破砕"},
                   {"proof", "証明書 No.9"}}}})
                .status,
            200);
  ASSERT_EQ(AssetState(gone), "disposed");
  before = Snap();
  for (const char* type : {"copy_send", "take_out", "disposal"}) {
    SCOPED_TRACE(type);
    EXPECT_TRUE(IsProblem(Post(*staff_a_, Body(type, Ids({gone}), Form(type))), 409, "conflict"));
  }
  EXPECT_TRUE(Unchanged(before));
}

TEST_F(RequestsTest, TwoTakeOutsOfOneAssetAreNeverInEffectTogether) {
  // Both requested while the asset is in the office; once the first is approved the asset is
  // out, and approving the second would put two take-outs in effect: completing either would
  // then mark the asset returned while the other still has it out (kobe:7.1.1エ, キ).
  json asset = NewAsset(2);
  json first = MustCreate(*staff_a_, "take_out", Ids({asset}), Form("take_out"));
  json second = MustCreate(*staff_a2_, "take_out", Ids({asset}), Form("take_out"));
  ASSERT_EQ(Act(*chief_a_, first, "approve").status, 200);
  ASSERT_EQ(AssetState(asset), "taken_out");
  // SERVER BUG (as of commit 22c43aa): RequestService::Approve (src/domain/request_service.cpp,
  // state_in_effect branch) relied on AssetService::SetState, which accepted taken_out ->
  // taken_out, so the second approval answered 200 with two take-outs in effect. The working
  // tree's uncommitted SetState (in_use is the only state others are entered from) fixes it.
  Reply r = Act(*chief_a_, second, "approve");
  EXPECT_TRUE(IsProblem(r, 409, "conflict")) << "the second take-out cannot be approved while the asset is out";
  EXPECT_EQ(StateOf(second), r.status == 200 ? "approved" : "submitted");
  ASSERT_EQ(Act(*staff_a_, first, "complete", {{"completion", {{"returned_on", "2099-04-03"}}}}).status, 200);
  if (StateOf(second) == "approved") {
    EXPECT_EQ(AssetState(asset), "taken_out") << "the second take-out is still in effect, yet the asset reads returned";
  }
}

TEST_F(RequestsTest, SimultaneousDecisionsDecideOnce) {
  json asset = NewAsset(2);
  json req = MustCreate(*staff_a_, "take_out", Ids({asset}), Form("take_out"));
  const int64_t head = LogHead();
  // The chief and the deputy press approve (and reject) at the same moment, several times over.
  std::vector<Reply> replies(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < replies.size(); ++i) {
    threads.emplace_back([&, i] {
      Person& p = i % 2 == 0 ? *chief_a_ : *deputy_a_;
      Client c(server_->base_url());
      c.cookie = p.client->cookie;
      c.csrf_token = p.client->csrf_token;
      replies[i] = i % 4 == 3 ? c.Post(RequestPath(req, "reject"), {{"note", "却下"}})
                              : c.Post(RequestPath(req, "approve"), json::object());
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0;
  for (const auto& r : replies) {
    if (r.status == 200)
      ++ok;
    else
      EXPECT_TRUE(IsProblem(r, 409, "conflict")) << r.Describe();
  }
  EXPECT_EQ(ok, 1) << "exactly one decision";
  const std::string state = StateOf(req);
  EXPECT_TRUE(state == "approved" || state == "rejected") << state;
  EXPECT_EQ(AssetState(asset), state == "approved" ? "taken_out" : "in_use");
  // One decision in the log (and, when approved, one asset state change).
  EXPECT_EQ(LogHead() - head, state == "approved" ? 2 : 1);
}

TEST_F(RequestsTest, AnAssetThatIsOutIsNotDisposedUnderTheTakeOut) {
  // A disposal completed while a take-out is in effect would leave the take-out with nothing to
  // return: the asset is disposed, and recording the return then fails for ever.
  // SERVER BUG (as of commit 22c43aa): RequestService::Check (src/domain/request_service.cpp)
  // checks that the asset is in_use only for types with state_in_effect, and
  // AssetService::SetState (src/domain/asset_service.cpp) moved a taken_out asset to disposed:
  // the disposal completed (200) and the take-out's return then answered 409 for ever. The
  // working tree's uncommitted SetState refuses taken_out -> disposed (409), which fixes it.
  json asset = NewAsset(2);
  json out = MustCreate(*staff_a_, "take_out", Ids({asset}), Form("take_out"));
  ASSERT_EQ(Act(*chief_a_, out, "approve").status, 200);
  ASSERT_EQ(AssetState(asset), "taken_out");
  Reply disposal = Post(*staff_a2_, Body("disposal", Ids({asset}), Form("disposal")));
  if (disposal.status == 201) {
    Reply approved = Act(*chief_a_, disposal.doc, "approve");
    if (approved.status == 200) {
      Reply done = Act(*staff_a2_, disposal.doc, "complete",
                       {{"completion",
                         {{"disposed_on", "2099-04-01"},
                          {"erased_by", "業者"},
                          {"erasure_method", "破砕"},
                          {"proof", "証明書 No.10"}}}});
      EXPECT_TRUE(IsProblem(done, 409, "conflict")) << "an asset that is out cannot be recorded as disposed";
    }
  } else {
    EXPECT_TRUE(IsProblem(disposal, 409, "conflict"));
  }
  // Whatever the disposal did, the take-out can still be closed by the return.
  Reply returned = Act(*staff_a_, out, "complete", {{"completion", {{"returned_on", "2099-04-03"}}}});
  EXPECT_EQ(returned.status, 200) << returned.Describe();
}

// ---- bad input -----------------------------------------------------------------------------

TEST_F(RequestsTest, BadInputOnCreateIsNamedAndChangesNothing) {
  json c2 = NewAsset(2);
  json b2 = NewAsset(2, section_b_);
  const std::string a2 = Id(c2);
  auto with = [](const std::string& type, const json& changes) {
    json f = Form(type);
    for (const auto& [k, v] : changes.items()) {
      if (v.is_null())
        f.erase(k);
      else
        f[k] = v;
    }
    return f;
  };
  std::vector<std::string> many(1001), twenty_one;
  for (size_t i = 0; i < many.size(); ++i) {
    char buf[40];
    snprintf(buf, sizeof buf, "%032zx", i + 1);
    many[i] = buf;
  }
  twenty_one.assign(many.begin(), many.begin() + 21);

  struct Bad {
    const char* what;
    std::string raw;    // the body as sent
    std::string field;  // the field the problem must name
    std::string code;   // and its code ("" = any)
  };
  auto body = [&](const std::string& type, const json& assets, const json& fields) {
    return json{{"type", type}, {"asset_ids", assets}, {"fields", fields}}.dump();
  };
  const json ids = json::array({a2});
  const std::vector<Bad> cases = {
      {"malformed JSON", "{\"type\": \"take_out\",", "body", "malformed_json"},
      {"empty body", "", "body", ""},
      {"an array body", "[" + body("take_out", ids, Form("take_out")) + "]", "body", "not_object"},
      {"a string body", "\"take_out\"", "body", "not_object"},
      {"invalid UTF-8", "{\"type\": \"take_out\", \"fields\": {\"destination\": \"\xff\xfe\"}}", "body", ""},
      {"type missing", json{{"asset_ids", ids}, {"fields", Form("take_out")}}.dump(), "type", "required"},
      {"type as a number", json{{"type", 7}, {"asset_ids", ids}, {"fields", Form("take_out")}}.dump(), "type",
       "wrong_type"},
      {"a type the pack lacks", body("teleport", ids, Form("take_out")), "type", "unknown_type"},
      {"asset_ids not an array", json{{"type", "take_out"}, {"asset_ids", a2}, {"fields", Form("take_out")}}.dump(),
       "asset_ids", "wrong_type"},
      {"asset_ids of numbers", body("take_out", json::array({1}), Form("take_out")), "asset_ids[0]", "wrong_type"},
      {"asset_ids missing for a type that needs them", json{{"type", "take_out"}, {"fields", Form("take_out")}}.dump(),
       "asset_ids", "required"},
      {"assets for a type that takes none", body("external_service", ids, Form("external_service")), "asset_ids",
       "not_allowed"},
      {"1001 asset ids", body("take_out", many, Form("take_out")), "asset_ids", "too_many_items"},
      {"more assets than the type allows", body("take_out", twenty_one, Form("take_out")), "asset_ids",
       "too_many_items"},
      {"duplicate asset ids", body("take_out", json::array({a2, a2}), Form("take_out")), "asset_ids", "duplicate"},
      {"a nonexistent asset", body("take_out", json::array({std::string(32, 'a')}), Form("take_out")), "asset_ids",
       "not_found"},
      {"a malformed asset id", body("take_out", json::array({"../../etc"}), Form("take_out")), "asset_ids",
       "not_found"},
      {"an asset of another section", body("take_out", json::array({Id(b2)}), Form("take_out")), "asset_ids",
       "not_found"},
      {"an oversized asset id", body("take_out", json::array({std::string(65, 'a')}), Form("take_out")), "asset_ids[0]",
       "too_long"},
      {"fields not an object", body("take_out", ids, "北区役所"), "fields", "wrong_type"},
      {"fields as an array", body("take_out", ids, json::array({"北区役所"})), "fields", "wrong_type"},
      {"fields missing", json{{"type", "take_out"}, {"asset_ids", ids}}.dump(), "fields.destination", "required"},
      {"a required field missing", body("take_out", ids, with("take_out", {{"destination", nullptr}})),
       "fields.destination", "required"},
      {"a required field empty", body("take_out", ids, with("take_out", {{"destination", ""}})), "fields.destination",
       "required"},
      {"a text field as a list", body("take_out", ids, with("take_out", {{"carrier", json::array()}})),
       "fields.carrier", "wrong_type"},
      {"a text field as a number", body("take_out", ids, with("take_out", {{"destination", 42}})), "fields.destination",
       "wrong_type"},
      {"a bool as a string", body("copy_send", ids, with("copy_send", {{"encrypted", "true"}})), "fields.encrypted",
       "wrong_type"},
      {"a bool as a number", body("copy_send", ids, with("copy_send", {{"outside_section", 1}})),
       "fields.outside_section", "wrong_type"},
      {"an int as a string",
       body("personal_device", json::array(), with("personal_device", {{"max_confidentiality", "2"}})),
       "fields.max_confidentiality", "wrong_type"},
      {"an int as a fraction",
       body("personal_device", json::array(), with("personal_device", {{"max_confidentiality", 2.5}})),
       "fields.max_confidentiality", "wrong_type"},
      {"an int above its range",
       body("personal_device", json::array(), with("personal_device", {{"max_confidentiality", 4}})),
       "fields.max_confidentiality", "out_of_range"},
      {"an int below its range",
       body("external_service", json::array(), with("external_service", {{"max_confidentiality", 0}})),
       "fields.max_confidentiality", "out_of_range"},
      {"an int beyond int64",
       body("personal_device", json::array(),
            with("personal_device", {{"max_confidentiality", 18446744073709551615ull}})),
       "fields.max_confidentiality", "out_of_range"},
      {"an impossible date", body("take_out", ids, with("take_out", {{"period_from", "2026-02-30"}})),
       "fields.period_from", "invalid_date"},
      {"a date in another format", body("take_out", ids, with("take_out", {{"period_to", "2099/04/03"}})),
       "fields.period_to", "invalid_date"},
      {"a date as a number", body("take_out", ids, with("take_out", {{"period_to", 20990403}})), "fields.period_to",
       "wrong_type"},
      {"a choice not in the list", body("copy_send", ids, with("copy_send", {{"method", "fax"}})), "fields.method",
       "not_allowed"},
      {"a choice as a number", body("wireless_lan", json::array(), with("wireless_lan", {{"network_zone", 1}})),
       "fields.network_zone", "wrong_type"},
      {"an oversized text", body("take_out", ids, with("take_out", {{"destination", std::string(201, 'x')}})),
       "fields.destination", "too_long"},
      {"an oversized 400-character text", body("take_out", ids, with("take_out", {{"purpose", std::string(401, 'x')}})),
       "fields.purpose", "too_long"},
      {"an oversized long text",
       body("equipment_change", json::array(), with("equipment_change", {{"change", std::string(4001, 'x')}})),
       "fields.change", "too_long"},
      {"a control character", body("take_out", ids, with("take_out", {{"destination", "北区\u0007役所"}})),
       "fields.destination", "control_characters"},
      {"a newline in a one-line text", body("take_out", ids, with("take_out", {{"destination", "北区\n役所"}})),
       "fields.destination", "control_characters"},
      {"an unknown form field", body("take_out", ids, with("take_out", {{"colour", "red"}})), "fields.colour",
       "unknown_field"},
      {"an unknown top-level field",
       json{{"type", "take_out"}, {"asset_ids", ids}, {"fields", Form("take_out")}, {"approver", "me"}}.dump(),
       "approver", "unknown_field"},
      {"a read-only top-level field",
       json{{"type", "take_out"}, {"asset_ids", ids}, {"fields", Form("take_out")}, {"state", "approved"}}.dump(),
       "state", ""},
      {"draft as a string",
       json{{"type", "take_out"}, {"asset_ids", ids}, {"fields", Form("take_out")}, {"draft", "yes"}}.dump(), "draft",
       "wrong_type"},
      {"an oversized type", body(std::string(65, 't'), ids, Form("take_out")), "type", "too_long"},
      {"a control character in the type", body("take\u0001out", ids, Form("take_out")), "type", ""},
  };
  const Snapshot before = Snap();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Reply r = staff_a_->client->PostRaw("/api/v1/requests", c.raw);
    EXPECT_TRUE(Refused(r, c.field, c.code));
  }
  // Several problems at once are all named.
  Reply many_errors =
      Post(*staff_a_,
           Body("take_out", {a2},
                with("take_out",
                     {{"destination", 1}, {"period_from", "2026-13-01"}, {"carrier", nullptr}, {"extra", true}})));
  EXPECT_TRUE(Refused(many_errors, "fields.destination", "wrong_type"));
  EXPECT_TRUE(HasFieldError(many_errors, "fields.period_from", "invalid_date"));
  EXPECT_TRUE(HasFieldError(many_errors, "fields.carrier", "required"));
  EXPECT_TRUE(HasFieldError(many_errors, "fields.extra", "unknown_field"));
  // Assets of two owner sections in one request (the CISO sees both).
  Reply mixed = Post(*ciso_, Body("take_out", {a2, Id(b2)}, Form("take_out")));
  EXPECT_TRUE(Refused(mixed, "asset_ids", "mixed_owners"));
  EXPECT_TRUE(Unchanged(before));
  EXPECT_EQ(AssetState(c2), "in_use");
  // Long texts keep their line breaks; optional fields may be left out.
  EXPECT_EQ(Post(*staff_a_, Body("software_install", {}, with("software_install", {{"version", nullptr}}))).status,
            201);
}

TEST_F(RequestsTest, ConfidentialityLevelsAreThePacks) {
  // Kobe has 機密性1–3: a fourth level is refused on the register and on a form.
  Reply asset = chief_a_->client->Post("/api/v1/assets", {{"name", UniqueLogin("資産")},
                                                          {"kind", "electronic_data"},
                                                          {"owner_org_unit_id", section_a_},
                                                          {"confidentiality", 4},
                                                          {"integrity", 1},
                                                          {"availability", 1}});
  EXPECT_TRUE(Refused(asset, "confidentiality"));
  json f = Form("personal_device");
  f["max_confidentiality"] = 4;
  EXPECT_TRUE(Refused(Post(*staff_a_, Body("personal_device", {}, f)), "fields.max_confidentiality", "out_of_range"));
}

TEST_F(RequestsTest, BadInputOnDecisionRoutesIsNamedAndChangesNothing) {
  json asset = NewAsset(2);
  json req = MustCreate(*staff_a_, "take_out", Ids({asset}), Form("take_out"));
  const Snapshot before = Snap();
  // Malformed and unknown ids in the path: 404, as for any request one cannot see.
  for (const std::string& bad :
       std::vector<std::string>{"xyz", std::string(32, 'g'), std::string(31, 'a'), std::string(33, 'a'),
                                std::string(32, 'A'), std::string(32, 'a'), "%00", "..%2f..%2fetc"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(IsProblem(chief_a_->client->Get("/api/v1/requests/" + bad), 404, "not_found"));
    for (const char* action : {"submit", "approve", "withdraw", "complete", "report"})
      EXPECT_TRUE(
          IsProblem(chief_a_->client->Post("/api/v1/requests/" + bad + "/" + action, json::object()), 404, "not_found"))
          << action;
    EXPECT_TRUE(
        IsProblem(chief_a_->client->Post("/api/v1/requests/" + bad + "/reject", {{"note", "x"}}), 404, "not_found"));
  }
  // Decision bodies.
  struct Bad {
    const char* what;
    const char* action;
    std::string raw;
    std::string field;
    std::string code;
  };
  const std::vector<Bad> cases = {
      {"approve: malformed JSON", "approve", "{\"note\":", "body", "malformed_json"},
      {"approve: an array", "approve", "[]", "body", "not_object"},
      {"approve: note as a number", "approve", "{\"note\": 5}", "note", "wrong_type"},
      {"approve: an unknown field", "approve", "{\"note\": \"ok\", \"state\": \"approved\"}", "state", "unknown_field"},
      {"approve: an oversized note", "approve", json{{"note", std::string(2001, 'x')}}.dump(), "note", "too_long"},
      {"approve: a control character", "approve", json{{"note", "ok\u001b[31m"}}.dump(), "note", "control_characters"},
      {"reject: no note", "reject", "{}", "note", "required"},
      {"reject: a null note", "reject", "{\"note\": null}", "note", "required"},
      {"reject: note as a list", "reject", "{\"note\": [\"no\"]}", "note", "wrong_type"},
      {"reject: malformed JSON", "reject", "not json", "body", "malformed_json"},
      {"complete: malformed JSON", "complete", "{", "body", "malformed_json"},
      {"complete: completion not an object", "complete", "{\"completion\": [\"2099-04-03\"]}", "completion",
       "wrong_type"},
      {"complete: the record at the top level", "complete", "{\"returned_on\": \"2099-04-03\"}", "returned_on",
       "unknown_field"},
      {"report: malformed JSON", "report", "{{", "body", "malformed_json"},
      {"report: an unknown field", "report", "{\"notes\": \"x\"}", "notes", "unknown_field"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Person& who = std::string(c.action) == "approve" || std::string(c.action) == "reject" ? *chief_a_ : *staff_a_;
    EXPECT_TRUE(Refused(who.client->PostRaw(RequestPath(req, c.action), c.raw), c.field, c.code));
  }
  EXPECT_TRUE(Unchanged(before));
  EXPECT_EQ(StateOf(req), "submitted");

  // Completion records are checked like forms.
  ASSERT_EQ(Act(*chief_a_, req, "approve").status, 200);
  const Snapshot approved = Snap();
  const std::vector<std::pair<json, std::pair<std::string, std::string>>> completions = {
      {json::object(), {"completion.returned_on", "required"}},
      {{{"returned_on", "2026-02-30"}}, {"completion.returned_on", "invalid_date"}},
      {{{"returned_on", 20990403}}, {"completion.returned_on", "wrong_type"}},
      {{{"returned_on", "2099-04-03"}, {"returned_by", "山田"}}, {"completion.returned_by", "unknown_field"}},
  };
  for (const auto& [completion, expect] : completions) {
    SCOPED_TRACE(completion.dump());
    EXPECT_TRUE(Refused(Act(*staff_a_, req, "complete", {{"completion", completion}}), expect.first, expect.second));
  }
  EXPECT_TRUE(Unchanged(approved));
  EXPECT_EQ(StateOf(req), "approved");
  EXPECT_EQ(AssetState(asset), "taken_out");
}

TEST_F(RequestsTest, BadQueryParametersAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"inbox=maybe", "inbox"},
      {"inbox=1", "inbox"},
      {"mine=yes", "mine"},
      {"mine=TRUE", "mine"},
      {"state=" + std::string(65, 's'), "state"},
      {"type=" + std::string(65, 't'), "type"},
      {"type=a%07b", "type"},
      {"asset_id=xyz", "asset_id"},
      {"asset_id=" + std::string(32, 'G'), "asset_id"},
      {"page=0", "page"},
      {"page=-1", "page"},
      {"page=abc", "page"},
      {"per_page=0", "per_page"},
      {"per_page=201", "per_page"},
      {"per_page=99999999999", "per_page"},
  };
  for (const auto& [query, field] : cases) {
    SCOPED_TRACE(query);
    EXPECT_TRUE(Refused(chief_a_->client->Get("/api/v1/requests?" + query), field));
  }
  EXPECT_EQ(chief_a_->client->Get("/api/v1/requests?inbox=false&mine=false").status, 200);
}

TEST_F(RequestsTest, EveryStepIsLoggedWithItsClauseAndTheChainHolds) {
  json asset = NewAsset(2);
  json req = MustCreate(*staff_a_, "take_out", Ids({asset}), Form("take_out"));
  ASSERT_EQ(Act(*chief_a_, req, "approve", {{"note", "気を付けて"}}).status, 200);
  ASSERT_EQ(Act(*staff_a_, req, "complete", {{"completion", {{"returned_on", "2099-04-03"}}}}).status, 200);
  const std::string target = "request:" + Id(req);
  for (const auto& [action, actor] : std::vector<std::pair<std::string, std::string>>{
           {"request.create", staff_a_->id}, {"request.approve", chief_a_->id}, {"request.complete", staff_a_->id}}) {
    SCOPED_TRACE(action);
    json log = AuditLog("action=" + action + "&actor=" + actor + "&per_page=200");
    bool found = false;
    for (const auto& e : log["items"]) {
      if (e.value("target", "") != target) continue;
      found = true;
      EXPECT_EQ(e.value("clause", ""), "kobe:7.1.1エ");
      EXPECT_FALSE(e.value("result", "").empty());
    }
    EXPECT_TRUE(found) << "no " << action << " entry for " << target;
  }
  json states = AuditLog("action=asset.state&per_page=200");
  int moves = 0;
  for (const auto& e : states["items"])
    if (e.value("target", "").find(asset["id"].get<std::string>()) != std::string::npos) ++moves;
  EXPECT_EQ(moves, 2) << "out on approval, back on completion";
  Reply verify = admin_->client->Get("/api/v1/audit-log/verify");
  ASSERT_EQ(verify.status, 200) << verify.Describe();
  EXPECT_EQ(verify.doc.value("ok", false), true) << verify.Describe();
}

TEST_F(RequestsTest, RoutesNeedASessionAndTheCsrfToken) {
  json req = MustCreate(*staff_a_, "remote_work", {}, Form("remote_work"));
  const Snapshot before = Snap();
  auto anon = NewClient();
  EXPECT_TRUE(IsProblem(anon->Get("/api/v1/requests"), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(anon->Get(RequestPath(req)), 401, "unauthenticated"));
  EXPECT_TRUE(
      IsProblem(anon->Post("/api/v1/requests", Body("remote_work", {}, Form("remote_work"))), 401, "unauthenticated"));
  EXPECT_TRUE(
      IsProblem(staff_a_->client->Post("/api/v1/requests", Body("remote_work", {}, Form("remote_work")), Csrf::kOmit),
                403, "csrf_failed"));
  EXPECT_TRUE(
      IsProblem(chief_a_->client->Post(RequestPath(req, "approve"), json::object(), Csrf::kWrong), 403, "csrf_failed"));
  EXPECT_EQ(StateOf(req), "submitted");
  EXPECT_EQ(RequestTotal(), before.requests);
}

// ==== Another municipality's pack ============================================================


std::string SamplePack() { return SourceDir() + "/tests/packs/sample_town.yaml"; }

// さくら町: its own server, people and rules. Derives from ApiTest only for CompleteSignIn; the
// server, the administrator and everyone else are this suite's own.
class RequestsPackTest : public ApiTest {
 protected:
  static void SetUpTestSuite() {
    setup_error_.clear();
    try {
      town_ = new ServerProcess(SamplePack());
      town_admin_ = FirstAdminOn(town_->base_url());
      std::tie(town_id_, town_name_) = RootUnitOn(*town_admin_->client);
      somu_bu_ = Unit("somu", "bureau", town_id_);
      fukushi_bu_ = Unit("fukushi", "bureau", town_id_);
      somu_ka_ = Unit("somuka", "section", somu_bu_);
      fukushi_ka_ = Unit("fukushika", "section", fukushi_bu_);
      bucho_ = Make("bucho", somu_bu_, {UnitRole("bucho", somu_bu_)});
      bucho_other_ = Make("bucho2", fukushi_bu_, {UnitRole("bucho", fukushi_bu_)});
      kacho_ = Make("kacho", somu_ka_, {UnitRole("kacho", somu_ka_)});
      shokuin_ = Make("shokuin", somu_ka_, {UnitRole("shokuin", somu_ka_)});
      fuku_ = Make("fuku", town_id_, {CityRole("fuku_chocho")});
    } catch (const std::exception& e) {
      setup_error_ = e.what();
      ADD_FAILURE() << "suite set-up failed: " << e.what();
    }
  }
  static void TearDownTestSuite() {
    for (Person** p : {&town_admin_, &bucho_, &bucho_other_, &kacho_, &shokuin_, &fuku_}) {
      delete *p;
      *p = nullptr;
    }
    delete town_;
    town_ = nullptr;
  }

  static std::string Unit(const std::string& code, const std::string& kind, const std::string& parent) {
    Reply r = town_admin_->client->Post(
        "/api/v1/org-units",
        {{"code", UniqueLogin(code)}, {"name", "さくら町 " + code}, {"kind", kind}, {"parent_id", parent}});
    Require(r.status == 201, "POST /org-units: " + r.Describe());
    return Id(r.doc);
  }

  static Person* Make(const std::string& prefix, const std::string& unit, const std::vector<json>& roles) {
    return MakePersonOn(*town_admin_->client, town_->base_url(), prefix, unit, roles);
  }


  static json Asset(int c, int i = 1, const std::string& unit = "") {
    Reply r = kacho_->client->Post("/api/v1/assets", {{"name", UniqueLogin("町の資産")},
                                                      {"kind", "electronic_data"},
                                                      {"owner_org_unit_id", unit.empty() ? somu_ka_ : unit},
                                                      {"confidentiality", c},
                                                      {"integrity", i},
                                                      {"availability", 1}});
    Require(r.status == 201, "POST /assets: " + r.Describe());
    return r.doc;
  }

  static json TakeOut(bool encrypted = true) {
    return {{"destination", "役場出張所"},
            {"period_from", "2099-05-01"},
            {"period_to", "2099-05-02"},
            {"encrypted", encrypted}};
  }
  static Reply Create(Person& p, const std::string& type, const json& assets, const json& fields) {
    return p.client->Post("/api/v1/requests", {{"type", type}, {"asset_ids", assets}, {"fields", fields}});
  }
  static json AssetIds(const json& a) { return json::array({a["id"]}); }
  static int64_t Total() {
    Reply r = fuku_->client->Get("/api/v1/requests?per_page=1");
    Require(r.status == 200, "GET /requests: " + r.Describe());
    return r.doc["total"].get<int64_t>();
  }
  static int64_t Head() {
    Reply r = town_admin_->client->Get("/api/v1/audit-log?per_page=1");
    Require(r.status == 200, "GET /audit-log: " + r.Describe());
    return r.doc["items"].empty() ? 0 : r.doc["items"][0]["seq"].get<int64_t>();
  }
  static std::string AssetState(const json& a) {
    Reply r = fuku_->client->Get("/api/v1/assets/" + a["id"].get<std::string>());
    Require(r.status == 200, "GET /assets/{id}: " + r.Describe());
    return r.doc.value("state", "");
  }

  static ServerProcess* town_;
  static Person *town_admin_, *bucho_, *bucho_other_, *kacho_, *shokuin_, *fuku_;
  static std::string town_id_, town_name_, somu_bu_, fukushi_bu_, somu_ka_, fukushi_ka_;
};

ServerProcess* RequestsPackTest::town_ = nullptr;
Person *RequestsPackTest::town_admin_ = nullptr, *RequestsPackTest::bucho_ = nullptr,
       *RequestsPackTest::bucho_other_ = nullptr, *RequestsPackTest::kacho_ = nullptr,
       *RequestsPackTest::shokuin_ = nullptr, *RequestsPackTest::fuku_ = nullptr;
std::string RequestsPackTest::town_id_, RequestsPackTest::town_name_, RequestsPackTest::somu_bu_,
    RequestsPackTest::fukushi_bu_, RequestsPackTest::somu_ka_, RequestsPackTest::fukushi_ka_;

TEST_F(RequestsPackTest, PolicyCheckAcceptsTheTownsPack) {
  ProcResult r = RunMamori({"policy", "check", SamplePack()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ok"), std::string::npos) << r.output;
}

TEST_F(RequestsPackTest, PolicyCheckHoldsTheTownsPackToItsOwnRoles) {
  // The same pack naming a Kobe role as an approver: refused, with the line.
  std::ifstream in(SamplePack());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  const std::string from = "approver: {role: bucho, scope: requester_unit}";
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "approver: {role: information_manager, scope: requester_unit}");
  const std::string dir = MakeTempDir("badpack");
  const std::string path = dir + "/broken.yaml";
  std::ofstream(path) << text;
  ProcResult r = RunMamori({"policy", "check", path});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const int line = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n')) + 1;
  EXPECT_NE(r.output.find("line " + std::to_string(line)), std::string::npos)
      << "expected line " << line << ": " << r.output;
  EXPECT_NE(r.output.find("information_manager"), std::string::npos) << r.output;
}

TEST_F(RequestsPackTest, TheServerRunsTheTownsPack) {
  EXPECT_EQ(town_name_, "さくら町");
  Reply pol = town_admin_->client->Get("/api/v1/policy");
  ASSERT_EQ(pol.status, 200) << pol.Describe();
  EXPECT_EQ(pol.doc.value("pack", ""), "sakura");
  std::set<std::string> types;
  for (const auto& t : pol.doc["request_types"]) types.insert(t.value("id", ""));
  EXPECT_EQ(types, (std::set<std::string>{"mochidashi", "baitai", "cloud_riyou", "tenken"}));
  // Kobe's types and roles do not exist here.
  EXPECT_TRUE(Refused(Create(*shokuin_, "take_out", AssetIds(Asset(2)), TakeOut()), "type", "unknown_type"));
  Reply role = town_admin_->client->Post(
      "/api/v1/role-assignments",
      {{"user_id", shokuin_->id}, {"role", "information_manager"}, {"scope_type", "org_unit"}, {"scope_id", somu_ka_}});
  EXPECT_TRUE(Refused(role, "role"));
  // The pack's MFA rule (privileged only): a section head signs in without a second factor.
  EXPECT_EQ(kacho_->login_doc.value("mfa_required", true) || kacho_->login_doc.value("mfa_enrollment_required", true),
            false)
      << kacho_->login_doc.dump();
}

TEST_F(RequestsPackTest, TakeOutGoesToTheBureauHeadOverTheRequestersUnit) {
  json asset = Asset(2);
  Reply created = Create(*shokuin_, "mochidashi", AssetIds(asset), TakeOut());
  ASSERT_EQ(created.status, 201) << created.Describe();
  const json& req = created.doc;
  EXPECT_EQ(req.value("state", ""), "submitted");
  EXPECT_EQ(req.value("clause", ""), "sakura:5.1");
  EXPECT_EQ(req["approver"], json({{"role", "bucho"}, {"scope_type", "org_unit"}, {"scope_id", somu_ka_}}));
  const std::string path = RequestPath(req);
  // The section head sees it but is not the approver the pack names; the other department's
  // head does not even see it.
  Reply by_kacho = kacho_->client->Post(path + "/approve", json::object());
  EXPECT_TRUE(IsProblem(by_kacho, 403, "forbidden"));
  EXPECT_TRUE(IsProblem(bucho_other_->client->Post(path + "/approve", json::object()), 404, "not_found"));
  EXPECT_FALSE(ListedIds(*bucho_other_->client, "inbox=true").count(Id(req)));
  EXPECT_FALSE(ListedIds(*kacho_->client, "inbox=true").count(Id(req)));
  EXPECT_TRUE(ListedIds(*bucho_->client, "inbox=true").count(Id(req)));
  Reply ok = bucho_->client->Post(path + "/approve", json::object());
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  EXPECT_EQ(ok.doc.value("state", ""), "approved");
  EXPECT_EQ(AssetState(asset), "taken_out");
  Reply missing = shokuin_->client->Post(path + "/complete", {{"completion", json::object()}});
  EXPECT_TRUE(Refused(missing, "completion.returned_on", "required"));
  Reply done = shokuin_->client->Post(path + "/complete", {{"completion", {{"returned_on", "2099-05-02"}}}});
  ASSERT_EQ(done.status, 200) << done.Describe();
  EXPECT_EQ(done.doc.value("state", ""), "completed");
  EXPECT_EQ(AssetState(asset), "in_use");
  // The log cites the town's clause.
  Reply log = town_admin_->client->Get("/api/v1/audit-log?action=request.approve&actor=" + bucho_->id);
  ASSERT_EQ(log.status, 200) << log.Describe();
  bool found = false;
  for (const auto& e : log.doc["items"])
    if (e.value("target", "") == "request:" + req["id"].get<std::string>()) {
      found = true;
      EXPECT_EQ(e.value("clause", ""), "sakura:5.1");
    }
  EXPECT_TRUE(found) << log.Describe();
  // The owner section's head decides the medium request (asset_owner).
  Reply medium = Create(*shokuin_, "baitai", AssetIds(asset), {{"purpose", "会議資料"}, {"private_medium", false}});
  ASSERT_EQ(medium.status, 201) << medium.Describe();
  EXPECT_EQ(medium.doc["approver"], json({{"role", "kacho"}, {"scope_type", "org_unit"}, {"scope_id", somu_ka_}}));
  EXPECT_EQ(medium.doc.value("clause", ""), "sakura:5.4");
  EXPECT_EQ(kacho_->client->Post(RequestPath(medium.doc, "approve"), json::object()).status, 200);
  // The deputy mayor decides cloud services, city-wide.
  Reply cloud = Create(*kacho_, "cloud_riyou", json::array(),
                       {{"service", "電子申請"}, {"max_level", 4}, {"region", "domestic"}});
  ASSERT_EQ(cloud.status, 201) << cloud.Describe();
  EXPECT_EQ(cloud.doc["approver"], json({{"role", "fuku_chocho"}, {"scope_type", "city"}, {"scope_id", nullptr}}));
  EXPECT_EQ(fuku_->client->Post(RequestPath(cloud.doc, "approve"), json::object()).status, 200);
}

TEST_F(RequestsPackTest, TheTownsOwnClauseForSeparationOfDuties) {
  // The department head asks for himself: requester_unit is his department, which his own role
  // covers, and still he may not approve.
  Reply created = Create(*bucho_, "mochidashi", AssetIds(Asset(2)), TakeOut());
  ASSERT_EQ(created.status, 201) << created.Describe();
  EXPECT_EQ(created.doc["approver"].value("scope_id", ""), somu_bu_);
  Reply self = bucho_->client->Post(RequestPath(created.doc, "approve"), json::object());
  EXPECT_TRUE(IsProblem(self, 403, "separation_of_duties"));
  EXPECT_EQ(self.doc.value("clause", ""), "sakura:2.4");
}

TEST_F(RequestsPackTest, TheTownsDenyRulesAndLevels) {
  // Four confidentiality levels and three integrity levels here, refused under Kobe.
  json c4 = Asset(4, 3);
  EXPECT_EQ(c4.value("label", ""), "機密性4・完全性3・可用性1");
  Reply c5 = kacho_->client->Post("/api/v1/assets", {{"name", "過大"},
                                                     {"kind", "electronic_data"},
                                                     {"owner_org_unit_id", somu_ka_},
                                                     {"confidentiality", 5},
                                                     {"integrity", 4},
                                                     {"availability", 3}});
  EXPECT_TRUE(Refused(c5, "confidentiality"));
  EXPECT_TRUE(HasFieldError(c5, "integrity"));
  EXPECT_TRUE(HasFieldError(c5, "availability"));
  // Level 4 is the restricted one: the administrator reads the whole register but not level 4
  // without assets.read_restricted; level 3, restricted under Kobe, is not restricted here.
  EXPECT_TRUE(IsProblem(town_admin_->client->Get("/api/v1/assets/" + Id(c4)), 404, "not_found"));
  EXPECT_EQ(town_admin_->client->Get("/api/v1/assets/" + Id(Asset(3))).status, 200);
  EXPECT_EQ(bucho_->client->Get("/api/v1/assets/" + Id(c4)).status, 200) << "read_restricted over the department";

  json c2 = Asset(2);
  struct Case {
    const char* what;
    std::string type;
    json assets;
    json fields;
    const char* clause;
  };
  json reversed = TakeOut();
  reversed["period_to"] = "2099-04-30";
  const std::vector<Case> denied = {
      {"return before the take-out", "mochidashi", AssetIds(c2), reversed, "sakura:5.1(2)"},
      {"a level-4 asset unencrypted", "mochidashi", AssetIds(c4), TakeOut(false), "sakura:5.1(3)"},
      {"a private medium",
       "baitai",
       AssetIds(c2),
       {{"purpose", "持ち帰り"}, {"private_medium", true}},
       "sakura:5.4(1)"},
      {"level 3 abroad",
       "cloud_riyou",
       json::array(),
       {{"service", "海外ストレージ"}, {"max_level", 3}, {"region", "overseas"}},
       "sakura:7.2(4)"},
  };
  for (const auto& c : denied) {
    SCOPED_TRACE(c.what);
    const int64_t total = Total(), head = Head();
    EXPECT_TRUE(Denied(Create(*kacho_, c.type, c.assets, c.fields), c.clause));
    EXPECT_EQ(Total(), total);
    // Only the refusal itself is on the record (result denied, the town's clause).
    EXPECT_EQ(Head(), head + 1);
  }
  // Just inside the rules.
  EXPECT_EQ(Create(*kacho_, "mochidashi", AssetIds(c4), TakeOut(true)).status, 201);
  EXPECT_EQ(Create(*kacho_, "mochidashi", AssetIds(c2), TakeOut(false)).status, 201);
  EXPECT_EQ(Create(*kacho_, "cloud_riyou", json::array(),
                   {{"service", "海外ストレージ"}, {"max_level", 2}, {"region", "overseas"}})
                .status,
            201);
  // The town's form limits.
  EXPECT_TRUE(Refused(
      Create(*kacho_, "cloud_riyou", json::array(), {{"service", "x"}, {"max_level", 5}, {"region", "domestic"}}),
      "fields.max_level", "out_of_range"));
  EXPECT_TRUE(
      Refused(Create(*kacho_, "cloud_riyou", json::array(), {{"service", "x"}, {"max_level", 1}, {"region", "moon"}}),
              "fields.region", "not_allowed"));
  EXPECT_TRUE(
      Refused(Create(*kacho_, "baitai", AssetIds(c2), {{"purpose", std::string(101, 'x')}, {"private_medium", false}}),
              "fields.purpose", "too_long"));
  // Below the class that needs it: not required, citing the town's clause.
  json c1 = Asset(1);
  Reply not_required = Create(*kacho_, "mochidashi", AssetIds(c1), TakeOut());
  EXPECT_TRUE(Refused(not_required, "asset_ids", "not_required"));
  EXPECT_EQ(not_required.doc.value("clause", ""), "sakura:5.1");
}

TEST_F(RequestsPackTest, ApprovedRequestsPastTheirDateExpireAndAreStillClosedByTheReturn) {
  json asset = Asset(2);
  json fields = TakeOut();
  fields["period_from"] = "2020-05-01";
  fields["period_to"] = "2020-05-02";
  Reply created = Create(*shokuin_, "mochidashi", AssetIds(asset), fields);
  ASSERT_EQ(created.status, 201) << created.Describe();
  EXPECT_EQ(created.doc.value("expires_on", ""), "2020-05-02") << "the pack's expires_field";
  ASSERT_EQ(bucho_->client->Post(RequestPath(created.doc, "approve"), json::object()).status, 200);
  EXPECT_EQ(AssetState(asset), "taken_out");
  // The server sweeps expired permissions when it starts (and every ten minutes after).
  town_->Stop();
  town_->Start();
  for (Person* p : {town_admin_, bucho_, bucho_other_, kacho_, shokuin_, fuku_}) p->client->set_base(town_->base_url());
  // The sweep runs on its own thread once the server is up: give it a moment under load.
  Reply got = shokuin_->client->Get(RequestPath(created.doc));
  for (int i = 0; i < 50 && got.status == 200 && got.doc.value("state", "") != "expired"; ++i) {
    std::this_thread::sleep_for(100ms);
    got = shokuin_->client->Get(RequestPath(created.doc));
  }
  ASSERT_EQ(got.status, 200) << got.Describe();
  EXPECT_EQ(got.doc.value("state", ""), "expired");
  EXPECT_EQ(got.doc["actions"].value("complete", false), true);
  EXPECT_EQ(AssetState(asset), "taken_out") << "still out until the return is recorded";
  Reply log = town_admin_->client->Get("/api/v1/audit-log?action=request.expire");
  ASSERT_EQ(log.status, 200) << log.Describe();
  bool found = false;
  for (const auto& e : log.doc["items"])
    if (e.value("target", "") == "request:" + Id(created.doc)) {
      found = true;
      EXPECT_EQ(e.value("clause", ""), "sakura:5.1");
    }
  EXPECT_TRUE(found) << log.Describe();
  Reply done =
      shokuin_->client->Post(RequestPath(created.doc, "complete"), {{"completion", {{"returned_on", "2020-05-03"}}}});
  ASSERT_EQ(done.status, 200) << done.Describe();
  EXPECT_EQ(done.doc.value("state", ""), "completed");
  EXPECT_EQ(AssetState(asset), "in_use");
}

// Kept last in the suite: it probes a pack shape the validator accepts (assets optional with an
// asset_owner approver) and checks the server survives it.
TEST_F(RequestsPackTest, OptionalAssetsWithAnOwnerApproverAndNoAsset) {
  const int64_t total = Total();
  // An owner-section approver needs an asset: the pack check refuses `asset_owner` unless
  // assets are required, and the engine refuses a request without one rather than crash.
  Reply r = Create(*shokuin_, "tenken", json::array(), {{"findings", "異常なし"}});
  ASSERT_TRUE(town_->Alive()) << "the server " << town_->ended() << " on a request without assets: " << r.Describe();
  EXPECT_TRUE(Refused(r, "asset_ids", "required")) << "with no asset there is no owner section to approve";
  EXPECT_EQ(Total(), total);
  // With an asset it works as the pack says.
  Reply with_asset = Create(*shokuin_, "tenken", AssetIds(Asset(2)), {{"findings", "異常なし"}});
  ASSERT_EQ(with_asset.status, 201) << with_asset.Describe();
  EXPECT_EQ(with_asset.doc["approver"].value("scope_id", ""), somu_ka_);
}

}  // namespace
}  // namespace mamori::itest
