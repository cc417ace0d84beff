// Sealed at rest (docs/sealing.md), through the real server on both engines: the fields the
// pack seals — everything descriptive of a 機密性3 asset (proc:5(3)①, pref:第10(5)キ), request
// forms' personal data, TOTP secrets — are nowhere in the database in plain, while their readers
// see them plain; `mamori keys rotate-data | rotate-master | reseal` run beside the running
// server without it noticing; a wrong master key is refused with a clear message.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.hpp"
#include "storage/db.hpp"

namespace mamori::itest {
namespace {

namespace fs = std::filesystem;

class SealingTest : public ApiTest {
 protected:
  static void SetUpTestSuite() {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      bureau_ = CreateOrgUnit(UniqueLogin("sb"), "bureau", city_id_);
      section_ = CreateOrgUnit(UniqueLogin("ss"), "section", bureau_);
      manager_ = new Person(NewSignedIn("sim", {{{"role", "information_manager"}, {"scope_type", "org_unit"},
                                                 {"scope_id", section_}}}, section_));
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete manager_;
    manager_ = nullptr;
    ApiTest::TearDownTestSuite();
  }

  static json Asset(const std::string& name, int confidentiality, const std::string& location,
                    const std::string& handling) {
    return {{"name", name},         {"kind", "electronic_data"},           {"owner_org_unit_id", section_},
            {"confidentiality", confidentiality}, {"integrity", 1},      {"availability", 1},
            {"handling", json::array({handling})}, {"location", location}};
  }

  static std::string Create(const json& body) {
    Reply r = manager_->client->Post("/api/v1/assets", body);
    Require(r.status == 201, "POST /assets: " + r.Describe());
    return r.doc.value("id", "");
  }

  // Every byte an attacker holding the database alone reads: the SQLite files (database, WAL)
  // as they are on disk, or every row of every table of the PostgreSQL schema as text.
  static std::string DatabaseBytes() {
    std::string out;
    if (Engine() == "sqlite") {
      for (const char* suffix : {"", "-wal"}) {
        std::ifstream in(server_->data_dir() + "/mamori.db" + suffix, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        out += ss.str();
      }
      Require(!out.empty(), "read the SQLite files");
      return out;
    }
    auto db = storage::Database::Open(server_->StorageUrl(), 1);
    Require(db.ok(), "open the database");
    auto conn = (*db)->Acquire();
    Require(conn.ok(), "acquire a connection");
    std::vector<std::string> tables;
    auto st = (*conn)->Query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()", {},
        [&](const storage::Row& r) { tables.push_back(r.Str(0)); });
    Require(st.ok() && tables.size() > 5, "list the tables");
    for (const auto& t : tables) {
      st = (*conn)->Query("SELECT CAST(x AS TEXT) FROM " + t + " x", {},
                          [&](const storage::Row& r) { out += r.Str(0) + "\n"; });
      Require(st.ok(), "read " + t);
    }
    return out;
  }

  static std::vector<std::string> DbArgs() {
    std::vector<std::string> args{"--data", server_->data_dir()};
    if (!server_->db_arg().empty()) args.insert(args.end(), {"--db", server_->db_arg()});
    return args;
  }

  static ProcResult Keys(const std::string& command) {
    std::vector<std::string> args{"keys", command};
    for (const auto& a : DbArgs()) args.push_back(a);
    return RunMamori(args);
  }

