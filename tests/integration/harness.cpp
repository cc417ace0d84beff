#include "harness.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <curl/curl.h>

#include "auth/totp.hpp"
#include "storage/test_db.hpp"

#ifndef MAMORI_BINARY
#define MAMORI_BINARY "mamori"
#endif
#ifndef MAMORI_SOURCE_DIR
#define MAMORI_SOURCE_DIR "."
#endif

namespace mamori::itest {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---- environment ---------------------------------------------------------------------------

std::string Engine() {
  const char* e = std::getenv("MAMORI_TEST_ENGINE");
  return (e && *e) ? std::string(e) : std::string("sqlite");
}

std::string MamoriBinary() {
  const char* b = std::getenv("MAMORI_TEST_BINARY");
  return (b && *b) ? std::string(b) : std::string(MAMORI_BINARY);
}

std::string SourceDir() { return MAMORI_SOURCE_DIR; }

std::string MakeTempDir(const std::string& tag) {
  std::string tmpl = (fs::temp_directory_path() / ("mamori-it-" + tag + "-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  Require(mkdtemp(buf.data()) != nullptr, "mkdtemp failed");
  return std::string(buf.data());
}

void Require(bool cond, const std::string& msg) {
  if (!cond) throw std::runtime_error(msg);
}

namespace {

// Checked once before any suite: the engine is known, and PostgreSQL runs are never skipped
// silently for want of a server (the test command always starts one).
class EngineCheck : public ::testing::Environment {
 public:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const std::string engine = Engine();
    std::cerr << "[api_test] engine " << engine << ", binary " << MamoriBinary() << "\n";
    if (engine != "sqlite" && engine != "postgres")
      GTEST_FAIL() << "MAMORI_TEST_ENGINE must be sqlite or postgres, not '" << engine << "'";
    if (engine == "postgres") {
      const char* url = std::getenv("MAMORI_TEST_PG_URL");
      if (!url || !*url)
        GTEST_FAIL() << "MAMORI_TEST_ENGINE=postgres but MAMORI_TEST_PG_URL is not set: start one with "
                        "scripts/pg-test-server.sh start DIR PORT and export its URL";
    }
    if (!fs::exists(MamoriBinary())) GTEST_FAIL() << "no mamori binary at " << MamoriBinary();
  }
};

[[maybe_unused]] ::testing::Environment* const kEngineCheck = ::testing::AddGlobalTestEnvironment(new EngineCheck);

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr char kCookieName[] = "__Host-mamori_session";

}  // namespace

// ---- processes -----------------------------------------------------------------------------

ProcResult RunMamori(const std::vector<std::string>& args, const std::string& stdin_data) {
  std::vector<std::string> all{MamoriBinary()};
  all.insert(all.end(), args.begin(), args.end());
  return testkit::RunProcess(all, stdin_data);
}

ServerProcess::ServerProcess(const std::string& policy_file) {
  data_dir_ = MakeTempDir(policy_file.empty() ? "data" : "pack");
  if (Engine() == "postgres") {
    const char* url = std::getenv("MAMORI_TEST_PG_URL");
    Require(url && *url, "MAMORI_TEST_ENGINE=postgres but MAMORI_TEST_PG_URL is not set");
    pg_ = std::make_unique<storage::TestDatabase>("postgres");
    Require(pg_->db() != nullptr, std::string("cannot create a test schema on ") + url);
    db_arg_ = pg_->url();
  }
  std::vector<std::string> args{"init", "--data", data_dir_, "--admin", kAdminLogin};
  if (!policy_file.empty()) args.insert(args.end(), {"--policy", policy_file});
  else args.insert(args.end(), {"--approver", kApproverLogin});
  if (!db_arg_.empty()) args.insert(args.end(), {"--db", db_arg_});
  std::string stdin_text = std::string(kAdminTempPassword) + "\n";
  if (policy_file.empty()) stdin_text += std::string(kApproverTempPassword) + "\n";
  ProcResult r = RunMamori(args, stdin_text);
  Require(r.exit_code == 0, "mamori init failed (exit " + std::to_string(r.exit_code) + "): " + r.output);
  Start();
}

bool ServerProcess::Alive() {
  for (int i = 0; i < 10 && pid_ > 0; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      ended_ = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                   : "exited with " + std::to_string(WEXITSTATUS(status));
    } else {
      std::this_thread::sleep_for(20ms);
    }
  }
  return pid_ > 0;
}

ServerProcess::~ServerProcess() {
  Stop();
  if (!std::getenv("MAMORI_TEST_KEEP")) {
    std::error_code ec;
    fs::remove_all(data_dir_, ec);
  }
}

std::string ServerProcess::StorageUrl() const {
  return db_arg_.empty() ? "sqlite:" + data_dir_ + "/mamori.db" : db_arg_;
}

std::string ServerProcess::ServeLog() const { return ReadAll(data_dir_ + "/serve.log"); }

ProcResult ServerProcess::LogVerify(const std::vector<std::string>& extra) const {
  std::vector<std::string> args{"log", "verify", "--data", data_dir_};
  if (!db_arg_.empty()) args.insert(args.end(), {"--db", db_arg_});
  args.insert(args.end(), extra.begin(), extra.end());
  return RunMamori(args);
}

void ServerProcess::Reconfigure(const std::string& yaml_lines) {
  Stop();
  std::ofstream out(data_dir_ + "/mamori.yaml", std::ios::app);
  out << yaml_lines << "\n";
  out.close();
  Require(static_cast<bool>(out), "cannot append to " + data_dir_ + "/mamori.yaml");
  Start();
}

std::string ServerProcess::MetricsToken() const {
  std::istringstream in(ReadAll(data_dir_ + "/mamori.yaml"));
  std::string line;
  const std::string key = "metrics_token: ";
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  return "";
}

void ServerProcess::Start() {
  Require(pid_ <= 0, "server already running");
  testkit::ServeOptions o;
  o.binary = MamoriBinary();
  o.args = {"--data", data_dir_, "--web", "/nonexistent"};
  if (!db_arg_.empty()) o.args.insert(o.args.end(), {"--db", serve_db.empty() ? db_arg_ : serve_db});
  o.args.insert(o.args.end(), serve_args.begin(), serve_args.end());
  o.log_path = data_dir_ + "/serve.log";
  const testkit::ServedProcess served = testkit::LaunchServe(o);
  if (!served.ok()) throw std::runtime_error(served.error);
  pid_ = served.pid;
  base_url_ = served.base_url;
}

void ServerProcess::Stop() {
  if (pid_ <= 0) return;
  if (testkit::StopProcess(pid_, 20) == -1) ADD_FAILURE() << "mamori serve did not stop within 20 s of SIGTERM; killed it";
  pid_ = -1;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  testkit::StopProcess(pid_, 20, SIGKILL);
  pid_ = -1;
}

// ---- HTTP client ---------------------------------------------------------------------------

std::string Reply::Describe() const {
  std::string b = body.size() > 600 ? body.substr(0, 600) + "..." : body;
  return "HTTP " + std::to_string(status) + " " + b;
}

Client::Client(std::string base_url) : base_(std::move(base_url)) {}

Client::~Client() = default;

Reply Client::Get(const std::string& path) { return Send("GET", path, std::nullopt); }

Reply Client::Post(const std::string& path, const json& body, Csrf csrf) {
  return Send("POST", path, body.dump(), csrf);
}

Reply Client::PostRaw(const std::string& path, const std::string& raw, Csrf csrf) {
  return Send("POST", path, raw, csrf);
}

Reply Client::Put(const std::string& path, const json& body, Csrf csrf) { return Send("PUT", path, body.dump(), csrf); }

Reply Client::Delete(const std::string& path, Csrf csrf) { return Send("DELETE", path, std::nullopt, csrf); }

Reply Client::Send(const std::string& method, const std::string& path, const std::optional<std::string>& body,
                   Csrf csrf, const std::vector<std::string>& extra_headers) {
  std::vector<std::string> headers;
  const bool typed = std::any_of(extra_headers.begin(), extra_headers.end(), [](const std::string& h) {
    return h.size() > 13 && strncasecmp(h.c_str(), "content-type:", 13) == 0;
  });
  if (body && !typed) headers.push_back("Content-Type: application/json");
  if (!cookie.empty()) headers.push_back("Cookie: " + std::string(kCookieName) + "=" + cookie);
  if (method != "GET" && method != "HEAD") {
    if (csrf == Csrf::kSend && !csrf_token.empty()) {
      headers.push_back("X-CSRF-Token: " + csrf_token);
    } else if (csrf == Csrf::kWrong) {
      std::string wrong = csrf_token.empty() ? std::string(43, 'A') : csrf_token;
      wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
      headers.push_back("X-CSRF-Token: " + wrong);
    }
  }
  headers.insert(headers.end(), extra_headers.begin(), extra_headers.end());
  http_.source_address = source_address;
  Reply r;
  static_cast<testkit::HttpReply&>(r) = http_.Send(method, base_ + path, body, headers);
  if (r.status == 0) {
    r.body = "curl error: " + r.error + " (" + method + " " + path + ")";
    r.doc = json::object();
    return r;
  }
  r.doc = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  r.is_json = !r.doc.is_discarded();
  if (!r.is_json) r.doc = json::object();  // so r.doc.value(...) never throws
  // The sign-in and every step up (POST /session, /session/mfa, /me/mfa/totp/confirm, PUT
  // /me/password) answer the session document with a new csrf_token (and a new cookie): the
  // old token is dead from then on, so the client keeps the new one like a browser would.
  if (r.status == 200 && method != "GET" && r.doc.is_object() && r.doc.contains("csrf_token") &&
      r.doc["csrf_token"].is_string())
    csrf_token = r.doc["csrf_token"].get<std::string>();
  for (const auto& sc : r.AllHeaders("set-cookie")) {
    last_set_cookie = sc;
    const std::string prefix = std::string(kCookieName) + "=";
    if (sc.rfind(prefix, 0) != 0) continue;
    cookie = sc.substr(prefix.size(), sc.find(';') == std::string::npos ? std::string::npos
                                                                          : sc.find(';') - prefix.size());
  }
  return r;
}

Reply Client::Login(const std::string& login_id, const std::string& password) {
  return Post("/api/v1/session", json{{"login_id", login_id}, {"password", password}}, Csrf::kOmit);
}

// ---- problem documents ---------------------------------------------------------------------

::testing::AssertionResult IsProblem(const Reply& r, int status, const std::string& code) {
  if (r.status != status) return ::testing::AssertionFailure() << "expected " << status << " " << code << ", got " << r.Describe();
  if (r.ContentType().rfind("application/problem+json", 0) != 0)
    return ::testing::AssertionFailure() << "content type " << r.ContentType() << ": " << r.Describe();
  if (!r.is_json || !r.doc.is_object()) return ::testing::AssertionFailure() << "not a JSON object: " << r.Describe();
  if (r.doc.value("type", "") != "/problems/" + code)
    return ::testing::AssertionFailure() << "type is not /problems/" << code << ": " << r.Describe();
  if (!r.doc.contains("title") || !r.doc["title"].is_string())
    return ::testing::AssertionFailure() << "no title: " << r.Describe();
  if (!r.doc.contains("status") || r.doc["status"] != status)
    return ::testing::AssertionFailure() << "status member is not " << status << ": " << r.Describe();
  if (!r.doc.contains("detail") || !r.doc["detail"].is_string() || r.doc["detail"].get<std::string>().empty())
    return ::testing::AssertionFailure() << "no detail: " << r.Describe();
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsMfaRequired(const Reply& r) {
  if (r.status == 401) return IsProblem(r, 401, "mfa_required");
  return IsProblem(r, 403, "mfa_required");
}

std::vector<std::string> FieldCodes(const Reply& r, const std::string& field) {
  std::vector<std::string> out;
  if (!r.doc.is_object() || !r.doc.contains("errors") || !r.doc["errors"].is_array()) return out;
  for (const auto& e : r.doc["errors"])
    if (e.is_object() && e.value("field", "") == field) out.push_back(e.value("code", ""));
  return out;
}

::testing::AssertionResult HasFieldError(const Reply& r, const std::string& field, const std::string& code) {
  auto codes = FieldCodes(r, field);
  if (codes.empty()) return ::testing::AssertionFailure() << "no error names field '" << field << "': " << r.Describe();
  if (!code.empty() && std::find(codes.begin(), codes.end(), code) == codes.end())
    return ::testing::AssertionFailure() << "field '" << field << "' lacks code '" << code << "': " << r.Describe();
  return ::testing::AssertionSuccess();
}

// ---- people --------------------------------------------------------------------------------

std::string Person::NextCode() {
  Require(!totp_secret.empty(), login_id + " has no TOTP secret");
  for (;;) {
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    const int64_t cur = now / 30;
    int64_t step = std::max(last_step + 1, cur - 1);
    // The previous step leaves the +-1 window at the next boundary: do not cut it close.
    if (step == cur - 1 && now % 30 >= 27) step = cur;
    if (step <= cur + 1) {
      last_step = step;
      return auth::TotpCode(totp_secret, step);
    }
    // Every step the window allows is used up: wait until `step` enters it.
    const int64_t wait = (step - 1) * 30 - now + 1;
    std::this_thread::sleep_for(std::chrono::seconds(std::max<int64_t>(wait, 1)));
  }
}

std::string Person::WrongCode() const {
  const int64_t cur = static_cast<int64_t>(std::time(nullptr)) / 30;
  std::vector<std::string> valid;
  for (int64_t s = cur - 2; s <= cur + 2; ++s) valid.push_back(auth::TotpCode(totp_secret, s));
  for (const char* c : {"000000", "123456", "999999", "314159", "271828"})
    if (std::find(valid.begin(), valid.end(), c) == valid.end()) return c;
  return "555555";
}

std::string StrongPassword() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  // Never two letters in a row past the second, and no digit or symbol a dictionary check reads
  // as a letter (4 for a, 3 for e, @ and $, …): a random password then never holds a word a
  // pack's dictionary refuses, which made set-ups fail now and then.
  static const std::string kUpper = "ABCDEFGHJKLMNPQRSTUVWXYZ", kLower = "abcdefghijkmnpqrstuvwxyz",
                           kDigit = "2689", kSymbol = "#%&*=?";
  auto pick = [&](const std::string& s) { return s[rng() % s.size()]; };
  std::string p;
  for (int i = 0; i < 5; ++i) {
    p += pick(i % 2 ? kLower : kUpper);
    p += pick(i % 2 ? kUpper : kLower);
    p += pick(i % 2 ? kSymbol : kDigit);
  }
  return p;
}

std::string UniqueLogin(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}() % 100000;
  return prefix + "." + std::to_string(salt) + "." + std::to_string(++counter);
}

