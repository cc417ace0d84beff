// Nobody grants themself power, and IDs follow people (issue 7 parts 1 and 6): self-grants of
// every role, second-person grants through the request engine (202 {request_id}), the last
// holder of roles.manage, auditor independence, contractors and privileged roles, PATCH
// /users/{id} with optimistic locking and transfers, authenticator resets and vacant approver
// roles (kobe:3.2.10ア/イ, kobe:8.2.1イ(2), kobe:8.2.1ウ(1)(2)).
#include <algorithm>
#include <cstdlib>
#include <set>

#include "harness.hpp"

namespace mamori::itest {
namespace {

class RolesTest : public ApiTest {
 protected:
  static Reply Grant(Person& by, const std::string& user_id, const std::string& role, const std::string& scope_type,
                     const std::string& scope_id = "") {
    json body = {{"user_id", user_id}, {"role", role}, {"scope_type", scope_type}};
    if (!scope_id.empty()) body["scope_id"] = scope_id;
    return by.client->Post("/api/v1/role-assignments", body);
  }
  static json RolesOf(const std::string& user_id) {
    Reply r = admin_->client->Get("/api/v1/role-assignments?user_id=" + user_id);
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.doc["items"];
  }
  static Reply Patch(Person& by, const std::string& user_id, const json& body) {
    return by.client->Send("PATCH", "/api/v1/users/" + user_id, body.dump());
  }
  static std::string Unique() { return std::to_string(std::rand() % 1000000); }
};

TEST_F(RolesTest, NobodyGrantsThemselfAnyRoleAtAnyScope) {
  Reply policy = admin_->client->Get("/api/v1/policy");
  ASSERT_EQ(policy.status, 200) << policy.Describe();
  const std::string section = CreateOrgUnit("self" + Unique(), "bureau", city_id_);
  // (Refusals are logged as denied by the API edge; what must not appear is a grant.)
  const size_t before = RolesOf(admin_->id).size();
  int tried = 0;
  for (const auto& role : policy.doc["roles"]) {
    for (const auto& scope : role["scopes"]) {
      const std::string st = scope.get<std::string>();
      Reply r = Grant(*admin_, admin_->id, role["id"], st, st == "city" ? "" : (st == "org_unit" ? section : std::string(32, 'a')));
      EXPECT_TRUE(IsProblem(r, 403, "separation_of_duties")) << role["id"] << " at " << st << ": " << r.Describe();
      EXPECT_EQ(r.doc.value("clause", ""), "kobe:3.2.10ア") << r.Describe();
      EXPECT_TRUE(HasFieldError(r, "user_id", "self")) << r.Describe();
      ++tried;
    }
  }
  EXPECT_GE(tried, 13) << "every role of the pack";
  EXPECT_EQ(RolesOf(admin_->id).size(), before) << "nothing granted";
  EXPECT_EQ(admin_->client->Get("/api/v1/requests?mine=true").doc.value("total", -1), 0) << "no request made";
  // Each refusal is on the record as denied; no grant was written.
  EXPECT_EQ(AuditLog("action=role.assign&result=success&actor=" + admin_->id)["items"].size(), 0u);
  EXPECT_GE(AuditLog("action=role.assign&result=denied&actor=" + admin_->id)["total"].get<int64_t>(), 1);
}

TEST_F(RolesTest, ASecondPersonRoleAnswers202AndExistsOnlyOnceAnotherPersonApproves) {
  json target = CreateUser(UniqueLogin("ciso"));
  const std::string tid = target["id"];
  Reply r = Grant(*admin_, tid, "ciso", "city");
  ASSERT_EQ(r.status, 202) << r.Describe();
  const std::string request_id = r.doc.value("request_id", "");
  ASSERT_FALSE(request_id.empty());
  EXPECT_TRUE(RolesOf(tid).empty()) << "no assignment before the approval";

  Reply req = admin_->client->Get("/api/v1/requests/" + request_id);
  ASSERT_EQ(req.status, 200) << req.Describe();
  EXPECT_EQ(req.doc.value("state", ""), "submitted");
  EXPECT_EQ(req.doc.value("type", ""), "role_grant");
  EXPECT_EQ(req.doc["approver"].value("role", ""), "security_director");

  // The requester may not approve their own request.
  Reply own = admin_->client->Post("/api/v1/requests/" + request_id + "/approve", json::object());
  EXPECT_TRUE(IsProblem(own, 403, "separation_of_duties")) << own.Describe();
  EXPECT_TRUE(RolesOf(tid).empty());
  // Someone without the approver role may not either.
  Person staff = NewSignedIn("st", {{{"role", "staff"}, {"scope_type", "org_unit"}, {"scope_id", city_id_}}});
  Reply stranger = staff.client->Post("/api/v1/requests/" + request_id + "/approve", json::object());
  EXPECT_TRUE(stranger.status == 403 || stranger.status == 404) << stranger.Describe();
  EXPECT_TRUE(RolesOf(tid).empty());

  Reply ok = approver_->client->Post("/api/v1/requests/" + request_id + "/approve", json{{"note", "承認"}});
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  json roles = RolesOf(tid);
  ASSERT_EQ(roles.size(), 1u) << roles.dump();
  EXPECT_EQ(roles[0].value("role", ""), "ciso");
  json log = AuditLog("action=role.assign&actor=" + approver_->id);
  bool found = false;
  for (const auto& e : log["items"])
    found |= e.value("target", "") == "user:" + tid && e["detail"].value("request_id", "") == request_id;
  EXPECT_TRUE(found) << "role.assign names the request: " << log.dump();
}

TEST_F(RolesTest, TheGranteeCannotApproveTheirOwnGrant) {
  // A second security director to be the grantee; the init approver stays the other.
  Person grantee = NewSignedIn("dir", {{{"role", "security_director"}, {"scope_type", "city"}}});
  Reply r = Grant(*admin_, grantee.id, "ciso", "city");
  ASSERT_EQ(r.status, 202) << r.Describe();
  const std::string request_id = r.doc["request_id"];
  Reply self = grantee.client->Post("/api/v1/requests/" + request_id + "/approve", json::object());
  EXPECT_TRUE(IsProblem(self, 403, "separation_of_duties")) << self.Describe();
  EXPECT_EQ(RolesOf(grantee.id).size(), 1u) << "still only the director role";
  ASSERT_EQ(approver_->client->Post("/api/v1/requests/" + request_id + "/approve", json::object()).status, 200);
  EXPECT_EQ(RolesOf(grantee.id).size(), 2u);
}

TEST_F(RolesTest, RequestsCannotBeMadeForGrantsDirectly) {
  json target = CreateUser(UniqueLogin("direct"));
  Reply r = admin_->client->Post("/api/v1/requests", {{"type", "role_grant"},
                                                      {"asset_ids", json::array()},
                                                      {"fields", {{"user_id", target["id"]}, {"role", "ciso"},
                                                                  {"scope_type", "city"}}}});
  EXPECT_TRUE(IsProblem(r, 422, "validation_failed")) << r.Describe();
  EXPECT_TRUE(HasFieldError(r, "type", "not_allowed")) << r.Describe();
}

TEST_F(RolesTest, TheLastHolderOfRolesManageCannotBeRevokedSuspendedOrDeleted) {
  // A second ID administrator, through the second-person flow.
  Person second = NewSignedIn("idadm", {{{"role", "infrastructure_manager"}, {"scope_type", "city"}}});
  // Leave the admin as the only holder: revoke every other in-force infrastructure_manager.
  Reply all = admin_->client->Get("/api/v1/role-assignments");
  ASSERT_EQ(all.status, 200);
  for (const auto& a : all.doc["items"]) {
    if (a["role"] == "infrastructure_manager" && a["user_id"] != admin_->id) {
      ASSERT_EQ(admin_->client->Delete("/api/v1/role-assignments/" + a["id"].get<std::string>()).status, 204);
    }
  }
  std::string own;
  for (const auto& a : RolesOf(admin_->id))
    if (a["role"] == "infrastructure_manager") own = a["id"];
  ASSERT_FALSE(own.empty());
  const int64_t head = LogHead();
  Reply r = admin_->client->Delete("/api/v1/role-assignments/" + own);
  EXPECT_TRUE(IsProblem(r, 409, "conflict")) << r.Describe();
  EXPECT_EQ(r.doc.value("clause", ""), "kobe:8.2.1イ(2)");
  EXPECT_EQ(LogHead(), head) << "nothing changed";
  bool still = false;
  for (const auto& a : RolesOf(admin_->id)) still |= a["id"] == own;
  EXPECT_TRUE(still);
}

TEST_F(RolesTest, AnAuditorMayNotCoverTheirOwnUnitOrWhereTheyHoldAnotherRole) {
  const std::string sfx = Unique();
  const std::string bureau = CreateOrgUnit("au" + sfx, "bureau", city_id_);
  const std::string own = CreateOrgUnit("au" + sfx + "-1", "section", bureau);
  const std::string other_bureau = CreateOrgUnit("av" + sfx, "bureau", city_id_);
  const std::string other = CreateOrgUnit("av" + sfx + "-1", "section", other_bureau);
  json u = CreateUser(UniqueLogin("aud"), own);
  const std::string uid = u["id"];
  for (const std::string& scope : {own, bureau}) {
    Reply r = Grant(*admin_, uid, "auditor", "org_unit", scope);
    EXPECT_TRUE(IsProblem(r, 403, "policy_denied")) << r.Describe();
    EXPECT_EQ(r.doc.value("clause", ""), "kobe:3.2.10イ");
  }
  EXPECT_TRUE(RolesOf(uid).empty()) << "nothing granted";
  // Auditing another bureau is allowed; a role there afterwards is not.
  ASSERT_EQ(Grant(*admin_, uid, "auditor", "org_unit", other_bureau).status, 201);
  Reply again = Grant(*admin_, uid, "information_manager", "org_unit", other);
  EXPECT_TRUE(IsProblem(again, 403, "policy_denied")) << again.Describe();
  EXPECT_EQ(RolesOf(uid).size(), 1u);
}

TEST_F(RolesTest, ContractorsAndDispatchedStaffMayNotHoldPrivilegedRoles) {
  for (const char* type : {"contractor", "dispatched"}) {
    json u = CreateUser(UniqueLogin("vend"), city_id_, type, {{"expires_on", "2099-03-31"}});
    for (const char* role : {"system_admin", "security_manager", "infrastructure_manager"}) {
      const bool city = std::string(role) != "system_admin";
      Reply r = Grant(*admin_, u["id"], role, city ? "city" : "org_unit", city ? "" : city_id_);
      EXPECT_TRUE(IsProblem(r, 403, "policy_denied")) << type << " " << role << ": " << r.Describe();
      EXPECT_EQ(r.doc.value("clause", ""), "kobe:8.2.1ウ(2)");
    }
    EXPECT_TRUE(RolesOf(u["id"]).empty()) << "nothing granted";
  }
  EXPECT_EQ(admin_->client->Get("/api/v1/requests?mine=true&type=role_grant&state=submitted").doc.value("total", -1), 0)
      << "no grant request either";
  // Changing a privileged regular employee into a contractor is refused the same way.
  Person sysadmin = NewUser("sa", {{{"role", "system_admin"}, {"scope_type", "org_unit"}, {"scope_id", city_id_}}});
  json cur = GetUser(sysadmin.id);
  Reply r = Patch(*admin_, sysadmin.id, {{"version", cur["version"]}, {"employment_type", "contractor"},
                                         {"expires_on", "2099-03-31"}});
  EXPECT_TRUE(IsProblem(r, 403, "policy_denied")) << r.Describe();
  EXPECT_EQ(GetUser(sysadmin.id).value("employment_type", ""), "regular");
}

TEST_F(RolesTest, PatchUserChangesWithVersionsAndATransferEndsTheOldUnitsRoles) {
  const std::string sfx = Unique();
  const std::string bureau = CreateOrgUnit("tr" + sfx, "bureau", city_id_);
  const std::string from = CreateOrgUnit("tr" + sfx + "-1", "section", bureau);
  const std::string to = CreateOrgUnit("tr" + sfx + "-2", "section", bureau);
  json u = CreateUser(UniqueLogin("mover"), from);
  const std::string uid = u["id"];
  AssignRole(uid, "information_manager", "org_unit", from);
  AssignRole(uid, "information_officer", "org_unit", bureau);
  json cur = GetUser(uid);
  ASSERT_TRUE(cur.contains("version")) << cur.dump();
  const int64_t v = cur["version"];

  // Bad input and stale versions change nothing.
  const int64_t head = LogHead();
  Reply bad = Patch(*admin_, uid, {{"version", v}, {"employment_type", "king"}});
  EXPECT_TRUE(IsProblem(bad, 422, "validation_failed"));
  EXPECT_TRUE(HasFieldError(bad, "employment_type"));
  Reply missing = Patch(*admin_, uid, {{"name", "x"}});
  EXPECT_TRUE(HasFieldError(missing, "version"));
  Reply nowhere = Patch(*admin_, uid, {{"version", v}, {"org_unit_id", std::string(32, 'f')}});
  EXPECT_TRUE(HasFieldError(nowhere, "org_unit_id")) << nowhere.Describe();
  Reply stale = Patch(*admin_, uid, {{"version", v + 5}, {"name", "古い版"}});
  EXPECT_TRUE(IsProblem(stale, 409, "conflict")) << stale.Describe();
  EXPECT_TRUE(HasFieldError(stale, "version", "stale"));
  EXPECT_EQ(LogHead(), head);
  EXPECT_EQ(GetUser(uid).value("name", ""), cur.value("name", ""));

  Reply moved = Patch(*admin_, uid, {{"version", v}, {"org_unit_id", to}, {"name", "異動 後"}});
  ASSERT_EQ(moved.status, 200) << moved.Describe();
  EXPECT_EQ(moved.doc.value("org_unit_id", ""), to);
  EXPECT_EQ(moved.doc.value("version", -1), v + 1);
  EXPECT_EQ(moved.doc["roles_ended"].size(), 1u) << "the old section's role ends; the bureau's stays";
  json roles = RolesOf(uid);
  ASSERT_EQ(roles.size(), 1u) << roles.dump();
  EXPECT_EQ(roles[0].value("role", ""), "information_officer");
  // The same version again is stale now.
  EXPECT_TRUE(IsProblem(Patch(*admin_, uid, {{"version", v}, {"name", "x"}}), 409, "conflict"));

  Reply history = admin_->client->Get("/api/v1/users/" + uid + "/history");
  ASSERT_EQ(history.status, 200) << history.Describe();
  std::set<std::string> actions;
  for (const auto& e : history.doc["items"]) actions.insert(e.value("action", ""));
  EXPECT_TRUE(actions.count("user.update")) << history.doc.dump();
  EXPECT_TRUE(actions.count("role.revoke"));
  EXPECT_TRUE(actions.count("user.create"));
  // Nobody changes their own unit, employment or expiry.
  json me = GetUser(admin_->id);
  Reply self = Patch(*admin_, admin_->id, {{"version", me["version"]}, {"employment_type", "fixed_term"}});
  EXPECT_TRUE(IsProblem(self, 403, "separation_of_duties")) << self.Describe();
}

TEST_F(RolesTest, AnAuthenticatorResetForcesEnrolmentAndAPrivilegedOneNeedsASecondPerson) {
  Person plain = NewSignedIn("mfa");
  const int64_t head = LogHead();
  Reply r = admin_->client->Post("/api/v1/users/" + plain.id + "/reset-mfa", {{"reason", "端末紛失"}});
  ASSERT_EQ(r.status, 204) << r.Describe();
  EXPECT_GT(LogHead(), head);
  EXPECT_FALSE(GetUser(plain.id).value("mfa_enrolled", true));
  EXPECT_EQ(plain.client->Get("/api/v1/session").status, 401) << "their sessions end";
  Reply again = plain.client->Login(plain.login_id, plain.password);
  ASSERT_EQ(again.status, 200) << again.Describe();
  EXPECT_TRUE(again.doc.value("mfa_enrollment_required", false)) << again.Describe();

  Person priv = NewSignedIn("mfap", {{{"role", "system_admin"}, {"scope_type", "org_unit"}, {"scope_id", city_id_}}});
  Reply pending = admin_->client->Post("/api/v1/users/" + priv.id + "/reset-mfa", json::object());
  ASSERT_EQ(pending.status, 202) << pending.Describe();
  const std::string request_id = pending.doc.value("request_id", "");
  EXPECT_TRUE(GetUser(priv.id).value("mfa_enrolled", false)) << "not before the approval";
  ASSERT_EQ(approver_->client->Post("/api/v1/requests/" + request_id + "/approve", json::object()).status, 200);
  EXPECT_FALSE(GetUser(priv.id).value("mfa_enrolled", true));
  Reply self = admin_->client->Post("/api/v1/users/" + admin_->id + "/reset-mfa", json::object());
  EXPECT_TRUE(IsProblem(self, 403, "separation_of_duties")) << self.Describe();
}

TEST_F(RolesTest, ARequestNobodyCouldApproveIsRefusedAndListedAsVacant) {
  const std::string sfx = Unique();
  const std::string bureau = CreateOrgUnit("va" + sfx, "bureau", city_id_);
  const std::string section = CreateOrgUnit("va" + sfx + "-1", "section", bureau);
  Person staff = NewSignedIn("vs", {{{"role", "staff"}, {"scope_type", "org_unit"}, {"scope_id", section}}}, section);
  Reply vac = admin_->client->Get("/api/v1/approver-vacancies");
  ASSERT_EQ(vac.status, 200) << vac.Describe();
  bool listed = false;
  for (const auto& v : vac.doc["items"])
    listed |= v.value("role", "") == "information_manager" && v.value("scope_id", json()) == section;
  EXPECT_TRUE(listed) << vac.doc.dump();
  EXPECT_TRUE(IsProblem(staff.client->Get("/api/v1/approver-vacancies"), 403, "forbidden"));

  // remote_work is approved by the requester's section chief: nobody holds it there.
  const int64_t head = LogHead();
  Reply r = staff.client->Post("/api/v1/requests", {{"type", "remote_work"},
                                                    {"asset_ids", json::array()},
                                                    {"fields", {{"place", "自宅"}, {"public_place", false},
                                                                {"personal_data", false},
                                                                {"bulk_or_sensitive_personal_data", false},
                                                                {"remote_access", "none"},
                                                                {"period_from", "2099-04-01"},
                                                                {"period_to", "2099-04-02"}}}});
  EXPECT_TRUE(IsProblem(r, 409, "conflict")) << r.Describe();
  EXPECT_TRUE(HasFieldError(r, "approver", "vacant")) << r.Describe();
  EXPECT_NE(r.doc.value("detail", "").find("information_manager"), std::string::npos) << r.Describe();
  EXPECT_EQ(LogHead(), head);
}

TEST_F(RolesTest, TheNewRoutesNeedTheCsrfTokenAndStaffMayNotUseThem) {
  json u = CreateUser(UniqueLogin("csrf"));
  const std::string uid = u["id"];
  const std::string patch = json{{"version", 0}, {"name", "x"}}.dump();
  for (Csrf mode : {Csrf::kOmit, Csrf::kWrong}) {
    EXPECT_TRUE(IsProblem(admin_->client->Send("PATCH", "/api/v1/users/" + uid, patch, mode), 403, "csrf_failed"));
    EXPECT_TRUE(IsProblem(admin_->client->Send("POST", "/api/v1/users/" + uid + "/reset-mfa", std::string("{}"), mode),
                          403, "csrf_failed"));
  }
  Person staff = NewSignedIn("nostaff", {{{"role", "staff"}, {"scope_type", "org_unit"}, {"scope_id", city_id_}}});
  Reply p = Patch(staff, uid, {{"version", 0}, {"name", "x"}});
  EXPECT_TRUE(p.status == 403 || p.status == 404) << p.Describe();
  Reply m = staff.client->Post("/api/v1/users/" + uid + "/reset-mfa", json::object());
  EXPECT_TRUE(m.status == 403 || m.status == 404) << m.Describe();
  EXPECT_TRUE(IsProblem(staff.client->Get("/api/v1/users/" + uid + "/history"), 404, "not_found"));
  EXPECT_EQ(GetUser(uid).value("name", ""), u.value("name", "")) << "nothing changed";
  EXPECT_EQ(GetUser(uid).value("version", -1), 0);
}

}  // namespace
}  // namespace mamori::itest
