#include "backup/backup.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "audit/operation_log.hpp"
#include "audit/witness.hpp"
#include "backup/sealed_stream.hpp"
#include "common/crypto.hpp"
#include "common/keyring.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "storage/key_repo.hpp"
#include "storage/migrations.hpp"
#include "storage/snapshot.hpp"

extern char** environ;

namespace mamori::backup {
namespace fs = std::filesystem;
namespace {

constexpr const char* kManifestName = "manifest.json";
constexpr const char* kSqliteEntry = "db/mamori.db";
constexpr const char* kPgEntry = "db/postgres.dump";
constexpr const char* kFormat = "mamori-backup-v1";
constexpr size_t kMaxNameLength = 256;

Error Bad(const char* code, std::string detail) { return Error::Validation("from", code, std::move(detail)); }

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Internal("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A private (0700) temporary directory `prefix` + random suffix.
Result<std::string> MakeTempDir(const std::string& prefix) {
  std::string tmpl = prefix + "XXXXXX";
  if (!::mkdtemp(tmpl.data())) return Error::Internal("cannot create a temporary directory " + tmpl + ": " + std::strerror(errno));
  return tmpl;
}

struct TempDir {
  std::string path;
  ~TempDir() {
    if (path.empty()) return;
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Runs `argv` (no shell) and waits; stderr goes to `err_file`; `password` (when not empty) is
// given as PGPASSWORD. The exit code, or -1.
int Run(const std::vector<std::string>& argv, const std::string& err_file, const std::string& password = "") {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "PGPASSWORD=", 11) != 0) env_store.emplace_back(*e);
  if (!password.empty()) env_store.push_back("PGPASSWORD=" + password);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The PostgreSQL client tool of the server's major version (Debian keeps each major apart).
Result<std::string> PgTool(const std::string& tool, int major) {
  const std::string path = "/usr/lib/postgresql/" + std::to_string(major) + "/bin/" + tool;
  if (::access(path.c_str(), X_OK) != 0)
    return Error::Validation("db", "tool_missing",
                             path + " がありません。サーバーと同じメジャー版の " + tool + " が必要です（Debian: postgresql-client-" +
                                 std::to_string(major) + "）");
  return path;
}

std::string Tail(const std::string& path) {
  auto text = ReadAll(path);
  if (!text.ok()) return "";
  std::string t = *text;
  if (t.size() > 600) t = "…" + t.substr(t.size() - 600);
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

void PutBe(std::string& s, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// ---- writing the archive inside the container ----

class ArchiveWriter {
 public:
  explicit ArchiveWriter(SealedWriter& w) : w_(w) {}

  Status AddBytes(const std::string& name, std::string_view data) {
    MAMORI_TRY(Header(name, data.size()));
    MAMORI_TRY(w_.Write(data));
    Record(name, data.size(), crypto::Sha256Hex(data));
    return Ok();
  }

  Status AddFile(const std::string& name, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error::Internal("cannot read " + path);
    const uint64_t size = fs::file_size(path);
    MAMORI_TRY(Header(name, size));
    crypto::Sha256Hasher h;
    std::string buf(1 << 20, '\0');
    uint64_t left = size;
    while (left > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
      if (!in.read(buf.data(), static_cast<std::streamsize>(n))) return Error::Internal("short read of " + path);
      h.Update({buf.data(), n});
      MAMORI_TRY(w_.Write({buf.data(), n}));
      left -= n;
    }
    Record(name, size, crypto::HexEncode(h.Final()));
    return Ok();
  }

  Status End() {
    std::string zero;
    PutBe(zero, 0, 4);
    return w_.Write(zero);
  }

  nlohmann::json files = nlohmann::json::array();

 private:
  Status Header(const std::string& name, uint64_t size) {
    std::string h;
    PutBe(h, name.size(), 4);
    h += name;
    PutBe(h, size, 8);
    return w_.Write(h);
  }
  void Record(const std::string& name, uint64_t size, const std::string& sha) {
    if (name != kManifestName) files.push_back({{"name", name}, {"size", size}, {"sha256", sha}});
  }
  SealedWriter& w_;
};

// ---- reading it back ----

class ArchiveReader {
 public:
  explicit ArchiveReader(SealedReader& r) : r_(r) {}

  // Reads `n` bytes into out (appending); error when the stream ends first.
  Status Read(size_t n, std::string& out) {
    while (n > 0) {
      if (pos_ == buf_.size()) {
        buf_.clear();
        pos_ = 0;
        MAMORI_ASSIGN(bool more, r_.Next(buf_));
        if (!more) return Bad("corrupt", "バックアップの中身が途中で終わっています（形式が不正です）");
        continue;
      }
      const size_t k = std::min(n, buf_.size() - pos_);
      out.append(buf_, pos_, k);
      pos_ += k;
      n -= k;
    }
    return Ok();
  }
  Result<uint64_t> ReadBe(int bytes) {
    std::string b;
    MAMORI_TRY(Read(static_cast<size_t>(bytes), b));
    uint64_t v = 0;
    for (unsigned char c : b) v = (v << 8) | c;
    return v;
  }
  // After the terminator: the container must end exactly here.
  Status ExpectEnd() {
    if (pos_ != buf_.size()) return Bad("corrupt", "バックアップの終端の後にデータがあります（形式が不正です）");
    std::string rest;
    MAMORI_ASSIGN(bool more, r_.Next(rest));
    if (more && !rest.empty()) return Bad("corrupt", "バックアップの終端の後にデータがあります（形式が不正です）");
    if (more) {
      MAMORI_ASSIGN(bool again, r_.Next(rest));
      if (again) return Bad("corrupt", "バックアップの終端の後にデータがあります（形式が不正です）");
    }
    return Ok();
  }

 private:
  SealedReader& r_;
  std::string buf_;
  size_t pos_ = 0;
};

// A member name is a relative path of plain components (never "..", never absolute).
bool SafeName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength || name.front() == '/') return false;
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-')) return false;
  std::stringstream ss(name);
  std::string part;
  while (std::getline(ss, part, '/'))
    if (part.empty() || part == "." || part == "..") return false;
  return true;
}

struct Member {
  uint64_t size = 0;
  std::string sha256;
};

// Decrypts the whole container into `dir`; every byte authenticated before it is used.
Result<std::map<std::string, Member>> Unpack(SealedReader& sr, const std::string& dir) {
  ArchiveReader ar(sr);
  std::map<std::string, Member> members;
  std::string buf;
  for (;;) {
    MAMORI_ASSIGN(uint64_t name_len, ar.ReadBe(4));
    if (name_len == 0) break;
    if (name_len > kMaxNameLength) return Bad("corrupt", "バックアップの形式が不正です（名前の長さ）");
    std::string name;
    MAMORI_TRY(ar.Read(static_cast<size_t>(name_len), name));
    if (!SafeName(name) || members.count(name))
      return Bad("corrupt", "バックアップの形式が不正です（不正な名前 " + name + "）");
    MAMORI_ASSIGN(uint64_t size, ar.ReadBe(8));
    const fs::path path = fs::path(dir) / name;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return Error::Internal("cannot write " + path.string());
    crypto::Sha256Hasher h;
    uint64_t left = size;
    bool ok = true;
    while (left > 0 && ok) {
      buf.clear();
      const size_t n = static_cast<size_t>(std::min<uint64_t>(left, 1 << 20));
      Status st = ar.Read(n, buf);
      if (!st.ok()) {
        ::close(fd);
        return std::move(st).error();
      }
      h.Update(buf);
      ok = ::write(fd, buf.data(), buf.size()) == static_cast<ssize_t>(buf.size());
      left -= n;
    }
    ok = ok && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return Error::Internal("cannot write " + path.string() + " (disk full?)");
    members[name] = {size, crypto::HexEncode(h.Final())};
  }
  MAMORI_TRY(ar.ExpectEnd());
  return members;
}

// heads.log lines that witness heads up to `head_seq` (what the snapshot holds): later heads
// describe entries the backup does not have, and would make the restored log look truncated.
Result<std::string> WitnessUpTo(const std::string& witness_dir, int64_t head_seq) {
  MAMORI_ASSIGN(auto wf, audit::ReadWitness(witness_dir));
  if (!wf.exists) return std::string();
  MAMORI_ASSIGN(std::string text, ReadAll(witness_dir + "/" + audit::kWitnessFile));
  std::map<int, int64_t> seq_of_line;
  for (const auto& h : wf.heads) seq_of_line[h.line] = h.seq;
  std::string out, line;
  std::stringstream ss(text);
  for (int n = 1; std::getline(ss, line); ++n) {
    auto it = seq_of_line.find(n);
    if (it != seq_of_line.end() && it->second <= head_seq) out += line + "\n";
  }
  return out;
}

bool Excluded(const fs::path& p, const std::string& key_file) {
  std::error_code ec;
  if (!key_file.empty() && fs::equivalent(p, key_file, ec)) return true;
  const std::string name = p.filename().string();
  for (const char* never : kNeverBackedUp)
    if (name == never) return true;
  return false;
}

}  // namespace

std::string ManifestMessage(const nlohmann::json& m) {
  std::string msg = "mamori-backup-manifest-v1\n";
  msg += std::to_string(m.value("created_at_us", int64_t{0})) + "\n";
  msg += m.value("engine", "") + "\n";
  msg += std::to_string(m.value("schema_version", 0)) + "\n";
  const auto& log = m.contains("log") && m["log"].is_object() ? m["log"] : nlohmann::json::object();
  msg += std::to_string(log.value("head_seq", int64_t{0})) + "\n";
  msg += log.value("head_hash", "") + "\n";
  if (m.contains("files") && m["files"].is_array())
    for (const auto& f : m["files"])
      if (f.is_object())
        msg += f.value("name", "") + " " + std::to_string(f.value("size", uint64_t{0})) + " " + f.value("sha256", "") + "\n";
  return msg;
}

PgTarget SplitPassword(const std::string& url) {
  PgTarget t{url, ""};
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return t;
  const size_t at = url.find('@', scheme + 3);
  const size_t slash = url.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return t;
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return t;
  const std::string raw = url.substr(colon + 1, at - colon - 1);
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%' && i + 2 < raw.size() && std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
      t.password.push_back(static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      t.password.push_back(raw[i]);
    }
  }
  t.url = url.substr(0, colon) + url.substr(at);
  return t;
}

std::string BackupFileName(int64_t micros) {
  const time_t t = static_cast<time_t>(micros / 1000000);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "mamori-%Y%m%dT%H%M%SZ.mbk", &tm);
  return buf;
}

std::vector<std::string> ListBackups(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("mamori-", 0) == 0 && name.ends_with(".mbk") && it->is_regular_file())
      out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());  // the names sort by time
  return out;
}

