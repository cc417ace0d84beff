// The operation log's trust anchor outside the database (issue 7 part 2): with the signing key
// pinned (the public key copied off the server at init) and the witness of signed heads, every
// way of tampering with the log behind the server's back — an entry edited, deleted or
// reordered, the tail cut off with or without log_head rewritten, a checkpoint deleted, the
// chain rewritten and re-signed with the server's own key, the key pair replaced, the log
// emptied — makes `mamori log verify` exit 1 naming the first bad seq (and the last witnessed
// seq where the witness is what knows). An untampered log passes with the pinned key. Then the
// server's side: serve refuses a broken log unless told otherwise (and logs that), /readyz and
// /metrics report it, /metrics wants its token; and the data directory's file modes.
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>

#include "common/crypto.hpp"
#include "harness.hpp"
#include "storage/db.hpp"

namespace mamori::itest {
namespace {

namespace fs = std::filesystem;

constexpr char kEntryColumns[] =
    "seq, at, actor, actor_login, session, address, action, target, result, clause, detail, prev_hash, hash";
constexpr char kCheckpointColumns[] = "seq, hash, at, key_id, signature, prev_seq";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

struct Entry {
  int64_t seq = 0, at = 0;
  std::vector<std::string> text;  // actor … detail (9), prev_hash, hash
};
struct Checkpoint {
  int64_t seq = 0, at = 0, prev_seq = 0;
  std::string hash, key_id, signature;
};

// The hash of docs/operation_log.md, written from the document (not mamori's code).
std::string DocHash(const Entry& e) {
  auto field = [](std::string& out, const std::string& v) {
    const uint32_t n = static_cast<uint32_t>(v.size());
    out += static_cast<char>(n >> 24);
    out += static_cast<char>(n >> 16);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n);
    out += v;
  };
  std::string buf = *crypto::HexDecode(e.text[9]);
  field(buf, std::to_string(e.seq));
  field(buf, std::to_string(e.at));
  for (int i = 0; i < 9; ++i) field(buf, e.text[i]);
  return crypto::Sha256Hex(buf);
}

class LogTrustTest : public ApiTest {
 public:
  static bool Running() { return server_->running(); }
  static void Restart() {
    server_->Start();
    admin_->client->set_base(server_->base_url());
  }

 protected:
  static std::unique_ptr<storage::Database> Db() {
    auto db = storage::Database::Open(server_->StorageUrl(), 1);
    Require(db.ok(), "open " + server_->StorageUrl());
    return std::move(*db);
  }

  static void Sql(const std::string& sql, const storage::Params& params = {}) {
    auto db = Db();
    auto conn = db->Acquire();
    Require(conn.ok(), "acquire");
    auto r = (*conn)->Execute(sql, params);
    Require(r.ok(), sql + ": " + (r.ok() ? "" : r.error().detail));
  }

  static std::vector<Entry> Entries() {
    std::vector<Entry> out;
    auto db = Db();
    auto conn = db->Acquire();
    Require(conn.ok(), "acquire");
    auto st = (*conn)->Query(std::string("SELECT ") + kEntryColumns + " FROM audit_log ORDER BY seq", {},
                             [&](const storage::Row& r) {
                               Entry e{r.Int(0), r.Int(1), {}};
                               for (int i = 2; i < 13; ++i) e.text.push_back(r.Str(i));
                               out.push_back(std::move(e));
                             });
    Require(st.ok(), "read the log");
    return out;
  }

  static std::vector<Checkpoint> Checkpoints() {
    std::vector<Checkpoint> out;
    auto db = Db();
    auto conn = db->Acquire();
    Require(conn.ok(), "acquire");
    auto st = (*conn)->Query(std::string("SELECT ") + kCheckpointColumns + " FROM log_checkpoints ORDER BY seq", {},
                             [&](const storage::Row& r) {
                               out.push_back({r.Int(0), r.Int(2), r.Int(5), r.Str(1), r.Str(3), r.Str(4)});
                             });
    Require(st.ok(), "read the checkpoints");
    return out;
  }

