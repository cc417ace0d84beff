#include "domain/request_service.hpp"

#include <gtest/gtest.h>

#include "domain/test_env.hpp"
#include "storage/notification_repo.hpp"
#include "storage/register_repo.hpp"

namespace mamori::domain {
namespace {

using testing::TestEnv;
using nlohmann::json;

constexpr const char* kPw = "Gr33n-Tea!Kyoto";

class RequestTest : public ::testing::Test {
 protected:
  RequestTest() : assets_(*t_.env), requests_(*t_.env, assets_) {
    staff_ = Person("staff", t_.section_a, "staff", "org_unit", t_.section_a);
    chief_ = Person("chief", t_.section_a, "information_manager", "org_unit", t_.section_a);
    other_chief_ = Person("otherchief", t_.section_b, "information_manager", "org_unit", t_.section_b);
    ciso_ = Person("ciso", t_.bureau_a, "ciso", "city", "");
    director_ = Person("director", t_.bureau_a, "security_director", "city", "");
  }

  Actor Person(const std::string& login, const std::string& unit, const std::string& role,
               const std::string& scope_type, const std::string& scope_id,
               const std::string& employment = "regular") {
    auto u = t_.AddUser(login, unit, kPw, employment, employment == "contractor" ? "2099-03-31" : "");
    EXPECT_TRUE(t_.Grant(u.id, role, scope_type, scope_id).ok());
    Actor a;
    a.user_id = u.id;
    a.login_id = login;
    a.roles = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::RoleRepo(c).ListForUser(u.id); });
    return a;
  }

  std::string Asset(int confidentiality, std::vector<std::string> handling = {}, const std::string& unit = "",
                    const std::string& kind = "removable_medium") {
    storage::AssetRecord r;
    r.id = NewId();
    r.name = "住民記録 " + std::to_string(confidentiality);
    r.kind = kind;
    r.owner_org_unit_id = unit.empty() ? t_.section_a : unit;
    r.confidentiality = confidentiality;
    r.integrity = 2;
    r.availability = 1;
    r.handling = std::move(handling);
    r.state = "in_use";
    r.created_by = "t";
    r.created_at = r.updated_at = 1;
    EXPECT_TRUE(t_.tdb.db()->Write([&](storage::Connection& c) { return storage::AssetRepo(c).Insert(r); }).ok());
    return r.id;
  }

  std::string AssetState(const std::string& id) {
    return (*t_.tdb.db()->Read([&](storage::Connection& c) { return storage::AssetRepo(c).Get(id); }))->state;
  }

  static json TakeOut(const std::string& from = "2026-10-01", const std::string& to = "2026-10-05") {
    return {{"destination", "区役所"}, {"purpose", "窓口業務"}, {"period_from", from}, {"period_to", to},
            {"carrier", "山本"}};
  }

  TestEnv t_;
  AssetService assets_;
  RequestService requests_;
  Actor staff_, chief_, other_chief_, ciso_, director_;
};

TEST_F(RequestTest, TakeOutFromRequestToReturn) {
  const std::string asset = Asset(3);
  auto created = requests_.Create(staff_, {"take_out", {asset}, TakeOut()});
  ASSERT_TRUE(created.ok()) << created.error().detail;
  EXPECT_EQ(created->request.state, "submitted");
  EXPECT_EQ(created->request.approver_role, "information_manager");
  EXPECT_EQ(created->request.approver_scope_id, t_.section_a);
  EXPECT_EQ(created->request.clause, "kobe:7.1.1エ");
  const std::string id = created->request.id;

  // The inbox of the section chief holds it; another section's chief sees nothing of it.
  auto inbox = requests_.List(chief_, {.inbox = true});
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->second, 1);
  EXPECT_TRUE(inbox->first[0].can_approve);
  EXPECT_EQ(requests_.List(other_chief_, {.inbox = true})->second, 0);
  EXPECT_EQ(requests_.Approve(other_chief_, id, "").error().code, ErrorCode::kNotFound);

  auto approved = requests_.Approve(chief_, id, "気をつけて");
  ASSERT_TRUE(approved.ok()) << approved.error().detail;
  EXPECT_EQ(approved->request.state, "approved");
  EXPECT_EQ(AssetState(asset), "taken_out");
  // While it is out, nobody can take it out again.
  EXPECT_EQ(requests_.Create(staff_, {"take_out", {asset}, TakeOut()}).error().code, ErrorCode::kConflict);

  auto missing = requests_.Complete(staff_, id, json::object());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().fields[0].field, "completion.returned_on");
  auto done = requests_.Complete(staff_, id, {{"returned_on", "2026-10-04"}});
  ASSERT_TRUE(done.ok()) << done.error().detail;
  EXPECT_EQ(done->request.state, "completed");
  EXPECT_EQ(AssetState(asset), "in_use");
  EXPECT_TRUE(t_.VerifyLog().ok);
}

