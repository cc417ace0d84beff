// Sign-in and the session: the login answer, identical 401s, lockout, forced password change,
// password rules, TOTP enrolment and replay, CSRF on every state-changing route, logout, and
// suspension ending sessions (kobe:6.4.2ア, kobe:7.4.1ウ, kobe:7.4.3, kobe:8.2.5; seed 004 第10(5)).
#include <atomic>
#include <regex>
#include <set>
#include <thread>

#include "auth/totp.hpp"
#include "harness.hpp"

namespace mamori::itest {
namespace {

const std::regex kRfc3339(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)");

class SessionTest : public ApiTest {};

TEST_F(SessionTest, LoginAnswerHasTheContractShapeAndASecureCookie) {
  Person p = NewUser("shape");
  const json& d = p.login_doc;
  ASSERT_TRUE(d.is_object());
  ASSERT_TRUE(d.contains("user") && d["user"].is_object()) << d.dump();
  EXPECT_EQ(d["user"].value("id", ""), p.id);
  EXPECT_EQ(d["user"].value("login_id", ""), p.login_id);
  EXPECT_EQ(d["user"].value("status", ""), "active");
  ASSERT_TRUE(d.contains("csrf_token") && d["csrf_token"].is_string());
  EXPECT_GE(d["csrf_token"].get<std::string>().size(), 16u);
  EXPECT_EQ(d.value("must_change_password", false), true) << "a temporary password must be changed (kobe:7.4.3キ)";
  EXPECT_EQ(d.value("mfa_required", true), false) << "nothing enrolled yet, so no code can be asked";
  EXPECT_EQ(d.value("mfa_enrollment_required", false), true) << "the Kobe pack requires MFA for everyone";
  ASSERT_TRUE(d.contains("previous_login"));
  EXPECT_TRUE(d["previous_login"].is_null()) << "first login has no previous login: " << d["previous_login"].dump();
  for (const char* secret : {"password_hash", "totp_secret", "totp_pending", "temporary_password"})
    EXPECT_FALSE(d["user"].contains(secret)) << secret << " leaks in the login answer";

  // The session cookie: __Host- prefix, Secure, HttpOnly, SameSite=Strict, Path=/, no Domain.
  const std::string& sc = p.client->last_set_cookie;
  EXPECT_EQ(sc.rfind("__Host-mamori_session=", 0), 0u) << sc;
  EXPECT_FALSE(p.client->cookie.empty());
  EXPECT_NE(sc.find("; Secure"), std::string::npos) << sc;
  EXPECT_NE(sc.find("; HttpOnly"), std::string::npos) << sc;
  EXPECT_NE(sc.find("SameSite=Strict"), std::string::npos) << sc;
  EXPECT_NE(sc.find("Path=/"), std::string::npos) << sc;
  EXPECT_EQ(sc.find("Domain="), std::string::npos) << sc;

  // GET /session answers the same user (allowed while steps are owed).
  Reply s = p.client->Get("/api/v1/session");
  ASSERT_EQ(s.status, 200) << s.Describe();
  EXPECT_EQ(s.doc["user"].value("id", ""), p.id);
  EXPECT_TRUE(s.doc.contains("roles") && s.doc["roles"].is_array()) << s.Describe();
}

TEST_F(SessionTest, NoSessionOrAForgedCookieIsUnauthenticated) {
  auto c = NewClient();
  EXPECT_TRUE(IsProblem(c->Get("/api/v1/session"), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(c->Get("/api/v1/users"), 401, "unauthenticated"));
  c->cookie = "forged-token-value";
  EXPECT_TRUE(IsProblem(c->Get("/api/v1/session"), 401, "unauthenticated"));
  c->cookie = std::string(2000, 'A');
  EXPECT_TRUE(IsProblem(c->Get("/api/v1/users"), 401, "unauthenticated"));
  // A token-shaped cookie that names no session.
  c->cookie = "nM4pROBT25XmVGQHoX8_Vs_Ry8shA8vnivenKwInISs";
  EXPECT_TRUE(IsProblem(c->Delete("/api/v1/session", Csrf::kWrong), 401, "unauthenticated"));
}

// Regression: before afdb622 a new user owed a password change and MFA enrolment, and each
// step's route refused to run until the other was settled, so nobody could finish signing in.
TEST_F(SessionTest, FirstSignInCompletesAndTheNextLoginShowsThePreviousOne) {
  Person p = NewUser("first");
  ASSERT_NO_THROW(CompleteSignIn(p)) << "a new user must be able to go from the temporary password to a full session";
  Reply bye = p.client->Delete("/api/v1/session");
  ASSERT_EQ(bye.status, 204) << bye.Describe();

  Reply r = p.client->Login(p.login_id, p.password);
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.doc.value("must_change_password", true), false);
  EXPECT_EQ(r.doc.value("mfa_required", false), true) << "an enrolled user gives a code at every login";
  EXPECT_EQ(r.doc.value("mfa_enrollment_required", true), false);
  ASSERT_TRUE(r.doc["previous_login"].is_object()) << "kobe:8.2.5: the previous login is shown: " << r.Describe();
  const std::string at = r.doc["previous_login"].value("at", "");
  EXPECT_TRUE(std::regex_match(at, kRfc3339)) << at;
  EXPECT_EQ(r.doc["previous_login"].value("address", ""), "127.0.0.1");

  // Nothing but the MFA step until it is passed.
  EXPECT_TRUE(IsMfaRequired(p.client->Get("/api/v1/users/" + p.id)));
  Reply wrong = p.client->Post("/api/v1/session/mfa", {{"code", p.WrongCode()}});
  EXPECT_TRUE(IsProblem(wrong, 401, "invalid_credentials"));
  EXPECT_TRUE(IsMfaRequired(p.client->Get("/api/v1/users/" + p.id)));

  Reply ok = p.client->Post("/api/v1/session/mfa", {{"code", p.NextCode()}});
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  EXPECT_EQ(ok.doc.value("mfa_required", true), false);
  EXPECT_EQ(ok.doc["user"].value("id", ""), p.id);
  for (const char* key : {"csrf_token", "must_change_password", "mfa_enrollment_required", "previous_login"})
    EXPECT_TRUE(ok.doc.contains(key)) << "the MFA answer is shaped like the login answer; " << key << " missing";
  EXPECT_EQ(p.client->Get("/api/v1/users/" + p.id).status, 200);
  Reply s = p.client->Get("/api/v1/session");
  ASSERT_EQ(s.status, 200) << s.Describe();
  EXPECT_EQ(s.doc["user"].value("login_id", ""), p.login_id);
}

TEST_F(SessionTest, ForcedPasswordChangeGatesEveryOtherRoute) {
  Person p = NewUser("gate", {{{"role", "infrastructure_manager"}, {"scope_type", "city"}}});
  const int64_t users_before = UserCount();
  for (const char* path : {"/api/v1/users", "/api/v1/org-units", "/api/v1/audit-log", "/api/v1/role-assignments"}) {
    Reply r = p.client->Get(path);
    EXPECT_TRUE(IsProblem(r, 403, "password_change_required")) << path;
    EXPECT_EQ(r.doc.value("clause", "").rfind("kobe:", 0), 0u) << "the problem names its clause: " << r.Describe();
  }
  EXPECT_TRUE(IsProblem(p.client->Get("/api/v1/users/" + p.id), 403, "password_change_required"));
  Reply create = p.client->Post("/api/v1/users", {{"login_id", UniqueLogin("never")},
                                                  {"name", "x"},
                                                  {"org_unit_id", city_id_},
                                                  {"employment_type", "regular"}});
  EXPECT_TRUE(IsProblem(create, 403, "password_change_required"));
  EXPECT_EQ(UserCount(), users_before) << "a refused create left a user behind";
  // The session itself and the policy stay readable; the password change is the way out.
  EXPECT_EQ(p.client->Get("/api/v1/session").status, 200);
  EXPECT_EQ(p.client->Get("/api/v1/policy").status, 200);
}

TEST_F(SessionTest, PasswordRulesNameEveryBrokenRule) {
  Person p = NewUser("rules");
  const std::string temp = p.password;
  auto change = [&](const std::string& current, const std::string& next) {
    return p.client->Put("/api/v1/me/password", {{"current_password", current}, {"new_password", next}});
  };
  auto expect_rule = [&](const std::string& next, const std::string& code) {
    Reply r = change(temp, next);
    EXPECT_TRUE(IsProblem(r, 422, "password_rejected")) << "new password '" << next << "'";
    EXPECT_TRUE(HasFieldError(r, "new_password", code)) << "new password '" << next << "'";
    EXPECT_EQ(r.doc.value("clause", "").rfind("kobe:", 0), 0u) << r.Describe();
  };
  expect_rule("Ab1#xyz", "too_short");                          // 7 < min_length 8
  expect_rule("qzmxwvbnrtkplh", "too_few_classes");             // lower case only
  expect_rule("Qz9#" + p.login_id + "x", "contains_login_id");  // kobe pack: reject_login_id
  expect_rule("Welcome1!", "dictionary_word");                  // libpwquality / cracklib
  expect_rule(std::string(126, 'q') + "A1#", "too_long");       // 129 > max_length 128
  expect_rule("Ab1#あい", "too_short");                         // 6 characters (10 bytes)
  expect_rule(temp, "reused");                                  // the current (temporary) password
  std::string similar = temp;
  similar.back() = similar.back() == 'Z' ? 'Y' : 'Z';
  expect_rule(similar, "too_similar");
  {
    // Several broken rules are all named in one answer.
    Reply r = change(temp, "abc");
    EXPECT_TRUE(IsProblem(r, 422, "password_rejected"));
    EXPECT_TRUE(HasFieldError(r, "new_password", "too_short"));
    EXPECT_TRUE(HasFieldError(r, "new_password", "too_few_classes"));
  }
  {
    Reply r = change(temp + "x", StrongPassword());
    EXPECT_TRUE(IsProblem(r, 422, "password_rejected")) << "a wrong current password";
    EXPECT_TRUE(HasFieldError(r, "current_password", "wrong_current_password"));
  }
  // None of that changed anything: the temporary password is still the current one.
  const std::string next = StrongPassword();
  Reply ok = change(temp, next);
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  p.password = next;
  // Rejections are recorded as failed password changes.
  json log = AuditLog("action=user.password_change&result=failure&actor=" + p.id);
  EXPECT_GE(log.value("total", 0), 8) << log.dump();
}

// CONTRACT GAP (DESIGN.md "Security of mamori itself": "the pack's password rules plus a
// breached-password list"): src/auth/password_rules.cpp relies on cracklib alone, which passes
// some of the most breached passwords there are, as long as they have three classes.
TEST_F(SessionTest, NotoriousBreachedPasswordsAreRefused) {
  Person p = NewSignedIn("breached");
  for (const char* breached : {"P@ssw0rd", "Password123!", "Admin@123", "Welcome@123"}) {
    Reply r = p.client->Put("/api/v1/me/password", {{"current_password", p.password}, {"new_password", breached}});
    EXPECT_TRUE(IsProblem(r, 422, "password_rejected")) << "'" << breached << "' is on every breached-password list";
    if (r.status == 200) p.password = breached;
  }
}

TEST_F(SessionTest, NoReuseOfTheCurrentOrTheLastFivePasswords) {
  Person p = NewSignedIn("history");
  std::vector<std::string> used{p.password};
  for (int i = 0; i < 5; ++i) {
    const std::string next = StrongPassword();
    Reply r = p.client->Put("/api/v1/me/password", {{"current_password", p.password}, {"new_password", next}});
    ASSERT_EQ(r.status, 200) << "change " << i << ": " << r.Describe();
    p.password = next;
    used.push_back(next);
  }
  // The current password and each of the five before it (history: 5) are refused.
  for (const auto& old : used) {
    Reply r = p.client->Put("/api/v1/me/password", {{"current_password", p.password}, {"new_password", old}});
    EXPECT_TRUE(IsProblem(r, 422, "password_rejected")) << "reuse of '" << old << "'";
    EXPECT_TRUE(HasFieldError(r, "new_password", "reused")) << "reuse of '" << old << "'";
  }
  Reply ok = p.client->Put("/api/v1/me/password", {{"current_password", p.password}, {"new_password", StrongPassword()}});
  EXPECT_EQ(ok.status, 200) << ok.Describe();
}

// Control characters are one of the pack's password rules (password_rules.hpp), so a new
// password containing one is a 422 password_rejected naming control_characters like any
// other broken rule.
// SERVER MISMATCH (src/api/session_handlers.cpp, ChangePassword): new_password is read with
// StringRule{1, 4096, multiline}, whose CheckString refuses C0 controls first, so the answer
// is 422 validation_failed instead — contrary to the comment above that line.
TEST_F(SessionTest, ControlCharactersInANewPasswordAreAPasswordRule) {
  Person p = NewSignedIn("ctrlpw");
  Reply r = p.client->Put("/api/v1/me/password",
                          {{"current_password", p.password}, {"new_password", std::string("Abc\x01" "def#123x")}});
  EXPECT_TRUE(HasFieldError(r, "new_password", "control_characters"));
  EXPECT_TRUE(IsProblem(r, 422, "password_rejected"));
}

TEST_F(SessionTest, WrongPasswordUnknownIdLockedSuspendedAndDeletedAllGetTheSame401) {
  auto c = NewClient();
  json known = CreateUser(UniqueLogin("known"));
  Reply base = c->Login(known["login_id"], "Wrong#Passw0rd-1");
  ASSERT_TRUE(IsProblem(base, 401, "invalid_credentials"));
  auto same = [&](const Reply& r, const std::string& what) {
    EXPECT_EQ(r.status, 401) << what << ": " << r.Describe();
    EXPECT_EQ(r.ContentType(), base.ContentType()) << what;
    EXPECT_EQ(r.doc, base.doc) << what << " must not be told apart from a wrong password: " << r.Describe();
    EXPECT_TRUE(r.Header("set-cookie").empty()) << what << " got a session cookie";
  };

  const std::string unknown = UniqueLogin("nobody");
  same(c->Login(unknown, "Wrong#Passw0rd-1"), "an unknown ID");

  // Locked: the pack's 5 failures lock the account; then even the right password is refused.
  json locked = CreateUser(UniqueLogin("locked"));
  const std::string lpw = locked["temporary_password"];
  for (int i = 0; i < 5; ++i) same(c->Login(locked["login_id"], lpw + "x"), "failure " + std::to_string(i + 1));
  same(c->Login(locked["login_id"], lpw), "a locked account with the right password");
  json lu = GetUser(locked["id"]);
  EXPECT_EQ(lu.value("status", ""), "locked") << lu.dump();

  json suspended = CreateUser(UniqueLogin("susp"));
  ASSERT_EQ(admin_->client->Post("/api/v1/users/" + suspended["id"].get<std::string>() + "/suspend", json::object()).status, 204);
  same(c->Login(suspended["login_id"], suspended["temporary_password"]), "a suspended account");

  json deleted = CreateUser(UniqueLogin("del"));
  ASSERT_EQ(admin_->client->Delete("/api/v1/users/" + deleted["id"].get<std::string>()).status, 204);
  same(c->Login(deleted["login_id"], deleted["temporary_password"]), "a deleted account");

  // Every failure is in the operation log with the source address (seed 002 4③).
  json fails = AuditLog("action=auth.login&result=failure&actor=" + unknown);
  ASSERT_GE(fails.value("total", 0), 1) << fails.dump();
  EXPECT_EQ(fails["items"][0].value("address", ""), "127.0.0.1");
  EXPECT_EQ(fails["items"][0].value("result", ""), "failure");
  json lf = AuditLog("action=auth.login&result=failure&actor=" + locked["login_id"].get<std::string>());
  EXPECT_GE(lf.value("total", 0), 6) << lf.dump();
  json lock_ev = AuditLog("action=auth.lockout&actor=" + locked["login_id"].get<std::string>());
  EXPECT_GE(lock_ev.value("total", 0), 1) << "the lockout itself is recorded: " << lock_ev.dump();
  json susp_ev = AuditLog("action=auth.login&result=failure&actor=" + suspended["login_id"].get<std::string>());
  EXPECT_GE(susp_ev.value("total", 0), 1) << susp_ev.dump();

  // The administrator lifts the lock; the right password works again.
  Reply resume = admin_->client->Post("/api/v1/users/" + locked["id"].get<std::string>() + "/resume", json::object());
  ASSERT_EQ(resume.status, 204) << resume.Describe();
  EXPECT_EQ(GetUser(locked["id"]).value("status", ""), "active");
  EXPECT_EQ(c->Login(locked["login_id"], lpw).status, 200);
}

TEST_F(SessionTest, FailuresBelowTheLimitDoNotLockAndASuccessResetsTheCount) {
  json u = CreateUser(UniqueLogin("count"));
  const std::string pw = u["temporary_password"];
  auto c = NewClient();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c->Login(u["login_id"], pw + "!").status, 401);
  ASSERT_EQ(c->Login(u["login_id"], pw).status, 200) << "4 failures are below the pack's 5";
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c->Login(u["login_id"], pw + "!").status, 401);
  EXPECT_EQ(c->Login(u["login_id"], pw).status, 200) << "a success starts the count again";
  EXPECT_EQ(GetUser(u["id"]).value("status", ""), "active");
}