  // Writes the log tables as given (the attacker's last step), head included.
  static void WriteLog(const std::vector<Entry>& entries, const std::vector<Checkpoint>& cps, int64_t head_seq,
                       const std::string& head_hash) {
    auto db = Db();
    auto conn = db->Acquire();
    Require(conn.ok(), "acquire");
    auto exec = [&](const std::string& sql, const storage::Params& p = {}) {
      auto r = (*conn)->Execute(sql, p);
      Require(r.ok(), sql + ": " + (r.ok() ? "" : r.error().detail));
    };
    exec("DELETE FROM audit_log");
    exec("DELETE FROM log_checkpoints");
    for (const auto& e : entries) {
      storage::Params p{e.seq, e.at};
      for (const auto& t : e.text) p.push_back(t);
      exec(std::string("INSERT INTO audit_log (") + kEntryColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", p);
    }
    for (const auto& c : cps)
      exec(std::string("INSERT INTO log_checkpoints (") + kCheckpointColumns + ") VALUES (?, ?, ?, ?, ?, ?)",
           {c.seq, c.hash, c.at, c.key_id, c.signature, c.prev_seq});
    exec("DELETE FROM log_head");
    exec("INSERT INTO log_head (id, seq, hash) VALUES (1, ?, ?)", {head_seq, head_hash});
  }

  // Rehashes entries from index `from` on and re-signs every checkpoint with `private_pem`
  // (the key the attacker holds), keeping the checkpoints' seqs.
  static void Reseal(std::vector<Entry>& entries, std::vector<Checkpoint>& cps, size_t from,
                     const std::string& private_pem, const std::string& key_id) {
    for (size_t i = from; i < entries.size(); ++i) {
      entries[i].text[9] = i == 0 ? std::string(64, '0') : entries[i - 1].text[10];
      entries[i].text[10] = DocHash(entries[i]);
    }
    auto key = crypto::EcKey::FromPrivatePem(private_pem);
    Require(key.ok(), "the attacker's key parses");
    int64_t prev = 0;
    for (auto& c : cps) {
      c.hash = entries[static_cast<size_t>(c.seq - 1)].text[10];
      c.prev_seq = prev;
      c.key_id = key_id;
      auto sig = key->Sign("mamori-log-checkpoint-v2\n" + std::to_string(c.seq) + "\n" + c.hash + "\n" +
                           std::to_string(c.prev_seq) + "\n");
      Require(sig.ok(), "sign");
      c.signature = crypto::Base64Encode(*sig);
      prev = c.seq;
    }
  }

  static int64_t Named(const ProcResult& r, const std::string& what) {
    std::smatch m;
    if (!std::regex_search(r.output, m, std::regex(what + R"( (\d+))"))) return -1;
    return std::stoll(m[1]);
  }

  // The state after the history, restored before each tampering.
  struct Snapshot {
    std::vector<Entry> entries;
    std::vector<Checkpoint> checkpoints;
    std::string head_hash;
    std::map<std::string, std::string> files;  // keys and witness, by path
  };

  static Snapshot Take() {
    Snapshot s;
    s.entries = Entries();
    s.checkpoints = Checkpoints();
    s.head_hash = s.entries.back().text[10];
    for (const char* f : {"/keys/log_signing.pem", "/keys/log_signing.pub.pem", "/witness/heads.log"})
      s.files[server_->data_dir() + f] = Slurp(server_->data_dir() + f);
    return s;
  }

  static void Restore(const Snapshot& s) {
    WriteLog(s.entries, s.checkpoints, s.entries.back().seq, s.head_hash);
    for (const auto& [path, text] : s.files) Spit(path, text);
  }

  // Some history with several checkpoints (each stop seals the head), then stopped.
  static void History() {
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 3; ++i) CreateUser(UniqueLogin("trust"));
      NewClient()->Login(UniqueLogin("ghost"), "Wrong#Passw0rd-1");
      server_->Stop();
      server_->Start();
      admin_->client->set_base(server_->base_url());
    }
    server_->Stop();
  }
};

// Leaves the suite's server running for the next test, whatever happened in this one.
struct KeepServing {
  ~KeepServing() {
    try {
      if (!LogTrustTest::Running()) LogTrustTest::Restart();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "restarting the server: " << e.what();
    }
  }
};

