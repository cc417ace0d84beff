// Operations and the operation log over the API: security headers, /healthz, /readyz,
// /metrics, GET /audit-log with its filters and paging, /verify and the CSV export
// (kobe:8.1.7, kobe:8.1.12ウ; seed 002 4③).
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"

namespace mamori::itest {
namespace {

class OpsTest : public ApiTest {};

// The value of an unlabelled metric, or of the first series whose line starts with `prefix`.
std::optional<double> Metric(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind(prefix, 0) != 0) continue;
    const char next = line.size() > prefix.size() ? line[prefix.size()] : '\0';
    if (next != ' ' && next != '{' && prefix.back() != '}') continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return std::nullopt;
}

std::string NowRfc3339(int offset_seconds = 0) {
  const std::time_t t = std::time(nullptr) + offset_seconds;
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

TEST_F(OpsTest, SecurityHeadersOnEveryAnswer) {
  auto anon = NewClient();
  std::vector<std::pair<std::string, Reply>> replies;
  replies.emplace_back("GET /healthz", anon->Get("/healthz"));
  replies.emplace_back("GET /metrics", anon->Get("/metrics"));
  replies.emplace_back("GET /api/v1/session (401)", anon->Get("/api/v1/session"));
  replies.emplace_back("POST /api/v1/session (401)", anon->Login("nobody-here", "Wrong#Passw0rd-1"));
  replies.emplace_back("GET /api/v1/nothing (404)", anon->Get("/api/v1/nothing"));
  replies.emplace_back("GET /api/v1/users (200)", admin_->client->Get("/api/v1/users"));
  replies.emplace_back("GET /api/v1/users/{id} (200)", admin_->client->Get("/api/v1/users/" + admin_->id));
  replies.emplace_back("GET / (no front end)", anon->Get("/"));
  for (const auto& [what, r] : replies) {
    ASSERT_NE(r.status, 0) << what << ": " << r.body;
    const std::string hsts = r.Header("strict-transport-security");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(hsts, m, std::regex(R"(max-age=(\d+))"))) << what << ": HSTS '" << hsts << "'";
    EXPECT_GE(std::stoll(m[1]), 15552000) << what << ": HSTS for at least 180 days";
    const std::string csp = r.Header("content-security-policy");
    EXPECT_NE(csp.find("default-src"), std::string::npos) << what << ": CSP '" << csp << "'";
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << what << ": CSP '" << csp << "'";
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << what;
    EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << what;
    EXPECT_EQ(r.Header("x-content-type-options"), "nosniff") << what;
    EXPECT_EQ(r.Header("x-frame-options"), "DENY") << what;
    if (what.find("/api/") != std::string::npos) {
      EXPECT_NE(r.Header("cache-control").find("no-store"), std::string::npos) << what << ": personal data must not be cached";
    }
    EXPECT_TRUE(r.Header("server").empty() || r.Header("server").find('/') == std::string::npos)
        << what << ": the server header names a version: " << r.Header("server");
  }
}

TEST_F(OpsTest, JsonAnswersSayTheyAreJson) {
  for (const char* path : {"/api/v1/users", "/api/v1/session", "/api/v1/org-units", "/api/v1/audit-log", "/api/v1/policy"}) {
    Reply r = admin_->client->Get(path);
    ASSERT_EQ(r.status, 200) << path << ": " << r.Describe();
    EXPECT_EQ(r.ContentType().rfind("application/json", 0), 0u) << path << ": " << r.ContentType();
    EXPECT_TRUE(r.is_json) << path;
  }
}

TEST_F(OpsTest, HealthReadinessAndMetrics) {
  auto anon = NewClient();
  Reply h = anon->Get("/healthz");
  ASSERT_EQ(h.status, 200) << h.Describe();
  Reply ready = anon->Get("/readyz");
  ASSERT_EQ(ready.status, 200) << "the database is reachable: " << ready.Describe();

  Reply before = GetMetrics(*anon);
  ASSERT_EQ(before.status, 200) << before.Describe();
  EXPECT_EQ(before.ContentType().rfind("text/plain", 0), 0u) << before.ContentType();
  const double failures = Metric(before.body, "mamori_login_failures_total").value_or(-1);
  EXPECT_GE(failures, 0) << "mamori_login_failures_total missing:\n" << before.body;
  ASSERT_EQ(anon->Login(kAdminLogin, "Not#The-Passw0rd").status, 401);
  ASSERT_EQ(anon->Login(UniqueLogin("ghost"), "Not#The-Passw0rd").status, 401);
  Reply after = GetMetrics(*anon);
  ASSERT_EQ(after.status, 200);
  for (const char* name : {"mamori_http_requests_total", "mamori_http_request_duration_seconds_bucket",
                           "mamori_login_failures_total", "mamori_locked_accounts", "mamori_operation_log_head_seq"})
    EXPECT_NE(after.body.find(name), std::string::npos) << name << " missing:\n" << after.body;
  EXPECT_GE(Metric(after.body, "mamori_login_failures_total").value_or(-1), failures + 2);
  EXPECT_TRUE(Metric(after.body, "mamori_locked_accounts").has_value());
  EXPECT_EQ(Metric(after.body, "mamori_operation_log_head_seq").value_or(-1), static_cast<double>(LogHead()))
      << "the log head gauge matches the log";
  EXPECT_NE(after.body.find("status=\"401\""), std::string::npos) << "requests are counted by status";
  EXPECT_NE(after.body.find("/api/v1/session"), std::string::npos) << "requests are counted by route";
  EXPECT_EQ(after.body.find("Not#The-Passw0rd"), std::string::npos);

  // Locking an account shows in the gauge.
  const double locked_before = Metric(after.body, "mamori_locked_accounts").value_or(0);
  json u = CreateUser(UniqueLogin("gauge"));
  for (int i = 0; i < 5; ++i) anon->Login(u["login_id"], "Not#The-Passw0rd");
  Reply locked = GetMetrics(*anon);
  EXPECT_EQ(Metric(locked.body, "mamori_locked_accounts").value_or(-1), locked_before + 1) << locked.body;
}

TEST_F(OpsTest, LoginsAreLoggedWithResultAndAddress) {
  json u = CreateUser(UniqueLogin("audit"));
  const std::string login = u["login_id"];
  auto c = NewClient();
  ASSERT_EQ(c->Login(login, "Wrong#Passw0rd-1").status, 401);
  ASSERT_EQ(c->Login(login, u["temporary_password"]).status, 200);

  json log = AuditLog("action=auth.login&actor=" + login);
  ASSERT_EQ(log.value("total", 0), 2) << log.dump();
  std::set<std::string> results;
  for (const auto& e : log["items"]) {
    for (const char* key : {"seq", "at", "actor", "action", "target", "result", "address", "clause", "hash"})
      EXPECT_TRUE(e.contains(key)) << key << " missing: " << e.dump();
    EXPECT_EQ(e.value("action", ""), "auth.login");
    EXPECT_EQ(e.value("address", ""), "127.0.0.1") << e.dump();
    EXPECT_TRUE(std::regex_match(e.value("hash", ""), std::regex("^[0-9a-f]{64}$"))) << e.dump();
    EXPECT_TRUE(std::regex_match(e.value("at", ""), std::regex(R"(^\d{4}-\d{2}-\d{2}T[0-9:.]+Z$)"))) << e.dump();
    results.insert(e.value("result", ""));
    EXPECT_EQ(e.dump().find("Wrong#Passw0rd-1"), std::string::npos) << "a typed password reached the log";
    EXPECT_EQ(e.dump().find(u["temporary_password"].get<std::string>()), std::string::npos);
  }
  EXPECT_EQ(results, (std::set<std::string>{"success", "failure"}));
  // Newest first: the success came last.
  EXPECT_EQ(log["items"][0].value("result", ""), "success");
  EXPECT_EQ(log["items"][0].value("actor", ""), u["id"].get<std::string>());
  EXPECT_GT(log["items"][0]["seq"].get<int64_t>(), log["items"][1]["seq"].get<int64_t>());

  // An unknown ID is recorded as typed.
  const std::string ghost = UniqueLogin("ghost");
  ASSERT_EQ(c->Login(ghost, "Wrong#Passw0rd-1").status, 401);
  json g = AuditLog("action=auth.login&actor=" + ghost);
  ASSERT_EQ(g.value("total", 0), 1) << g.dump();
  EXPECT_EQ(g["items"][0].value("result", ""), "failure");
  EXPECT_EQ(g["items"][0].value("address", ""), "127.0.0.1");
}

TEST_F(OpsTest, AuditLogFiltersAndPaging) {
  const std::string from = NowRfc3339(-2);
  json u = CreateUser(UniqueLogin("filter"));
  const std::string uid = u["id"];

  json created = AuditLog("action=user.create&per_page=200");
  ASSERT_GE(created.value("total", 0), 2);
  for (const auto& e : created["items"]) EXPECT_EQ(e.value("action", ""), "user.create") << e.dump();

  json by_admin = AuditLog("actor=" + admin_->id + "&per_page=200");
  ASSERT_GE(by_admin.value("total", 0), 1);
  for (const auto& e : by_admin["items"]) EXPECT_EQ(e.value("actor", ""), admin_->id) << e.dump();

  json recent = AuditLog("action=user.create&from=" + from + "&to=" + NowRfc3339(120));
  bool found = false;
  for (const auto& e : recent["items"]) found |= e.value("target", "").find(uid) != std::string::npos;
  EXPECT_TRUE(found) << "from/to include the new entry: " << recent.dump();
  EXPECT_EQ(AuditLog("from=2099-01-01T00:00:00Z").value("total", -1), 0);
  EXPECT_EQ(AuditLog("to=2000-01-01T00:00:00Z").value("total", -1), 0);
  EXPECT_EQ(AuditLog("from=2099-01-01").value("total", -1), 0) << "a bare date is accepted";
  EXPECT_EQ(AuditLog("action=no.such.action").value("total", -1), 0);
  EXPECT_EQ(AuditLog("actor=" + UniqueLogin("never")).value("total", -1), 0);

  json all = AuditLog("per_page=200");
  const int total = all.value("total", 0);
  ASSERT_GE(total, 8);
  json p1 = AuditLog("per_page=3&page=1");
  json p2 = AuditLog("per_page=3&page=2");
  ASSERT_EQ(p1["items"].size(), 3u);
  ASSERT_EQ(p2["items"].size(), 3u);
  EXPECT_GE(p1.value("total", 0), total);
  std::set<int64_t> seen;
  for (const auto& e : p1["items"]) seen.insert(e["seq"].get<int64_t>());
  for (const auto& e : p2["items"]) EXPECT_FALSE(seen.count(e["seq"].get<int64_t>())) << "pages overlap";
  EXPECT_GT(p1["items"][2]["seq"].get<int64_t>(), p2["items"][0]["seq"].get<int64_t>()) << "newest first across pages";
  json beyond = AuditLog("per_page=200&page=1000");
  EXPECT_TRUE(beyond["items"].empty());
  EXPECT_GE(beyond.value("total", 0), total);
}

TEST_F(OpsTest, VerifyAndCsvExport) {
  Reply v = admin_->client->Get("/api/v1/audit-log/verify");
  ASSERT_EQ(v.status, 200) << v.Describe();
  EXPECT_EQ(v.doc.value("ok", false), true) << v.Describe();
  EXPECT_GE(v.doc.value("entries", 0), 5) << v.Describe();
  EXPECT_TRUE(std::regex_match(v.doc.value("head", ""), std::regex("^[0-9a-f]{64}$"))) << v.Describe();
  EXPECT_GE(LogHead(), v.doc.value("entries", 0));

  // English headings (the column ids); Japanese ones are the default (auditlog_test.cpp).
  Reply csv = admin_->client->Get("/api/v1/audit-log/export?lang=en");
  ASSERT_EQ(csv.status, 200) << csv.Describe();
  EXPECT_EQ(csv.ContentType().rfind("text/csv", 0), 0u) << csv.ContentType();
  ASSERT_GE(csv.body.size(), 3u);
  EXPECT_EQ(csv.body.substr(0, 3), "\xEF\xBB\xBF") << "UTF-8 with BOM so Excel reads Japanese";
  const std::string first_line = csv.body.substr(3, csv.body.find('\n') - 3);
  EXPECT_NE(first_line.find("seq"), std::string::npos) << first_line;
  EXPECT_NE(first_line.find("action"), std::string::npos) << first_line;
  const auto rows = std::count(csv.body.begin(), csv.body.end(), '\n');
  EXPECT_GE(rows, 6) << csv.body.substr(0, 500);
  EXPECT_NE(csv.body.find("auth.login"), std::string::npos);
  EXPECT_NE(csv.body.find("system.init"), std::string::npos);
  Reply filtered = admin_->client->Get("/api/v1/audit-log/export?action=system.init");
  ASSERT_EQ(filtered.status, 200);
  EXPECT_EQ(std::count(filtered.body.begin(), filtered.body.end(), '\n'), 2) << "header + the one init entry:\n" << filtered.body;

  // Text that Excel would run as a formula is defused in the export (a login ID is logged as
  // typed, so anyone can put text there).
  ASSERT_EQ(NewClient()->Login("=HYPERLINK(\"http://x\")", "x").status, 401);
  Reply inj = admin_->client->Get("/api/v1/audit-log/export?action=auth.login&result=failure");
  ASSERT_EQ(inj.status, 200);
  EXPECT_NE(inj.body.find("HYPERLINK"), std::string::npos);
  EXPECT_EQ(inj.body.find(",\"=HYPERLINK"), std::string::npos) << "a formula reaches Excel as a formula";
  EXPECT_EQ(inj.body.find(",=HYPERLINK"), std::string::npos);

  // Verification and export are themselves recorded (kobe:8.1.7).
  EXPECT_GE(AuditLog("action=audit.verify").value("total", 0), 1);
  EXPECT_GE(AuditLog("action=audit.export").value("total", 0), 3);
}

}  // namespace
}  // namespace mamori::itest

