// Test harness for the API integration suite: a real `mamori` server process per test suite
// (init + serve, on SQLite or PostgreSQL as MAMORI_TEST_ENGINE says), a small HTTPS client
// over libcurl that keeps the session cookie and CSRF token like a browser would, and helpers
// that take a user from a temporary password to a fully signed-in session (password change,
// TOTP enrolment). It knows the server only through DESIGN.md's API v1 contract and the CLI.
// The transport and the process launcher are the shared test kit's (tests/kit/), which bench/
// uses too.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kit/https_client.hpp"
#include "kit/server_launcher.hpp"

namespace mamori::storage {
class TestDatabase;
class Database;
}  // namespace mamori::storage

namespace mamori::itest {

using nlohmann::json;

// "sqlite" (default) or "postgres", from MAMORI_TEST_ENGINE.
std::string Engine();
// The mamori binary under test (MAMORI_TEST_BINARY overrides the one built beside the test).
std::string MamoriBinary();
// The source tree (for policy/kobe.yaml).
std::string SourceDir();
// A fresh private temporary directory.
std::string MakeTempDir(const std::string& tag);

// Throws std::runtime_error(msg) unless cond: helpers that return values cannot ASSERT, and
// GoogleTest reports an exception escaping a test body as a failure with its message.
void Require(bool cond, const std::string& msg);

using ProcResult = testkit::ProcResult;  // exit code and interleaved output
// Runs `mamori ARGS...` to completion, feeding `stdin_data` on standard input (a pipe, so
// never a terminal).
ProcResult RunMamori(const std::vector<std::string>& args, const std::string& stdin_data = "");

// ---- HTTP client ---------------------------------------------------------------------------

// The shared kit's reply (status, body, lower-cased headers) with the body parsed.
struct Reply : testkit::HttpReply {
  json doc;              // the parsed body; an empty object when the body is not JSON
  bool is_json = false;  // the body parsed as JSON

  std::string ContentType() const { return Header("content-type"); }
  // A short description for assertion messages.
  std::string Describe() const;
};

enum class Csrf { kSend, kOmit, kWrong };

class Client {
 public:
  explicit Client(std::string base_url);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Reply Get(const std::string& path);
  Reply Post(const std::string& path, const json& body, Csrf csrf = Csrf::kSend);
  Reply PostRaw(const std::string& path, const std::string& raw, Csrf csrf = Csrf::kSend);
  Reply Put(const std::string& path, const json& body, Csrf csrf = Csrf::kSend);
  Reply Delete(const std::string& path, Csrf csrf = Csrf::kSend);
  // Any method, optional raw body, extra header lines ("Name: value").
  Reply Send(const std::string& method, const std::string& path, const std::optional<std::string>& body,
             Csrf csrf = Csrf::kSend, const std::vector<std::string>& extra_headers = {});

  // Points the client at another server address (a restarted server); the cookie stays.
  void set_base(std::string base_url) { base_ = std::move(base_url); }

  // POST /api/v1/session; on 200 the cookie and csrf_token are kept for later requests.
  Reply Login(const std::string& login_id, const std::string& password);

  // The local address requests leave from ("127.0.0.2": any of 127/8 reaches a server on
  // 127.0.0.1), so a test can be another client address; "" = the system's choice.
  std::string source_address;
  std::string cookie;         // value of __Host-mamori_session, "" when none
  std::string csrf_token;     // csrf_token from the last successful login or step up
  std::string last_set_cookie;  // the raw Set-Cookie of the last reply that had one

 private:
  std::string base_;
  testkit::HttpsClient http_;  // the self-signed certificate is not checked
};

// ---- problem documents ---------------------------------------------------------------------

// status, application/problem+json, type "/problems/<code>", title, matching "status", detail.
::testing::AssertionResult IsProblem(const Reply& r, int status, const std::string& code);
// A problem of type mfa_required (the contract fixes the code, not the status: 401 or 403).
::testing::AssertionResult IsMfaRequired(const Reply& r);
// The problem names `field` in errors[] (with `code` when not empty).
::testing::AssertionResult HasFieldError(const Reply& r, const std::string& field, const std::string& code = "");
// The error codes errors[] lists for `field`.
std::vector<std::string> FieldCodes(const Reply& r, const std::string& field);

// ---- server process ------------------------------------------------------------------------

inline constexpr char kAdminLogin[] = "admin";
inline constexpr char kAdminTempPassword[] = "Init#Temp-7Qz9wXk";
// The second person `mamori init --approver` creates (Kobe: security_director, who approves
// grants of second-person roles); only on servers with the default pack.
inline constexpr char kApproverLogin[] = "approver";
inline constexpr char kApproverTempPassword[] = "Appr#Temp-4Kd8mRv";

// One initialised data directory (and, for PostgreSQL, one private schema) with a running
// `mamori serve`. Stop() and Start() again reuse the same data.
class ServerProcess {
 public:
  // init (with `policy_file` as the pack when given, else the default Kobe pack) + start.
  explicit ServerProcess(const std::string& policy_file = "");
  ~ServerProcess();
  void Start();
  void Stop();
  // kill -9: the server is given no chance to finish anything (crash tests).
  void Kill();
  // Stops the server, appends `yaml_lines` to DIR/mamori.yaml and starts it again (on a new
  // port: point clients at base_url() afterwards). Sessions survive, being in the database.
  void Reconfigure(const std::string& yaml_lines);
  bool running() const { return pid_ > 0; }
  // Whether the server process is still running, watched for a moment so that a crash that
  // has just closed a connection is seen; ended() then says how it ended.
  bool Alive();
  const std::string& ended() const { return ended_; }