TEST_F(LogTrustTest, EveryRowOfTheTamperMatrixIsCaughtWithAPinnedKey) {
  KeepServing keep;
  History();
  const std::string pinned = MakeTempDir("pin") + "/log_signing.pub.pem";
  Spit(pinned, Slurp(server_->data_dir() + "/keys/log_signing.pub.pem"));
  const std::string fingerprint = crypto::Sha256Hex(Slurp(pinned));
  const Snapshot snap = Take();
  const int64_t n = snap.entries.back().seq;
  ASSERT_GE(snap.checkpoints.size(), 4u) << "init and three stops each seal the log";
  ASSERT_GE(n, 15);

  // Untampered: passes with the pinned key, by file and by fingerprint.
  for (const auto& pin : std::vector<std::vector<std::string>>{{"--public-key", pinned}, {"--key-id", fingerprint}}) {
    ProcResult ok = server_->LogVerify(pin);
    ASSERT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_NE(ok.output.find("trusted key " + fingerprint.substr(0, 16)), std::string::npos) << ok.output;
    EXPECT_EQ(Named(ok, "last witnessed seq"), n) << "every stop's head is witnessed: " << ok.output;
  }
  // Without a pin it still verifies, but says which key it trusted and warns.
  ProcResult unpinned = server_->LogVerify();
  EXPECT_EQ(unpinned.exit_code, 0) << unpinned.output;
  EXPECT_NE(unpinned.output.find("warning: trusting the key beside the database"), std::string::npos) << unpinned.output;
  EXPECT_NE(unpinned.output.find("trusted key " + fingerprint.substr(0, 16)), std::string::npos) << unpinned.output;

  const std::string server_key = Slurp(server_->data_dir() + "/keys/log_signing.pem");
  const int64_t mid_cp = snap.checkpoints[1].seq;  // a checkpoint with one before and after
  const int64_t cut = snap.checkpoints[2].seq - 1;  // where the tail is cut off
  // A rewrite from seq 12 on is found after the newest head or checkpoint before 12 that still
  // matches: as precisely as the evidence allows (the witness may coalesce heads under load).
  int64_t evidence_before_12 = 0;
  for (const auto& c : snap.checkpoints)
    if (c.seq < 12) evidence_before_12 = std::max(evidence_before_12, c.seq);
  {
    std::istringstream heads(snap.files.at(server_->data_dir() + "/witness/heads.log"));
    std::string tag;
    int64_t seq = 0;
    std::string rest;
    while (heads >> tag >> seq && std::getline(heads, rest))
      if (seq < 12) evidence_before_12 = std::max(evidence_before_12, seq);
  }
  ASSERT_GE(evidence_before_12, 1);

  struct Row {
    std::string name;
    std::function<void()> tamper;
    int64_t first_bad;
    int64_t last_witnessed;  // -1: not asserted
  };
  const std::vector<Row> matrix = {
      {"an entry edited", [&] { Sql("UPDATE audit_log SET detail = ? WHERE seq = ?", {std::string("{\"role\":\"ciso\"}"), int64_t{5}}); },
       5, -1},
      {"an entry deleted", [&] { Sql("DELETE FROM audit_log WHERE seq = ?", {int64_t{7}}); }, 7, -1},
      {"two entries reordered",
       [&] {
         Sql("UPDATE audit_log SET seq = -1 WHERE seq = 9");
         Sql("UPDATE audit_log SET seq = 9 WHERE seq = 10");
         Sql("UPDATE audit_log SET seq = 10 WHERE seq = -1");
       },
       9, -1},
      {"the tail cut off, log_head left",
       [&] {
         Sql("DELETE FROM audit_log WHERE seq > ?", {cut});
         Sql("DELETE FROM log_checkpoints WHERE seq > ?", {cut});
       },
       cut + 1, n},
      {"the tail cut off and log_head rewritten to match",
       [&] {
         auto e = snap.entries;
         auto cps = snap.checkpoints;
         e.resize(static_cast<size_t>(cut));
         std::erase_if(cps, [&](const Checkpoint& c) { return c.seq > cut; });
         WriteLog(e, cps, cut, e.back().text[10]);
       },
       cut + 1, n},
      {"a checkpoint deleted", [&] { Sql("DELETE FROM log_checkpoints WHERE seq = ?", {mid_cp}); }, mid_cp, -1},
      {"the newest checkpoint deleted",
       [&] { Sql("DELETE FROM log_checkpoints WHERE seq = ?", {snap.checkpoints.back().seq}); },
       snap.checkpoints.back().seq, n},
      {"the chain rewritten and re-signed with the server's own key",
       [&] {
         auto e = snap.entries;
         auto cps = snap.checkpoints;
         e[11].text[8] = "{\"forged\":true}";
         Reseal(e, cps, 11, server_key, snap.checkpoints[0].key_id);
         WriteLog(e, cps, n, e.back().text[10]);
       },
       evidence_before_12 + 1, n},
      {"the key pair replaced and everything re-signed",
       [&] {
         auto kp = crypto::GenerateEcP256();
         Require(kp.ok(), "keygen");
         Spit(server_->data_dir() + "/keys/log_signing.pem", kp->private_pem);
         Spit(server_->data_dir() + "/keys/log_signing.pub.pem", kp->public_pem);
         auto e = snap.entries;
         auto cps = snap.checkpoints;
         e[2].text[8] = "{\"forged\":true}";
         Reseal(e, cps, 2, kp->private_pem, crypto::Sha256Hex(kp->public_pem).substr(0, 16));
         WriteLog(e, cps, n, e.back().text[10]);
       },
       1, -1},
      {"the log emptied",
       [&] { WriteLog({}, {}, 0, std::string(64, '0')); }, 1, n},
  };
  for (const auto& row : matrix) {
    SCOPED_TRACE(row.name);
    Restore(snap);
    row.tamper();
    for (const auto& pin : std::vector<std::vector<std::string>>{{"--public-key", pinned}, {"--key-id", fingerprint}}) {
      ProcResult r = server_->LogVerify(pin);
      EXPECT_EQ(r.exit_code, 1) << row.name << " " << pin[0] << ": " << r.output;
      EXPECT_EQ(Named(r, "first bad seq"), row.first_bad) << row.name << " " << pin[0] << ": " << r.output;
      if (row.last_witnessed >= 0 && pin[0] == "--public-key") {
        EXPECT_EQ(Named(r, "last witnessed seq"), row.last_witnessed) << row.name << ": " << r.output;
      }
    }
  }
  Restore(snap);
  ProcResult back = server_->LogVerify({"--public-key", pinned});
  EXPECT_EQ(back.exit_code, 0) << "restored: " << back.output;
  server_->Start();
  admin_->client->set_base(server_->base_url());
}