TEST_F(RequestTest, NobodyApprovesTheirOwnRequest) {
  const std::string asset = Asset(2);
  // The chief asks; holding the approver role does not let them approve it.
  auto created = requests_.Create(chief_, {"take_out", {asset}, TakeOut()});
  ASSERT_TRUE(created.ok());
  auto self = requests_.Approve(chief_, created->request.id, "");
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code, ErrorCode::kSeparationOfDuties);
  EXPECT_EQ(self.error().clause, "kobe:3.2.10ア");
  EXPECT_EQ(requests_.List(chief_, {.inbox = true})->second, 0);
  // Someone without the role in scope is refused, and staff cannot approve at all.
  auto outsider = requests_.Approve(ciso_, created->request.id, "");
  ASSERT_FALSE(outsider.ok());
  EXPECT_EQ(outsider.error().code, ErrorCode::kForbidden);
}

TEST_F(RequestTest, ARequestWhoseApproverRoleNobodyHoldsIsRefusedNamingRoleAndScope) {
  // An asset of bureau A: no information_manager covers the bureau itself.
  const std::string asset = Asset(2, {}, t_.bureau_a);
  const int64_t head = t_.LogHead();
  auto created = requests_.Create(ciso_, {"take_out", {asset}, TakeOut()});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kConflict);
  ASSERT_EQ(created.error().fields.size(), 1u);
  EXPECT_EQ(created.error().fields[0].field, "approver");
  EXPECT_EQ(created.error().fields[0].code, "vacant");
  EXPECT_NE(created.error().detail.find("information_manager"), std::string::npos);
  EXPECT_NE(created.error().detail.find("A局"), std::string::npos);
  EXPECT_EQ(t_.LogHead(), head);
  // A draft waits; submitting it meets the same check.
  auto draft = requests_.Create(ciso_, {"take_out", {asset}, TakeOut(), true});
  ASSERT_TRUE(draft.ok()) << draft.error().detail;
  EXPECT_EQ(requests_.Submit(ciso_, draft->request.id).error().fields[0].code, "vacant");
  // A holder whose validity has ended fills nothing; a delegate in force does.
  auto lapsed = t_.AddUser("lapsed", t_.bureau_a, kPw);
  auto deputy = t_.AddUser("deputy", t_.bureau_a, kPw);
  auto insert = [&](const std::string& user, const std::string& valid_to, const std::string& delegate_of) {
    return t_.tdb.db()->Write([&](storage::Connection& c) {
      return storage::RoleRepo(c).Insert({.id = NewId(),
                                          .user_id = user,
                                          .role = "information_manager",
                                          .scope_type = "org_unit",
                                          .scope_id = t_.bureau_a,
                                          .valid_from = "",
                                          .valid_to = valid_to,
                                          .delegate_of = delegate_of,
                                          .created_at = 1,
                                          .created_by = "t",
                                          .revoked_at = 0,
                                          .revoked_by = ""});
    });
  };
  ASSERT_TRUE(insert(lapsed.id, "2020-03-31", "").ok());
  EXPECT_EQ(requests_.Submit(ciso_, draft->request.id).error().fields[0].code, "vacant");
  ASSERT_TRUE(insert(deputy.id, "", lapsed.id).ok());
  EXPECT_TRUE(requests_.Submit(ciso_, draft->request.id).ok());
}

TEST_F(RequestTest, DenyRulesNameTheirClause) {
  // A confidentiality-3 asset on a non-issued device (kobe:7.1.1カ(2)).
  const std::string secret = Asset(3, {}, "", "electronic_data");
  json device = {{"device_type", "smartphone"}, {"device_owner", "本人"}, {"os_version", "Android 15"},
                 {"purpose", "連絡"}, {"data_handled", "予定表"}, {"max_confidentiality", 2},
                 {"security_measures", "画面ロック"}, {"period_from", "2026-10-01"}, {"period_to", "2027-03-31"}};
  auto denied = requests_.Create(staff_, {"personal_device", {secret}, device});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kPolicyDenied);
  EXPECT_EQ(denied.error().clause, "kobe:7.1.1カ(2)");
  // The rule's message in Japanese, and its English version beside it (a problem's detail_en).
  EXPECT_NE(denied.error().detail.find("機密性3"), std::string::npos) << denied.error().detail;
  EXPECT_EQ(denied.error().detail_en, "Confidentiality-3 assets may not be handled on non-issued devices");
  device["max_confidentiality"] = 3;
  EXPECT_EQ(requests_.Create(staff_, {"personal_device", {}, device}).error().clause, "kobe:7.1.1カ(2)");
  device["max_confidentiality"] = 2;
  EXPECT_TRUE(requests_.Create(staff_, {"personal_device", {}, device}).ok());

  // Handling restriction 持出禁止 forbids taking out (kobe:4.2イ).
  const std::string locked = Asset(2, {"持出禁止"});
  EXPECT_EQ(requests_.Create(staff_, {"take_out", {locked}, TakeOut()}).error().code, ErrorCode::kPolicyDenied);
  // Wireless LAN is never allowed in the My Number zone.
  json wifi = {{"network_zone", "mynumber"}, {"location", "3階"}, {"purpose", "会議"}, {"security", "WPA3"}};
  // kobe:8.1.15イ: the clause that permits wireless LAN is the one that bars the My Number zone.
  EXPECT_EQ(requests_.Create(staff_, {"wireless_lan", {}, wifi}).error().clause, "kobe:8.1.15イ");
}

