// Bad input of every kind on every route that takes a body or parameters: each answer is a
// problem document naming the field, and nothing changes (kobe:8.3.5; DESIGN.md principle 6).
#include <algorithm>

#include "harness.hpp"

namespace mamori::itest {
namespace {

// One JSON-taking route and the body that would pass validation.
struct Endpoint {
  std::string method, path;
  json valid;
  std::vector<std::string> required;  // required fields
  std::vector<std::string> optional;  // optional fields
  Client* client;
};

class InputTest : public ApiTest {
 protected:
  static void SetUpTestSuite() {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      self_ = new Person(NewSignedIn("input"));
      target_ = CreateUser(UniqueLogin("target"))["id"];
      // A second session of the same user that still owes its MFA code, for POST /session/mfa.
      code_owed_ = NewClient().release();
      Reply r = code_owed_->Login(self_->login_id, self_->password);
      Require(r.status == 200 && r.doc.value("mfa_required", false), "second login of " + self_->login_id + ": " + r.Describe());
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete self_;
    self_ = nullptr;
    delete code_owed_;
    code_owed_ = nullptr;
    ApiTest::TearDownTestSuite();
  }

  // Every JSON route but sign-in (whose failures are authentication attempts).
  static std::vector<Endpoint> Endpoints() {
    Client* admin = admin_->client.get();
    Client* me = self_->client.get();
    return {
        {"POST", "/api/v1/users",
         {{"login_id", UniqueLogin("valid")}, {"name", "有効 な名前"}, {"org_unit_id", city_id_}, {"employment_type", "regular"}},
         {"login_id", "name", "org_unit_id", "employment_type"},
         {"expires_on"},
         admin},
        {"POST", "/api/v1/org-units",
         {{"code", "valid-unit"}, {"name", "有効局"}, {"kind", "bureau"}, {"parent_id", city_id_}},
         {"code", "name", "kind", "parent_id"},
         {},
         admin},
        {"POST", "/api/v1/role-assignments",
         {{"user_id", target_}, {"role", "csirt"}, {"scope_type", "city"}},
         {"user_id", "role", "scope_type"},
         {"scope_id", "valid_from", "valid_to", "delegate_of"},
         admin},
        {"PUT", "/api/v1/me/password",
         {{"current_password", self_->password}, {"new_password", StrongPassword()}},
         {"current_password", "new_password"},
         {},
         me},
        {"POST", "/api/v1/me/mfa/totp/confirm", {{"code", "123456"}}, {"code"}, {}, me},
        {"POST", "/api/v1/session/mfa", {{"code", "123456"}}, {"code"}, {}, code_owed_},
    };
  }