namespace mamori::itest {
namespace {

constexpr char kLogProxy[] = "127.0.0.3";

// The server's own log (docs/operations.md): one JSON object a line on standard output when that
// is not a terminal, every line of a request carrying its id, which the response names too.
class ServerLogTest : public ApiTest {
 public:
  static void SetUpTestSuite() {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      server_->Reconfigure(std::string("trusted_proxies: [") + kLogProxy + "]");
      admin_->client->set_base(server_->base_url());
    } catch (const std::exception& e) {
      setup_error_ = e.what();
      ADD_FAILURE() << "suite set-up failed: " << e.what();
    }
  }

 protected:
  // The JSON lines of the serve log whose request_id is `id`.
  static std::vector<json> LinesOf(const std::string& id) {
    std::vector<json> out;
    std::istringstream in(server_->ServeLog());
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] != '{') continue;
      auto j = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_object() && j.value("request_id", "") == id) out.push_back(j);
    }
    return out;
  }
};

TEST_F(ServerLogTest, EveryAnswerNamesItsOwnRequestId) {
  auto anon = NewClient();
  const Reply a = anon->Get("/healthz");
  const Reply b = anon->Get("/api/v1/session");
  const Reply c = admin_->client->Get("/api/v1/users");
  std::set<std::string> ids;
  for (const Reply* r : {&a, &b, &c}) {
    const std::string id = r->Header("x-request-id");
    EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{32}"))) << r->Describe() << " id '" << id << "'";
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 3u) << "three requests, three ids";
}