std::vector<std::string> PruneBackups(const std::string& dir, int keep) {
  std::vector<std::string> all = ListBackups(dir), deleted;
  if (keep < 1) keep = 1;  // never the newest
  for (size_t i = 0; i + static_cast<size_t>(keep) < all.size(); ++i) {
    std::error_code ec;
    if (fs::remove(all[i], ec)) deleted.push_back(all[i]);
  }
  return deleted;
}

Result<BackupSummary> CreateBackup(const BackupOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  MAMORI_ASSIGN(config::Config cfg, config::Load(o.data_dir));
  if (!o.db_override.empty()) cfg.db_url = o.db_override;
  if (o.key_file.empty())
    return Error::Validation("key", "required", "バックアップ鍵を --key FILE か設定 backup_key_file で指定してください");
  MAMORI_ASSIGN(std::string key, LoadKey(o.key_file));
  if (fs::exists(o.to)) return Error::Validation("to", "exists", o.to + " は既にあります（上書きしません）");
  MAMORI_ASSIGN(std::string log_private, ReadAll(cfg.KeyDir() + "/log_signing.pem"));
  MAMORI_ASSIGN(std::string log_public, ReadAll(cfg.KeyDir() + "/log_signing.pub.pem"));

  const std::string target = fs::absolute(o.to).lexically_normal().string();
  TempDir tmp;
  MAMORI_ASSIGN(tmp.path, MakeTempDir(target + ".tmp-"));
  BackupSummary sum;
  sum.file = target;
  storage::DatabaseFacts facts;
  std::string db_copy, db_entry;
  if (cfg.db_url.rfind("sqlite:", 0) == 0) {
    sum.engine = "sqlite";
    db_copy = tmp.path + "/mamori.db";
    db_entry = kSqliteEntry;
    MAMORI_ASSIGN(facts, storage::SqliteSnapshot(cfg.db_url.substr(7), db_copy));
  } else {
    sum.engine = "postgres";
    db_copy = tmp.path + "/postgres.dump";
    db_entry = kPgEntry;
    MAMORI_ASSIGN(auto db, storage::Database::Open(cfg.db_url, 2));
    MAMORI_ASSIGN(auto snap, storage::PgExportedSnapshot::Begin(*db));
    MAMORI_ASSIGN(facts, storage::ReadFacts(snap->conn()));
    MAMORI_ASSIGN(std::string pg_dump, PgTool("pg_dump", facts.pg_server_major));
    std::vector<std::string> argv{pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                                  "--snapshot=" + snap->id(), "--file=" + db_copy};
    // A schema of its own (the URL's search_path) is dumped alone, with its CREATE SCHEMA.
    if (!facts.pg_schema.empty() && facts.pg_schema != "public") argv.push_back("--schema=" + facts.pg_schema);
    const PgTarget pgt = SplitPassword(cfg.db_url);
    argv.push_back("--dbname=" + pgt.url);
    const std::string err = tmp.path + "/pg_dump.err";
    if (Run(argv, err, pgt.password) != 0) return Error::Internal("pg_dump failed: " + Tail(err));
  }
  if (facts.schema_version < 1 || facts.head_seq < 1)
    return Error::Validation("data", "not_initialized", "データベースに mamori のデータがありません");
  sum.schema_version = facts.schema_version;
  sum.head_seq = facts.head_seq;
  sum.head_hash = facts.head_hash;
  sum.database_bytes = fs::file_size(db_copy);

  const std::string partial = target + ".partial";
  std::error_code ec;
  fs::remove(partial, ec);
  // A backup that fails half-way leaves no partial file behind.
  struct RemoveUnlessKept {
    std::string path;
    ~RemoveUnlessKept() {
      std::error_code e;
      if (!path.empty()) fs::remove(path, e);
    }
  } partial_guard{partial};
  MAMORI_ASSIGN(auto sw, SealedWriter::Create(partial, std::move(key)));
  ArchiveWriter aw(*sw);
  // The data directory's own files: config, the pack, keys (never the backup or a master key),
  // the TLS certificate; then the witness up to the snapshot's head; then the database.
  MAMORI_TRY(aw.AddFile("mamori.yaml", cfg.ConfigPath()));
  MAMORI_TRY(aw.AddFile("policy.yaml", cfg.policy_file));
  for (const char* sub : {"keys", "tls"}) {
    std::vector<fs::path> files;
    for (auto it = fs::directory_iterator(cfg.data_dir + "/" + sub, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
      if (it->is_regular_file() && !Excluded(it->path(), o.key_file)) files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const std::string name = std::string(sub) + "/" + f.filename().string();
      if (!SafeName(name)) continue;
      MAMORI_TRY(aw.AddFile(name, f.string()));
    }
  }
  MAMORI_ASSIGN(std::string witness, WitnessUpTo(cfg.WitnessDir(), facts.head_seq));
  if (!witness.empty()) MAMORI_TRY(aw.AddBytes(std::string("witness/") + audit::kWitnessFile, witness));
  MAMORI_TRY(aw.AddFile(db_entry, db_copy));

  const int64_t now = SystemClock::Instance().NowMicros();
  nlohmann::json m = {{"format", kFormat},
                      {"created_at", FormatRfc3339(now)},
                      {"created_at_us", now},
                      {"engine", sum.engine},
                      {"schema_version", facts.schema_version},
                      {"database", db_entry},
                      {"log", {{"head_seq", facts.head_seq}, {"head_hash", facts.head_hash}, {"key_id", audit::KeyIdOf(log_public)}}},
                      {"files", aw.files}};
  if (sum.engine == "postgres") m["postgres"] = {{"server_major", facts.pg_server_major}, {"schema", facts.pg_schema}};
  MAMORI_ASSIGN(std::string sig, crypto::SignEcdsaSha256(log_private, ManifestMessage(m)));
  m["log"]["signature"] = crypto::Base64Encode(sig);
  MAMORI_TRY(aw.AddBytes(kManifestName, m.dump(2)));
  MAMORI_TRY(aw.End());
  MAMORI_TRY(sw->Finish());
  sum.file_bytes = sw->bytes_written();
  if (::rename(partial.c_str(), target.c_str()) != 0) return Error::Internal("cannot rename " + partial);
  partial_guard.path.clear();
  sum.seconds = SecondsSince(t0);
  return sum;
}

namespace {

// The backup's mamori.yaml, pointed at its new home: the database URL, the pack, and no witness
// directory elsewhere (the restored witness is DIR/witness), no scheduled backups. Every other
// setting is kept. True when a witness or backup directory was dropped.
Result<bool> RewriteConfig(const std::string& path, const std::string& data_dir, const std::string& db_url) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Bad("bad_manifest", "バックアップ内の mamori.yaml を読めません: " + std::string(e.what()));
  }
  bool reset = false;
  if (root["witness_dir"]) {
    root.remove("witness_dir");
    reset = true;
  }
  // A restored copy (a drill, a move) must not write backups into, and prune, the original's
  // backup directory: scheduled backups are switched back on by hand.
  if (root["backup_dir"]) {
    root.remove("backup_dir");
    reset = true;
  }
  root["db"] = db_url;
  root["policy"] = data_dir + "/policy.yaml";
  std::ofstream out(path, std::ios::trunc);
  out << "# mamori data directory configuration; see src/config/config.example.yaml\n"
      << "# restored by mamori restore\n"
      << YAML::Dump(root) << "\n";
  if (!out) return Error::Internal("cannot write " + path);
  return reset;
}