// ---- fixture -------------------------------------------------------------------------------

ServerProcess* ApiTest::server_ = nullptr;
Person* ApiTest::admin_ = nullptr;
Person* ApiTest::approver_ = nullptr;
std::string ApiTest::city_id_;
std::string ApiTest::setup_error_;

void ApiTest::SetUpTestSuite() {
  setup_error_.clear();
  try {
    server_ = new ServerProcess();
    admin_ = new Person();
    admin_->login_id = kAdminLogin;
    admin_->password = kAdminTempPassword;
    admin_->client = NewClient();
    Reply r = admin_->client->Login(kAdminLogin, kAdminTempPassword);
    Require(r.status == 200, "admin login with the init password failed: " + r.Describe());
    admin_->id = r.doc["user"]["id"].get<std::string>();
    admin_->login_doc = r.doc;
    CompleteSignIn(*admin_);
    Reply units = admin_->client->Get("/api/v1/org-units");
    Require(units.status == 200, "GET /org-units as admin: " + units.Describe());
    for (const auto& u : units.doc["items"])
      if (u.value("kind", "") == "city") city_id_ = u["id"].get<std::string>();
    Require(!city_id_.empty(), "init made no city org unit: " + units.Describe());
    approver_ = new Person();
    approver_->login_id = kApproverLogin;
    approver_->password = kApproverTempPassword;
    approver_->client = NewClient();
    Reply ar = approver_->client->Login(kApproverLogin, kApproverTempPassword);
    Require(ar.status == 200, "approver login with the init password failed: " + ar.Describe());
    approver_->id = ar.doc["user"]["id"].get<std::string>();
    approver_->login_doc = ar.doc;
    CompleteSignIn(*approver_);
  } catch (const std::exception& e) {
    setup_error_ = e.what();
    ADD_FAILURE() << "suite set-up failed: " << e.what();
  }
}

