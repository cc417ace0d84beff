// `mamori backup` and `mamori restore` against a real server on the engine under test: a backup
// taken while the server writes is consistent (every object in it is as the server had it, and
// exactly the objects its log head covers); damaged, cut and wrong-key copies are refused with a
// clear message and leave the target untouched; a quiescent backup restores into an empty
// directory (and, on PostgreSQL, an empty database) with every row of every table and the whole
// log identical.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "storage/db.hpp"

namespace mamori::itest {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Put(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::unique_ptr<storage::Database> OpenDb(const std::string& url) {
  auto db = storage::Database::Open(url, 2);
  Require(db.ok(), "cannot open " + url);
  return std::move(*db);
}

std::vector<std::string> Strings(storage::Database& db, const std::string& sql) {
  std::vector<std::string> out;
  auto st = db.Read([&](storage::Connection& c) {
    return c.Query(sql, {}, [&](const storage::Row& r) { out.push_back(r.Str(0)); });
  });
  Require(st.ok(), "query failed: " + sql);
  return out;
}

// Every row of every table, each row as one text, rows sorted: the whole database's content.
std::map<std::string, std::vector<std::string>> DumpAll(storage::Database& db) {
  std::map<std::string, std::vector<std::string>> out;
  const bool pg = db.dialect() == storage::Dialect::kPostgres;
  const auto tables = Strings(db, pg ? "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                       "current_schema() AND table_type = 'BASE TABLE'"
                                     : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  for (const auto& t : tables) {
    std::string sql;
    if (pg) {
      sql = "SELECT x::text FROM \"" + t + "\" x";
    } else {
      std::string cols;
      for (const auto& c : Strings(db, "SELECT name FROM pragma_table_info('" + t + "')"))
        cols += (cols.empty() ? "" : " || '|' || ") + std::string("quote(\"") + c + "\")";
      sql = "SELECT " + cols + " FROM \"" + t + "\"";
    }
    auto rows = Strings(db, sql);
    std::sort(rows.begin(), rows.end());
    out[t] = std::move(rows);
  }
  return out;
}

class BackupRestoreTest : public ApiTest {
 protected:
  static void SetUpTestSuite() {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      const std::string bureau = CreateOrgUnit(UniqueLogin("bkb"), "bureau", city_id_);
      section_ = CreateOrgUnit(UniqueLogin("bks"), "section", bureau);
      manager_ = new Person(NewSignedIn(
          "bkm", {{{"role", "information_manager"}, {"scope_type", "org_unit"}, {"scope_id", section_}}}, section_));
      work_ = MakeTempDir("backup");
      Require(RunMamori({"backup", "--data", server_->data_dir(), "--to", work_ + "/unused.mbk", "--key",
                         work_ + "/backup.key", "--new-key"})
                      .exit_code == 0,
              "backup --new-key failed");
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete manager_;
    manager_ = nullptr;
    if (!std::getenv("MAMORI_TEST_KEEP")) {
      std::error_code ec;
      fs::remove_all(work_, ec);
      if (!databases_.empty()) {
        auto admin = storage::Database::Open(std::getenv("MAMORI_TEST_PG_URL"), 1);
        if (admin.ok())
          if (auto c = (*admin)->Acquire(); c.ok())
            for (const auto& d : databases_) (void)(*c)->ExecScript("DROP DATABASE IF EXISTS " + d);
      }
    }
    ApiTest::TearDownTestSuite();
  }

  static json Asset(int i) {
    return {{"name", "バックアップ試験資産" + std::to_string(i)},
            {"kind", "electronic_data"},
            {"owner_org_unit_id", section_},
            {"confidentiality", 1 + i % 3},
            {"integrity", 1},
            {"availability", 1},
            {"handling", json::array()}};
  }

  static ProcResult Backup(const std::string& file) {
    std::vector<std::string> args{"backup", "--data", server_->data_dir(), "--to", file, "--key", work_ + "/backup.key"};
    if (!server_->db_arg().empty()) args.insert(args.end(), {"--db", server_->db_arg()});
    return RunMamori(args);
  }

  // A fresh empty database for a PostgreSQL restore: the server's URL with another database
  // name (the schema in its search_path is created by the restore); "" on SQLite.
  static std::string EmptyTarget(const std::string& tag) {
    if (Engine() != "postgres") return "";
    const std::string base = std::getenv("MAMORI_TEST_PG_URL");
    const std::string name = "restore_" + tag + "_" + std::to_string(::getpid());
    databases_.push_back(name);
    {
      auto admin = OpenDb(base);
      auto c = admin->Acquire();
      Require(c.ok(), "no connection");
      (void)(*c)->ExecScript("DROP DATABASE IF EXISTS " + name);
      Require((*c)->ExecScript("CREATE DATABASE " + name).ok(), "CREATE DATABASE " + name);
    }
    const std::string url = server_->db_arg();
    const size_t slash = url.find('/', url.find("://") + 3);
    const size_t q = url.find('?');
    return url.substr(0, slash + 1) + name + (q == std::string::npos ? "" : url.substr(q));
  }

  static ProcResult Restore(const std::string& file, const std::string& dir, const std::string& db,
                            const std::string& key = "") {
    std::vector<std::string> args{"restore", "--from", file, "--data", dir, "--key",
                                  key.empty() ? work_ + "/backup.key" : key};
    if (!db.empty()) args.insert(args.end(), {"--db", db});
    return RunMamori(args);
  }

  static std::string RestoredUrl(const std::string& dir, const std::string& db) {
    return db.empty() ? "sqlite:" + dir + "/mamori.db" : db;
  }

  static std::string section_;
  static Person* manager_;
  static std::string work_;
  static inline std::vector<std::string> databases_;
};
std::string BackupRestoreTest::section_;
Person* BackupRestoreTest::manager_ = nullptr;
std::string BackupRestoreTest::work_;

TEST_F(BackupRestoreTest, ABackupTakenWhileTheServerWritesHoldsExactlyWhatItsLogHeadCovers) {
  for (int i = 0; i < 5; ++i) ASSERT_EQ(manager_->client->Post("/api/v1/assets", Asset(i)).status, 201);
  // A writer creating assets through the API during the whole backup.
  std::atomic<bool> stop{false};
  std::atomic<int> created{0}, failed{0};
  std::thread writer([&] {
    for (int i = 100; !stop; ++i) {
      if (manager_->client->Post("/api/v1/assets", Asset(i)).status == 201) ++created;
      else ++failed;
    }
  });
  while (created < 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int before = created;
  const std::string file = work_ + "/load.mbk";
  ProcResult b = Backup(file);
  const int during = created - before;
  while (created < before + during + 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  writer.join();
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_EQ(failed, 0);
  EXPECT_NE(b.output.find("backup written"), std::string::npos) << b.output;

  const std::string dir = work_ + "/restored-load";
  const std::string target = EmptyTarget("load");
  ProcResult r = Restore(file, dir, target);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("operation log verified"), std::string::npos) << r.output;

  auto src = OpenDb(server_->StorageUrl());
  auto dst = OpenDb(RestoredUrl(dir, target));
  // The restored log is the source's log up to its head, entry for entry.
  const auto dst_log = Strings(*dst, "SELECT seq || ':' || hash FROM audit_log ORDER BY seq");
  const auto src_log = Strings(*src, "SELECT seq || ':' || hash FROM audit_log ORDER BY seq");
  ASSERT_FALSE(dst_log.empty());
  ASSERT_LT(dst_log.size(), src_log.size()) << "the server wrote on after the backup";
  EXPECT_TRUE(std::equal(dst_log.begin(), dst_log.end(), src_log.begin()));
  // Every asset in the backup is as the server has it, and the backup has exactly the assets
  // whose creation its log records: a consistent snapshot, not a torn copy.
  const std::string assets = Engine() == "postgres" ? "SELECT x::text FROM assets x" : "SELECT id || '|' || name || '|' || version FROM assets";
  const auto dst_assets = Strings(*dst, assets);
  const auto src_assets = Strings(*src, assets);
  const std::set<std::string> src_set(src_assets.begin(), src_assets.end());
  for (const auto& a : dst_assets) EXPECT_TRUE(src_set.count(a)) << "not in the source: " << a;
  const auto creates = Strings(*dst, "SELECT COUNT(*) FROM audit_log WHERE action = 'asset.create'");
  EXPECT_EQ(std::to_string(dst_assets.size()), creates.at(0));
  EXPECT_LT(dst_assets.size(), src_assets.size());
}

TEST_F(BackupRestoreTest, DamagedCutAndWrongKeyCopiesAreRefusedAndWriteNothing) {
  const std::string file = work_ + "/good.mbk";
  ASSERT_EQ(Backup(file).exit_code, 0);
  const std::string good = Slurp(file);
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x20;
  Put(work_ + "/flipped.mbk", flipped);
  Put(work_ + "/cut.mbk", good.substr(0, good.size() - 100));
  Put(work_ + "/half.mbk", good.substr(0, good.size() / 2));
  ASSERT_EQ(RunMamori({"backup", "--data", server_->data_dir(), "--to", work_ + "/other.mbk", "--key",
                       work_ + "/other.key", "--new-key"})
                .exit_code,
            0);
  struct Case {
    std::string file, key, message;
  };
  const std::vector<Case> cases = {
      {"flipped.mbk", "", "壊れているか改ざんされています"},
      {"cut.mbk", "", "途中で切れています"},
      {"half.mbk", "", "途中で切れています"},
      {"good.mbk", work_ + "/other.key", "鍵が違います"},
  };
  const std::string target = EmptyTarget("bad");
  for (const auto& c : cases) {
    const std::string dir = work_ + "/empty-" + c.file;
    fs::create_directories(dir);
    ProcResult r = Restore(work_ + "/" + c.file, dir, target, c.key);
    EXPECT_EQ(r.exit_code, 1) << c.file << ": " << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.file << ": " << r.output;
    EXPECT_TRUE(fs::is_empty(dir)) << c.file;
    for (const auto& e : fs::directory_iterator(work_))
      EXPECT_EQ(e.path().filename().string().find(".restore-"), std::string::npos) << "staging left: " << e.path();
    if (!target.empty()) {
      auto db = OpenDb(target);
      EXPECT_EQ(Strings(*db, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema NOT IN "
                             "('pg_catalog', 'information_schema')")
                    .at(0),
                "0")
          << c.file << ": the target database was written";
    }
  }
}

TEST_F(BackupRestoreTest, AQuiescentBackupRestoresEveryRowOfEveryTableAndTheLog) {
  for (int i = 200; i < 205; ++i) ASSERT_EQ(manager_->client->Post("/api/v1/assets", Asset(i)).status, 201);
  server_->Stop();  // seals the head with a checkpoint; nothing changes from here
  const std::string file = work_ + "/quiet.mbk";
  ProcResult b = Backup(file);
  const std::string dir = work_ + "/restored-quiet";
  const std::string target = EmptyTarget("quiet");
  ProcResult r = Restore(file, dir, target);
  std::map<std::string, std::vector<std::string>> want, got;
  if (b.exit_code == 0 && r.exit_code == 0) {
    auto src = OpenDb(server_->StorageUrl());
    auto dst = OpenDb(RestoredUrl(dir, target));
    want = DumpAll(*src);
    got = DumpAll(*dst);
  }
  server_->Start();
  ASSERT_EQ(b.exit_code, 0) << b.output;
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_GE(want.size(), 10u);
  ASSERT_EQ(want.size(), got.size());
  for (const auto& [table, rows] : want) {
    ASSERT_TRUE(got.count(table)) << table;
    EXPECT_EQ(got.at(table), rows) << "table " << table << " differs";
  }
  // The restored directory verifies on its own with the log verifier.
  std::vector<std::string> verify{"log", "verify", "--data", dir};
  ProcResult v = RunMamori(verify);
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_NE(v.output.find("ok: "), std::string::npos) << v.output;
  // And a second restore into the same directory is refused, changing nothing.
  const std::string before = Slurp(dir + "/mamori.yaml");
  ProcResult again = Restore(file, dir, target);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("空ではありません"), std::string::npos) << again.output;
  EXPECT_EQ(Slurp(dir + "/mamori.yaml"), before);
}

TEST_F(BackupRestoreTest, AScheduleWithoutAKeyIsAConfigurationErrorNamingTheKey) {
  const std::string cfg = Slurp(server_->data_dir() + "/mamori.yaml");
  Put(server_->data_dir() + "/mamori.yaml", cfg + "backup_dir: " + work_ + "/nokey\n");
  std::vector<std::string> args{"backup", "--data", server_->data_dir(), "--to", work_ + "/nokey.mbk"};
  ProcResult b = RunMamori(args);
  Put(server_->data_dir() + "/mamori.yaml", cfg);
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.output.find("backup_key_file"), std::string::npos) << b.output;
  EXPECT_FALSE(fs::exists(work_ + "/nokey.mbk"));
  EXPECT_FALSE(fs::exists(work_ + "/nokey"));
}

TEST_F(BackupRestoreTest, TheServerTakesScheduledBackupsAndKeepsTheNewestOnes) {
  const std::string dir = work_ + "/scheduled";
  fs::create_directories(dir);
  // Three old backups already there: retention (keep 2) deletes the two oldest after the new one.
  for (const char* old : {"mamori-20200101T000000Z.mbk", "mamori-20200102T000000Z.mbk", "mamori-20200103T000000Z.mbk"}) {
    Put(dir + "/" + old, "old");
    fs::last_write_time(dir + "/" + old, fs::file_time_type::clock::now() - std::chrono::hours(48));
  }
  server_->Reconfigure("backup_dir: " + dir + "\nbackup_key_file: " + work_ + "/backup.key\nbackup_interval_minutes: 60\nbackup_keep: 2\n");
  // The newest is older than the interval, so a backup is due at start.
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) {
    names.clear();
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    if (names.size() == 2 && names.back() > "mamori-2021") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(names.size(), 2u) << "backups: " << ::testing::PrintToString(names);
  EXPECT_EQ(names[0], "mamori-20200103T000000Z.mbk");
  EXPECT_GT(names[1], "mamori-2021");
  EXPECT_EQ(fs::status(dir).permissions() & fs::perms::all, fs::perms::owner_all);
  ProcResult r = Restore(dir + "/" + names[1], work_ + "/restored-scheduled", EmptyTarget("sched"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // A restored copy (a drill) must not take backups into, and prune, the original's directory.
  const std::string restored_cfg = Slurp(work_ + "/restored-scheduled/mamori.yaml");
  EXPECT_EQ(restored_cfg.find("backup_dir"), std::string::npos) << restored_cfg;
}

}  // namespace
}  // namespace mamori::itest