TEST_F(ServerLogTest, EachRequestIsOneJsonLineWithItsRouteStatusUserAndProblem) {
  const Reply ok = admin_->client->Get("/api/v1/users/" + admin_->id);
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  auto anon = NewClient();
  const Reply refused = anon->Get("/api/v1/assets");
  ASSERT_TRUE(IsProblem(refused, 401, "unauthenticated"));
  // The line is written after the answer is made: give the server a moment to write it.
  std::vector<json> ok_lines, refused_lines;
  for (int i = 0; i < 50 && (ok_lines.empty() || refused_lines.empty()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ok_lines = LinesOf(ok.Header("x-request-id"));
    refused_lines = LinesOf(refused.Header("x-request-id"));
  }
  ASSERT_EQ(ok_lines.size(), 1u) << server_->ServeLog();
  const json& line = ok_lines[0];
  EXPECT_EQ(line["msg"], "request");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["method"], "GET");
  EXPECT_EQ(line["route"], "/api/v1/users/{id}");
  EXPECT_EQ(line["path"], "/api/v1/users/" + admin_->id);
  EXPECT_EQ(line["status"], 200);
  EXPECT_EQ(line["user"], admin_->id);
  EXPECT_TRUE(line["duration_ms"].is_number());
  EXPECT_TRUE(line["time"].is_string());
  EXPECT_FALSE(line.contains("problem"));
  ASSERT_EQ(refused_lines.size(), 1u);
  EXPECT_EQ(refused_lines[0]["status"], 401);
  EXPECT_EQ(refused_lines[0]["problem"], "unauthenticated");
  EXPECT_FALSE(refused_lines[0].contains("user"));
}