void ApiTest::TearDownTestSuite() {
  delete admin_;
  admin_ = nullptr;
  delete approver_;
  approver_ = nullptr;
  delete server_;
  server_ = nullptr;
}

void ApiTest::SetUp() {
  if (!setup_error_.empty()) GTEST_FAIL() << "suite set-up failed: " << setup_error_;
}

Reply ApiTest::GetMetrics(Client& c) {
  return c.Send("GET", "/metrics", std::nullopt, Csrf::kOmit, {"Authorization: Bearer " + server_->MetricsToken()});
}

std::unique_ptr<Client> ApiTest::NewClient() { return std::make_unique<Client>(server_->base_url()); }

json ApiTest::CreateUser(const std::string& login_id, const std::string& org_unit_id,
                         const std::string& employment_type, const json& extra) {
  json body = {{"login_id", login_id},
               {"name", "試験 " + login_id},
               {"org_unit_id", org_unit_id.empty() ? city_id_ : org_unit_id},
               {"employment_type", employment_type}};
  for (auto it = extra.begin(); it != extra.end(); ++it) body[it.key()] = it.value();
  Reply r = admin_->client->Post("/api/v1/users", body);
  Require(r.status == 201, "POST /users " + login_id + ": " + r.Describe());
  return r.doc;
}

