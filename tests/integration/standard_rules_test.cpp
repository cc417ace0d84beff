// What the Kobe standard and the documents it is applied with forbid, through the real server:
// each test writes the role ids and the clauses out as the texts give them (never read back from
// the pack), so a pack that drifts from the standard fails here. Who approves test data with
// personal data (kobe:8.3.3イ(3)), working outside the office (kobe:7.1.1オ(2)), non-issued
// terminals and contractors' own devices (kobe:7.1.1カ(1), pref:第8(3), proc:2(1)④), equipment
// changes (kobe:8.1.20), the My Number zone (kobe:5.1イ(2), kobe:6.3.6, kobe:8.1.15イ), the
// system ledger (kobe:8.3.1ウ), the removable-media usage log (proc:2(1)③), who files an
// exception (kobe:9.5.1, kobe:9.5.2), software (kobe:8.1.19ウ, kobe:8.4.1エ), handling
// restrictions (kobe:4.2イ), completion dates, and the city's own choices in the pack.
#include <set>
#include <string>

#include "harness.hpp"

namespace mamori::itest {
namespace {

json UnitRole(const std::string& role, const std::string& unit) {
  return {{"role", role}, {"scope_type", "org_unit"}, {"scope_id", unit}};
}
json CityRole(const std::string& role) { return {{"role", role}, {"scope_type", "city"}}; }

class StandardRulesTest : public ApiTest {
 protected:
  static void SetUpTestSuite() {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      const std::string bureau = CreateOrgUnit(UniqueLogin("srb"), "bureau", city_id_);
      section_ = CreateOrgUnit(UniqueLogin("srs"), "section", bureau);
      chief_ = Make("srchief", {UnitRole("information_manager", section_)});
      staff_ = Make("srstaff", {UnitRole("staff", section_)});
      sysadmin_ = Make("srsysadm", {UnitRole("system_admin", section_)});
      director_ = Make("srdirector", {CityRole("security_director")}, city_id_);
      ciso_ = Make("srciso", {CityRole("ciso")}, city_id_);
      secmgr_ = Make("srsecmgr", {CityRole("security_manager")}, city_id_);
      contractor_ = Make("srvendor", {UnitRole("contractor", section_)}, "", "contractor");
      Reply sys = admin_->client->Post("/api/v1/systems", {{"name", UniqueLogin("年金システム")},
                                                           {"owner_org_unit_id", section_},
                                                           {"network_zone", "mynumber"},
                                                           {"hosting", "on_premises"}});
      Require(sys.status == 201, "POST /systems: " + sys.Describe());
      mynumber_system_ = sys.doc["id"].get<std::string>();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void TearDownTestSuite() {
    for (Person** p : {&chief_, &staff_, &sysadmin_, &director_, &ciso_, &secmgr_, &contractor_}) {
      delete *p;
      *p = nullptr;
    }
    ApiTest::TearDownTestSuite();
  }

  static Person* Make(const std::string& prefix, const std::vector<json>& roles, const std::string& unit = "",
                      const std::string& employment = "regular") {
    auto p = std::make_unique<Person>();
    p->login_id = UniqueLogin(prefix);
    json extra = employment == "contractor" ? json{{"expires_on", "2099-03-31"}} : json::object();
    json created = CreateUser(p->login_id, unit.empty() ? section_ : unit, employment, extra);
    p->id = created["id"].get<std::string>();
    p->password = created["temporary_password"].get<std::string>();
    for (const auto& r : roles) AssignRole(p->id, r["role"], r["scope_type"], r.value("scope_id", std::string()));
    p->client = NewClient();
    Reply r = p->client->Login(p->login_id, p->password);
    Require(r.status == 200, "first login of " + p->login_id + ": " + r.Describe());
    p->login_doc = r.doc;
    CompleteSignIn(*p);
    return p.release();
  }

  static json NewAsset(int confidentiality, const std::string& kind, json handling = json::array(),
                       const std::string& system_id = "") {
    json body = {{"name", UniqueLogin("資産")}, {"kind", kind},           {"owner_org_unit_id", section_},
                 {"confidentiality", confidentiality}, {"integrity", 1}, {"availability", 1},
                 {"handling", handling}};
    if (!system_id.empty()) body["system_id"] = system_id;
    Reply r = chief_->client->Post("/api/v1/assets", body);
    Require(r.status == 201, "POST /assets: " + r.Describe());
    return r.doc;
  }

  static std::string AssetState(const json& asset) {
    Reply r = ciso_->client->Get("/api/v1/assets/" + asset["id"].get<std::string>());
    Require(r.status == 200, "GET /assets/{id}: " + r.Describe());
    return r.doc.value("state", "");
  }

  static Reply File(Person& p, const std::string& type, const std::vector<json>& assets, const json& fields) {
    json ids = json::array();
    for (const auto& a : assets) ids.push_back(a["id"]);
    return p.client->Post("/api/v1/requests", {{"type", type}, {"asset_ids", ids}, {"fields", fields}});
  }
  static json MustFile(Person& p, const std::string& type, const std::vector<json>& assets, const json& fields) {
    Reply r = File(p, type, assets, fields);
    Require(r.status == 201, "POST /requests " + type + ": " + r.Describe());
    return r.doc;
  }
  static Reply Act(Person& p, const json& req, const std::string& action, const json& body = json::object()) {
    return p.client->Post("/api/v1/requests/" + req["id"].get<std::string>() + "/" + action, body);
  }
  static std::string StateOf(const json& req) {
    Reply r = ciso_->client->Get("/api/v1/requests/" + req["id"].get<std::string>());
    Require(r.status == 200, "GET /requests/{id}: " + r.Describe());
    return r.doc.value("state", "");
  }

  // What a refusal must leave alone: the requests and every successful log entry. (Refusals
  // themselves are put on the record at the API edge, so the log head alone is not the test.)
  struct Snapshot {
    int64_t requests = 0;
    int64_t done = 0;
  };
  static Snapshot Snap() {
    Reply r = ciso_->client->Get("/api/v1/requests?per_page=1");
    Require(r.status == 200, "GET /requests: " + r.Describe());
    return {r.doc["total"].get<int64_t>(), AuditLog("result=success&per_page=1")["total"].get<int64_t>()};
  }
  static ::testing::AssertionResult Unchanged(const Snapshot& before) {
    const Snapshot now = Snap();
    if (now.requests != before.requests)
      return ::testing::AssertionFailure() << "requests went from " << before.requests << " to " << now.requests;
    if (now.done != before.done)
      return ::testing::AssertionFailure() << "successful log entries went from " << before.done << " to " << now.done;
    return ::testing::AssertionSuccess();
  }

  static ::testing::AssertionResult Denied(const Reply& r, const std::string& clause) {
    if (!IsProblem(r, 403, "policy_denied"))
      return ::testing::AssertionFailure() << "expected 403 policy_denied citing " << clause << ": " << r.Describe();
    if (r.doc.value("clause", "") != clause)
      return ::testing::AssertionFailure() << "expected clause " << clause << ": " << r.Describe();
    return ::testing::AssertionSuccess();
  }

  static json RemoteWork(bool public_place, bool personal, bool bulk, const std::string& access = "lgwan") {
    return {{"place", public_place ? "駅の待合室" : "自宅"},
            {"public_place", public_place},
            {"personal_data", personal},
            {"bulk_or_sensitive_personal_data", bulk},
            {"remote_access", access},
            {"period_from", "2099-04-01"},
            {"period_to", "2099-04-30"}};
  }
  static json Device(const std::string& type) {
    return {{"device_type", type},         {"device_owner", "本人"}, {"os_version", "Android 15"},
            {"purpose", "災害時の連絡"},   {"data_handled", "職員連絡網"}, {"max_confidentiality", 2},
            {"security_measures", "画面ロック"}, {"period_from", "2099-04-01"}, {"period_to", "2099-09-30"}};
  }
  static json Software(const std::string& acquisition, bool supported) {
    return {{"software", "圧縮ツール"}, {"version", "1.0"},  {"terminal", "PC-0001"},
            {"purpose", "暗号化圧縮"},  {"license", "商用"}, {"acquisition", acquisition},
            {"vendor_supported", supported}};
  }
  static json Exception() {
    return {{"rule", "7.1.1エ"}, {"reason", "災害対応"}, {"measures", "暗号化"}, {"period_from", "2099-04-01"},
            {"period_to", "2099-04-30"}};
  }
  static json TakeOut() {
    return {{"destination", "北区役所"}, {"purpose", "窓口応援"}, {"period_from", "2099-04-10"},
            {"period_to", "2099-04-12"}, {"carrier", "山田"}};
  }

  static Person *chief_, *staff_, *sysadmin_, *director_, *ciso_, *secmgr_, *contractor_;
  static std::string section_, mynumber_system_;
};

Person *StandardRulesTest::chief_ = nullptr, *StandardRulesTest::staff_ = nullptr,
       *StandardRulesTest::sysadmin_ = nullptr, *StandardRulesTest::director_ = nullptr,
       *StandardRulesTest::ciso_ = nullptr, *StandardRulesTest::secmgr_ = nullptr,
       *StandardRulesTest::contractor_ = nullptr;
std::string StandardRulesTest::section_, StandardRulesTest::mynumber_system_;

TEST_F(StandardRulesTest, ASectionChiefCannotApprovePersonalTestDataTheSecurityDirectorCan) {
  // kobe:8.3.3イ(3): real personal data is a test input only when the 統括責任者 permits it.
  json data = NewAsset(3, "electronic_data");
  json req = MustFile(*staff_, "personal_test_data", {data},
                      {{"system", "住民記録システム"},
                       {"reason", "移行の検証"},
                       {"measures", "マスキング"},
                       {"period_from", "2099-04-01"},
                       {"period_to", "2099-04-30"}});
  EXPECT_EQ(req.value("clause", ""), "kobe:8.3.3イ(3)");
  EXPECT_EQ(req["approver"].value("role", ""), "security_director");
  EXPECT_EQ(req["approver"].value("scope_type", ""), "city");
  // The owner section's information manager (情報管理者) is not the one who permits this.
  EXPECT_TRUE(IsProblem(Act(*chief_, req, "approve"), 403, "forbidden"));
  EXPECT_EQ(StateOf(req), "submitted");
  Reply ok = Act(*director_, req, "approve", {{"note", "マスキングを条件に許可"}});
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  EXPECT_EQ(ok.doc.value("decided_by", ""), director_->id);
  // Erased before the use began is no record of erasure after the test.
  Reply early = Act(*staff_, req, "complete", {{"completion", {{"erased_on", "2099-03-31"}}}});
  EXPECT_TRUE(IsProblem(early, 422, "validation_failed")) << early.Describe();
  EXPECT_TRUE(HasFieldError(early, "completion.erased_on", "policy_rule"));
  EXPECT_EQ(StateOf(req), "approved");
}

TEST_F(StandardRulesTest, WorkingFromHomeWithSensitivePersonalDataIsRefused) {
  // kobe:7.1.1オ(2): outside the office — home included — no personal data in bulk or of a
  // sensitive kind; in public places and vehicles no personal data at all.
  const Snapshot before = Snap();
  EXPECT_TRUE(Denied(File(*staff_, "remote_work", {}, RemoteWork(false, true, true)), "kobe:7.1.1オ(2)"));
  EXPECT_TRUE(Denied(File(*staff_, "remote_work", {}, RemoteWork(true, true, false)), "kobe:7.1.1オ(2)"));
  EXPECT_TRUE(Denied(File(*staff_, "remote_work", {}, RemoteWork(true, false, true)), "kobe:7.1.1オ(2)"));
  EXPECT_TRUE(Unchanged(before));
  // Ordinary personal data at home, and none at all in a public place, may be permitted.
  EXPECT_EQ(File(*staff_, "remote_work", {}, RemoteWork(false, true, false)).status, 201);
  EXPECT_EQ(File(*staff_, "remote_work", {}, RemoteWork(true, false, false)).status, 201);
}

TEST_F(StandardRulesTest, TheMyNumberZoneIsNeverLeftOnMediaNorReachedFromOutside) {
  json medium = NewAsset(2, "removable_medium", json::array(), mynumber_system_);
  json mobile = NewAsset(2, "mobile_terminal", json::array(), mynumber_system_);
  json paper = NewAsset(2, "paper_document", json::array(), mynumber_system_);
  const Snapshot before = Snap();
  // kobe:5.1イ(2): nothing is taken out of the zone on removable media or mobile terminals.
  EXPECT_TRUE(Denied(File(*staff_, "take_out", {medium}, TakeOut()), "kobe:5.1イ(2)"));
  EXPECT_TRUE(Denied(File(*staff_, "take_out", {mobile}, TakeOut()), "kobe:5.1イ(2)"));
  EXPECT_TRUE(Denied(File(*staff_, "removable_media", {medium},
                          {{"purpose", "受渡し"}, {"data", "統計表"}, {"used_on", "2099-04-01"}}),
                     "kobe:5.1イ(2)"));
  // kobe:6.3.6: no remote access to the zone from outside the office.
  EXPECT_TRUE(Denied(File(*staff_, "remote_work", {}, RemoteWork(false, false, false, "mynumber")),
                     "kobe:6.3.6"));
  EXPECT_TRUE(Denied(File(*staff_, "remote_work", {paper}, RemoteWork(false, false, false)), "kobe:6.3.6"));
  // kobe:8.1.15イ: wireless LAN is never permitted in the zone.
  EXPECT_TRUE(Denied(File(*staff_, "wireless_lan", {},
                          {{"network_zone", "mynumber"}, {"location", "3階"}, {"purpose", "会議"}, {"security", "WPA3"}}),
                     "kobe:8.1.15イ"));
  EXPECT_TRUE(Unchanged(before));
  EXPECT_EQ(AssetState(medium), "in_use");
  // Paper follows the ordinary take-out permission.
  EXPECT_EQ(File(*staff_, "take_out", {paper}, TakeOut()).status, 201);
}

TEST_F(StandardRulesTest, OnlyNonIssuedTerminalsArePermittedAndNeverToContractors) {
  json usb = NewAsset(2, "removable_medium");
  const Snapshot before = Snap();
  // pref:第8(3) (and proc:2(1)④): a contractor's staff never use a privately owned device.
  EXPECT_TRUE(Denied(File(*contractor_, "personal_device", {}, Device("pc")), "pref:第8(3)"));
  // kobe:7.1.1カ(1): the permission exists for terminals only; private media stay banned.
  EXPECT_TRUE(Denied(File(*staff_, "personal_device", {}, Device("removable_medium")), "kobe:7.1.1カ(1)"));
  EXPECT_TRUE(Denied(File(*staff_, "personal_device", {usb}, Device("other")), "kobe:7.1.1カ(1)"));
  EXPECT_TRUE(Unchanged(before));
  json ok = MustFile(*staff_, "personal_device", {}, Device("smartphone"));
  EXPECT_EQ(ok["approver"].value("role", ""), "information_manager");
}

TEST_F(StandardRulesTest, OnlyAMinorAdditionOfEquipmentCanBePermitted) {
  // kobe:8.1.20: connecting, adding or altering equipment is forbidden outright; a minor addition
  // is what the administrators may permit.
  json form = {{"equipment", "課内スイッチ"}, {"change", "ポートを増設する"}, {"reason", "端末の増加"},
               {"minor_addition", false}};
  const Snapshot before = Snap();
  EXPECT_TRUE(Denied(File(*staff_, "equipment_change", {}, form), "kobe:8.1.20"));
  EXPECT_TRUE(Unchanged(before));
  form["minor_addition"] = true;
  EXPECT_EQ(File(*staff_, "equipment_change", {}, form).status, 201);
}

TEST_F(StandardRulesTest, PiratedPersonallyOwnedOrUnsupportedSoftwareIsNeverInstalled) {
  const Snapshot before = Snap();
  // kobe:8.1.19ウ: no unlicensed copies, no privately owned software.
  EXPECT_TRUE(Denied(File(*staff_, "software_install", {}, Software("unlicensed_copy", true)),
                     "kobe:8.1.19ウ"));
  EXPECT_TRUE(Denied(File(*staff_, "software_install", {}, Software("personally_owned", true)),
                     "kobe:8.1.19ウ"));
  // kobe:8.4.1エ: nothing whose vendor support ends before the use does.
  EXPECT_TRUE(Denied(File(*staff_, "software_install", {}, Software("city_procured", false)),
                     "kobe:8.4.1エ"));
  EXPECT_TRUE(Unchanged(before));
  json ok = MustFile(*staff_, "software_install", {}, Software("city_procured", true));
  EXPECT_EQ(ok["approver"].value("role", ""), "infrastructure_manager");
}

TEST_F(StandardRulesTest, AnExceptionFiledByStaffIsRefusedBySectionChiefAccepted) {
  // kobe:9.5.1 / 9.5.2: 情報基盤管理者, 業務システム管理者 and 情報管理者 file exceptions.
  const Snapshot before = Snap();
  EXPECT_TRUE(Denied(File(*staff_, "exception", {}, Exception()), "kobe:9.5.1"));
  EXPECT_TRUE(Denied(File(*staff_, "exception_minor", {}, Exception()), "kobe:9.5.1"));
  EXPECT_TRUE(Denied(File(*staff_, "exception_emergency", {},
                          {{"rule", "7.1.1エ"}, {"reason", "避難所"}, {"measures", "事後報告"}, {"executed_on", "2026-01-10"}}),
                     "kobe:9.5.2"));
  // The approver of an exception is not among those who ask for one.
  EXPECT_TRUE(Denied(File(*ciso_, "exception", {}, Exception()), "kobe:9.5.1"));
  EXPECT_TRUE(Unchanged(before));
  json by_chief = MustFile(*chief_, "exception", {}, Exception());
  EXPECT_EQ(by_chief["approver"].value("role", ""), "ciso");
  json by_admin = MustFile(*sysadmin_, "exception_minor", {}, Exception());
  EXPECT_EQ(by_admin["approver"].value("role", ""), "security_director");
}

TEST_F(StandardRulesTest, ACopyOfAnAssetMarkedNoCopyingIsRefused) {
  // kobe:4.2イ: the handling restriction marked on an asset binds: 複製禁止 refuses a copy or send
  // as 持出禁止 refuses a take-out.
  json marked = NewAsset(2, "electronic_data", json::array({"複製禁止"}));
  json no_take_out = NewAsset(2, "electronic_data", json::array({"持出禁止"}));
  json form = {{"method", "copy"}, {"recipients", "課内"}, {"purpose", "共有"}, {"outside_section", false},
               {"encrypted", false}};
  const Snapshot before = Snap();
  EXPECT_TRUE(Denied(File(*staff_, "copy_send", {marked}, form), "kobe:4.2イ"));
  EXPECT_TRUE(Denied(File(*staff_, "take_out", {no_take_out}, TakeOut()), "kobe:4.2イ"));
  EXPECT_TRUE(Unchanged(before));
  // 持出禁止 alone does not stop a copy inside the section.
  EXPECT_EQ(File(*staff_, "copy_send", {no_take_out}, form).status, 201);
}

TEST_F(StandardRulesTest, ACompletionDatedBeforeThePermissionsStartIsRefusedAndNothingChanges) {
  json asset = NewAsset(2, "mobile_terminal");
  json req = MustFile(*staff_, "take_out", {asset}, TakeOut());
  ASSERT_EQ(Act(*chief_, req, "approve").status, 200);
  ASSERT_EQ(AssetState(asset), "taken_out");
  const Snapshot before = Snap();
  // Returned on 2099-04-09, before it went out on 2099-04-10 (kobe:7.1.1エ).
  Reply early = Act(*staff_, req, "complete", {{"completion", {{"returned_on", "2099-04-09"}}}});
  EXPECT_TRUE(IsProblem(early, 422, "validation_failed")) << early.Describe();
  EXPECT_TRUE(HasFieldError(early, "completion.returned_on", "policy_rule"));
  EXPECT_EQ(early.doc.value("clause", ""), "kobe:7.1.1エ");
  EXPECT_EQ(StateOf(req), "approved");
  EXPECT_EQ(AssetState(asset), "taken_out");
  EXPECT_TRUE(Unchanged(before));
  Reply done = Act(*staff_, req, "complete", {{"completion", {{"returned_on", "2099-04-10"}}}});
  ASSERT_EQ(done.status, 200) << done.Describe();
  EXPECT_EQ(AssetState(asset), "in_use");
}

TEST_F(StandardRulesTest, TheRemovableMediaLogFollowsTheProcurementClausesAndRecordsTheErasure) {
  // proc:2(1)③: use of a medium is permitted first and logged: who, when, and that the stored
  // data was erased.
  json usb = NewAsset(2, "removable_medium");
  json req = MustFile(*staff_, "removable_media", {usb},
                      {{"purpose", "受渡し"}, {"data", "統計表"}, {"used_on", "2099-04-01"}});
  EXPECT_EQ(req.value("clause", ""), "proc:2(1)③");
  ASSERT_EQ(Act(*chief_, req, "approve").status, 200);
  const Snapshot before = Snap();
  Reply no_erasure = Act(*staff_, req, "complete", {{"completion", {{"returned_on", "2099-04-01"}}}});
  EXPECT_TRUE(IsProblem(no_erasure, 422, "validation_failed")) << no_erasure.Describe();
  EXPECT_TRUE(HasFieldError(no_erasure, "completion.erased_on", "required"));
  EXPECT_TRUE(HasFieldError(no_erasure, "completion.erased_by", "required"));
  json erased = {{"returned_on", "2099-04-01"}, {"erased_on", "2099-03-31"}, {"erased_by", "山田"},
                 {"erasure_method", "上書き消去"}};
  Reply early = Act(*staff_, req, "complete", {{"completion", erased}});
  EXPECT_TRUE(HasFieldError(early, "completion.erased_on", "policy_rule")) << early.Describe();
  EXPECT_EQ(early.doc.value("clause", ""), "proc:2(1)③");
  EXPECT_TRUE(Unchanged(before));
  EXPECT_EQ(AssetState(usb), "taken_out");
  erased["erased_on"] = "2099-04-01";
  Reply done = Act(*staff_, req, "complete", {{"completion", erased}});
  ASSERT_EQ(done.status, 200) << done.Describe();
  EXPECT_EQ(done.doc["completion"].value("erased_by", ""), "山田");
}

TEST_F(StandardRulesTest, TheSecurityManagerKeepsTheSystemLedger) {
  // kobe:8.3.1ウ: the 情報セキュリティ管理者 draws up and keeps the information system ledger.
  json body = {{"name", UniqueLogin("台帳システム")}, {"owner_org_unit_id", section_}, {"network_zone", "lgwan"},
               {"hosting", "on_premises"}};
  Reply by_manager = secmgr_->client->Post("/api/v1/systems", body);
  ASSERT_EQ(by_manager.status, 201) << by_manager.Describe();
  body["name"] = UniqueLogin("台帳システム");
  EXPECT_TRUE(IsProblem(staff_->client->Post("/api/v1/systems", body), 403, "forbidden"));
}

TEST_F(StandardRulesTest, ASuspensionCitesTheIdRegistrationClauseNotTheLostCardOne) {
  // Suspending an ID is a change to its registration (kobe:8.2.1イ(2)); kobe:7.4.1ウ is about
  // stopping access when an ID card is reported lost, one reason among several.
  json user = CreateUser(UniqueLogin("srsusp"), section_);
  const std::string id = user["id"].get<std::string>();
  ASSERT_EQ(admin_->client->Post("/api/v1/users/" + id + "/suspend", json::object()).status, 204);
  json log = AuditLog("action=user.suspend&per_page=50");
  std::string clause = "(no entry)";
  for (const auto& e : log["items"])
    if (e.value("target", "").find(id) != std::string::npos) clause = e.value("clause", "");
  EXPECT_EQ(clause, "kobe:8.2.1イ(2)");
}

TEST_F(StandardRulesTest, ThePolicyNamesItsSourcesAndMarksTheCitysOwnChoices) {
  Reply pol = staff_->client->Get("/api/v1/policy");
  ASSERT_EQ(pol.status, 200) << pol.Describe();
  std::set<std::string> prefixes;
  for (const auto& s : pol.doc["sources"]) {
    prefixes.insert(s.value("prefix", ""));
    EXPECT_FALSE(s.value("title", "").empty()) << s.dump();
  }
  EXPECT_EQ(prefixes, (std::set<std::string>{"proc", "mic", "pref"}));
  const json& auth = pol.doc["authentication"];
  auto marked = [&](const char* section, const char* key) {
    for (const auto& k : auth[section]["city_choice"])
      if (k == key) return true;
    return false;
  };
  // kobe:8.2.5 asks for a lockout and a timeout without numbers; kobe:8.2.6エ for no reuse
  // without a count: those numbers are the city's.
  EXPECT_TRUE(marked("lockout", "max_failures"));
  EXPECT_TRUE(marked("session", "idle_minutes"));
  EXPECT_TRUE(marked("session", "absolute_hours"));
  EXPECT_TRUE(marked("password", "history"));
  // kobe:8.2.6ウ fixes eight characters as the rule: not a choice of the city.
  EXPECT_FALSE(marked("password", "min_length"));
  EXPECT_EQ(auth["password"].value("min_length", 0), 8);
}

TEST_F(StandardRulesTest, CoverageListsEachSourceAndItsClauses) {
  ProcResult r = RunMamori({"policy", "coverage", SourceDir() + "/policy/kobe.yaml", "--source", SourceDir()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* line : {"proc\t", "mic\t", "pref\t", "proc:2(1)③\t", "proc:2(1)④\t", "pref:第8(3)\t",
                           "kobe:9.5.1\t", "kobe:8.1.15イ\t", "kobe:7.4.1ウ\t"})
    EXPECT_NE(r.output.find(std::string("\n") + line), std::string::npos) << line;
}

}  // namespace
}  // namespace mamori::itest
