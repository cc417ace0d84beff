// Requests approved by an ordered chain (docs/policy_pack.md `approvers`), through the API on
// both engines: kobe:8.1.4 — an exchange of system information with another body is filed only
// by the 情報基盤管理者 or a 業務システム管理者, and needs the permission of both the
// 情報セキュリティ統括責任者 and the 業務システム責任者 of the system concerned, two different
// people, neither of them the requester (kobe:3.2.10ア).
#include <set>

#include "harness.hpp"

namespace mamori::itest {
namespace {

class RequestChainTest : public ApiTest {
 protected:
  static void SetUpTestSuite() {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      section_ = CreateOrgUnit(UniqueLogin("chs"), "section", CreateOrgUnit(UniqueLogin("chb"), "bureau", city_id_));
      system_ = NewSystem("住民記録システム");
      other_system_ = NewSystem("税務システム");
      director_ = Make("chdir", {{{"role", "security_director"}, {"scope_type", "city"}}});
      owner_ = Make("chown", {{{"role", "system_owner"}, {"scope_type", "system"}, {"scope_id", system_}}});
      other_owner_ =
          Make("chown2", {{{"role", "system_owner"}, {"scope_type", "system"}, {"scope_id", other_system_}}});
      // One person holding both roles of the chain.
      both_ = Make("chboth", {{{"role", "security_director"}, {"scope_type", "city"}},
                              {{"role", "system_owner"}, {"scope_type", "system"}, {"scope_id", system_}}});
      // A system administrator (who may file) who also holds the director's role.
      sysadmin_ = Make("chadm", {{{"role", "system_admin"}, {"scope_type", "system"}, {"scope_id", system_}},
                                 {{"role", "security_director"}, {"scope_type", "city"}}});
      staff_ = Make("chstaff", {{{"role", "staff"}, {"scope_type", "org_unit"}, {"scope_id", section_}}});
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void TearDownTestSuite() {
    for (Person** p : {&director_, &owner_, &other_owner_, &both_, &sysadmin_, &staff_}) {
      delete *p;
      *p = nullptr;
    }
    ApiTest::TearDownTestSuite();
  }

  static Person* Make(const std::string& prefix, const std::vector<json>& roles) {
    return new Person(NewSignedIn(prefix, roles, section_));
  }

  static std::string NewSystem(const std::string& name) {
    json body = {{"name", name + " " + UniqueLogin("s")},
                 {"owner_org_unit_id", section_},
                 {"network_zone", "lgwan"},
                 {"hosting", "on_premises"}};
    Reply r = admin_->client->Post("/api/v1/systems", body);
    Require(r.status == 201, "POST /systems: " + r.Describe());
    return r.doc["id"].get<std::string>();
  }

  static json Form(const std::string& system) {
    return {{"system_id", system}, {"counterpart", "大阪市"}, {"content", "障害の情報"}, {"purpose", "再発防止"}};
  }

  static Reply File(Person& who, const std::string& system) {
    return who.client->Post("/api/v1/requests", {{"type", "info_exchange"}, {"asset_ids", json::array()},
                                                 {"fields", Form(system)}});
  }

  static json MustFile(Person& who) {
    Reply r = File(who, system_);
    Require(r.status == 201, "POST /requests info_exchange: " + r.Describe());
    return r.doc;
  }

  static Reply Act(Person& who, const json& request, const std::string& action, const json& body = json::object()) {
    return who.client->Post("/api/v1/requests/" + request["id"].get<std::string>() + "/" + action, body);
  }

  static json Fetch(Person& who, const json& request) {
    Reply r = who.client->Get("/api/v1/requests/" + request["id"].get<std::string>());
    Require(r.status == 200, "GET /requests/{id}: " + r.Describe());
    return r.doc;
  }

  static std::set<std::string> Offered(Person& who, const json& request) {
    std::set<std::string> out;
    const json doc = Fetch(who, request);
    for (const auto& a : doc["available_actions"]) out.insert(a.value("action", ""));
    return out;
  }

  // The successful request.<action> entries of the log for this request, oldest first.
  static std::vector<json> Entries(const json& request, const std::string& action) {
    json log = AuditLog("action=request." + action + "&result=success&per_page=200");
    std::vector<json> out;
    for (const auto& e : log["items"])
      if (e.value("target", "") == "request:" + request["id"].get<std::string>()) out.insert(out.begin(), e);
    return out;
  }

  static inline std::string section_, system_, other_system_;
  static inline Person *director_ = nullptr, *owner_ = nullptr, *other_owner_ = nullptr, *both_ = nullptr,
                       *sysadmin_ = nullptr, *staff_ = nullptr;
};

TEST_F(RequestChainTest, TheDirectorThenTheSystemsOwnerApproveAndEachStepIsLogged) {
  json r = MustFile(*admin_);  // the 情報基盤管理者
  EXPECT_EQ(r.value("state", ""), "submitted");
  EXPECT_EQ(r.value("clause", ""), "kobe:8.1.4");
  const json& approval = r["approval"];
  EXPECT_EQ(approval.value("step", -1), 0);
  EXPECT_EQ(approval.value("steps", -1), 2);
  ASSERT_EQ(approval["chain"].size(), 2u) << approval.dump();
  EXPECT_EQ(approval["chain"][0].value("role", ""), "security_director");
  EXPECT_EQ(approval["chain"][0].value("role_title", ""), "情報セキュリティ統括責任者");
  EXPECT_EQ(approval["chain"][0].value("scope_type", ""), "city");
  EXPECT_EQ(approval["chain"][0].value("status", ""), "due");
  EXPECT_TRUE(approval["chain"][0]["by"].is_null());
  EXPECT_EQ(approval["chain"][1].value("role", ""), "system_owner");
  EXPECT_EQ(approval["chain"][1].value("scope_type", ""), "system");
  EXPECT_EQ(approval["chain"][1].value("scope_id", ""), system_);
  EXPECT_EQ(approval["chain"][1].value("scope_name", "").rfind("住民記録システム", 0), 0u);
  EXPECT_EQ(approval["chain"][1].value("status", ""), "pending");

  // Step 1 is offered to the director only.
  EXPECT_EQ(Offered(*director_, r), (std::set<std::string>{"approve", "reject"}));
  EXPECT_TRUE(Offered(*admin_, r).count("approve") == 0) << "never to the requester";
  EXPECT_TRUE(IsProblem(Act(*owner_, r, "approve"), 403, "forbidden")) << "not the owner's turn yet";

  Reply first = Act(*director_, r, "approve", {{"note", "統括責任者として許可"}});
  ASSERT_EQ(first.status, 200) << first.Describe();
  EXPECT_EQ(first.doc.value("state", ""), "submitted") << "one permission of two is not the permission";
  EXPECT_EQ(first.doc["approval"].value("step", -1), 1);
  EXPECT_EQ(first.doc["approval"]["chain"][0].value("status", ""), "approved");
  EXPECT_EQ(first.doc["approval"]["chain"][0].value("by", ""), director_->id);
  EXPECT_EQ(first.doc["approval"]["chain"][1].value("status", ""), "due");
  EXPECT_EQ(first.doc["approver"].value("role", ""), "system_owner") << "the approver is the step that is due";
  EXPECT_TRUE(first.doc["decided_by"].is_null());
  EXPECT_EQ(first.doc.value("decision_note", "?"), "") << "no decision yet: the step's note is in its log entry";

  // Step 2 is offered to this system's owner only.
  EXPECT_TRUE(Offered(*director_, r).empty());
  EXPECT_EQ(Offered(*owner_, r), (std::set<std::string>{"approve", "reject"}));
  Reply inbox = owner_->client->Get("/api/v1/requests?inbox=true");
  ASSERT_EQ(inbox.status, 200);
  ASSERT_EQ(inbox.doc.value("total", -1), 1) << inbox.Describe();
  EXPECT_EQ(inbox.doc["items"][0]["id"], r["id"]);
  EXPECT_EQ(director_->client->Get("/api/v1/requests?inbox=true").doc.value("total", -1), 0);
  EXPECT_TRUE(IsProblem(Act(*other_owner_, r, "approve"), 404, "not_found")) << "another system's owner";

  Reply second = Act(*owner_, r, "approve", {{"note", "業務システム責任者として許可"}});
  ASSERT_EQ(second.status, 200) << second.Describe();
  EXPECT_EQ(second.doc.value("state", ""), "approved");
  EXPECT_EQ(second.doc.value("decided_by", ""), owner_->id);
  EXPECT_EQ(second.doc["approval"]["chain"][1].value("status", ""), "approved");
  EXPECT_EQ(second.doc["approval"]["chain"][1].value("by", ""), owner_->id);

  const auto logged = Entries(r, "approve");
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[0].value("actor", ""), director_->id);
  EXPECT_EQ(logged[0]["detail"].value("step", -1), 1);
  EXPECT_EQ(logged[0]["detail"].value("steps", -1), 2);
  EXPECT_EQ(logged[0]["detail"].value("to", ""), "submitted");
  EXPECT_EQ(logged[0]["detail"].value("note", ""), "統括責任者として許可");
  EXPECT_EQ(logged[0].value("clause", ""), "kobe:8.1.4");
  EXPECT_EQ(logged[1]["detail"].value("step", -1), 2);
  EXPECT_EQ(logged[1]["detail"].value("to", ""), "approved");
}

TEST_F(RequestChainTest, OnePersonHoldingBothRolesIsRefusedTheSecondStepAndNothingChanges) {
  json r = MustFile(*admin_);
  ASSERT_EQ(Act(*both_, r, "approve").status, 200);
  EXPECT_TRUE(Offered(*both_, r).empty());
  Reply twice = Act(*both_, r, "approve");
  EXPECT_TRUE(IsProblem(twice, 403, "separation_of_duties")) << twice.Describe();
  EXPECT_EQ(twice.doc.value("clause", ""), "kobe:8.1.4");
  EXPECT_TRUE(IsProblem(Act(*both_, r, "reject", {{"note", "やはり不可"}}), 403, "separation_of_duties"));
  json now = Fetch(*admin_, r);
  EXPECT_EQ(now.value("state", ""), "submitted");
  EXPECT_EQ(now["approval"].value("step", -1), 1);
  EXPECT_EQ(now.value("version", -1), r.value("version", -1) + 1);
  EXPECT_EQ(Entries(r, "approve").size(), 1u);
  // The refusal is on the record.
  json denied = AuditLog("result=denied&per_page=50");
  bool found = false;
  for (const auto& e : denied["items"])
    found |= e.value("target", "") == "request:" + r["id"].get<std::string>();
  EXPECT_TRUE(found) << denied.dump();
}

TEST_F(RequestChainTest, TheRequesterTakesNoStepEvenHoldingTheStepsRole) {
  json r = MustFile(*sysadmin_);  // a 業務システム管理者 who is also a director
  EXPECT_TRUE(Offered(*sysadmin_, r).count("approve") == 0);
  Reply self = Act(*sysadmin_, r, "approve");
  EXPECT_TRUE(IsProblem(self, 403, "separation_of_duties")) << self.Describe();
  EXPECT_EQ(self.doc.value("clause", ""), "kobe:3.2.10ア");
  EXPECT_EQ(Fetch(*sysadmin_, r)["approval"].value("step", -1), 0);
}

TEST_F(RequestChainTest, TheStepThatIsDueMayRejectAndTheRejectionEndsTheChain) {
  json r = MustFile(*admin_);
  ASSERT_EQ(Act(*director_, r, "approve").status, 200);
  EXPECT_TRUE(IsProblem(Act(*director_, r, "reject", {{"note", "取消し"}}), 403, "forbidden"));
  EXPECT_TRUE(HasFieldError(Act(*owner_, r, "reject", json::object()), "note", "required"));
  Reply rejected = Act(*owner_, r, "reject", {{"note", "相手先の取扱いが未定"}});
  ASSERT_EQ(rejected.status, 200) << rejected.Describe();
  EXPECT_EQ(rejected.doc.value("state", ""), "rejected");
  EXPECT_EQ(rejected.doc["approval"]["chain"][0].value("status", ""), "approved");
  EXPECT_EQ(rejected.doc["approval"]["chain"][1].value("status", ""), "rejected");
  EXPECT_EQ(rejected.doc["approval"]["chain"][1].value("by", ""), owner_->id);
  const auto logged = Entries(r, "reject");
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0]["detail"].value("step", -1), 2);
  EXPECT_TRUE(Offered(*owner_, r).empty());
  EXPECT_TRUE(IsProblem(Act(*owner_, r, "approve"), 409, "conflict"));
}