// Runs a shell command; its exit code and output.
ProcResult Shell(const std::string& cmd) {
  ProcResult r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int st = pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

TEST_F(LogTrustTest, TheDocsWalkthroughVerifiesAnExportWithPython3AndOpenssl) {
  if (Shell("command -v python3 && command -v openssl").exit_code != 0) GTEST_SKIP() << "python3 or openssl missing";
  // The script exactly as docs/operation_log.md shows it.
  const std::string doc = Slurp(SourceDir() + "/docs/operation_log.md");
  const std::string open = "```python\n#!/usr/bin/env python3\n# verify_export.py";
  const size_t at = doc.find(open);
  ASSERT_NE(at, std::string::npos) << "the walkthrough's script is gone from docs/operation_log.md";
  const size_t from = at + std::string("```python\n").size();
  const size_t to = doc.find("```", from);
  const std::string dir = MakeTempDir("walk");
  Spit(dir + "/verify_export.py", doc.substr(from, to - from));

  CreateUser(UniqueLogin("walk"));
  Reply chain = admin_->client->Get("/api/v1/audit-log/chain?format=jsonl");
  ASSERT_EQ(chain.status, 200) << chain.Describe();
  Spit(dir + "/chain.jsonl", chain.body);
  Spit(dir + "/pinned.pem", Slurp(server_->data_dir() + "/keys/log_signing.pub.pem"));
  Spit(dir + "/heads.log", Slurp(server_->data_dir() + "/witness/heads.log"));
  const std::string run = "cd " + dir + " && python3 verify_export.py pinned.pem chain.jsonl";
  ProcResult ok = Shell(run + " heads.log");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("ok: "), std::string::npos) << ok.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(ok.output, m, std::regex(R"((\d+) signed checkpoints)"))) << ok.output;
  EXPECT_GE(std::stoll(m[1]), 2) << "the export carries the checkpoints: " << ok.output;
  // The export is logged.
  EXPECT_GE(AuditLog("action=audit.export").value("total", 0), 1);

  // One byte of one entry changed in the export: the script names that entry.
  std::string forged = chain.body;
  const size_t login = forged.find("\"action\":\"user.create\"");
  ASSERT_NE(login, std::string::npos);
  const size_t line_start = forged.rfind('\n', login) + 1;
  const size_t seq_at = forged.find("\"seq\":", line_start);  // the same line: keys are sorted
  const int64_t seq = std::stoll(forged.substr(seq_at + 6));
  forged.replace(login, std::string("\"action\":\"user.create\"").size(), "\"action\":\"user.delete\"");
  Spit(dir + "/chain.jsonl", forged);
  ProcResult bad = Shell(run);
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("BAD: seq " + std::to_string(seq) + ":"), std::string::npos) << bad.output;

  // The chain export in CSV carries the same columns.
  Reply csv = admin_->client->Get("/api/v1/audit-log/chain?format=csv");
  ASSERT_EQ(csv.status, 200) << csv.Describe();
  EXPECT_EQ(csv.body.rfind("type,seq,at_us,actor,actor_login,session,address,action,target,result,clause,detail,"
                           "prev_hash,hash,prev_seq,key_id,signature\r\n", 0), 0u) << csv.body.substr(0, 200);
  EXPECT_NE(csv.body.find("\r\ncheckpoint,"), std::string::npos);
  Reply badformat = admin_->client->Get("/api/v1/audit-log/chain?format=xml");
  EXPECT_TRUE(HasFieldError(badformat, "format")) << badformat.Describe();
  fs::remove_all(dir);
}