// Depends on the sign-in bug above (PUT /me/password before MFA) for its first step.
TEST_F(SessionTest, TotpEnrolmentThenCodesAreAcceptedOnceOnly) {
  Person p = NewUser("totp");
  // Password first (the temporary one must go).
  const std::string next = StrongPassword();
  Reply changed = p.client->Put("/api/v1/me/password", {{"current_password", p.password}, {"new_password", next}});
  ASSERT_EQ(changed.status, 200) << "the temporary password is changed before enrolment: " << changed.Describe();
  p.password = next;

  // Enrolment owed: every other route says mfa_required; a code cannot be given yet.
  EXPECT_TRUE(IsMfaRequired(p.client->Get("/api/v1/users/" + p.id)));
  EXPECT_TRUE(IsMfaRequired(p.client->Post("/api/v1/session/mfa", {{"code", "123456"}})));
  Reply early = p.client->Post("/api/v1/me/mfa/totp/confirm", {{"code", "123456"}});
  EXPECT_EQ(early.status, 422) << "confirm before start: " << early.Describe();

  Reply start = p.client->Post("/api/v1/me/mfa/totp", json::object());
  ASSERT_EQ(start.status, 200) << start.Describe();
  const std::string secret = start.doc.value("secret", "");
  auto raw = auth::Base32Decode(secret);
  ASSERT_TRUE(raw.has_value()) << "secret is not base32: " << secret;
  EXPECT_GE(raw->size(), 16u) << "at least 128-bit secret";
  const std::string uri = start.doc.value("otpauth_uri", "");
  EXPECT_EQ(uri.rfind("otpauth://totp/", 0), 0u) << uri;
  EXPECT_NE(uri.find("secret=" + secret), std::string::npos) << uri;
  EXPECT_NE(uri.find(p.login_id), std::string::npos) << uri;
  EXPECT_NE(start.doc.value("qr_svg", "").find("<svg"), std::string::npos) << "a QR code for the authenticator app";
  p.totp_secret = *raw;

  Reply bad = p.client->Post("/api/v1/me/mfa/totp/confirm", {{"code", p.WrongCode()}});
  EXPECT_GE(bad.status, 400) << bad.Describe();
  EXPECT_LT(bad.status, 500) << bad.Describe();
  EXPECT_TRUE(HasFieldError(bad, "code")) << "a wrong code names the field";
  EXPECT_TRUE(IsMfaRequired(p.client->Get("/api/v1/users/" + p.id))) << "still not enrolled";

  const std::string first_code = p.NextCode();
  Reply confirmed = p.client->Post("/api/v1/me/mfa/totp/confirm", {{"code", first_code}});
  ASSERT_EQ(confirmed.status, 200) << confirmed.Describe();
  EXPECT_EQ(p.client->Get("/api/v1/users/" + p.id).status, 200) << "enrolment completes the sign-in";
  EXPECT_EQ(GetUser(p.id).value("mfa_enrolled", false), true);

  // Next login: the code used for enrolment is spent; a fresh one works once, in one session.
  ASSERT_EQ(p.client->Delete("/api/v1/session").status, 204);
  ASSERT_EQ(p.client->Login(p.login_id, p.password).status, 200);
  EXPECT_TRUE(IsProblem(p.client->Post("/api/v1/session/mfa", {{"code", first_code}}), 401, "invalid_credentials"))
      << "replay of the enrolment code";
  const std::string second_code = p.NextCode();
  Reply mfa = p.client->Post("/api/v1/session/mfa", {{"code", second_code}});
  ASSERT_EQ(mfa.status, 200) << mfa.Describe();

  Person other;  // a second device signing in as the same user replays the code
  other.client = NewClient();
  ASSERT_EQ(other.client->Login(p.login_id, p.password).status, 200);
  EXPECT_TRUE(IsProblem(other.client->Post("/api/v1/session/mfa", {{"code", second_code}}), 401, "invalid_credentials"))
      << "a code is accepted once only, across sessions";
  EXPECT_TRUE(IsMfaRequired(other.client->Get("/api/v1/users/" + p.id)));
  EXPECT_EQ(p.client->Get("/api/v1/users/" + p.id).status, 200) << "the first session is unaffected";
}