std::string ApiTest::AssignRole(const std::string& user_id, const std::string& role, const std::string& scope_type,
                                const std::string& scope_id) {
  json body = {{"user_id", user_id}, {"role", role}, {"scope_type", scope_type}};
  if (!scope_id.empty()) body["scope_id"] = scope_id;
  Reply r = admin_->client->Post("/api/v1/role-assignments", body);
  if (r.status == 202) {
    const std::string request_id = r.doc["request_id"].get<std::string>();
    Reply ok = approver_->client->Post("/api/v1/requests/" + request_id + "/approve", json::object());
    Require(ok.status == 200, "approving the grant of " + role + ": " + ok.Describe());
    Reply list = admin_->client->Get("/api/v1/role-assignments?user_id=" + user_id);
    Require(list.status == 200, "GET /role-assignments: " + list.Describe());
    for (const auto& a : list.doc["items"])
      if (a["role"] == role && a["scope_type"] == scope_type && a.value("scope_id", json()).is_string() == !scope_id.empty() &&
          (scope_id.empty() || a["scope_id"] == scope_id))
        return a["id"].get<std::string>();
    Require(false, "the approved grant of " + role + " is not listed: " + list.Describe());
  }
  Require(r.status == 201, "POST /role-assignments " + role + ": " + r.Describe());
  return r.doc["id"].get<std::string>();
}