TEST_F(RequestTest, MissingAndBadFieldsAreNamed) {
  const std::string asset = Asset(2);
  json bad = {{"destination", 5}, {"period_from", "2026-02-30"}, {"carrier", "x"}, {"extra", 1}};
  auto r = requests_.Create(staff_, {"take_out", {asset}, bad});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kValidationFailed);
  std::set<std::string> named;
  for (const auto& f : r.error().fields) named.insert(f.field + ":" + f.code);
  EXPECT_TRUE(named.count("fields.destination:wrong_type"));
  EXPECT_TRUE(named.count("fields.purpose:required"));
  EXPECT_TRUE(named.count("fields.period_from:invalid_date"));
  EXPECT_TRUE(named.count("fields.period_to:required"));
  EXPECT_TRUE(named.count("fields.extra:unknown_field"));
  EXPECT_EQ(requests_.Create(staff_, {"no_such_type", {asset}, TakeOut()}).error().fields[0].field, "type");
  EXPECT_EQ(requests_.Create(staff_, {"take_out", {}, TakeOut()}).error().fields[0].field, "asset_ids");
  EXPECT_EQ(requests_.Create(staff_, {"take_out", {"nope"}, TakeOut()}).error().fields[0].code, "not_found");
}

TEST_F(RequestTest, PermissionsAreOnlyForClassesThatNeedThem) {
  const std::string public_doc = Asset(1);
  json copy = {{"method", "email"}, {"recipients", "B課"}, {"purpose", "共有"}, {"outside_section", true},
               {"encrypted", true}};
  auto r = requests_.Create(staff_, {"copy_send", {public_doc}, copy});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fields[0].code, "not_required");
  const std::string confidential = Asset(2);
  copy["encrypted"] = false;
  EXPECT_EQ(requests_.Create(staff_, {"copy_send", {confidential}, copy}).error().clause, "kobe:4.2オ(3)");
}

TEST_F(RequestTest, DisposalNeedsProofAndEndsTheAssetsLife) {
  const std::string asset = Asset(3);
  auto r = requests_.Create(staff_, {"disposal", {asset},
                                     {{"method", "physical_destruction"}, {"reason", "更新"}, {"planned_on", "2026-10-10"}}});
  ASSERT_TRUE(r.ok()) << r.error().detail;
  ASSERT_TRUE(requests_.Approve(chief_, r->request.id, "").ok());
  EXPECT_EQ(AssetState(asset), "in_use");  // disposed only once done
  auto no_proof = requests_.Complete(staff_, r->request.id, {{"disposed_on", "2026-10-10"}, {"erased_by", "業者A"},
                                                            {"erasure_method", "破砕"}});
  ASSERT_FALSE(no_proof.ok());
  EXPECT_EQ(no_proof.error().fields[0].field, "completion.proof");
  ASSERT_TRUE(requests_.Complete(staff_, r->request.id, {{"disposed_on", "2026-10-10"}, {"erased_by", "業者A"},
                                                        {"erasure_method", "破砕"}, {"proof", "証明書 No.123"}})
                  .ok());
  EXPECT_EQ(AssetState(asset), "disposed");
  EXPECT_EQ(requests_.Create(staff_, {"take_out", {asset}, TakeOut()}).error().code, ErrorCode::kConflict);
}

TEST_F(RequestTest, WithdrawRejectAndDrafts) {
  const std::string asset = Asset(2);
  auto draft = requests_.Create(staff_, {"take_out", {asset}, TakeOut(), true});
  ASSERT_TRUE(draft.ok());
  EXPECT_EQ(draft->request.state, "draft");
  EXPECT_EQ(requests_.Approve(chief_, draft->request.id, "").error().code, ErrorCode::kConflict);
  EXPECT_EQ(requests_.Submit(chief_, draft->request.id).error().code, ErrorCode::kForbidden);
  ASSERT_TRUE(requests_.Submit(staff_, draft->request.id).ok());
  auto no_reason = requests_.Reject(chief_, draft->request.id, "");
  EXPECT_EQ(no_reason.error().fields[0].field, "note");
  auto rejected = requests_.Reject(chief_, draft->request.id, "目的が不明確");
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->request.state, "rejected");
  EXPECT_EQ(requests_.Withdraw(staff_, draft->request.id).error().code, ErrorCode::kConflict);
  auto again = requests_.Create(staff_, {"take_out", {asset}, TakeOut()});
  ASSERT_TRUE(requests_.Withdraw(staff_, again->request.id).ok());
  EXPECT_EQ(AssetState(asset), "in_use");
}