  static std::string bureau_, section_;
  static Person* manager_;
};

std::string SealingTest::bureau_, SealingTest::section_;
Person* SealingTest::manager_ = nullptr;

TEST_F(SealingTest, TheDatabaseAloneHoldsNoSealedPlaintextWhileReadersSeeItPlain) {
  const std::string tag = UniqueLogin("t");
  const std::string secret_name = "生活保護台帳" + tag, secret_place = "地下書庫" + tag, secret_rule = "閲覧限定" + tag;
  const std::string plain_name = "庁内報" + tag;
  const std::string id = Create(Asset(secret_name, 3, secret_place, secret_rule));
  const std::string plain_id = Create(Asset(plain_name, 2, "総務課", "なし"));
  // Edited while restricted: the old and new values go into the log sealed too.
  Reply got = manager_->client->Get("/api/v1/assets/" + id);
  ASSERT_EQ(got.status, 200) << got.Describe();
  EXPECT_EQ(got.doc["name"], secret_name);
  EXPECT_EQ(got.doc["location"], secret_place);
  EXPECT_EQ(got.doc["handling"], json::array({secret_rule}));
  const std::string moved_place = "耐火金庫" + tag;
  Reply patched = manager_->client->Send("PATCH", "/api/v1/assets/" + id,
                                         json{{"version", got.doc["version"]}, {"location", moved_place}}.dump());
  ASSERT_EQ(patched.status, 200) << patched.Describe();
  // The register lists both, readable; searching finds only what is not sealed.
  Reply list = manager_->client->Get("/api/v1/assets?owner_org_unit_id=" + section_ + "&per_page=50");
  ASSERT_EQ(list.status, 200) << list.Describe();
  std::set<std::string> names;
  for (const auto& item : list.doc["items"]) names.insert(item.value("name", ""));
  EXPECT_TRUE(names.count(secret_name) && names.count(plain_name)) << list.Describe();
  Reply search = manager_->client->Get("/api/v1/assets?q=" + tag);
  ASSERT_EQ(search.status, 200) << search.Describe();
  EXPECT_EQ(search.doc["total"], 1) << "a sealed name cannot be searched: " << search.Describe();
  // The asset's history, for its reader, shows the sealed values opened.
  Reply history = manager_->client->Get("/api/v1/assets/" + id + "/history");
  ASSERT_EQ(history.status, 200) << history.Describe();
  EXPECT_NE(history.doc.dump().find(moved_place), std::string::npos) << history.Describe();

  server_->Stop();
  const std::string bytes = DatabaseBytes();
  for (const auto& plain : {secret_name, secret_place, secret_rule, moved_place, tag + "地下"})
    EXPECT_EQ(bytes.find(plain), std::string::npos) << "found in the database: " << plain;
  EXPECT_NE(bytes.find(plain_name), std::string::npos) << "the scan does read the rows (a 機密性2 name is there)";
  EXPECT_NE(bytes.find(id), std::string::npos);
  // The admin's TOTP secret is sealed as well (the harness enrolled it).
  EXPECT_EQ(bytes.find(admin_->totp_secret), std::string::npos);
  ProcResult verify = server_->LogVerify();
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  server_->Start();
  for (Person* p : {admin_, manager_}) p->client->set_base(server_->base_url());
  EXPECT_EQ(manager_->client->Get("/api/v1/assets/" + plain_id).doc["name"], plain_name);
}

TEST_F(SealingTest, KeysRotateBesideTheRunningServerAndEverythingStaysReadable) {
  const std::string tag = UniqueLogin("r");
  const std::string before = Create(Asset("回転前" + tag, 3, "書庫A", "持出禁止"));
  ProcResult data = Keys("rotate-data");
  ASSERT_EQ(data.exit_code, 0) << data.output;
  const std::string between = Create(Asset("回転間" + tag, 3, "書庫B", "持出禁止"));
  ProcResult master = Keys("rotate-master");
  ASSERT_EQ(master.exit_code, 0) << master.output;
  // No restart: the running server reads old and new values alike.
  for (const auto& [id, name] : {std::pair{before, "回転前" + tag}, std::pair{between, "回転間" + tag}}) {
    Reply r = manager_->client->Get("/api/v1/assets/" + id);
    ASSERT_EQ(r.status, 200) << r.Describe();
    EXPECT_EQ(r.doc["name"], name);
  }
  ProcResult reseal = Keys("reseal");
  ASSERT_EQ(reseal.exit_code, 0) << reseal.output;
  ProcResult status = Keys("status");
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("現在の鍵"), std::string::npos) << status.output;
  // A restart unwraps the ring with the new master key file.
  server_->Stop();
  server_->Start();
  for (Person* p : {admin_, manager_}) p->client->set_base(server_->base_url());
  EXPECT_EQ(manager_->client->Get("/api/v1/assets/" + before).doc["name"], "回転前" + tag);
  ProcResult verify = server_->LogVerify();
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

TEST_F(SealingTest, AWrongOrMissingMasterKeyIsRefusedClearlyAndChangesNothing) {
  server_->Stop();
  const std::string path = server_->data_dir() + "/keys/master.key";
  ASSERT_TRUE(fs::exists(path)) << "the demo default keeps the master key in keys/";
  fs::rename(path, path + ".saved");
  ProcResult missing = Keys("status");
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("マスター鍵ファイルがありません"), std::string::npos) << missing.output;
  EXPECT_FALSE(fs::exists(path)) << "a missing master key is never silently replaced";
  {
    std::ofstream wrong(path);
    wrong << "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=\n";
  }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  ProcResult wrong = Keys("status");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_NE(wrong.output.find("開けません"), std::string::npos) << wrong.output;
  fs::remove(path);
  fs::rename(path + ".saved", path);
  server_->Start();
  for (Person* p : {admin_, manager_}) p->client->set_base(server_->base_url());
  EXPECT_EQ(manager_->client->Get("/api/v1/session").status, 200);
}

TEST_F(SealingTest, TheRingMovesToAKmsCommandAndTheServerRunsWithoutAMasterKeyFile) {
  const std::string tag = UniqueLogin("k");
  const std::string id = Create(Asset("KMS前" + tag, 3, "書庫K", "持出禁止"));
  // A stand-in KMS: AES-256-CBC under a key only the script reads (openssl enc), base64 in/out.
  const std::string dir = MakeTempDir("kms");
  const std::string kek = dir + "/kek", script = dir + "/kms";
  std::ofstream(kek) << "0123456789abcdef0123456789abcdef";
  std::ofstream(script) << "#!/bin/sh\nset -e\ncase \"$1\" in\n"
                           "  wrap) base64 -d | openssl enc -aes-256-cbc -pbkdf2 -pass file:" + kek + " | base64 -w0 ;;\n"
                           "  unwrap) base64 -d | openssl enc -d -aes-256-cbc -pbkdf2 -pass file:" + kek + " | base64 -w0 ;;\n"
                           "  *) exit 2 ;;\nesac\n";
  fs::permissions(script, fs::perms::owner_all);
  std::vector<std::string> args{"keys", "rotate-master", "--kms-command", script};
  for (const auto& a : DbArgs()) args.push_back(a);
  ProcResult moved = RunMamori(args);
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_FALSE(fs::exists(server_->data_dir() + "/keys/master.key")) << "the master key file is gone";
  server_->Stop();
  server_->Start();
  for (Person* p : {admin_, manager_}) p->client->set_base(server_->base_url());
  Reply r = manager_->client->Get("/api/v1/assets/" + id);
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.doc["name"], "KMS前" + tag);
  ProcResult status = Keys("status");
  EXPECT_NE(status.output.find("KMS"), std::string::npos) << status.output;
  // Without the KMS (the command fails) nothing can be unwrapped: refused, clearly.
  fs::remove(kek);
  ProcResult blind = Keys("status");
  EXPECT_EQ(blind.exit_code, 1) << blind.output;
  EXPECT_NE(blind.output.find("KMS コマンド"), std::string::npos) << blind.output;
}

}  // namespace
}  // namespace mamori::itest