std::string ApiTest::CreateOrgUnit(const std::string& code, const std::string& kind, const std::string& parent_id) {
  Reply r = admin_->client->Post("/api/v1/org-units",
                                 {{"code", code}, {"name", "組織 " + code}, {"kind", kind}, {"parent_id", parent_id}});
  Require(r.status == 201, "POST /org-units " + code + ": " + r.Describe());
  return r.doc["id"].get<std::string>();
}

Person ApiTest::NewUser(const std::string& prefix, const std::vector<json>& roles, const std::string& org_unit_id) {
  Person p;
  p.login_id = UniqueLogin(prefix);
  json created = CreateUser(p.login_id, org_unit_id);
  p.id = created["id"].get<std::string>();
  p.password = created["temporary_password"].get<std::string>();
  for (const auto& role : roles)
    AssignRole(p.id, role["role"], role["scope_type"], role.value("scope_id", std::string()));
  p.client = NewClient();
  Reply r = p.client->Login(p.login_id, p.password);
  Require(r.status == 200, "first login of " + p.login_id + ": " + r.Describe());
  p.login_doc = r.doc;
  return p;
}

Person ApiTest::NewSignedIn(const std::string& prefix, const std::vector<json>& roles, const std::string& org_unit_id) {
  Person p = NewUser(prefix, roles, org_unit_id);
  CompleteSignIn(p);
  return p;
}