TEST_F(LogTrustTest, MetricsWantTheConfiguredBearerToken) {
  auto anon = NewClient();
  Reply none = anon->Get("/metrics");
  EXPECT_TRUE(IsProblem(none, 401, "unauthenticated")) << none.Describe();
  EXPECT_NE(none.Header("www-authenticate").find("Bearer"), std::string::npos) << none.Describe();
  EXPECT_EQ(none.body.find("mamori_"), std::string::npos) << "nothing of the metrics leaks";
  Reply wrong = anon->Send("GET", "/metrics", std::nullopt, Csrf::kOmit, {"Authorization: Bearer " + std::string(43, 'x')});
  EXPECT_TRUE(IsProblem(wrong, 401, "unauthenticated")) << wrong.Describe();
  ASSERT_GE(server_->MetricsToken().size(), 32u);
  Reply ok = GetMetrics(*anon);
  ASSERT_EQ(ok.status, 200) << ok.Describe();
  for (const char* name : {"mamori_log_chain_ok", "mamori_log_verified_seq", "mamori_log_last_witnessed_seq",
                           "mamori_log_witness_heads_written_total"})
    EXPECT_NE(ok.body.find(name), std::string::npos) << name << " missing:\n" << ok.body;
}

TEST_F(LogTrustTest, ServeRefusesABrokenLogUnlessTheOperatorAcceptsItOnTheRecord) {
  KeepServing keep;
  for (int i = 0; i < 2; ++i) CreateUser(UniqueLogin("tail"));
  const int64_t before = LogHead();
  CreateUser(UniqueLogin("tail"));
  server_->Stop();
  // The newest entries cut off and the head rewritten: only the witness knows.
  const auto entries = [&] {
    auto db = storage::Database::Open(server_->StorageUrl(), 1);
    Require(db.ok(), "open");
    auto conn = (*db)->Acquire();
    std::string hash;
    auto st = (*conn)->Query("SELECT hash FROM audit_log WHERE seq = ?", {before}, [&](const storage::Row& r) { hash = r.Str(0); });
    Require(st.ok() && !hash.empty(), "read entry");
    for (const char* sql : {"DELETE FROM audit_log WHERE seq > ?", "DELETE FROM log_checkpoints WHERE seq > ?"})
      Require((*conn)->Execute(sql, {before}).ok(), sql);
    Require((*conn)->Execute("UPDATE log_head SET seq = ?, hash = ? WHERE id = 1", {before, hash}).ok(), "head");
    return before;
  }();
  ASSERT_EQ(entries, before);

  ProcResult refused = RunMamori(server_->db_arg().empty()
                                     ? std::vector<std::string>{"serve", "--data", server_->data_dir(), "--listen", "256.0.0.1:1"}
                                     : std::vector<std::string>{"serve", "--data", server_->data_dir(), "--db", server_->db_arg(),
                                                                "--listen", "256.0.0.1:1"});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("TAMPERED: first bad seq " + std::to_string(before + 1)), std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("last witnessed seq"), std::string::npos) << refused.output;

  server_->serve_args = {"--accept-broken-log", "restored from the 08:00 backup; ticket 42"};
  server_->Start();
  server_->serve_args.clear();
  admin_->client->set_base(server_->base_url());
  Reply v = admin_->client->Get("/api/v1/audit-log/verify");
  ASSERT_EQ(v.status, 200) << v.Describe();
  EXPECT_EQ(v.doc.value("ok", true), false) << v.Describe();
  EXPECT_EQ(v.doc.value("first_bad_seq", int64_t{-1}), before + 1) << v.Describe();
  EXPECT_GT(v.doc.value("last_witnessed_seq", int64_t{0}), before) << v.Describe();
  EXPECT_EQ(v.doc.value("key_id", "").size(), 16u) << v.Describe();
  json accepted = AuditLog("action=audit.accept_broken");
  ASSERT_EQ(accepted.value("total", 0), 1) << accepted.dump();
  EXPECT_EQ(accepted["items"][0]["detail"].value("reason", ""), "restored from the 08:00 backup; ticket 42");
  EXPECT_EQ(accepted["items"][0]["detail"].value("first_bad_seq", int64_t{0}), before + 1);

  auto anon = NewClient();
  Reply ready = anon->Get("/readyz");
  EXPECT_TRUE(IsProblem(ready, 503, "unavailable")) << ready.Describe();
  Reply m = GetMetrics(*anon);
  ASSERT_EQ(m.status, 200) << m.Describe();
  EXPECT_NE(m.body.find("\nmamori_log_chain_ok 0\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("\nmamori_log_first_bad_seq " + std::to_string(before + 1) + "\n"), std::string::npos) << m.body;
}

TEST(DataDirectoryModesTest, EveryFileIsOwnerOnlyWhateverTheUmaskAndServeChecks) {
  const std::string dir = MakeTempDir("modes") + "/d";
  const mode_t old = umask(022);
  ProcResult init = RunMamori({"init", "--data", dir, "--admin", "admin"}, std::string(kAdminTempPassword) + "\n");
  umask(old);
  ASSERT_EQ(init.exit_code, 0) << init.output;
  EXPECT_NE(init.output.find("fingerprint sha256:"), std::string::npos) << "init prints the key's fingerprint: " << init.output;
  struct stat st {};
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << dir;
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    ASSERT_EQ(stat(e.path().c_str(), &st), 0);
    if (e.is_directory()) {
      EXPECT_EQ(st.st_mode & 0777, 0700u) << e.path();
    } else {
      ++files;
      EXPECT_EQ(st.st_mode & 0777, 0600u) << e.path();
    }
  }
  EXPECT_GE(files, 7) << "config, pack, database, keys, certificate, witness";
  EXPECT_TRUE(fs::exists(dir + "/witness/heads.log"));
  // A file opened up is refused at start, naming it.
  fs::permissions(dir + "/keys/master.key", fs::perms::group_read | fs::perms::others_read, fs::perm_options::add);
  ProcResult serve = RunMamori({"serve", "--data", dir, "--listen", "256.0.0.1:1"});
  EXPECT_EQ(serve.exit_code, 1) << serve.output;
  EXPECT_NE(serve.output.find("master.key (0644)"), std::string::npos) << serve.output;
  fs::remove_all(fs::path(dir).parent_path());
}

}  // namespace
}  // namespace mamori::itest
