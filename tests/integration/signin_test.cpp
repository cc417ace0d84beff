// Sign-in that an attacker cannot turn against users (issue 7, part 3): throttling by client
// address across accounts (password spraying) with 429 and Retry-After, an address named by a
// trusted proxy only, a lockout that never signs the owner out, a new session token and CSRF
// token at every step up, "my sessions" and an administrator ending all of a user's sessions,
// context words and the breached-password list, and JSON bodies only as application/json
// (kobe:8.2.5, kobe:6.4.2ア, kobe:7.4.3ウ; DESIGN.md "Security of mamori itself").
//
// The suite's server is configured with a small throttle (8 failures per 10 minutes) and
// 127.0.0.3 as its trusted proxy. Each test signs in anonymously from its own loopback
// address (any of 127/8 reaches the server), so the tests do not throttle one another.
#include <regex>
#include <set>

#include "auth/totp.hpp"
#include "harness.hpp"

namespace mamori::itest {
namespace {

constexpr int kThrottle = 8;
constexpr int kWindowSeconds = 600;
constexpr char kProxy[] = "127.0.0.3";

class SigninTest : public ApiTest {
 public:
  static void SetUpTestSuite() {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      server_->Reconfigure("login_throttle_failures: " + std::to_string(kThrottle) +
                           "\nlogin_throttle_window_seconds: " + std::to_string(kWindowSeconds) +
                           "\ntrusted_proxies: [" + kProxy + "]");
      admin_->client->set_base(server_->base_url());
      Require(admin_->client->Get("/api/v1/session").status == 200, "the admin's session did not survive the restart");
    } catch (const std::exception& e) {
      setup_error_ = e.what();
      ADD_FAILURE() << "suite set-up failed: " << e.what();
    }
  }