void Tighten(const std::string& dir) {
  std::error_code ec;
  fs::permissions(dir, fs::perms::owner_all, ec);
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code e2;
    fs::permissions(it->path(), it->is_directory() ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_write, e2);
  }
}

}  // namespace

Result<RestoreSummary> RestoreBackup(const RestoreOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.key_file.empty()) return Error::Validation("key", "required", "バックアップ鍵を --key FILE で指定してください");
  const std::string target = fs::absolute(o.data_dir).lexically_normal().string();
  std::error_code ec;
  if (fs::exists(target) && !(fs::is_directory(target) && fs::is_empty(target, ec)))
    return Error::Validation("data", "not_empty", target + " は空ではありません。復元先には新しい（空の）ディレクトリを指定してください");
  const fs::path parent = fs::path(target).parent_path();
  if (!fs::is_directory(parent)) return Error::Validation("data", "no_parent", parent.string() + " がありません");
  MAMORI_ASSIGN(std::string key, LoadKey(o.key_file));
  MAMORI_ASSIGN(auto sr, SealedReader::Open(o.from, std::move(key)));

  // Everything happens in a staging directory beside the target, renamed into place at the end.
  TempDir staging;
  MAMORI_ASSIGN(staging.path, MakeTempDir((parent / ("." + fs::path(target).filename().string() + ".restore-")).string()));
  MAMORI_ASSIGN(auto members, Unpack(*sr, staging.path));

  // The manifest: present, well formed, signed by the log key, and naming exactly the members.
  if (!members.count(kManifestName)) return Bad("bad_manifest", "バックアップに manifest.json がありません");
  MAMORI_ASSIGN(std::string mtext, ReadAll(staging.path + "/" + kManifestName));
  nlohmann::json m = nlohmann::json::parse(mtext, nullptr, false);
  if (!m.is_object() || m.value("format", "") != kFormat || !m.contains("log") || !m["log"].is_object() ||
      !m.contains("files") || !m["files"].is_array())
    return Bad("bad_manifest", "バックアップの manifest.json が不正です");
  std::map<std::string, Member> listed;
  for (const auto& f : m["files"]) {
    if (!f.is_object()) return Bad("bad_manifest", "バックアップの manifest.json が不正です");
    listed[f.value("name", "")] = {f.value("size", uint64_t{0}), f.value("sha256", "")};
  }
  members.erase(kManifestName);
  for (const auto& [name, mem] : members) {
    auto it = listed.find(name);
    if (it == listed.end() || it->second.size != mem.size || it->second.sha256 != mem.sha256)
      return Bad("bad_manifest", "バックアップの " + name + " が manifest.json と一致しません");
  }
  if (listed.size() != members.size()) return Bad("bad_manifest", "manifest.json にあるファイルがバックアップにありません");
  MAMORI_ASSIGN(std::string log_public, ReadAll(staging.path + "/keys/log_signing.pub.pem"));
  if (!o.log_key_id.empty()) {
    std::string want = o.log_key_id;
    if (want.rfind("sha256:", 0) == 0) want = want.substr(7);
    std::transform(want.begin(), want.end(), want.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (want.size() < 16 || want.size() > 64 || want.find_first_not_of("0123456789abcdef") != std::string::npos)
      return Error::Validation("log-key-id", "invalid", "--log-key-id は鍵の指紋（16〜64 桁の16進数）です");
    if (crypto::Sha256Hex(log_public).compare(0, want.size(), want) != 0)
      return Bad("untrusted_key", "バックアップの操作ログ署名鍵 " + audit::KeyIdOf(log_public) + " は指定の鍵 " +
                                      want.substr(0, 16) + " ではありません（何も書き込んでいません）");
  }
  auto sig = crypto::Base64Decode(m["log"].value("signature", ""));
  if (!sig || !crypto::VerifyEcdsaSha256(log_public, ManifestMessage(m), *sig))
    return Bad("bad_signature", "manifest.json の署名が操作ログの鍵で検証できません");
  const int schema = m.value("schema_version", 0);
  if (schema < 1 || schema > storage::LatestSchemaVersion())
    return Bad("newer_schema", "このバックアップのスキーマ版 " + std::to_string(schema) + " はこの mamori（版 " +
                                   std::to_string(storage::LatestSchemaVersion()) + " まで）では扱えません");

  RestoreSummary sum;
  sum.data_dir = target;
  sum.engine = m.value("engine", "");
  sum.created_at = m.value("created_at", "");
  const int64_t want_seq = m["log"].value("head_seq", int64_t{0});
  const std::string want_hash = m["log"].value("head_hash", "");
  MAMORI_ASSIGN(config::Config staged_cfg, config::Load(staging.path));

  std::string verify_url;
  if (sum.engine == "sqlite") {
    if (!members.count(kSqliteEntry)) return Bad("bad_manifest", "バックアップにデータベースがありません");
    fs::rename(staging.path + "/" + kSqliteEntry, staging.path + "/mamori.db", ec);
    if (ec) return Error::Internal("cannot move the database: " + ec.message());
    fs::remove(staging.path + "/db", ec);
    sum.db_url = "sqlite:" + target + "/mamori.db";
    verify_url = "sqlite:" + staging.path + "/mamori.db";
  } else if (sum.engine == "postgres") {
    if (!members.count(kPgEntry)) return Bad("bad_manifest", "バックアップにデータベースがありません");
    sum.db_url = o.db_url.empty() ? staged_cfg.db_url : o.db_url;
    if (sum.db_url.rfind("postgres", 0) != 0)
      return Error::Validation("db", "invalid", "PostgreSQL のバックアップです。復元先を --db postgresql://… で指定してください");
    MAMORI_ASSIGN(auto db, storage::Database::Open(sum.db_url, 1));
    MAMORI_ASSIGN(bool empty, db->Read([](storage::Connection& c) { return storage::IsEmptyTarget(c); }));
    if (!empty)
      return Error::Validation("db", "not_empty", "復元先のデータベースには既に mamori のデータがあります（何も書き込んでいません）");
    MAMORI_ASSIGN(int major, db->Read([](storage::Connection& c) { return storage::PgServerMajor(c); }));
    db.reset();
    MAMORI_ASSIGN(std::string pg_restore, PgTool("pg_restore", major));
    const std::string err = staging.path + "/pg_restore.err";
    // One transaction: a failure anywhere leaves the target database as it was.
    const PgTarget pgt = SplitPassword(sum.db_url);
    if (Run({pg_restore, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
             "--dbname=" + pgt.url, staging.path + "/" + kPgEntry},
            err, pgt.password) != 0)
      return Error::Validation("db", "restore_failed", "pg_restore が失敗しました（復元先は変更されていません）: " + Tail(err));
    fs::remove_all(staging.path + "/db", ec);
    fs::remove(err, ec);
    verify_url = sum.db_url;
  } else {
    return Bad("bad_manifest", "バックアップのエンジン " + sum.engine + " を扱えません");
  }

  // The log chain, checkpoint signatures and witness, against the key of the backup; and the
  // head must be the one the signed manifest names.
  {
    MAMORI_ASSIGN(auto db, storage::Database::Open(verify_url, 2));
    audit::SigningKey trusted{audit::KeyIdOf(log_public), "", log_public};
    audit::OperationLog verifier(SystemClock::Instance(), trusted, staged_cfg.checkpoint_every,
                                 staged_cfg.checkpoint_interval_seconds);
    MAMORI_ASSIGN(auto witness, audit::ReadWitness(staging.path + "/witness"));
    audit::VerifyInput in;
    in.witness = &witness;
    MAMORI_ASSIGN(auto rep, db->Read([&](storage::Connection& c) { return verifier.Verify(c, in); }));
    if (!rep.ok)
      return Bad("log_broken", "復元したデータの操作ログが検証できません: seq " + std::to_string(rep.first_bad_seq) + " (" +
                                   rep.reason + ")");
    if (rep.head_seq != want_seq || rep.head != want_hash)
      return Bad("log_broken", "復元したデータの操作ログの先頭 (seq " + std::to_string(rep.head_seq) +
                                   ") が署名された manifest の先頭 (seq " + std::to_string(want_seq) + ") と一致しません");
    sum.entries = rep.entries;
    sum.head_seq = rep.head_seq;
    sum.head_hash = rep.head;
    // The sealed data: a master key file given must open every data key of the ring.
    MAMORI_ASSIGN(auto data_keys, db->Read([](storage::Connection& c) { return storage::DataKeyRepo(c).List(); }));
    const bool default_place = staged_cfg.master_key_file.empty() && staged_cfg.kms_command.empty();
    if (!o.master_key_file.empty()) {
      auto master = crypto::FileMasterKey::Load(o.master_key_file);
      if (!master.ok())
        return Error::Validation("master_key", "unreadable", "マスター鍵を読めません: " + master.error().detail);
      for (const auto& k : data_keys)
        if (!(*master)->Unwrap(k.id, k.wrapped).ok())
          return Error::Validation("master_key", "wrong_key",
                                   "マスター鍵がこのバックアップのデータ鍵 " + k.id + " を開けません（別の鍵です）");
      if (default_place) {
        fs::create_directories(staging.path + "/keys", ec);
        fs::copy_file(o.master_key_file, staging.path + "/keys/master.key", fs::copy_options::overwrite_existing, ec);
        if (ec) return Error::Internal("cannot copy the master key: " + ec.message());
      }
    } else {
      sum.master_key_missing = default_place && !data_keys.empty();
    }
  }
  for (const char* side : {"-wal", "-shm", "-journal"}) fs::remove(staging.path + "/mamori.db" + side, ec);
  MAMORI_ASSIGN(sum.witness_dir_reset, RewriteConfig(staging.path + "/mamori.yaml", target, sum.db_url));
  fs::remove(staging.path + "/" + std::string(kManifestName), ec);
  Tighten(staging.path);
  if (fs::exists(target)) fs::remove(target, ec);  // the empty directory
  if (::rename(staging.path.c_str(), target.c_str()) != 0)
    return Error::Internal("cannot move " + staging.path + " to " + target + ": " + std::strerror(errno));
  staging.path.clear();
  sum.seconds = SecondsSince(t0);
  return sum;
}

}  // namespace mamori::backup