  static Person* self_;
  static Client* code_owed_;
  static std::string target_;
};

Person* InputTest::self_ = nullptr;
Client* InputTest::code_owed_ = nullptr;
std::string InputTest::target_;

// The body of `valid` with `field` replaced by raw JSON text (which may be invalid JSON).
std::string WithRaw(const json& valid, const std::string& field, const std::string& raw_value) {
  json rest = valid;
  rest.erase(field);
  std::string body = rest.dump();
  body.pop_back();  // '}'
  if (body.size() > 1) body += ",";
  return body + "\"" + field + "\":" + raw_value + "}";
}

// 422 naming `field` (validation_failed, or password_rejected for a new password), or — for
// bodies the JSON parser itself refuses — naming "body".
::testing::AssertionResult Refused(const Reply& r, const std::string& field, bool body_ok = false) {
  const bool pw = field == "new_password";
  if (!IsProblem(r, 422, "validation_failed") && !(pw && IsProblem(r, 422, "password_rejected")))
    return ::testing::AssertionFailure() << "expected 422 naming " << field << ": " << r.Describe();
  if (HasFieldError(r, field)) return ::testing::AssertionSuccess();
  if (body_ok && HasFieldError(r, "body")) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the problem does not name " << field << ": " << r.Describe();
}

TEST_F(InputTest, MalformedBodiesAreRefusedOnEveryRoute) {
  const int64_t head = LogHead();
  const int64_t users = UserCount();
  for (const auto& e : Endpoints()) {
    const std::string what = e.method + " " + e.path;
    for (const std::string& raw : {std::string("{\"a\": "), std::string("{"), std::string("{'a': 1}"),
                                  std::string("{\"a\": 1,}"), std::string(""), std::string("   "), std::string("nul"),
                                  std::string("{\"a\": 1} trailing")}) {
      Reply r = e.client->Send(e.method, e.path, raw);
      EXPECT_TRUE(Refused(r, "body")) << what << " with body '" << raw << "'";
      EXPECT_TRUE(HasFieldError(r, "body", "malformed_json")) << what << " with body '" << raw << "'";
    }
    for (const std::string& raw : {std::string("[]"), "[" + e.valid.dump() + "]", std::string("\"text\""),
                                  std::string("42"), std::string("null"), std::string("true")}) {
      Reply r = e.client->Send(e.method, e.path, raw);
      EXPECT_TRUE(Refused(r, "body")) << what << " with body " << raw;
    }
  }
  // POST /me/mfa/totp takes no fields at all.
  Reply extra = self_->client->Post("/api/v1/me/mfa/totp", {{"secret", "AAAA"}});
  EXPECT_TRUE(Refused(extra, "secret")) << "POST /me/mfa/totp with a field";
  Reply arr = self_->client->PostRaw("/api/v1/me/mfa/totp", "[1]");
  EXPECT_TRUE(Refused(arr, "body"));
  EXPECT_EQ(LogHead(), head) << "refused bodies were logged or changed something";
  EXPECT_EQ(UserCount(), users);
}

TEST_F(InputTest, MissingWrongTypedAndUnknownFieldsAreNamed) {
  const int64_t head = LogHead();
  const int64_t users = UserCount();
  for (const auto& e : Endpoints()) {
    const std::string what = e.method + " " + e.path;
    Reply empty = e.client->Send(e.method, e.path, std::string("{}"));
    for (const auto& f : e.required) EXPECT_TRUE(HasFieldError(empty, f, "required")) << what << " {}";
    for (const auto& f : e.required) {
      json body = e.valid;
      body.erase(f);
      EXPECT_TRUE(Refused(e.client->Send(e.method, e.path, body.dump()), f)) << what << " without " << f;
      body[f] = nullptr;
      EXPECT_TRUE(Refused(e.client->Send(e.method, e.path, body.dump()), f)) << what << " with " << f << ": null";
      body[f] = "";
      EXPECT_TRUE(Refused(e.client->Send(e.method, e.path, body.dump()), f)) << what << " with " << f << ": \"\"";
    }
    std::vector<std::string> fields = e.required;
    fields.insert(fields.end(), e.optional.begin(), e.optional.end());
    for (const auto& f : fields) {
      for (const std::string& raw : {std::string("12345"), std::string("true"), std::string("{\"x\": \"y\"}"),
                                    std::string("[\"x\"]"), std::string("1.5"), std::string("-7")}) {
        Reply r = e.client->Send(e.method, e.path, WithRaw(e.valid, f, raw));
        EXPECT_TRUE(Refused(r, f)) << what << " with " << f << ": " << raw;
        EXPECT_TRUE(HasFieldError(r, f, "wrong_type")) << what << " with " << f << ": " << raw;
      }
    }
    json unknown = e.valid;
    unknown["is_admin"] = true;
    Reply u = e.client->Send(e.method, e.path, unknown.dump());
    EXPECT_TRUE(Refused(u, "is_admin")) << what;
    EXPECT_TRUE(HasFieldError(u, "is_admin", "unknown_field")) << what;
    // A hostile key is reported without being echoed.
    std::string hostile = WithRaw(e.valid, "<img src=x onerror=alert(1)>\\u0001", "1");
    Reply h = e.client->Send(e.method, e.path, hostile);
    EXPECT_EQ(h.status, 422) << what << ": " << h.Describe();
    EXPECT_EQ(h.body.find("onerror"), std::string::npos) << what << " echoes a hostile key: " << h.Describe();
  }
  // Several problems are all reported at once.
  Reply many = admin_->client->Post("/api/v1/users", {{"login_id", 1}, {"name", true}, {"employment_type", "boss"}, {"x", 1}});
  EXPECT_TRUE(HasFieldError(many, "login_id", "wrong_type"));
  EXPECT_TRUE(HasFieldError(many, "name", "wrong_type"));
  EXPECT_TRUE(HasFieldError(many, "org_unit_id", "required"));
  EXPECT_TRUE(HasFieldError(many, "employment_type"));
  EXPECT_TRUE(HasFieldError(many, "x", "unknown_field"));
  EXPECT_EQ(LogHead(), head);
  EXPECT_EQ(UserCount(), users);
}

TEST_F(InputTest, OversizedControlAndBadlyEncodedStringsAreNamed) {
  const int64_t head = LogHead();
  const int64_t users = UserCount();
  const std::string ten_kb(10 * 1024, 'x');
  for (const auto& e : Endpoints()) {
    const std::string what = e.method + " " + e.path;
    std::vector<std::string> fields = e.required;
    fields.insert(fields.end(), e.optional.begin(), e.optional.end());
    for (const auto& f : fields) {
      json body = e.valid;
      body[f] = ten_kb;
      EXPECT_TRUE(Refused(e.client->Send(e.method, e.path, body.dump()), f)) << what << " with a 10 kB " << f;
      for (const std::string& bad : {std::string("a\x01" "b"), std::string("a\x1b[31mb"), std::string("a\x7f"),
                                    std::string("a\0b", 3), std::string("line\r\nbreak")}) {
        if (f == "new_password" && bad == "line\r\nbreak") continue;  // a multi-line password is the rules' call
        body[f] = bad;
        EXPECT_TRUE(Refused(e.client->Send(e.method, e.path, body.dump()), f))
            << what << " with control characters in " << f << ": " << json(bad).dump();
      }
      // Invalid UTF-8, an overlong encoding, a lone surrogate: either the parser refuses the
      // body or the field is named.
      for (const std::string& raw : {std::string("\"a\xff\xfe" "b\""), std::string("\"\xC0\xAF\""), std::string("\"\xED\xA0\x80\""),
                                    std::string("\"\\ud800\""), std::string("\"\xC3\""), std::string("\"\xF4\x90\x80\x80\"")}) {
        EXPECT_TRUE(Refused(e.client->Send(e.method, e.path, WithRaw(e.valid, f, raw)), f, /*body_ok=*/true))
            << what << " with invalid UTF-8 in " << f;
      }
      // Numbers no type can hold.
      for (const std::string& raw : {std::string("1e400"), std::string("-1e400"), std::string("123456789012345678901234567890"),
                                    std::string("18446744073709551616")}) {
        EXPECT_TRUE(Refused(e.client->Send(e.method, e.path, WithRaw(e.valid, f, raw)), f, true))
            << what << " with " << f << ": " << raw;
      }
      // Deep nesting must not take the server down.
      const std::string deep = std::string(20000, '[') + std::string(20000, ']');
      EXPECT_TRUE(Refused(e.client->Send(e.method, e.path, WithRaw(e.valid, f, deep)), f, true))
          << what << " with 20000-deep nesting in " << f;
    }
  }
  ASSERT_EQ(NewClient()->Get("/healthz").status, 200) << "the server survived";
  // A new password that is not valid text is a broken password rule, and a rejected password
  // change is logged by design (a failed attempt is a security event). Nothing else may be.
  Reply log = admin_->client->Get("/api/v1/audit-log?per_page=200");
  ASSERT_EQ(log.status, 200) << log.Describe();
  for (const auto& entry : log.doc["items"]) {
    if (entry["seq"].get<int64_t>() <= head) continue;
    EXPECT_EQ(entry["action"], "user.password_change") << entry.dump();
    EXPECT_EQ(entry["result"], "failure") << entry.dump();
  }
  EXPECT_EQ(UserCount(), users);
}

TEST_F(InputTest, FieldValuesAreCheckedForFormatAndRange) {
  const int64_t users = UserCount();
  auto create = [&](json patch) {
    json body = {{"login_id", UniqueLogin("range")}, {"name", "範囲"}, {"org_unit_id", city_id_}, {"employment_type", "regular"}};
    for (auto it = patch.begin(); it != patch.end(); ++it) body[it.key()] = it.value();
    return admin_->client->Post("/api/v1/users", body);
  };
  struct Case {
    json patch;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{{"login_id", "ab"}}, "login_id"},
      {{{"login_id", "has space"}}, "login_id"},
      {{{"login_id", "-leading"}}, "login_id"},
      {{{"login_id", "山田"}}, "login_id"},
      {{{"login_id", "a;DROP TABLE users"}}, "login_id"},
      {{{"login_id", std::string(65, 'a')}}, "login_id"},
      {{{"name", std::string(101, 'n')}}, "name"},
      {{{"name", [] {
          std::string s;
          for (int i = 0; i < 101; ++i) s += "漢";
          return s;
        }()}},
       "name"},
      {{{"employment_type", "boss"}}, "employment_type"},
      {{{"employment_type", "Regular"}}, "employment_type"},
      {{{"org_unit_id", "0123456789abcdef0123456789abcdef"}}, "org_unit_id"},
      {{{"org_unit_id", "../../etc/passwd"}}, "org_unit_id"},
      {{{"employment_type", "contractor"}, {"expires_on", "2099-13-01"}}, "expires_on"},
      {{{"employment_type", "contractor"}, {"expires_on", "2099-02-30"}}, "expires_on"},
      {{{"employment_type", "contractor"}, {"expires_on", "31/03/2099"}}, "expires_on"},
      {{{"employment_type", "contractor"}, {"expires_on", "2099-03-31T00:00:00Z"}}, "expires_on"},
  };
  for (const auto& c : cases) EXPECT_TRUE(Refused(create(c.patch), c.field)) << c.patch.dump();
  EXPECT_EQ(UserCount(), users);

