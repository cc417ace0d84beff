#include "backup/backup.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "audit/operation_log.hpp"
#include "backup/sealed_stream.hpp"
#include "common/crypto.hpp"
#include "config/config.hpp"
#include "storage/migrations.hpp"

namespace mamori::backup {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// A SQLite data directory as `mamori init` leaves it (config, pack, keys, database with a
// signed log and a witness), built from the libraries below the CLI.
class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/backup-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    data_ = root_ + "/data";
    fs::create_directories(data_ + "/keys");
    fs::create_directories(data_ + "/tls");
    config::Config cfg;
    cfg.data_dir = data_;
    cfg.db_url = "sqlite:" + data_ + "/mamori.db";
    cfg.policy_file = data_ + "/policy.yaml";
    cfg.checkpoint_every = 10;
    ASSERT_TRUE(config::Save(cfg).ok());
    Write(cfg.policy_file, "pack: test\n");
    auto kp = crypto::GenerateEcP256();
    ASSERT_TRUE(kp.ok());
    key_ = audit::SigningKey{"", kp->private_pem, kp->public_pem};
    key_.key_id = audit::KeyIdOf(kp->public_pem);
    Write(data_ + "/keys/log_signing.pem", kp->private_pem);
    Write(data_ + "/keys/log_signing.pub.pem", kp->public_pem);
    Write(data_ + "/keys/data.key", crypto::Base64Encode(crypto::RandomBytes(32)));
    Write(data_ + "/tls/cert.pem", "cert");
    key_file_ = root_ + "/backup.key";
    ASSERT_TRUE(CreateKeyFile(key_file_).ok());
    auto db = storage::Database::Open(cfg.db_url, 4);
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(storage::Migrate(*db_).ok());
    log_ = std::make_unique<audit::OperationLog>(clock_, key_, 10);
    witness_ = std::make_unique<audit::Witness>(clock_, key_.private_pem, key_.key_id,
                                                audit::Witness::Options{data_ + "/witness", false});
    ASSERT_TRUE(witness_->Open().ok());
    log_->Attach(*db_, witness_.get());
    Append(25);
  }
  void TearDown() override {
    witness_.reset();
    db_.reset();
    fs::remove_all(root_);
  }

  void Append(int n) {
    for (int i = 0; i < n; ++i) {
      auto st = db_->Write([&](storage::Connection& c) -> Result<int64_t> {
        audit::Event e;
        e.action = next_ == 1 ? "system.init" : "test.event";
        e.actor = next_ == 1 ? "system" : "u1";
        e.detail = {{"n", next_++}, {"text", "機密性3"}};
        clock_.Advance(1000);
        return log_->Append(c, e);
      });
      ASSERT_TRUE(st.ok());
    }
    witness_->Flush();
  }

  Result<BackupSummary> Backup(const std::string& name) {
    return CreateBackup({.data_dir = data_, .to = root_ + "/" + name, .key_file = key_file_, .db_override = ""});
  }
  Result<RestoreSummary> Restore(const std::string& name, const std::string& target) {
    return RestoreBackup({.from = root_ + "/" + name, .data_dir = root_ + "/" + target, .key_file = key_file_, .db_url = ""});
  }
  static std::string Code(const Error& e) { return e.fields.empty() ? "" : e.fields[0].code; }

  std::string root_, data_, key_file_;
  ManualClock clock_{1'700'000'000'000'000};
  audit::SigningKey key_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<audit::OperationLog> log_;
  std::unique_ptr<audit::Witness> witness_;
  int64_t next_ = 1;
};

TEST_F(BackupTest, ARestoredDirectoryHoldsTheSameLogAndFiles) {
  auto b = Backup("a.mbk");
  ASSERT_TRUE(b.ok()) << b.error().detail;
  EXPECT_EQ(b->engine, "sqlite");
  EXPECT_EQ(b->head_seq, 25);
  EXPECT_EQ(b->schema_version, storage::LatestSchemaVersion());
  auto r = Restore("a.mbk", "restored");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->entries, 25);
  EXPECT_EQ(r->head_seq, 25);
  EXPECT_EQ(r->head_hash, b->head_hash);
  const std::string dir = root_ + "/restored";
  for (const char* f : {"keys/log_signing.pem", "keys/log_signing.pub.pem", "keys/data.key", "tls/cert.pem", "policy.yaml"})
    EXPECT_EQ(Slurp(dir + "/" + f), Slurp(data_ + "/" + f)) << f;
  EXPECT_EQ(fs::status(dir).permissions() & fs::perms::all, fs::perms::owner_all);
  auto cfg = config::Load(dir);
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->db_url, "sqlite:" + dir + "/mamori.db");
  EXPECT_EQ(cfg->policy_file, dir + "/policy.yaml");
  EXPECT_EQ(cfg->checkpoint_every, 10);  // the other settings are kept
  // The restored log verifies on its own, entry by entry identical.
  auto rdb = storage::Database::Open(cfg->db_url, 1);
  ASSERT_TRUE(rdb.ok());
  auto rep = (*rdb)->Read([&](storage::Connection& c) { return log_->Verify(c); });
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->ok);
  EXPECT_EQ(rep->head, b->head_hash);
}