TEST_F(RequestChainTest, OnlyTheAdministratorsFileItAndTheSystemMustExist) {
  const int64_t head = LogHead();
  Reply staff = File(*staff_, system_);
  EXPECT_TRUE(IsProblem(staff, 403, "policy_denied")) << staff.Describe();
  EXPECT_EQ(staff.doc.value("clause", ""), "kobe:8.1.4");
  Reply owner = File(*owner_, system_);
  EXPECT_TRUE(IsProblem(owner, 403, "policy_denied")) << "the 業務システム責任者 permits, never files";
  EXPECT_EQ(staff_->client->Get("/api/v1/requests?mine=true").doc.value("total", -1), 0);
  EXPECT_EQ(owner_->client->Get("/api/v1/requests?mine=true").doc.value("total", -1), 0);

  json no_system = Form(system_);
  no_system.erase("system_id");
  Reply missing = admin_->client->Post("/api/v1/requests",
                                       {{"type", "info_exchange"}, {"asset_ids", json::array()}, {"fields", no_system}});
  EXPECT_TRUE(HasFieldError(missing, "fields.system_id", "required")) << missing.Describe();
  Reply unknown = File(*admin_, std::string(32, 'e'));
  EXPECT_TRUE(HasFieldError(unknown, "fields.system_id", "not_found")) << unknown.Describe();
  // Nothing was created: no successful request.create since (the refusals have their own entries).
  json since = AuditLog("action=request.create&result=success&per_page=5");
  for (const auto& e : since["items"]) EXPECT_LE(e.value("seq", int64_t{0}), head) << e.dump();
}