  // Lengths count characters, not bytes: 100 kanji are a valid name; text is stored as text.
  std::string kanji;
  for (int i = 0; i < 100; ++i) kanji += "漢";
  Reply ok = create({{"name", kanji}});
  ASSERT_EQ(ok.status, 201) << ok.Describe();
  EXPECT_EQ(ok.doc.value("name", ""), kanji);
  Reply sql = create({{"name", "Robert'); DROP TABLE users;-- 😀"}});
  ASSERT_EQ(sql.status, 201) << sql.Describe();
  EXPECT_EQ(GetUser(sql.doc["id"]).value("name", ""), "Robert'); DROP TABLE users;-- 😀");
  Reply q = admin_->client->Get("/api/v1/users?q=%27%20OR%201%3D1%20--");
  ASSERT_EQ(q.status, 200) << q.Describe();
  EXPECT_EQ(q.doc.value("total", -1), 0);
  // LIKE wildcards in a search are literal characters.
  for (const char* wild : {"%25", "_", "%5C"}) {
    Reply w = admin_->client->Get(std::string("/api/v1/users?q=") + wild);
    ASSERT_EQ(w.status, 200) << w.Describe();
    EXPECT_EQ(w.doc.value("total", -1), 0) << "q=" << wild << " matched: " << w.Describe();
  }
  EXPECT_EQ(UserCount(), users + 2);
}

TEST_F(InputTest, LoginRefusesBadInputWithoutCreatingAnything) {
  auto c = NewClient();
  const int64_t users = UserCount();
  for (const std::string& raw : {std::string("{\"login_id\": "), std::string("[]"), std::string("\"x\""), std::string("")})
    EXPECT_TRUE(Refused(c->PostRaw("/api/v1/session", raw, Csrf::kOmit), "body")) << raw;
  EXPECT_TRUE(HasFieldError(c->PostRaw("/api/v1/session", "{}", Csrf::kOmit), "login_id", "required"));
  EXPECT_TRUE(HasFieldError(c->PostRaw("/api/v1/session", "{}", Csrf::kOmit), "password", "required"));
  EXPECT_TRUE(Refused(c->Post("/api/v1/session", {{"login_id", 1}, {"password", "x"}}, Csrf::kOmit), "login_id"));
  EXPECT_TRUE(Refused(c->Post("/api/v1/session", {{"login_id", "admin"}, {"password", {1, 2}}}, Csrf::kOmit), "password"));
  EXPECT_TRUE(Refused(c->Post("/api/v1/session", {{"login_id", "admin"}, {"password", "x"}, {"remember", true}}, Csrf::kOmit),
                      "remember"));
  EXPECT_TRUE(Refused(c->Post("/api/v1/session", {{"login_id", std::string(10240, 'a')}, {"password", "x"}}, Csrf::kOmit),
                      "login_id"));
  EXPECT_TRUE(Refused(c->Post("/api/v1/session", {{"login_id", std::string("adm\0in", 6)}, {"password", "x"}}, Csrf::kOmit),
                      "login_id"));
  EXPECT_TRUE(Refused(c->PostRaw("/api/v1/session", "{\"login_id\":\"a\xff\",\"password\":\"x\"}", Csrf::kOmit), "login_id", true));
  Reply big = c->Post("/api/v1/session", {{"login_id", "admin"}, {"password", std::string(100000, 'p')}}, Csrf::kOmit);
  EXPECT_TRUE(big.status == 422 || big.status == 401) << big.Describe();
  EXPECT_TRUE(c->cookie.empty()) << "no session from bad input";
  EXPECT_EQ(UserCount(), users);
  EXPECT_EQ(GetUser(admin_->id).value("status", ""), "active") << "bad input must not count towards a lockout";
}

TEST_F(InputTest, BodiesOverTheLimitAre413) {
  const int64_t head = LogHead();
  const int64_t users = UserCount();
  const size_t limit = 1024 * 1024;
  std::string over = "{\"name\":\"" + std::string(limit, 'x') + "\"}";
  Reply r = admin_->client->PostRaw("/api/v1/users", over);
  EXPECT_TRUE(IsProblem(r, 413, "payload_too_large")) << r.Describe();
  Reply pw = self_->client->Send("PUT", "/api/v1/me/password", std::string(2 * limit, ' '));
  EXPECT_TRUE(IsProblem(pw, 413, "payload_too_large")) << pw.Describe();
  Reply login = NewClient()->PostRaw("/api/v1/session", std::string(limit + 1, ' '), Csrf::kOmit);
  EXPECT_TRUE(IsProblem(login, 413, "payload_too_large")) << login.Describe();
  Reply chunked = admin_->client->Send("POST", "/api/v1/users", over, Csrf::kSend, {"Transfer-Encoding: chunked"});
  EXPECT_TRUE(IsProblem(chunked, 413, "payload_too_large")) << "a chunked body over the limit: " << chunked.Describe();

  // Up to the limit a body is read and judged on its content.
  json body = {{"login_id", UniqueLogin("atlimit")}, {"name", "境界"}, {"org_unit_id", city_id_}, {"employment_type", "regular"}};
  std::string at = body.dump();
  at.insert(at.size() - 1, std::string(limit - at.size(), ' '));
  ASSERT_EQ(at.size(), limit);
  Reply ok = admin_->client->PostRaw("/api/v1/users", at);
  EXPECT_EQ(ok.status, 201) << "a body of exactly 1 MiB: " << ok.Describe();
  EXPECT_EQ(UserCount(), users + 1);
  EXPECT_GT(LogHead(), head);
}

TEST_F(InputTest, UnknownRoutesAre404AndWrongMethods405) {
  Client& c = *admin_->client;
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/nothing"}, {"POST", "/api/v1/nothing"}, {"GET", "/api/v1/users/" + admin_->id + "/nothing"},
           {"GET", "/api/v2/users"}, {"GET", "/api/v1/users/"}, {"GET", "/api/v1"}, {"DELETE", "/api/v1/nothing/else"}}) {
    Reply r = c.Send(method, path, method == "GET" ? std::nullopt : std::optional<std::string>("{}"));
    EXPECT_TRUE(IsProblem(r, 404, "not_found")) << method << " " << path;
  }
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"PATCH", "/api/v1/users"},
           {"PUT", "/api/v1/session"},
           {"DELETE", "/api/v1/org-units"},
           {"GET", "/api/v1/users/" + admin_->id + "/suspend"},
           {"PUT", "/api/v1/users/" + admin_->id},
           {"POST", "/api/v1/audit-log"},
           {"DELETE", "/api/v1/audit-log"},
           {"POST", "/healthz"},
           {"GET", "/api/v1/me/password"},
           {"POST", "/"},
           {"DELETE", "/index.html"},
           {"BREW", "/api/v1/users"}}) {
    Reply r = c.Send(method, path, method == "GET" ? std::nullopt : std::optional<std::string>("{}"));
    EXPECT_TRUE(IsProblem(r, 405, "method_not_allowed")) << method << " " << path;
  }
}