TEST_F(RequestTest, EmergencyExceptionsAreExecutedThenReported) {
  json f = {{"rule", "8.1.19"}, {"reason", "障害対応"}, {"measures", "限定端末のみ"}, {"executed_on", "2026-09-12"}};
  // kobe:9.5.2: the section chief (情報管理者) acts first and reports; staff may not.
  auto by_staff = requests_.Create(staff_, {"exception_emergency", {}, f});
  ASSERT_FALSE(by_staff.ok());
  EXPECT_EQ(by_staff.error().code, ErrorCode::kPolicyDenied);
  EXPECT_EQ(by_staff.error().clause, "kobe:9.5.2");
  // Who may file (filed_by) answers its English message too.
  EXPECT_EQ(by_staff.error().detail_en.rfind("Only the infrastructure manager", 0), 0u) << by_staff.error().detail_en;
  auto r = requests_.Create(chief_, {"exception_emergency", {}, f});
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->request.state, "executed");
  EXPECT_EQ(r->request.report_due_at, t_.clock.NowMicros() + 72 * kMicrosPerHour);
  EXPECT_EQ(requests_.Approve(ciso_, r->request.id, "").error().code, ErrorCode::kConflict);
  ASSERT_TRUE(requests_.Report(chief_, r->request.id, "復旧済み").ok());
  auto ok = requests_.Approve(ciso_, r->request.id, "了承");
  ASSERT_TRUE(ok.ok()) << ok.error().detail;
  EXPECT_EQ(ok->request.state, "approved");
}

TEST_F(RequestTest, ApprovedRequestsExpireAfterTheirDate) {
  const std::string asset = Asset(2);
  auto r = requests_.Create(staff_, {"take_out", {asset}, TakeOut("2026-09-01", "2026-09-20")});
  ASSERT_TRUE(requests_.Approve(chief_, r->request.id, "").ok());
  t_.clock.Advance(30 * kMicrosPerDay);
  auto n = requests_.ExpireDue();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(requests_.Get(staff_, r->request.id)->request.state, "expired");
  EXPECT_EQ(AssetState(asset), "taken_out");  // overdue, still out
  ASSERT_TRUE(requests_.Complete(staff_, r->request.id, {{"returned_on", "2026-10-15"}}).ok());
  EXPECT_EQ(AssetState(asset), "in_use");
}

TEST_F(RequestTest, DelegatesApproveWithinTheirValidity) {
  const std::string asset = Asset(2);
  auto deputy = t_.AddUser("deputy", t_.section_a, kPw);
  DirectoryService dir(*t_.env);
  ASSERT_TRUE(dir.AssignRole(t_.admin, {deputy.id, "information_manager", "org_unit", t_.section_a, "", "", chief_.user_id})
                  .ok());
  Actor d;
  d.user_id = deputy.id;
  d.login_id = "deputy";
  d.roles = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::RoleRepo(c).ListForUser(deputy.id); });
  auto r = requests_.Create(staff_, {"take_out", {asset}, TakeOut()});
  ASSERT_TRUE(requests_.Approve(d, r->request.id, "代行").ok());
}

// ---- what the standard says, clause by clause (role ids and clauses written out here, never
// read back from the pack) ----

TEST_F(RequestTest, PersonalTestDataIsPermittedByTheSecurityDirectorNotTheSectionChief) {
  // kobe:8.3.3イ(3): real personal data becomes test data only with the 統括責任者's permission.
  const std::string data = Asset(3, {}, "", "electronic_data");
  json form = {{"system", "住民記録システム"}, {"reason", "移行の検証"}, {"measures", "マスキング"},
               {"period_from", "2026-10-01"}, {"period_to", "2026-10-31"}};
  auto r = requests_.Create(staff_, {"personal_test_data", {data}, form});
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->request.clause, "kobe:8.3.3イ(3)");
  EXPECT_EQ(r->request.approver_role, "security_director");
  EXPECT_EQ(r->request.approver_scope_type, "city");
  // The owner section's chief holds the information_manager role over the asset: not enough.
  auto by_chief = requests_.Approve(chief_, r->request.id, "");
  ASSERT_FALSE(by_chief.ok());
  EXPECT_EQ(by_chief.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(requests_.Get(ciso_, r->request.id)->request.state, "submitted");
  auto ok = requests_.Approve(director_, r->request.id, "マスキングを条件に許可");
  ASSERT_TRUE(ok.ok()) << ok.error().detail;
  EXPECT_EQ(ok->request.decided_by, director_.user_id);
}