TEST_F(BackupTest, TheBackupKeyAndAMasterKeyNeverEnterTheBackup) {
  // Even when kept (wrongly) inside the data directory.
  Write(data_ + "/keys/master.key", "MASTER-SECRET");
  Write(data_ + "/keys/backup.key", Slurp(key_file_));
  auto b = CreateBackup({.data_dir = data_, .to = root_ + "/k.mbk", .key_file = data_ + "/keys/backup.key", .db_override = ""});
  ASSERT_TRUE(b.ok()) << b.error().detail;
  auto r = Restore("k.mbk", "rk");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_FALSE(fs::exists(root_ + "/rk/keys/master.key"));
  EXPECT_FALSE(fs::exists(root_ + "/rk/keys/backup.key"));
  EXPECT_TRUE(fs::exists(root_ + "/rk/keys/data.key"));
}

TEST_F(BackupTest, WitnessedHeadsBeyondTheSnapshotAreLeftOutSoTheRestoreIsNotTakenForATruncation) {
  auto b = Backup("w.mbk");
  ASSERT_TRUE(b.ok());
  Append(5);  // heads 26..30 witnessed after the snapshot; a later backup must not claim them
  auto r = Restore("w.mbk", "rw");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  auto wf = audit::ReadWitness(root_ + "/rw/witness");
  ASSERT_TRUE(wf.ok());
  ASSERT_FALSE(wf->heads.empty());
  for (const auto& h : wf->heads) EXPECT_LE(h.seq, 25);
  EXPECT_EQ(wf->heads.back().seq, 25);
}

TEST_F(BackupTest, ABackupOfATamperedLogIsRefusedAtRestoreAndLeavesNoDirectory) {
  {
    auto c = db_->Acquire();
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->ExecScript("UPDATE audit_log SET actor = 'mallory' WHERE seq = 7").ok());
  }
  auto b = Backup("t.mbk");
  ASSERT_TRUE(b.ok()) << b.error().detail;
  auto r = Restore("t.mbk", "rt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Code(r.error()), "log_broken");
  EXPECT_NE(r.error().detail.find("seq 7"), std::string::npos) << r.error().detail;
  EXPECT_FALSE(fs::exists(root_ + "/rt"));
  for (const auto& e : fs::directory_iterator(root_))
    EXPECT_EQ(e.path().filename().string().find(".rt.restore-"), std::string::npos) << "staging left behind";
}

TEST_F(BackupTest, AWrongKeyOrADamagedFileChangesNothingInTheTarget) {
  ASSERT_TRUE(Backup("d.mbk").ok());
  const std::string good = Slurp(root_ + "/d.mbk");
  fs::create_directories(root_ + "/empty");
  Write(root_ + "/cut.mbk", good.substr(0, good.size() / 2));
  std::string flipped = good;
  flipped[good.size() / 3] ^= 0x40;
  Write(root_ + "/flip.mbk", flipped);
  const std::string other_key = root_ + "/other.key";
  ASSERT_TRUE(CreateKeyFile(other_key).ok());
  struct Case {
    std::string file, key, code;
  };
  for (const auto& c : {Case{"cut.mbk", key_file_, "truncated"}, Case{"flip.mbk", key_file_, "corrupt"},
                        Case{"d.mbk", other_key, "wrong_key"}}) {
    auto r = RestoreBackup({.from = root_ + "/" + c.file, .data_dir = root_ + "/empty", .key_file = c.key, .db_url = ""});
    ASSERT_FALSE(r.ok()) << c.file;
    EXPECT_EQ(Code(r.error()), c.code) << c.file << ": " << r.error().detail;
    EXPECT_TRUE(fs::is_empty(root_ + "/empty")) << c.file;
  }
}

TEST_F(BackupTest, APinnedLogKeyAcceptsItsOwnBackupAndRefusesAnyOther) {
  ASSERT_TRUE(Backup("pin.mbk").ok());
  const std::string fingerprint = crypto::Sha256Hex(key_.public_pem);
  auto ok = RestoreBackup({.from = root_ + "/pin.mbk", .data_dir = root_ + "/pinned", .key_file = key_file_, .db_url = "",
                           .log_key_id = "sha256:" + fingerprint.substr(0, 16)});
  ASSERT_TRUE(ok.ok()) << ok.error().detail;
  auto other = crypto::GenerateEcP256();
  ASSERT_TRUE(other.ok());
  auto bad = RestoreBackup({.from = root_ + "/pin.mbk", .data_dir = root_ + "/unpinned", .key_file = key_file_,
                            .db_url = "", .log_key_id = crypto::Sha256Hex(other->public_pem)});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(Code(bad.error()), "untrusted_key");
  EXPECT_FALSE(fs::exists(root_ + "/unpinned"));
}

