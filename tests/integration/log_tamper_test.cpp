// Tampering with the operation log behind the server's back — an entry's detail changed, an
// entry deleted, the newest entry cut off — is found by `mamori log verify` (exit 1, first bad
// seq) and by GET /api/v1/audit-log/verify after a restart; an intact log verifies with exit 0.
// Also the CLI's `policy check` and `init` refusals.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "harness.hpp"
#include "storage/db.hpp"

namespace mamori::itest {
namespace {

namespace fs = std::filesystem;

// The columns of one log row, to put a deleted row back exactly.
constexpr char kColumns[] = "seq, at, actor, actor_login, session, address, action, target, result, clause, detail, prev_hash, hash";

struct Row {
  storage::Params values;  // the 13 columns of kColumns
};

class LogTamperTest : public ApiTest {
 protected:
  // Runs `sql` with `params` directly on the server's database (the server is stopped).
  static void Exec(const std::string& sql, const storage::Params& params) {
    auto db = storage::Database::Open(server_->StorageUrl(), 1);
    Require(db.ok(), "open " + server_->StorageUrl() + ": " + (db.ok() ? "" : db.error().detail));
    auto conn = (*db)->Acquire();
    Require(conn.ok(), "acquire a connection");
    auto r = (*conn)->Execute(sql, params);
    Require(r.ok(), sql + ": " + (r.ok() ? "" : r.error().detail));
    Require(*r == 1, sql + " changed " + std::to_string(*r) + " rows");
  }

  static Row Fetch(int64_t seq) {
    auto db = storage::Database::Open(server_->StorageUrl(), 1);
    Require(db.ok(), "open the database");
    auto conn = (*db)->Acquire();
    Require(conn.ok(), "acquire a connection");
    Row row;
    auto st = (*conn)->Query(std::string("SELECT ") + kColumns + " FROM audit_log WHERE seq = ?", {seq},
                             [&](const storage::Row& r) {
                               row.values = {r.Int(0), r.Int(1)};
                               for (int i = 2; i < 13; ++i) row.values.push_back(r.Str(i));
                             });
    Require(st.ok() && !row.values.empty(), "no log entry " + std::to_string(seq));
    return row;
  }

  static int64_t FirstBadSeq(const ProcResult& r) {
    std::smatch m;
    if (!std::regex_search(r.output, m, std::regex(R"(first bad seq (\d+))"))) return -1;
    return std::stoll(m[1]);
  }

  // Restarts the server and asks the API to verify, with the admin's session from before
  // the restart (sessions live in the database, so any node can serve them).
  static json ApiVerify() {
    server_->Start();
    admin_->client->set_base(server_->base_url());
    Reply r = admin_->client->Get("/api/v1/audit-log/verify");
    Require(r.status == 200, "GET /audit-log/verify after a restart: " + r.Describe());
    return r.doc;
  }
};

TEST_F(LogTamperTest, EditsDeletionsAndTruncationAreFoundByCliAndApi) {
  // Some history first.
  for (int i = 0; i < 3; ++i) CreateUser(UniqueLogin("hist"));
  NewClient()->Login(UniqueLogin("ghost"), "Wrong#Passw0rd-1");
  Reply ok = admin_->client->Get("/api/v1/audit-log/verify");
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  ASSERT_EQ(ok.doc.value("ok", false), true) << ok.Describe();

  server_->Stop();
  ProcResult intact = server_->LogVerify();
  ASSERT_EQ(intact.exit_code, 0) << intact.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(intact.output, m, std::regex(R"((\d+) entries)"))) << intact.output;
  const int64_t entries = std::stoll(m[1]);
  EXPECT_GE(entries, 10) << intact.output;
  ASSERT_GT(entries, 6);

  // 1. One entry's detail changed.
  const int64_t edited = 3;
  const Row original = Fetch(edited);
  Exec("UPDATE audit_log SET detail = ? WHERE seq = ?", {std::string("{\"role\":\"ciso\"}"), edited});
  ProcResult r1 = server_->LogVerify();
  EXPECT_EQ(r1.exit_code, 1) << r1.output;
  EXPECT_EQ(FirstBadSeq(r1), edited) << r1.output;
  {
    json v = ApiVerify();
    EXPECT_EQ(v.value("ok", true), false) << v.dump();
    EXPECT_EQ(v.value("first_bad_seq", int64_t{-1}), edited) << v.dump();
    // Detected tampering stays visible: the failed verification is itself logged.
    EXPECT_GE(AuditLog("action=audit.verify&result=failure").value("total", 0), 1);
    server_->Stop();
  }
  // Putting the byte-exact original back makes the chain whole again (entries appended
  // meanwhile chain onto the real head).
  Exec("UPDATE audit_log SET detail = ? WHERE seq = ?", {original.values[10], edited});
  ProcResult restored = server_->LogVerify();
  EXPECT_EQ(restored.exit_code, 0) << restored.output;