TEST_F(ServerLogTest, NoPasswordOrQueryStringReachesTheLog) {
  auto anon = NewClient();
  const Reply r = anon->Login("nobody-at-all", "Secret#Pass-In-The-Body-1");
  EXPECT_EQ(r.status, 401);
  admin_->client->Get("/api/v1/audit-log?q=needle-in-the-query");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string log = server_->ServeLog();
  EXPECT_EQ(log.find("Secret#Pass-In-The-Body-1"), std::string::npos);
  EXPECT_EQ(log.find("needle-in-the-query"), std::string::npos);
}

TEST_F(ServerLogTest, OnlyATrustedProxyMayNameTheRequestId) {
  auto direct = NewClient();
  const Reply ignored = direct->Send("GET", "/healthz", std::nullopt, Csrf::kOmit, {"X-Request-Id: chosen-by-client"});
  EXPECT_NE(ignored.Header("x-request-id"), "chosen-by-client");
  auto proxy = NewClient();
  proxy->source_address = kLogProxy;
  const Reply kept = proxy->Send("GET", "/healthz", std::nullopt, Csrf::kOmit, {"X-Request-Id: haproxy-7f3c.01"});
  EXPECT_EQ(kept.Header("x-request-id"), "haproxy-7f3c.01");
  const Reply replaced =
      proxy->Send("GET", "/healthz", std::nullopt, Csrf::kOmit, {"X-Request-Id: not a token {\"level\":\"x\"}"});
  EXPECT_TRUE(std::regex_match(replaced.Header("x-request-id"), std::regex("[0-9a-f]{32}")))
      << replaced.Header("x-request-id");
}

}  // namespace
}  // namespace mamori::itest