TEST_F(SessionTest, EveryStateChangingRouteRequiresTheCsrfToken) {
  Person other = NewUser("csrf");  // a target, and a second session with its own token
  const std::string target = other.id;
  const std::string assignment = AssignRole(target, "staff", "org_unit", city_id_);
  const int64_t head = LogHead();
  const int64_t users = UserCount();
  const size_t units = admin_->client->Get("/api/v1/org-units").doc["items"].size();

  struct Call {
    std::string method, path;
    std::optional<json> body;
  };
  const std::vector<Call> calls = {
      {"POST", "/api/v1/users",
       json{{"login_id", UniqueLogin("csrfnew")}, {"name", "x"}, {"org_unit_id", city_id_}, {"employment_type", "regular"}}},
      {"POST", "/api/v1/org-units", json{{"code", "csrf-unit"}, {"name", "x"}, {"kind", "bureau"}, {"parent_id", city_id_}}},
      {"POST", "/api/v1/users/" + target + "/suspend", json::object()},
      {"POST", "/api/v1/users/" + target + "/resume", json::object()},
      {"POST", "/api/v1/users/" + target + "/reset-password", json::object()},
      {"DELETE", "/api/v1/users/" + target, std::nullopt},
      {"POST", "/api/v1/role-assignments",
       json{{"user_id", target}, {"role", "csirt"}, {"scope_type", "city"}}},
      {"DELETE", "/api/v1/role-assignments/" + assignment, std::nullopt},
      {"PUT", "/api/v1/me/password", json{{"current_password", admin_->password}, {"new_password", StrongPassword()}}},
      {"POST", "/api/v1/me/mfa/totp", json::object()},
      {"POST", "/api/v1/me/mfa/totp/confirm", json{{"code", "123456"}}},
      {"POST", "/api/v1/session/mfa", json{{"code", "123456"}}},
      {"DELETE", "/api/v1/session", std::nullopt},
  };
  const std::string own_token = admin_->client->csrf_token;
  for (const auto& call : calls) {
    const std::optional<std::string> body = call.body ? std::optional<std::string>(call.body->dump()) : std::nullopt;
    for (Csrf mode : {Csrf::kOmit, Csrf::kWrong}) {
      Reply r = admin_->client->Send(call.method, call.path, body, mode);
      EXPECT_TRUE(IsProblem(r, 403, "csrf_failed"))
          << call.method << " " << call.path << (mode == Csrf::kOmit ? " without" : " with a wrong") << " X-CSRF-Token";
    }
    // Another live session's token does not do either.
    admin_->client->csrf_token = other.client->csrf_token;
    EXPECT_TRUE(IsProblem(admin_->client->Send(call.method, call.path, body, Csrf::kSend), 403, "csrf_failed"))
        << call.method << " " << call.path << " with another session's token";
    admin_->client->csrf_token = "";
    EXPECT_TRUE(IsProblem(admin_->client->Send(call.method, call.path, body, Csrf::kWrong), 403, "csrf_failed"));
    admin_->client->csrf_token = own_token;
  }
  // Nothing changed, and nothing was recorded.
  EXPECT_EQ(LogHead(), head);
  EXPECT_EQ(UserCount(), users);
  EXPECT_EQ(admin_->client->Get("/api/v1/org-units").doc["items"].size(), units);
  EXPECT_EQ(GetUser(target).value("status", ""), "active");
  json roles = admin_->client->Get("/api/v1/role-assignments?user_id=" + target).doc;
  ASSERT_EQ(roles.value("total", 0), 1) << roles.dump();
  EXPECT_EQ(roles["items"][0].value("id", ""), assignment);
  EXPECT_EQ(admin_->client->Get("/api/v1/session").status, 200) << "DELETE /session without the token ended the session";
  EXPECT_EQ(other.client->Get("/api/v1/session").status, 200) << "the target's session survived";
}