TEST_F(RequestTest, ExceptionsAreFiledOnlyByTheRolesThatClauseNames) {
  // kobe:9.5.1: 情報基盤管理者, 業務システム管理者 and 情報管理者 ask for exceptions; nobody else.
  json f = {{"rule", "7.1.1エ"}, {"reason", "災害対応"}, {"measures", "暗号化"}, {"period_from", "2026-10-01"},
            {"period_to", "2026-10-31"}};
  const int64_t head = t_.LogHead();
  for (const char* type : {"exception", "exception_minor"}) {
    SCOPED_TRACE(type);
    auto by_staff = requests_.Create(staff_, {type, {}, f});
    ASSERT_FALSE(by_staff.ok());
    EXPECT_EQ(by_staff.error().code, ErrorCode::kPolicyDenied);
    EXPECT_EQ(by_staff.error().clause, "kobe:9.5.1");
    // The CISO approves exceptions but is not among those who file them.
    EXPECT_EQ(requests_.Create(ciso_, {type, {}, f}).error().clause, "kobe:9.5.1");
  }
  EXPECT_EQ(t_.LogHead(), head) << "a refused filing creates and logs nothing here (the edge logs refusals)";
  EXPECT_EQ(requests_.List(ciso_, {})->second, 0);
  auto by_chief = requests_.Create(chief_, {"exception", {}, f});
  ASSERT_TRUE(by_chief.ok()) << by_chief.error().detail;
  EXPECT_EQ(by_chief->request.approver_role, "ciso");
  Actor admin = Person("sysadmin", t_.section_a, "system_admin", "org_unit", t_.section_a);
  auto by_admin = requests_.Create(admin, {"exception_minor", {}, f});
  ASSERT_TRUE(by_admin.ok()) << by_admin.error().detail;
  EXPECT_EQ(by_admin->request.approver_role, "security_director");
}

TEST_F(RequestTest, ACompletionDatedBeforeThePermissionsStartIsRefusedAndChangesNothing) {
  const std::string asset = Asset(2);
  auto r = requests_.Create(staff_, {"take_out", {asset}, TakeOut("2026-10-01", "2026-10-05")});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(requests_.Approve(chief_, r->request.id, "").ok());
  const int64_t head = t_.LogHead();
  auto early = requests_.Complete(staff_, r->request.id, {{"returned_on", "2026-09-30"}});
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, ErrorCode::kValidationFailed);
  ASSERT_EQ(early.error().fields.size(), 1u);
  EXPECT_EQ(early.error().fields[0].field, "completion.returned_on");
  EXPECT_EQ(early.error().clause, "kobe:7.1.1エ");
  EXPECT_EQ(requests_.Get(staff_, r->request.id)->request.state, "approved");
  EXPECT_EQ(AssetState(asset), "taken_out");
  EXPECT_EQ(t_.LogHead(), head);
  // Returned the day it went out is fine.
  ASSERT_TRUE(requests_.Complete(staff_, r->request.id, {{"returned_on", "2026-10-01"}}).ok());
  EXPECT_EQ(AssetState(asset), "in_use");
}

TEST_F(RequestTest, ACopyOfAnAssetMarkedNoCopyingIsRefused) {
  // A handling restriction (kobe:4.2イ) binds: 複製禁止 stops a copy or a send.
  const std::string marked = Asset(2, {"複製禁止"}, "", "electronic_data");
  json copy = {{"method", "copy"}, {"recipients", "課内共有フォルダ"}, {"purpose", "共有"}, {"outside_section", false},
               {"encrypted", false}};
  auto r = requests_.Create(staff_, {"copy_send", {marked}, copy});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPolicyDenied);
  EXPECT_EQ(r.error().clause, "kobe:4.2イ");
  EXPECT_TRUE(requests_.Create(staff_, {"copy_send", {Asset(2, {}, "", "electronic_data")}, copy}).ok());
}

TEST_F(RequestTest, AContractorMayNeverUseAPrivateDevice) {
  Actor contractor = Person("vendor", t_.section_a, "contractor", "org_unit", t_.section_a, "contractor");
  json device = {{"device_type", "pc"}, {"device_owner", "本人"}, {"os_version", "Windows 11"},
                 {"purpose", "保守"}, {"data_handled", "設定情報"}, {"max_confidentiality", 1},
                 {"security_measures", "ウイルス対策"}, {"period_from", "2026-10-01"}, {"period_to", "2027-03-31"}};
  auto r = requests_.Create(contractor, {"personal_device", {}, device});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPolicyDenied);
  EXPECT_EQ(r.error().clause, "pref:第8(3)");
  // The same form from a member of staff may be permitted (kobe:7.1.1カ(1)) ...
  EXPECT_TRUE(requests_.Create(staff_, {"personal_device", {}, device}).ok());
  // ... but never for a private removable medium: only terminals can be permitted.
  device["device_type"] = "removable_medium";
  EXPECT_EQ(requests_.Create(staff_, {"personal_device", {}, device}).error().clause, "kobe:7.1.1カ(1)");
}

}  // namespace
}  // namespace mamori::domain