TEST_F(RequestChainTest, TheCatalogueShowsTheChainOfTheApproveTransition) {
  Reply reg = admin_->client->Get("/api/v1/registers");
  ASSERT_EQ(reg.status, 200) << reg.Describe();
  const json* type = nullptr;
  for (const auto& item : reg.doc["items"])
    if (item.value("id", "") == "info_exchange") type = &item;
  ASSERT_NE(type, nullptr) << reg.doc.dump().substr(0, 400);
  const json* approve = nullptr;
  for (const auto& t : (*type)["workflow"]["transitions"])
    if (t.value("id", "") == "approve") approve = &t;
  ASSERT_NE(approve, nullptr);
  ASSERT_EQ((*approve)["chain"].size(), 2u) << approve->dump();
  EXPECT_EQ((*approve)["chain"][0].value("role", ""), "security_director");
  EXPECT_EQ((*approve)["chain"][0].value("scope", ""), "city");
  EXPECT_EQ((*approve)["chain"][1].value("role", ""), "system_owner");
  EXPECT_EQ((*approve)["chain"][1].value("scope", ""), "system");
  EXPECT_TRUE((*approve)["by"].empty());
  // A type with one approver keeps its plain `by`.
  for (const auto& item : reg.doc["items"]) {
    if (item.value("id", "") != "take_out") continue;
    for (const auto& t : item["workflow"]["transitions"])
      if (t.value("id", "") == "approve") {
        EXPECT_TRUE(t["chain"].empty());
        EXPECT_EQ(t["by"].size(), 1u);
      }
  }
  // GET /policy answers the chain of each type.
  Reply pol = admin_->client->Get("/api/v1/policy");
  ASSERT_EQ(pol.status, 200);
  for (const auto& t : pol.doc["request_types"])
    if (t.value("id", "") == "info_exchange") {
      EXPECT_EQ(t["approvers"].size(), 2u);
    }
}

}  // namespace
}  // namespace mamori::itest