 protected:
  // A client whose requests leave from `address`.
  static std::unique_ptr<Client> From(const std::string& address) {
    auto c = NewClient();
    c->source_address = address;
    return c;
  }
  // A login as the client at `client_address` would make it through the trusted proxy.
  static Reply ViaProxy(Client& proxy, const std::string& forwarded_for, const std::string& login,
                        const std::string& password) {
    return proxy.Send("POST", "/api/v1/session", json{{"login_id", login}, {"password", password}}.dump(), Csrf::kOmit,
                      {"X-Forwarded-For: " + forwarded_for});
  }
  // After a step up: the old cookie names no session, the old CSRF token is refused next to
  // the new cookie, and the new pair works.
  static void ExpectDead(Client& now, const std::string& old_cookie, const std::string& old_csrf,
                         const std::string& step) {
    auto replay = NewClient();
    replay->cookie = old_cookie;
    EXPECT_TRUE(IsProblem(replay->Get("/api/v1/session"), 401, "unauthenticated")) << "old cookie after " << step;
    const std::string current = now.csrf_token;
    EXPECT_NE(current, old_csrf) << "a new CSRF token after " << step;
    now.csrf_token = old_csrf;
    EXPECT_TRUE(IsProblem(now.Delete("/api/v1/session"), 403, "csrf_failed")) << "old CSRF token after " << step;
    now.csrf_token = current;
    EXPECT_EQ(now.Get("/api/v1/session").status, 200) << "the new token works after " << step;
  }
  static std::string ChangePasswordTo(Person& p, const std::string& next, Reply* out = nullptr) {
    Reply r = p.client->Put("/api/v1/me/password", {{"current_password", p.password}, {"new_password", next}});
    if (out) *out = r;
    if (r.status == 200) p.password = next;
    return r.Describe();
  }
};

// ---- spraying -------------------------------------------------------------------------------

TEST_F(SigninTest, SprayingManyAccountsFromOneAddressIsRefusedWith429AndRetryAfter) {
  std::vector<json> users;
  for (int i = 0; i < kThrottle + 1; ++i) users.push_back(CreateUser(UniqueLogin("spray")));
  auto sprayer = From("127.0.0.2");
  // One guess per account: no account comes near its own lockout (5), the address does.
  for (int i = 0; i < kThrottle; ++i)
    ASSERT_TRUE(IsProblem(sprayer->Login(users[i]["login_id"], "Summer#2024x"), 401, "invalid_credentials")) << i;

  const json& last = users[kThrottle];
  Reply refused = sprayer->Login(last["login_id"], last["temporary_password"]);
  ASSERT_TRUE(IsProblem(refused, 429, "rate_limited"));
  const std::string retry = refused.Header("retry-after");
  ASSERT_TRUE(std::regex_match(retry, std::regex("[1-9][0-9]*"))) << "Retry-After: '" << retry << "'";
  EXPECT_LE(std::stoi(retry), kWindowSeconds);
  EXPECT_GE(std::stoi(retry), kWindowSeconds - 120) << "the first failure leaves the window about then";
  EXPECT_TRUE(refused.Header("set-cookie").empty()) << "even the right password gets no session while throttled";
  EXPECT_TRUE(sprayer->cookie.empty());
  // Refused before the password is checked: it counts towards no account's lockout either.
  for (const auto& u : users) EXPECT_EQ(GetUser(u["id"]).value("status", ""), "active") << u.dump();
  EXPECT_TRUE(IsProblem(sprayer->Login(UniqueLogin("nobody"), "x"), 429, "rate_limited")) << "unknown IDs alike";

  // Another address is not throttled: a wrong password is a plain 401, the right one signs in.
  auto other = From("127.0.0.4");
  EXPECT_TRUE(IsProblem(other->Login(users[0]["login_id"], "Summer#2024x"), 401, "invalid_credentials"));
  EXPECT_EQ(other->Login(last["login_id"], last["temporary_password"]).status, 200);

  // The count lives in the database: a restarted server (or another node) still refuses.
  server_->Stop();
  server_->Start();
  admin_->client->set_base(server_->base_url());
  sprayer->set_base(server_->base_url());
  EXPECT_TRUE(IsProblem(sprayer->Login(last["login_id"], last["temporary_password"]), 429, "rate_limited"));
}

TEST_F(SigninTest, ForwardedForIsBelievedFromTheTrustedProxyOnly) {
  json u = CreateUser(UniqueLogin("proxied"));
  const std::string login = u["login_id"];
  auto proxy = From(kProxy);
  proxy->set_base(server_->base_url());
  // HAProxy names the client; its failures count against the client, not the proxy.
  for (int i = 0; i < kThrottle; ++i)
    ASSERT_TRUE(IsProblem(ViaProxy(*proxy, "198.51.100.20", UniqueLogin("ghost"), "x"), 401, "invalid_credentials")) << i;
  EXPECT_TRUE(IsProblem(ViaProxy(*proxy, "198.51.100.20", login, u["temporary_password"]), 429, "rate_limited"));
  // Another client behind the same proxy is not throttled; what a client wrote to the left of
  // the proxy's entry is not believed.
  EXPECT_EQ(ViaProxy(*proxy, "198.51.100.21", login, u["temporary_password"]).status, 200);
  EXPECT_TRUE(IsProblem(ViaProxy(*proxy, "198.51.100.21, 198.51.100.20", login, "wrong#Passw0rd"), 429, "rate_limited"))
      << "the right-most entry is the client";
  EXPECT_TRUE(IsProblem(ViaProxy(*proxy, "198.51.100.20, 198.51.100.22", login, "wrong#Passw0rd"), 401,
                        "invalid_credentials"));
  // Anyone else sending the header is judged by their own address.
  auto liar = From("127.0.0.5");
  EXPECT_TRUE(IsProblem(ViaProxy(*liar, "198.51.100.20", login, "wrong#Passw0rd"), 401, "invalid_credentials"))
      << "a client cannot hide behind another's address";
  // The log records the client the proxy named.
  json fails = AuditLog("action=auth.login&result=failure&actor=" + login);
  std::set<std::string> addresses;
  for (const auto& e : fails["items"]) addresses.insert(e.value("address", ""));
  EXPECT_TRUE(addresses.count("198.51.100.22")) << fails.dump();
  EXPECT_TRUE(addresses.count("127.0.0.5")) << fails.dump();
  EXPECT_FALSE(addresses.count(kProxy)) << "the proxy itself is never the client: " << fails.dump();
}

// ---- lockout --------------------------------------------------------------------------------

TEST_F(SigninTest, LockoutByAnonymousGuessesLeavesTheOwnersLiveSessionWorking) {
  Person owner = NewSignedIn("owner");
  auto attacker = From("127.0.0.6");
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(IsProblem(attacker->Login(owner.login_id, "Guess#Passw0rd-" + std::to_string(i)), 401,
                          "invalid_credentials"));
  EXPECT_EQ(GetUser(owner.id).value("status", ""), "locked") << "the pack's lockout still applies (kobe:8.2.5)";
  EXPECT_TRUE(IsProblem(attacker->Login(owner.login_id, owner.password), 401, "invalid_credentials"))
      << "no sign-in while locked, even with the right password";
  json lock = AuditLog("action=auth.lockout&actor=" + owner.id);
  EXPECT_GE(lock.value("total", 0), 1) << "the lockout is logged: " << lock.dump();

  // The owner, already signed in, carries on: reads and changes both work.
  EXPECT_EQ(owner.client->Get("/api/v1/session").status, 200);
  EXPECT_EQ(owner.client->Get("/api/v1/users/" + owner.id).status, 200);
  Reply listed = owner.client->Get("/api/v1/me/sessions");
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  EXPECT_EQ(listed.doc.value("total", 0), 1);
  const std::string next = StrongPassword();
  Reply changed;
  ChangePasswordTo(owner, next, &changed);
  EXPECT_EQ(changed.status, 200) << "a locked owner may still change the password: " << changed.Describe();
}

// ---- tokens at each step up -----------------------------------------------------------------

TEST_F(SigninTest, EveryStepUpIssuesANewSessionTokenAndCsrfTokenAndKillsTheOldOnes) {
  Person p = NewUser("steps");  // signed in with the temporary password: change and MFA owed
  std::string cookie = p.client->cookie, csrf = p.client->csrf_token;

  // After the password change.
  Reply changed;
  ChangePasswordTo(p, StrongPassword(), &changed);
  ASSERT_EQ(changed.status, 200) << changed.Describe();
  EXPECT_TRUE(changed.doc.contains("csrf_token") && changed.doc.contains("user")) << "the session document";
  EXPECT_EQ(changed.doc.value("must_change_password", true), false);
  EXPECT_EQ(changed.Header("set-cookie").rfind("__Host-mamori_session=", 0), 0u) << changed.Header("set-cookie");
  EXPECT_NE(p.client->cookie, cookie);
  ExpectDead(*p.client, cookie, csrf, "the password change");

  // After the first MFA code (enrolment).
  cookie = p.client->cookie, csrf = p.client->csrf_token;
  Reply start = p.client->Post("/api/v1/me/mfa/totp", json::object());
  ASSERT_EQ(start.status, 200) << start.Describe();
  p.totp_secret = *auth::Base32Decode(start.doc["secret"].get<std::string>());
  Reply confirmed = p.client->Post("/api/v1/me/mfa/totp/confirm", {{"code", p.NextCode()}});
  ASSERT_EQ(confirmed.status, 200) << confirmed.Describe();
  EXPECT_EQ(confirmed.doc.value("mfa_enrollment_required", true), false);
  ExpectDead(*p.client, cookie, csrf, "the TOTP enrolment");

  // After the password at the next sign-in: the browser's earlier cookie ends with it.
  cookie = p.client->cookie, csrf = p.client->csrf_token;
  ASSERT_EQ(p.client->Login(p.login_id, p.password).status, 200);
  EXPECT_NE(p.client->cookie, cookie);
  auto replay = NewClient();
  replay->cookie = cookie;
  EXPECT_TRUE(IsProblem(replay->Get("/api/v1/session"), 401, "unauthenticated")) << "the cookie held at sign-in";

  // After the MFA code.
  cookie = p.client->cookie, csrf = p.client->csrf_token;
  Reply mfa = p.client->Post("/api/v1/session/mfa", {{"code", p.NextCode()}});
  ASSERT_EQ(mfa.status, 200) << mfa.Describe();
  EXPECT_EQ(mfa.doc.value("mfa_required", true), false);
  ExpectDead(*p.client, cookie, csrf, "the MFA code");
  EXPECT_EQ(p.client->Get("/api/v1/users/" + p.id).status, 200) << "a full session";

  // The log ties each renewed session to the one before.
  json renewed = AuditLog("action=auth.mfa&actor=" + p.id);
  ASSERT_GE(renewed.value("total", 0), 1) << renewed.dump();
  EXPECT_TRUE(renewed["items"][0].value("detail", json::object()).contains("renewed_from")) << renewed.dump();
}

TEST_F(SigninTest, AWrongMfaCodeIsLoggedAsDeniedUnderTheMfaClause) {
  Person p = NewSignedIn("wrongcode");
  auto second = From("127.0.0.8");
  ASSERT_EQ(second->Login(p.login_id, p.password).status, 200);
  EXPECT_TRUE(IsProblem(second->Post("/api/v1/session/mfa", {{"code", p.WrongCode()}}), 401, "invalid_credentials"));
  json denied = AuditLog("action=auth.mfa&result=denied&actor=" + p.id);
  ASSERT_EQ(denied.value("total", 0), 1) << denied.dump();
  EXPECT_EQ(denied["items"][0].value("clause", ""), "kobe:6.4.2ア") << "the clause requiring MFA decided";
  EXPECT_EQ(denied["items"][0].value("address", ""), "127.0.0.8");
}

// ---- my sessions ----------------------------------------------------------------------------

TEST_F(SigninTest, APersonListsTheirLiveSessionsAndEndsOne) {
  Person p = NewSignedIn("mine");
  auto laptop = From("127.0.0.9");
  const std::string firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
  Reply in = laptop->Send("POST", "/api/v1/session", json{{"login_id", p.login_id}, {"password", p.password}}.dump(),
                          Csrf::kOmit, {"User-Agent: " + firefox});
  ASSERT_EQ(in.status, 200) << in.Describe();
  ASSERT_EQ(laptop->Post("/api/v1/session/mfa", {{"code", p.NextCode()}}).status, 200);

  Reply list = p.client->Get("/api/v1/me/sessions");
  ASSERT_EQ(list.status, 200) << list.Describe();
  ASSERT_EQ(list.doc.value("total", 0), 2) << list.Describe();
  const std::regex rfc3339(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$)");
  json mine, theirs;
  for (const auto& s : list.doc["items"]) {
    for (const char* key : {"id", "started_at", "last_seen_at", "address", "browser", "user_agent", "current"})
      EXPECT_TRUE(s.contains(key)) << key << " missing: " << s.dump();
    EXPECT_TRUE(std::regex_match(s.value("started_at", ""), rfc3339)) << s.dump();
    EXPECT_TRUE(std::regex_match(s.value("last_seen_at", ""), rfc3339)) << s.dump();
    EXPECT_EQ(s.dump().find(p.client->cookie), std::string::npos) << "a token leaks";
    EXPECT_EQ(s.dump().find(laptop->cookie), std::string::npos) << "a token leaks";
    (s.value("current", false) ? mine : theirs) = s;
  }
  ASSERT_FALSE(mine.is_null());
  ASSERT_FALSE(theirs.is_null());
  EXPECT_EQ(theirs.value("address", ""), "127.0.0.9");
  EXPECT_EQ(theirs.value("user_agent", ""), firefox);
  EXPECT_EQ(theirs.value("browser", ""), "Firefox 128 (Windows)");
  EXPECT_EQ(mine.value("address", ""), "127.0.0.1");

  // Another person cannot end it; CSRF applies.
  Person stranger = NewSignedIn("stranger");
  const std::string ref = theirs["id"];
  EXPECT_TRUE(IsProblem(stranger.client->Delete("/api/v1/me/sessions/" + ref), 404, "not_found"));
  EXPECT_TRUE(IsProblem(p.client->Delete("/api/v1/me/sessions/" + ref, Csrf::kOmit), 403, "csrf_failed"));
  EXPECT_EQ(laptop->Get("/api/v1/session").status, 200) << "still alive after the refused attempts";

  const int64_t head = LogHead();
  Reply ended = p.client->Delete("/api/v1/me/sessions/" + ref);
  ASSERT_EQ(ended.status, 204) << ended.Describe();
  EXPECT_TRUE(IsProblem(laptop->Get("/api/v1/session"), 401, "unauthenticated")) << "ended at once";
  EXPECT_EQ(p.client->Get("/api/v1/me/sessions").doc.value("total", 0), 1);
  EXPECT_TRUE(IsProblem(p.client->Delete("/api/v1/me/sessions/" + ref), 404, "not_found")) << "ended twice";
  EXPECT_TRUE(IsProblem(p.client->Delete("/api/v1/me/sessions/000000000000"), 404, "not_found"));
  json log = AuditLog("action=auth.session_end&actor=" + p.id);
  ASSERT_GE(log.value("total", 0), 1) << log.dump();
  EXPECT_GT(log["items"][0].value("seq", int64_t{0}), head);
  EXPECT_EQ(log["items"][0].value("target", ""), "session:" + ref);

  // Ending the current one is signing out.
  Reply self = p.client->Delete("/api/v1/me/sessions/" + mine["id"].get<std::string>());
  ASSERT_EQ(self.status, 204) << self.Describe();
  EXPECT_NE(self.Header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_TRUE(IsProblem(p.client->Get("/api/v1/session"), 401, "unauthenticated"));
}

TEST_F(SigninTest, AnAdministratorEndsAllOfAUsersSessions) {
  Person p = NewSignedIn("ended");
  auto second = From("127.0.0.10");
  ASSERT_EQ(second->Login(p.login_id, p.password).status, 200);  // one half signed in
  Person staff = NewSignedIn("nosuch", {{{"role", "staff"}, {"scope_type", "org_unit"}, {"scope_id", city_id_}}});

  // Someone without users.manage ends nothing.
  Reply refused = staff.client->Delete("/api/v1/users/" + p.id + "/sessions");
  EXPECT_TRUE(refused.status == 403 || refused.status == 404) << refused.Describe();
  EXPECT_EQ(p.client->Get("/api/v1/session").status, 200);
  EXPECT_TRUE(IsProblem(admin_->client->Delete("/api/v1/users/no-such-user/sessions"), 404, "not_found"));
  EXPECT_TRUE(IsProblem(admin_->client->Delete("/api/v1/users/" + p.id + "/sessions", Csrf::kOmit), 403, "csrf_failed"));

  Reply ended = admin_->client->Delete("/api/v1/users/" + p.id + "/sessions");
  ASSERT_EQ(ended.status, 200) << ended.Describe();
  EXPECT_EQ(ended.doc.value("sessions_ended", 0), 2) << ended.Describe();
  EXPECT_TRUE(IsProblem(p.client->Get("/api/v1/session"), 401, "unauthenticated"));
  EXPECT_TRUE(IsProblem(second->Get("/api/v1/session"), 401, "unauthenticated"));
  EXPECT_EQ(GetUser(p.id).value("status", ""), "active") << "the account itself stays usable";
  json log = AuditLog("action=user.sessions_end&actor=" + admin_->id);
  ASSERT_GE(log.value("total", 0), 1) << log.dump();
  EXPECT_EQ(log["items"][0].value("target", ""), "user:" + p.id);
  EXPECT_EQ(log["items"][0]["detail"].value("sessions_ended", 0), 2);
  SignInAgain(p);
  EXPECT_EQ(p.client->Get("/api/v1/session").status, 200);
}

// ---- password rules -------------------------------------------------------------------------

TEST_F(SigninTest, PasswordsWithTheCitysNameOrFromABreachAreRefusedByName) {
  Person p = NewSignedIn("rules");
  const std::string before = p.password;
  // Context words of the Kobe pack (the city, in romaji and kana, and the system), dressed up.
  for (const char* word : {"Kobe2024!", "K0BE#city77", "\xef\xbd\x8b\xef\xbd\x8f\xef\xbd\x82\xef\xbd\x85" "2024!x",
                           "\xe3\x81\x93\xe3\x81\x86\xe3\x81\xb9#Pass99", "Mamori#2025"}) {
    Reply r;
    ChangePasswordTo(p, word, &r);
    EXPECT_TRUE(IsProblem(r, 422, "password_rejected")) << word;
    EXPECT_TRUE(HasFieldError(r, "new_password", "context_word")) << word;
  }
  // Passwords of the breached-password list (john-data), as typed or with digits and symbols.
  for (const char* breached : {"Trustno1!", "Sunshine#2010", "Starwars!99", "1Baseball"}) {
    Reply r;
    ChangePasswordTo(p, breached, &r);
    EXPECT_TRUE(IsProblem(r, 422, "password_rejected")) << breached;
    EXPECT_TRUE(HasFieldError(r, "new_password", "breached")) << breached;
  }
  // Nothing changed: the old password is still the current one, and the refusals are logged.
  EXPECT_EQ(p.password, before);
  json log = AuditLog("action=user.password_change&result=failure&actor=" + p.id);
  ASSERT_EQ(log.value("total", 0), 9) << log.dump();
  std::set<std::string> rules;
  for (const auto& e : log["items"])
    for (const auto& code : e["detail"]["rules_broken"]) rules.insert(code.get<std::string>());
  EXPECT_TRUE(rules.count("breached") && rules.count("context_word")) << log.dump();
  Reply ok;
  ChangePasswordTo(p, StrongPassword(), &ok);
  EXPECT_EQ(ok.status, 200) << ok.Describe();
}

// ---- body type ------------------------------------------------------------------------------

TEST_F(SigninTest, JsonBodiesMustBeSentAsApplicationJson) {
  auto c = From("127.0.0.11");
  const int64_t head = LogHead();
  const std::string json_body = json{{"login_id", kAdminLogin}, {"password", admin_->password}}.dump();
  // A cross-site form can send these types without a preflight: login CSRF.
  Reply form = c->Send("POST", "/api/v1/session",
                       "login_id=" + std::string(kAdminLogin) + "&password=" + admin_->password, Csrf::kOmit,
                       {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_TRUE(IsProblem(form, 415, "unsupported_media_type"));
  EXPECT_NE(form.doc.value("detail", "").find("application/json"), std::string::npos) << form.Describe();
  Reply text = c->Send("POST", "/api/v1/session", json_body, Csrf::kOmit, {"Content-Type: text/plain"});
  EXPECT_TRUE(IsProblem(text, 415, "unsupported_media_type"));
  Reply multipart = c->Send("POST", "/api/v1/session", json_body, Csrf::kOmit,
                            {"Content-Type: multipart/form-data; boundary=x"});
  EXPECT_TRUE(IsProblem(multipart, 415, "unsupported_media_type"));
  EXPECT_TRUE(c->cookie.empty()) << "no session from a non-JSON body";
  EXPECT_EQ(LogHead(), head) << "nothing was attempted, so nothing is logged";

  // Signed-in changes alike, with the CSRF token: nothing changes.
  const int64_t users = UserCount();
  Reply create = admin_->client->Send("POST", "/api/v1/users",
                                      json{{"login_id", UniqueLogin("typed")}, {"name", "x"}, {"org_unit_id", city_id_},
                                           {"employment_type", "regular"}}
                                          .dump(),
                                      Csrf::kSend, {"Content-Type: text/plain"});
  EXPECT_TRUE(IsProblem(create, 415, "unsupported_media_type"));
  EXPECT_EQ(UserCount(), users);

  // application/json with parameters is JSON.
  Reply ok = c->Send("POST", "/api/v1/session", json{{"login_id", UniqueLogin("nobody")}, {"password", "x"}}.dump(),
                     Csrf::kOmit, {"Content-Type: application/json; charset=utf-8"});
  EXPECT_TRUE(IsProblem(ok, 401, "invalid_credentials"));
}

}  // namespace
}  // namespace mamori::itest