namespace mamori::domain {
namespace {

TEST_F(RequestTest, PersonalDataInAFormIsStoredSealedAndReadPlainByThoseWhoSeeTheRequest) {
  // The Kobe pack seals who carries an asset and where it goes (personal data, proc:5(3)①).
  const std::string asset = Asset(2);
  auto created = requests_.Create(staff_, {"take_out", {asset}, TakeOut()});
  ASSERT_TRUE(created.ok()) << created.error().detail;
  EXPECT_EQ(json::parse(created->request.fields)["carrier"], "山本");
  const std::string id = created->request.id;
  auto stored = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::RequestRepo(c).Get(id); });
  const json form = json::parse(stored->fields);
  EXPECT_TRUE(crypto::IsSealed(form["carrier"].get<std::string>()));
  EXPECT_TRUE(crypto::IsSealed(form["destination"].get<std::string>()));
  EXPECT_EQ(form["purpose"], "窓口業務") << "not personal data: stays plain";
  EXPECT_EQ(stored->fields.find("山本"), std::string::npos);
  // The approver reads it plain, approving works on the opened form, and so does completion.
  auto inbox = requests_.List(chief_, {.inbox = true});
  ASSERT_EQ(inbox->second, 1);
  EXPECT_EQ(json::parse(inbox->first[0].request.fields)["carrier"], "山本");
  ASSERT_TRUE(requests_.Approve(chief_, id, "").ok());
  auto done = requests_.Complete(staff_, id, {{"returned_on", "2026-10-04"}});
  ASSERT_TRUE(done.ok()) << done.error().detail;
  EXPECT_EQ(json::parse(done->request.fields)["destination"], "区役所");
  stored = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::RequestRepo(c).Get(id); });
  EXPECT_EQ(stored->fields.find("区役所"), std::string::npos) << "still sealed after every transition";
}

}  // namespace
// ---- approval chains (kobe:8.1.4) ---------------------------------------------------------

class RequestChainTest : public RequestTest {
 protected:
  RequestChainTest() {
    system_ = NewSystem("住民記録システム");
    other_system_ = NewSystem("税務システム");
    infra_ = Person("infra", t_.bureau_a, "infrastructure_manager", "city", "");
    owner_ = Person("owner", t_.section_a, "system_owner", "system", system_);
    other_owner_ = Person("otherowner", t_.section_b, "system_owner", "system", other_system_);
    // One person holding both roles of the chain.
    both_ = Person("both", t_.bureau_a, "security_director", "city", "");
    Also(both_, "system_owner", "system", system_);
    // A system administrator who is also a director: may file, never approve their own.
    sysadmin_director_ = Person("sysadmindir", t_.section_a, "system_admin", "system", system_);
    Also(sysadmin_director_, "security_director", "city", "");
  }

  std::string NewSystem(const std::string& name) {
    // An entry of the ledger, stored as the register engine stores it.
    storage::RegisterRecord r{.id = NewId(), .creator_org_unit_id = t_.section_a, .created_by = "t", .created_at = 1,
                              .updated_at = 1};
    r.values = {{"name", name}, {"owner_org_unit_id", t_.section_a}, {"network_zone", "lgwan"}, {"hosting", "on_premises"}};
    EXPECT_TRUE(t_.tdb.db()->Write([&](storage::Connection& c) {
      return storage::RegisterRepo(c, storage::SystemsTable()).Insert(r);
    }).ok());
    return r.id;
  }

  void Also(Actor& a, const std::string& role, const std::string& scope_type, const std::string& scope_id) {
    EXPECT_TRUE(t_.Grant(a.user_id, role, scope_type, scope_id).ok());
    a.roles = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::RoleRepo(c).ListForUser(a.user_id); });
  }

  json Exchange(const std::string& system) const {
    return {{"system_id", system}, {"counterpart", "大阪市"}, {"content", "障害の情報"}, {"purpose", "再発防止"}};
  }

  std::string File(const Actor& who, const std::string& system = "") {
    auto r = requests_.Create(who, {"info_exchange", {}, Exchange(system.empty() ? system_ : system)});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    return r.ok() ? r->request.id : "";
  }

  RequestView Read(const Actor& who, const std::string& id) {
    auto v = requests_.Get(who, id);
    EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().detail);
    return v.ok() ? *v : RequestView{};
  }

  int64_t Notices(const Actor& who) {
    return *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::NotificationRepo(c).CountForUser(who.user_id); });
  }

  // The newest log entry's action and detail.
  std::pair<std::string, json> LastEntry() {
    auto rows = *t_.tdb.db()->Read([&](storage::Connection& c) {
      return storage::AuditRepo(c).List({}, storage::Page{.page = 1, .per_page = 1});
    });
    if (rows.empty()) return {};
    return {rows[0].action, json::parse(rows[0].detail)};
  }

  std::string system_, other_system_;
  Actor infra_, owner_, other_owner_, both_, sysadmin_director_;
};