TEST_F(InputTest, MalformedIdsInPathsAreNotFound) {
  Client& c = *admin_->client;
  for (const std::string& id : {std::string("xyz"), std::string(32, '0'), std::string("%2e%2e%2fsession"),
                               admin_->id + "0", [] {
                                 std::string s = admin_->id;
                                 std::transform(s.begin(), s.end(), s.begin(), ::toupper);
                                 return s;
                               }(),
                               std::string("%00"), std::string("'%20OR%20'1'='1"), std::string(5000, 'a')}) {
    EXPECT_TRUE(IsProblem(c.Get("/api/v1/users/" + id), 404, "not_found")) << id.substr(0, 40);
    EXPECT_TRUE(IsProblem(c.Post("/api/v1/users/" + id + "/suspend", json::object()), 404, "not_found")) << id.substr(0, 40);
    EXPECT_TRUE(IsProblem(c.Delete("/api/v1/role-assignments/" + id), 404, "not_found")) << id.substr(0, 40);
  }
}

TEST_F(InputTest, BadQueryParametersAreNamed) {
  Client& c = *admin_->client;
  struct Case {
    std::string path, field;
  };
  const std::vector<Case> cases = {
      {"/api/v1/users?per_page=0", "per_page"},
      {"/api/v1/users?per_page=201", "per_page"},
      {"/api/v1/users?per_page=1e3", "per_page"},
      {"/api/v1/users?page=0", "page"},
      {"/api/v1/users?page=-1", "page"},
      {"/api/v1/users?page=abc", "page"},
      {"/api/v1/users?page=99999999999999999999", "page"},
      {"/api/v1/users?status=bogus", "status"},
      {"/api/v1/users?q=%FF", "q"},
      {"/api/v1/users?q=a%00b", "q"},
      {"/api/v1/users?q=" + std::string(101, 'q'), "q"},
      {"/api/v1/users?inactive_days=0", "inactive_days"},
      {"/api/v1/users?inactive_days=x", "inactive_days"},
      {"/api/v1/audit-log?from=yesterday", "from"},
      {"/api/v1/audit-log?to=2024-13-01", "to"},
      {"/api/v1/audit-log?result=maybe", "result"},
      {"/api/v1/audit-log?actor=" + std::string(65, 'a'), "actor"},
      {"/api/v1/audit-log?action=%01", "action"},
      {"/api/v1/audit-log?page=0", "page"},
      {"/api/v1/audit-log?per_page=100000", "per_page"},
      {"/api/v1/audit-log/export?from=not-a-time", "from"},
      {"/api/v1/role-assignments?user_id=xyz", "user_id"},
  };
  const int64_t head = LogHead();
  for (const auto& k : cases) {
    Reply r = c.Get(k.path);
    EXPECT_TRUE(IsProblem(r, 422, "validation_failed")) << k.path.substr(0, 80);
    EXPECT_TRUE(HasFieldError(r, k.field)) << k.path.substr(0, 80);
  }
  EXPECT_EQ(LogHead(), head) << "a refused export was still logged";
}

TEST_F(InputTest, OversizedHeadersAre431) {
  Reply r = admin_->client->Send("GET", "/api/v1/session", std::nullopt, Csrf::kOmit, {"X-Padding: " + std::string(20000, 'h')});
  EXPECT_EQ(r.status, 431) << r.Describe();
  EXPECT_EQ(r.ContentType().rfind("application/problem+json", 0), 0u) << r.ContentType();
  EXPECT_EQ(NewClient()->Get("/healthz").status, 200);
  EXPECT_EQ(admin_->client->Get("/api/v1/session").status, 200);
}

}  // namespace
}  // namespace mamori::itest