TEST_F(BackupTest, ANonEmptyTargetIsRefusedAndKept) {
  ASSERT_TRUE(Backup("n.mbk").ok());
  fs::create_directories(root_ + "/busy");
  Write(root_ + "/busy/precious.txt", "keep me");
  auto r = Restore("n.mbk", "busy");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fields[0].field, "data");
  EXPECT_EQ(Code(r.error()), "not_empty");
  EXPECT_EQ(Slurp(root_ + "/busy/precious.txt"), "keep me");
  EXPECT_EQ(std::distance(fs::directory_iterator(root_ + "/busy"), fs::directory_iterator()), 1);
}

TEST_F(BackupTest, AnExistingBackupFileIsNeverOverwritten) {
  Write(root_ + "/exists.mbk", "old");
  auto b = Backup("exists.mbk");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(Code(b.error()), "exists");
  EXPECT_EQ(Slurp(root_ + "/exists.mbk"), "old");
}

TEST_F(BackupTest, NoPlaintextOfTheDatabaseOrKeysIsInTheBackupFile) {
  ASSERT_TRUE(Backup("p.mbk").ok());
  const std::string bytes = Slurp(root_ + "/p.mbk");
  EXPECT_EQ(bytes.find("機密性3"), std::string::npos);
  EXPECT_EQ(bytes.find("SQLite format 3"), std::string::npos);
  EXPECT_EQ(bytes.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(BackupTest, AManifestSignatureCoversTheHeadAndEveryFile) {
  nlohmann::json m = {{"created_at_us", 1},
                      {"engine", "sqlite"},
                      {"schema_version", 6},
                      {"log", {{"head_seq", 9}, {"head_hash", "ab"}}},
                      {"files", {{{"name", "db/mamori.db"}, {"size", 10}, {"sha256", "cd"}}}}};
  const std::string base = ManifestMessage(m);
  EXPECT_EQ(base, "mamori-backup-manifest-v1\n1\nsqlite\n6\n9\nab\ndb/mamori.db 10 cd\n");
  auto changed = m;
  changed["log"]["head_seq"] = 8;
  EXPECT_NE(ManifestMessage(changed), base);
  changed = m;
  changed["files"][0]["sha256"] = "ce";
  EXPECT_NE(ManifestMessage(changed), base);
}

TEST(PgTools, ThePasswordLeavesTheCommandLineAndGoesToTheEnvironment) {
  auto t = SplitPassword("postgresql://mamori:s%40cret:x@db1:5432/mamori?sslmode=require");
  EXPECT_EQ(t.url, "postgresql://mamori@db1:5432/mamori?sslmode=require");
  EXPECT_EQ(t.password, "s@cret:x");
  t = SplitPassword("postgresql://mamori@db1/mamori");
  EXPECT_EQ(t.url, "postgresql://mamori@db1/mamori");
  EXPECT_EQ(t.password, "");
  t = SplitPassword("postgresql://h1:5432,h2:5433/mamori?target_session_attrs=read-write");
  EXPECT_EQ(t.url, "postgresql://h1:5432,h2:5433/mamori?target_session_attrs=read-write");
  EXPECT_EQ(t.password, "");
}

TEST(BackupRetention, PruningKeepsTheNewestAndOnlyBackupFiles) {
  char tmpl[] = "/tmp/backup-prune-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const int64_t day = int64_t{86400} * 1000000;
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    names.push_back(BackupFileName(1'700'000'000'000'000 + i * day));
    Write(dir + "/" + names.back(), "x");
  }
  Write(dir + "/notes.txt", "keep");
  EXPECT_EQ(names[0], "mamori-20231114T221320Z.mbk");
  const auto deleted = PruneBackups(dir, 2);
  ASSERT_EQ(deleted.size(), 3u);
  const auto left = ListBackups(dir);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(fs::path(left[0]).filename(), names[3]);
  EXPECT_EQ(fs::path(left[1]).filename(), names[4]);
  EXPECT_TRUE(fs::exists(dir + "/notes.txt"));
  EXPECT_EQ(PruneBackups(dir, 0).size(), 1u);  // keep 0 still keeps the newest
  EXPECT_EQ(ListBackups(dir).size(), 1u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mamori::backup