TEST_F(RequestChainTest, TheDirectorApprovesFirstThenTheSystemsOwnerAndOnlyThenItIsApproved) {
  const std::string id = File(infra_);
  RequestView v = Read(infra_, id);
  EXPECT_EQ(v.request.state, "submitted");
  // Who is asked is told: the director now, the system's owner only once it is their turn.
  EXPECT_EQ(Notices(director_), 1);
  EXPECT_EQ(Notices(owner_), 0);
  ASSERT_EQ(v.chain.size(), 2u);
  EXPECT_EQ(v.chain[0].role, "security_director");
  EXPECT_EQ(v.chain[0].scope_type, "city");
  EXPECT_EQ(v.chain[0].status, "due");
  EXPECT_EQ(v.chain[1].role, "system_owner");
  EXPECT_EQ(v.chain[1].scope_type, "system");
  EXPECT_EQ(v.chain[1].scope_id, system_);
  EXPECT_EQ(v.chain[1].scope_name, "住民記録システム");
  EXPECT_EQ(v.chain[1].status, "pending");

  // Step 1 is the director's: the system's owner is neither offered it nor allowed it yet.
  EXPECT_TRUE(Read(director_, id).can_approve);
  EXPECT_FALSE(Read(owner_, id).can_approve);
  EXPECT_EQ(requests_.List(owner_, {.inbox = true})->second, 0);
  EXPECT_EQ(requests_.List(director_, {.inbox = true})->second, 1);
  const int64_t head = t_.LogHead();
  auto early = requests_.Approve(owner_, id, "");
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(t_.LogHead(), head) << "a refused step writes nothing here (the edge logs the refusal)";

  auto first = requests_.Approve(director_, id, "統括責任者として許可");
  ASSERT_TRUE(first.ok()) << first.error().detail;
  EXPECT_EQ(first->request.state, "submitted") << "one permission of two is not the permission";
  EXPECT_EQ(first->request.step, 1);
  EXPECT_EQ(first->request.step_actors, std::vector<std::string>{director_.user_id});
  EXPECT_EQ(first->request.approver_role, "system_owner");
  EXPECT_TRUE(first->request.decided_by.empty());
  EXPECT_EQ(first->chain[0].status, "approved");
  EXPECT_EQ(first->chain[0].by, director_.user_id);
  EXPECT_EQ(first->chain[1].status, "due");
  EXPECT_EQ(Notices(owner_), 1);
  EXPECT_EQ(Notices(other_owner_), 0);
  EXPECT_EQ(Notices(director_), 1) << "who took a step is not asked again";
  EXPECT_EQ(Notices(infra_), 0) << "the requester hears of the decision, not of each step";
  auto [action, detail] = LastEntry();
  EXPECT_EQ(action, "request.approve");
  EXPECT_EQ(detail["step"], 1);
  EXPECT_EQ(detail["steps"], 2);
  EXPECT_EQ(detail["from"], "submitted");
  EXPECT_EQ(detail["to"], "submitted");
  EXPECT_EQ(detail["note"], "統括責任者として許可");
  EXPECT_TRUE(first->request.decision_note.empty()) << "no decision yet: the step's note is in its log entry";

  // Step 2 is the owner's of this system, and nobody else's.
  EXPECT_FALSE(Read(director_, id).can_approve);
  EXPECT_TRUE(Read(owner_, id).can_approve);
  EXPECT_EQ(requests_.List(director_, {.inbox = true})->second, 0);
  EXPECT_EQ(requests_.List(owner_, {.inbox = true})->second, 1);
  EXPECT_EQ(requests_.List(other_owner_, {.inbox = true})->second, 0);
  EXPECT_EQ(requests_.Approve(other_owner_, id, "").error().code, ErrorCode::kNotFound)
      << "another system's owner learns nothing of it";

  auto second = requests_.Approve(owner_, id, "業務システム責任者として許可");
  ASSERT_TRUE(second.ok()) << second.error().detail;
  EXPECT_EQ(second->request.state, "approved");
  EXPECT_EQ(second->request.decided_by, owner_.user_id);
  EXPECT_EQ(second->chain[1].status, "approved");
  EXPECT_EQ(second->chain[1].by, owner_.user_id);
  std::tie(action, detail) = LastEntry();
  EXPECT_EQ(action, "request.approve");
  EXPECT_EQ(detail["step"], 2);
  EXPECT_EQ(detail["to"], "approved");
  // Both approvers still see what they decided.
  EXPECT_EQ(Read(director_, id).request.state, "approved");
  EXPECT_TRUE(t_.VerifyLog().ok);
}

TEST_F(RequestChainTest, OnePersonHoldingBothRolesTakesOnlyOneStep) {
  const std::string id = File(infra_);
  ASSERT_TRUE(requests_.Approve(both_, id, "").ok());
  EXPECT_FALSE(Read(both_, id).can_approve) << "the second step is not offered to who took the first";
  EXPECT_EQ(requests_.List(both_, {.inbox = true})->second, 0);
  const int64_t head = t_.LogHead();
  auto twice = requests_.Approve(both_, id, "");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kSeparationOfDuties);
  EXPECT_EQ(twice.error().clause, "kobe:8.1.4");
  auto reject = requests_.Reject(both_, id, "やはり却下");
  ASSERT_FALSE(reject.ok());
  EXPECT_EQ(reject.error().code, ErrorCode::kSeparationOfDuties);
  EXPECT_EQ(t_.LogHead(), head);
  RequestView v = Read(infra_, id);
  EXPECT_EQ(v.request.state, "submitted");
  EXPECT_EQ(v.request.step, 1);
  // The system's owner, a different person, completes it.
  auto done = requests_.Approve(owner_, id, "");
  ASSERT_TRUE(done.ok()) << done.error().detail;
  EXPECT_EQ(done->request.state, "approved");
}