Person* ApiTest::FirstAdminOn(const std::string& base_url) {
  auto admin = std::make_unique<Person>();
  admin->login_id = kAdminLogin;
  admin->password = kAdminTempPassword;
  admin->client = std::make_unique<Client>(base_url);
  Reply r = admin->client->Login(kAdminLogin, kAdminTempPassword);
  Require(r.status == 200, "admin login: " + r.Describe());
  admin->id = r.doc["user"]["id"].get<std::string>();
  admin->login_doc = r.doc;
  CompleteSignIn(*admin);
  return admin.release();
}

std::pair<std::string, std::string> ApiTest::RootUnitOn(Client& admin) {
  Reply units = admin.Get("/api/v1/org-units");
  Require(units.status == 200, "GET /org-units: " + units.Describe());
  for (const auto& u : units.doc["items"])
    if (u.value("kind", "") == "city") return {u["id"].get<std::string>(), u.value("name", "")};
  Require(false, "no root org unit: " + units.Describe());
  return {};
}

Person* ApiTest::MakePersonOn(Client& admin, const std::string& base_url, const std::string& prefix,
                              const std::string& unit, const std::vector<json>& roles, const std::string& email) {
  auto p = std::make_unique<Person>();
  p->login_id = UniqueLogin(prefix);
  json body = {{"login_id", p->login_id}, {"name", "町職員 " + prefix}, {"org_unit_id", unit}, {"employment_type", "regular"}};
  if (!email.empty()) body["email"] = email;
  Reply u = admin.Post("/api/v1/users", body);
  Require(u.status == 201, "POST /users: " + u.Describe());
  p->id = u.doc.value("id", "");
  p->password = u.doc["temporary_password"].get<std::string>();
  for (json a : roles) {
    a["user_id"] = p->id;
    Reply r = admin.Post("/api/v1/role-assignments", a);
    Require(r.status == 201, "POST /role-assignments: " + r.Describe());
  }
  p->client = std::make_unique<Client>(base_url);
  Reply r = p->client->Login(p->login_id, p->password);
  Require(r.status == 200, "login: " + r.Describe());
  p->login_doc = r.doc;
  CompleteSignIn(*p);
  return p.release();
}

void ApiTest::SignInAgain(Person& p) {
  Reply r = p.client->Login(p.login_id, p.password);
  Require(r.status == 200, "login of " + p.login_id + ": " + r.Describe());
  p.login_doc = r.doc;
  CompleteSignIn(p);
}

namespace {

bool ProblemCode(const Reply& r, const std::string& code) {
  return r.doc.is_object() && r.doc.value("type", "") == "/problems/" + code;
}

}  // namespace