  // 2. One entry deleted.
  const int64_t removed = 6;
  const Row saved = Fetch(removed);
  Exec("DELETE FROM audit_log WHERE seq = ?", {removed});
  ProcResult r2 = server_->LogVerify();
  EXPECT_EQ(r2.exit_code, 1) << r2.output;
  EXPECT_EQ(FirstBadSeq(r2), removed) << r2.output;
  {
    json v = ApiVerify();
    EXPECT_EQ(v.value("ok", true), false) << v.dump();
    EXPECT_EQ(v.value("first_bad_seq", int64_t{-1}), removed) << v.dump();
    server_->Stop();
  }
  Exec(std::string("INSERT INTO audit_log (") + kColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", saved.values);
  ProcResult back = server_->LogVerify();
  EXPECT_EQ(back.exit_code, 0) << back.output;

  // 3. The newest entry cut off (covered by the checkpoint signed at shutdown).
  int64_t newest = 0;
  {
    auto db = storage::Database::Open(server_->StorageUrl(), 1);
    ASSERT_TRUE(db.ok());
    auto conn = (*db)->Acquire();
    ASSERT_TRUE(conn.ok());
    auto last = (*conn)->QueryInt("SELECT MAX(seq) FROM audit_log", {}, 0);
    ASSERT_TRUE(last.ok());
    newest = *last;
  }
  ASSERT_GT(newest, entries);
  const Row last = Fetch(newest);
  Exec("DELETE FROM audit_log WHERE seq = ?", {newest});
  ProcResult r3 = server_->LogVerify();
  EXPECT_EQ(r3.exit_code, 1) << "truncation: " << r3.output;
  EXPECT_EQ(FirstBadSeq(r3), newest) << r3.output;
  // serve refuses a log whose tail is gone (log_trust_test.cpp); put it back for the teardown.
  Exec(std::string("INSERT INTO audit_log (") + kColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", last.values);
  server_->Start();  // the suite's teardown stops it again
}

// ---- CLI -----------------------------------------------------------------------------------

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 1-based line of the first occurrence of `needle`.
int LineOf(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  if (at == std::string::npos) return -1;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

TEST(CliTest, PolicyCheckAcceptsTheKobePack) {
  ProcResult r = RunMamori({"policy", "check", SourceDir() + "/policy/kobe.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ok"), std::string::npos) << r.output;
}

TEST(CliTest, PolicyCheckRefusesABrokenPackNamingTheLine) {
  const std::string kobe = ReadFile(SourceDir() + "/policy/kobe.yaml");
  ASSERT_FALSE(kobe.empty());
  const std::string dir = MakeTempDir("pack");
  struct Case {
    std::string from, to;
  };
  const std::vector<Case> cases = {
      {"max_failures: 5", "max_failures: lots"},
      {"min_length: 8", "min_length: -3"},
      {"roles: [auditor, infrastructure_manager]", "roles: [auditor, emperor]"},
      {"required_for: all", "required_for: sometimes"},
      // The first role's scope (the line after its clause).
      {"scopes: [city]\n    permissions: [org.read, users.read, audit.read, audit.verify, policy.read, assets.read, ",
       "scopes: [planet]\n    permissions: [org.read, users.read, audit.read, audit.verify, policy.read, assets.read, "},
  };
  for (const auto& c : cases) {
    std::string text = kobe;
    const size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << "kobe.yaml no longer has '" << c.from << "'";
    text.replace(at, c.from.size(), c.to);
    const int line = LineOf(text, c.to.substr(0, c.to.find('\n')));
    const std::string file = dir + "/broken.yaml";
    std::ofstream(file) << text;
    ProcResult r = RunMamori({"policy", "check", file});
    EXPECT_EQ(r.exit_code, 1) << c.to << ": " << r.output;
    EXPECT_NE(r.output.find("line " + std::to_string(line)), std::string::npos)
        << "'" << c.to << "' is on line " << line << ": " << r.output;
  }
  // Not YAML at all.
  std::ofstream(dir + "/syntax.yaml") << "pack: kobe\nroles: [unclosed\n  - x: {\n";
  ProcResult syntax = RunMamori({"policy", "check", dir + "/syntax.yaml"});
  EXPECT_EQ(syntax.exit_code, 1) << syntax.output;
  EXPECT_NE(syntax.output.find("line"), std::string::npos) << syntax.output;
  ProcResult missing = RunMamori({"policy", "check", dir + "/none.yaml"});
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  fs::remove_all(dir);
}

TEST(CliTest, InitRefusesAWeakAdministratorPasswordAndASecondInit) {
  const std::string dir = MakeTempDir("init");
  ProcResult weak = RunMamori({"init", "--data", dir + "/d", "--admin", "admin"}, "short\n");
  EXPECT_EQ(weak.exit_code, 1) << weak.output;
  EXPECT_NE(weak.output.find("too_short"), std::string::npos) << weak.output;
  ProcResult with_id = RunMamori({"init", "--data", dir + "/d", "--admin", "admin"}, "Admin#2024-xyzQ\n");
  EXPECT_EQ(with_id.exit_code, 1) << "contains the login ID: " << with_id.output;
  EXPECT_FALSE(fs::exists(dir + "/d/mamori.yaml")) << "a refused init leaves nothing behind";

  ProcResult ok = RunMamori({"init", "--data", dir + "/d", "--admin", "admin"}, std::string(kAdminTempPassword) + "\n");
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ok.output.find(kAdminTempPassword), std::string::npos) << "a password from stdin is not echoed";
  ProcResult again = RunMamori({"init", "--data", dir + "/d", "--admin", "root"}, std::string(kAdminTempPassword) + "\n");
  EXPECT_EQ(again.exit_code, 1) << again.output;
  ProcResult verify = RunMamori({"log", "verify", "--data", dir + "/d"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(verify.output, m, std::regex(R"((\d+) entries)"))) << verify.output;
  EXPECT_GE(std::stoll(m[1]), 3) << "init logs itself (city, administrator, roles): " << verify.output;
  ProcResult nodata = RunMamori({"log", "verify", "--data", dir + "/nothing-here"});
  EXPECT_NE(nodata.exit_code, 0) << nodata.output;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mamori::itest