TEST_F(RequestChainTest, TheRequesterTakesNoStepWhateverRolesTheyHold) {
  // A system administrator files (kobe:8.1.4) and also holds the director's role.
  const std::string id = File(sysadmin_director_);
  EXPECT_FALSE(Read(sysadmin_director_, id).can_approve);
  auto self = requests_.Approve(sysadmin_director_, id, "");
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code, ErrorCode::kSeparationOfDuties);
  EXPECT_EQ(self.error().clause, "kobe:3.2.10ア");
  EXPECT_EQ(Read(director_, id).request.step, 0);
}

TEST_F(RequestChainTest, AnyStepsHolderMayRejectAndARejectionEndsTheChain) {
  const std::string id = File(infra_);
  ASSERT_TRUE(requests_.Approve(director_, id, "").ok());
  // The director took step 1; step 2 is not theirs to reject.
  EXPECT_EQ(requests_.Reject(director_, id, "取消し").error().code, ErrorCode::kForbidden);
  auto missing = requests_.Reject(owner_, id, "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().fields[0].field, "note");
  auto rejected = requests_.Reject(owner_, id, "相手先の取扱いが未定");
  ASSERT_TRUE(rejected.ok()) << rejected.error().detail;
  EXPECT_EQ(rejected->request.state, "rejected");
  EXPECT_EQ(rejected->request.decided_by, owner_.user_id);
  EXPECT_EQ(rejected->chain[0].status, "approved");
  EXPECT_EQ(rejected->chain[1].status, "rejected");
  EXPECT_EQ(rejected->chain[1].by, owner_.user_id);
  auto [action, detail] = LastEntry();
  EXPECT_EQ(action, "request.reject");
  EXPECT_EQ(detail["step"], 2);
  EXPECT_EQ(detail["steps"], 2);
  EXPECT_EQ(detail["to"], "rejected");
  EXPECT_FALSE(Read(owner_, id).can_approve);
  EXPECT_EQ(requests_.Approve(owner_, id, "").error().code, ErrorCode::kConflict);

  // Rejected at the first step: the owner is never asked.
  const std::string early = File(infra_);
  auto first = requests_.Reject(director_, early, "不要");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->chain[0].status, "rejected");
  EXPECT_EQ(first->chain[1].status, "pending");
}

TEST_F(RequestChainTest, OnlyTheInfrastructureManagerAndSystemAdministratorsFileIt) {
  const int64_t head = t_.LogHead();
  for (const Actor* who : {&staff_, &chief_, &owner_}) {
    auto r = requests_.Create(*who, {"info_exchange", {}, Exchange(system_)});
    ASSERT_FALSE(r.ok()) << who->login_id;
    EXPECT_EQ(r.error().code, ErrorCode::kPolicyDenied) << who->login_id;
    EXPECT_EQ(r.error().clause, "kobe:8.1.4");
  }
  EXPECT_EQ(t_.LogHead(), head);
}

TEST_F(RequestChainTest, TheSystemConcernedMustBeNamedAndExist) {
  json no_system = Exchange(system_);
  no_system.erase("system_id");
  auto missing = requests_.Create(infra_, {"info_exchange", {}, no_system});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().fields[0].field, "fields.system_id");
  EXPECT_EQ(missing.error().fields[0].code, "required");
  auto unknown = requests_.Create(infra_, {"info_exchange", {}, Exchange(NewId())});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().fields[0].field, "fields.system_id");
  EXPECT_EQ(unknown.error().fields[0].code, "not_found");
  // A system nobody owns: step 2 has no approver, so it is refused naming the role.
  const std::string orphan = NewSystem("孤立システム");
  auto vacant = requests_.Create(infra_, {"info_exchange", {}, Exchange(orphan)});
  ASSERT_FALSE(vacant.ok());
  EXPECT_EQ(vacant.error().code, ErrorCode::kConflict);
  EXPECT_NE(vacant.error().detail.find("system_owner"), std::string::npos) << vacant.error().detail;
  EXPECT_NE(vacant.error().detail.find("孤立システム"), std::string::npos) << vacant.error().detail;
  EXPECT_EQ(requests_.List(infra_, {.mine = true})->second, 0) << "nothing was filed";
}

TEST_F(RequestChainTest, ASingleApproverTypeRecordsItsOneStep) {
  const std::string asset = Asset(2);
  auto created = requests_.Create(staff_, {"take_out", {asset}, TakeOut()});
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(created->chain.size(), 1u);
  EXPECT_EQ(created->chain[0].status, "due");
  auto approved = requests_.Approve(chief_, created->request.id, "");
  ASSERT_TRUE(approved.ok());
  EXPECT_EQ(approved->chain[0].status, "approved");
  EXPECT_EQ(approved->chain[0].by, chief_.user_id);
  auto [action, detail] = LastEntry();
  EXPECT_EQ(action, "request.approve");
  EXPECT_FALSE(detail.contains("step")) << "a single approval is not a chain's step";
}

}  // namespace mamori::domain