TEST_F(SessionTest, LogoutEndsTheSessionEverywhere) {
  Person p = NewUser("logout");
  const std::string cookie = p.client->cookie;
  Reply bye = p.client->Delete("/api/v1/session");
  ASSERT_EQ(bye.status, 204) << bye.Describe();
  EXPECT_NE(bye.Header("set-cookie").find("Max-Age=0"), std::string::npos) << "the cookie is cleared: " << bye.Header("set-cookie");
  auto replay = NewClient();  // the old cookie, from anywhere
  replay->cookie = cookie;
  EXPECT_TRUE(IsProblem(replay->Get("/api/v1/session"), 401, "unauthenticated"));
  replay->csrf_token = p.client->csrf_token;
  EXPECT_TRUE(IsProblem(replay->Delete("/api/v1/session"), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(replay->Put("/api/v1/me/password", {{"current_password", p.password}, {"new_password", StrongPassword()}}),
                        401, "unauthenticated"));
  json log = AuditLog("action=auth.logout&actor=" + p.id);
  EXPECT_EQ(log.value("total", 0), 1) << log.dump();
}

TEST_F(SessionTest, SuspensionEndsEverySessionOfTheUserAtOnce) {
  Person p = NewUser("suspend");
  auto second = NewClient();
  ASSERT_EQ(second->Login(p.login_id, p.password).status, 200);
  ASSERT_EQ(p.client->Get("/api/v1/session").status, 200);
  ASSERT_EQ(second->Get("/api/v1/session").status, 200);
  ASSERT_EQ(admin_->client->Post("/api/v1/users/" + p.id + "/suspend", json::object()).status, 204);
  EXPECT_TRUE(IsProblem(p.client->Get("/api/v1/session"), 401, "unauthenticated")) << "kobe:7.4.1ウ: at once";
  EXPECT_TRUE(IsProblem(second->Get("/api/v1/session"), 401, "unauthenticated"));
  ASSERT_EQ(admin_->client->Post("/api/v1/users/" + p.id + "/resume", json::object()).status, 204);
  EXPECT_TRUE(IsProblem(p.client->Get("/api/v1/session"), 401, "unauthenticated")) << "resume does not revive sessions";
  EXPECT_EQ(p.client->Login(p.login_id, p.password).status, 200);
  json log = AuditLog("action=user.suspend");
  bool found = false;
  for (const auto& e : log["items"]) found |= e.value("target", "").find(p.id) != std::string::npos;
  EXPECT_TRUE(found) << log.dump();
}

TEST_F(SessionTest, OneCodeSentTwiceAtOnceIsAcceptedOnce) {
  Person p = NewSignedIn("race");
  auto a = NewClient();
  auto b = NewClient();
  ASSERT_EQ(a->Login(p.login_id, p.password).status, 200);
  ASSERT_EQ(b->Login(p.login_id, p.password).status, 200);
  const std::string code = p.NextCode();
  Reply ra, rb;
  std::thread ta([&] { ra = a->Post("/api/v1/session/mfa", {{"code", code}}); });
  std::thread tb([&] { rb = b->Post("/api/v1/session/mfa", {{"code", code}}); });
  ta.join();
  tb.join();
  EXPECT_EQ((ra.status == 200) + (rb.status == 200), 1) << ra.Describe() << " / " << rb.Describe();
  EXPECT_TRUE(ra.status == 200 || IsProblem(ra, 401, "invalid_credentials")) << ra.Describe();
  EXPECT_TRUE(rb.status == 200 || IsProblem(rb, 401, "invalid_credentials")) << rb.Describe();
}

TEST_F(SessionTest, GuessingTotpCodesLocksTheAccount) {
  Person p = NewSignedIn("guess");
  auto attacker = NewClient();  // knows the password, not the authenticator
  ASSERT_EQ(attacker->Login(p.login_id, p.password).status, 200);
  for (int i = 0; i < 5; ++i) {
    Reply r = attacker->Post("/api/v1/session/mfa", {{"code", p.WrongCode()}});
    EXPECT_EQ(r.status, 401) << "guess " << i + 1 << ": " << r.Describe();
  }
  Reply right = attacker->Post("/api/v1/session/mfa", {{"code", p.NextCode()}});
  EXPECT_EQ(right.status, 401) << "after the pack's 5 failures even the right code is refused (kobe:8.2.5): "
                               << right.Describe();
  EXPECT_EQ(GetUser(p.id).value("status", ""), "locked");
  // Issue 7: the lock bars sign-in only; the owner's own session goes on (guessing must not
  // sign a person out), while the attacker's half-finished one has ended.
  EXPECT_EQ(p.client->Get("/api/v1/session").status, 200) << "the owner's live session survives the lockout";
  EXPECT_TRUE(IsProblem(attacker->Get("/api/v1/session"), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(NewClient()->Login(p.login_id, p.password), 401, "invalid_credentials"));
}

TEST_F(SessionTest, ConcurrentWrongPasswordsAllCountTowardsTheLockout) {
  json u = CreateUser(UniqueLogin("burst"));
  const std::string login = u["login_id"];
  std::vector<std::thread> threads;
  std::atomic<int> refused{0};
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&] {
      Client c(server_->base_url());
      if (c.Login(login, "Wrong#Passw0rd-1").status == 401) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(refused.load(), 5);
  EXPECT_EQ(GetUser(u["id"]).value("status", ""), "locked") << "five simultaneous failures are five failures";
  EXPECT_EQ(NewClient()->Login(login, u["temporary_password"]).status, 401);
}

TEST_F(SessionTest, ChangingThePasswordEndsTheUsersOtherSessions) {
  Person p = NewSignedIn("rotate");
  auto other = NewClient();
  ASSERT_EQ(other->Login(p.login_id, p.password).status, 200);
  ASSERT_EQ(other->Post("/api/v1/session/mfa", {{"code", p.NextCode()}}).status, 200);
  ASSERT_EQ(other->Get("/api/v1/users/" + p.id).status, 200);
  const std::string next = StrongPassword();
  Reply r = p.client->Put("/api/v1/me/password", {{"current_password", p.password}, {"new_password", next}});
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_TRUE(IsProblem(other->Get("/api/v1/session"), 401, "unauthenticated")) << "whoever knew the old password is out";
  EXPECT_EQ(p.client->Get("/api/v1/users/" + p.id).status, 200) << "the session that changed it stays";
  EXPECT_TRUE(IsProblem(NewClient()->Login(p.login_id, p.password), 401, "invalid_credentials"));
  EXPECT_EQ(NewClient()->Login(p.login_id, next).status, 200);
}

}  // namespace
}  // namespace mamori::itest