  const std::string& base_url() const { return base_url_; }
  const std::string& data_dir() const { return data_dir_; }
  // The --db argument given to init/serve/log verify ("" on SQLite: the default under --data).
  const std::string& db_arg() const { return db_arg_; }
  // A URL storage::Database::Open takes, for direct (tampering) access.
  std::string StorageUrl() const;
  // `mamori log verify --data DIR [--db URL] EXTRA...`.
  ProcResult LogVerify(const std::vector<std::string>& extra = {}) const;
  // metrics_token of DIR/mamori.yaml (the bearer token GET /metrics requires).
  std::string MetricsToken() const;
  // Extra arguments for `mamori serve` at the next Start() (e.g. --accept-broken-log).
  std::vector<std::string> serve_args;
  // The database URL `mamori serve` gets at the next Start() instead of db_arg(), when not
  // empty (the failover tests put a proxy they can cut between server and PostgreSQL).
  std::string serve_db;
  std::string ServeLog() const;

 private:
  std::unique_ptr<storage::TestDatabase> pg_;
  std::string data_dir_;
  std::string db_arg_;
  std::string base_url_;
  std::string ended_;
  pid_t pid_ = -1;
};

// ---- people --------------------------------------------------------------------------------

struct Person {
  std::string id;
  std::string login_id;
  std::string password;     // the current password
  std::string totp_secret;  // raw secret bytes, "" until enrolled
  int64_t last_step = 0;    // newest TOTP step the server has accepted from us
  json login_doc;           // the answer of the last successful POST /session
  std::unique_ptr<Client> client;

  // A code for a step newer than any used before and inside the server's +-1 window; sleeps
  // only when the window is used up (a code is never accepted twice, kobe:6.4.2ア).
  std::string NextCode();
  // A six-digit code that matches none of the steps in the window.
  std::string WrongCode() const;
};

// A random password that passes the Kobe pack's rules (length, 3 classes, dictionary).
std::string StrongPassword();
// A login ID unique within the run.
std::string UniqueLogin(const std::string& prefix);

// Base fixture: one server and one fully signed-in administrator per test suite.
class ApiTest : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

 protected:
  static std::string setup_error_;
  static ServerProcess* server_;
  static Person* admin_;
  static Person* approver_;  // approves second-person grants (see kApproverLogin)
  static std::string city_id_;

  static std::unique_ptr<Client> NewClient();
  // POST /api/v1/users as the admin (201 required). The answer body.
  static json CreateUser(const std::string& login_id, const std::string& org_unit_id = "",
                         const std::string& employment_type = "regular", const json& extra = json::object());
  // A user created by the admin with `roles` ({role, scope_type, scope_id}), signed in only
  // with the temporary password (password change and MFA still owed).
  static Person NewUser(const std::string& prefix, const std::vector<json>& roles = {},
                        const std::string& org_unit_id = "");
  // NewUser, then CompleteSignIn.
  static Person NewSignedIn(const std::string& prefix, const std::vector<json>& roles = {},
                            const std::string& org_unit_id = "");
  // From a session owing a password change and/or MFA (after Login) to a full session:
  // changes the password when owed, enrols TOTP when not enrolled, passes MFA when enrolled.
  static void CompleteSignIn(Person& p);
  // A person of another server (a second pack's town): created by `admin` in `unit` with the
  // assignments `roles` ({role, scope_type, scope_id}), an e-mail address when given, and
  // fully signed in at `base_url`.
  static Person* MakePersonOn(Client& admin, const std::string& base_url, const std::string& prefix,
                              const std::string& unit, const std::vector<json>& roles, const std::string& email = "");
  // The initial administrator of a fresh server of another pack at `base_url`, signed in
  // through every step the first sign-in owes (password change, TOTP enrolment).
  static Person* FirstAdminOn(const std::string& base_url);
  // The root org unit (kind city) as `admin` reads it: {id, name}.
  static std::pair<std::string, std::string> RootUnitOn(Client& admin);
  // Login + CompleteSignIn with p.password.
  static void SignInAgain(Person& p);
  // POST /api/v1/role-assignments as the admin (201 required, or 202 for a second-person role:
  // then approver_ approves the request); the assignment id.
  static std::string AssignRole(const std::string& user_id, const std::string& role,
                                const std::string& scope_type, const std::string& scope_id = "");
  // POST /api/v1/org-units as the admin (201 required); the unit id.
  static std::string CreateOrgUnit(const std::string& code, const std::string& kind, const std::string& parent_id);
  // Sequence number of the newest operation-log entry (GET /audit-log?per_page=1, not logged).
  static int64_t LogHead();
  // Total users the admin sees (GET /users?per_page=1).
  static int64_t UserCount();
  static json GetUser(const std::string& id);
  // GET /audit-log with a query; the answer (200 required).
  static json AuditLog(const std::string& query);
  // GET /metrics with the configured bearer token.
  static Reply GetMetrics(Client& c);
};

}  // namespace mamori::itest