void ApiTest::CompleteSignIn(Person& p) {
  // What the login answer said is owed (API v1: must_change_password, mfa_required,
  // mfa_enrollment_required); each step settled clears its flag.
  bool password_owed = p.login_doc.value("must_change_password", false);
  bool enrol_owed = p.login_doc.value("mfa_enrollment_required", false);
  bool mfa_owed = p.login_doc.value("mfa_required", false);
  Client& c = *p.client;

  auto change_password = [&]() -> Reply {
    const std::string next = StrongPassword();
    Reply r = c.Put("/api/v1/me/password", {{"current_password", p.password}, {"new_password", next}});
    if (r.status == 200) {
      p.password = next;
      password_owed = false;
    }
    return r;
  };
  auto settle_mfa = [&]() -> Reply {
    if (enrol_owed) {
      Reply t = c.Post("/api/v1/me/mfa/totp", json::object());
      if (t.status != 200) return t;
      auto secret = auth::Base32Decode(t.doc["secret"].get<std::string>());
      Require(secret.has_value(), "TOTP secret is not base32: " + t.Describe());
      p.totp_secret = *secret;
      Reply r = c.Post("/api/v1/me/mfa/totp/confirm", {{"code", p.NextCode()}});
      if (r.status == 200) enrol_owed = false;
      return r;
    }
    Reply r = c.Post("/api/v1/session/mfa", {{"code", p.NextCode()}});
    if (r.status == 200) mfa_owed = false;
    return r;
  };

  for (int round = 0; round < 4 && (password_owed || enrol_owed || mfa_owed); ++round) {
    if (password_owed) {
      Reply r = change_password();
      if (r.status == 200) continue;
      // The contract does not fix the order of the owed steps: when the server wants MFA
      // first, do that and come back to the password.
      Require(ProblemCode(r, "mfa_required") && (enrol_owed || mfa_owed),
              "PUT /me/password for " + p.login_id + ": " + r.Describe());
      Reply m = settle_mfa();
      Require(m.status == 200 || m.status == 204,
              "sign-in of " + p.login_id + " cannot complete: PUT /me/password answers mfa_required, and the MFA " +
                  (enrol_owed ? std::string("enrolment (POST /me/mfa/totp[/confirm])") : std::string("step (POST /session/mfa)")) +
                  " answers " + m.Describe());
      continue;
    }
    Reply m = settle_mfa();
    Require(m.status == 200 || m.status == 204, "MFA step of " + p.login_id + ": " + m.Describe());
  }
  Require(!password_owed && !enrol_owed && !mfa_owed, "sign-in of " + p.login_id + " did not complete");
  // Any full-session route now answers on its merits, not with an owed step or 401.
  Reply s = c.Get("/api/v1/users/" + p.id);
  Require(s.status != 401 && !ProblemCode(s, "password_change_required"),
          "after sign-in " + p.login_id + " still has no full session: " + s.Describe());
}

int64_t ApiTest::LogHead() {
  Reply r = admin_->client->Get("/api/v1/audit-log?per_page=1");
  Require(r.status == 200, "GET /audit-log: " + r.Describe());
  if (r.doc["items"].empty()) return 0;
  return r.doc["items"][0]["seq"].get<int64_t>();
}

int64_t ApiTest::UserCount() {
  Reply r = admin_->client->Get("/api/v1/users?per_page=1");
  Require(r.status == 200, "GET /users: " + r.Describe());
  return r.doc["total"].get<int64_t>();
}

json ApiTest::GetUser(const std::string& id) {
  Reply r = admin_->client->Get("/api/v1/users/" + id);
  Require(r.status == 200, "GET /users/" + id + ": " + r.Describe());
  return r.doc;
}

json ApiTest::AuditLog(const std::string& query) {
  Reply r = admin_->client->Get("/api/v1/audit-log" + (query.empty() ? "" : "?" + query));
  Require(r.status == 200, "GET /audit-log?" + query + ": " + r.Describe());
  return r.doc;
}

}  // namespace mamori::itest
