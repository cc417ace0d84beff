// package (issue 8, part 3): the service configuration `--config FILE` (the package's
// /etc/mamori/mamori.yaml) on init, serve and log verify, on both engines.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "storage/test_db.hpp"

namespace mamori::itest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A service file naming a data directory that does not exist yet, with a port and witness
// directory of its own (and, on PostgreSQL, the database: a private schema).
class ServiceConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir("service-config");
    data_ = root_ + "/data";
    witness_ = root_ + "/witness";
    file_ = root_ + "/mamori.yaml";
    port_ = testkit::FreePort();
    if (Engine() == "postgres") {
      pg_ = std::make_unique<storage::TestDatabase>("postgres");
      ASSERT_NE(pg_->db(), nullptr) << "MAMORI_TEST_PG_URL is not set";
    }
  }
  void TearDown() override {
    StopServer();
    fs::remove_all(root_);
  }
  void WriteServiceFile(const std::string& extra = "") {
    std::ofstream out(file_);
    out << "data_dir: " << data_ << "\nwitness_dir: " << witness_ << "\nlisten: 127.0.0.1:" << port_ << "\n";
    if (pg_) out << "db: \"" << pg_->url() << "\"\n";
    out << extra;
  }
  ProcResult Init() { return RunMamori({"init", "--config", file_, "--admin", kAdminLogin}, std::string(kAdminTempPassword) + "\n"); }
  // `mamori serve --config FILE` with nothing else: where it listens comes from the file.
  void StartServer() {
    testkit::ServeOptions o;
    o.binary = MamoriBinary();
    o.args = {"--config", file_, "--web", "/nonexistent"};
    o.port = port_;
    o.log_path = root_ + "/serve.log";
    const testkit::ServedProcess served = testkit::LaunchServe(o);
    if (!served.ok()) throw std::runtime_error("serve --config on port " + std::to_string(port_) + ": " + served.error);
    pid_ = served.pid;
  }
  // SIGTERM; the exit status, or -1 when it had to be killed.
  int StopServer() {
    const int code = testkit::StopProcess(pid_, 20);
    pid_ = -1;
    return code;
  }
  std::string Base() const { return "https://127.0.0.1:" + std::to_string(port_); }

  std::unique_ptr<storage::TestDatabase> pg_;
  std::string root_, data_, witness_, file_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(ServiceConfigTest, InitServeAndVerifyTakeTheServiceFileAndItsKeysWin) {
  WriteServiceFile();
  ProcResult init = Init();
  ASSERT_EQ(init.exit_code, 0) << init.output;
  EXPECT_NE(init.output.find("initialised " + data_), std::string::npos) << init.output;
  // init wrote the data directory's own configuration, and the witness went where the file says.
  EXPECT_TRUE(fs::exists(data_ + "/mamori.yaml"));
  EXPECT_TRUE(fs::exists(data_ + "/keys/log_signing.pem"));
  EXPECT_TRUE(fs::exists(witness_ + "/heads.log")) << "witness_dir of the service file";
  EXPECT_FALSE(fs::exists(data_ + "/witness/heads.log"));
  if (pg_) EXPECT_FALSE(fs::exists(data_ + "/mamori.db")) << "db of the service file: PostgreSQL, no SQLite file";
  else EXPECT_TRUE(fs::exists(data_ + "/mamori.db"));

  ASSERT_NO_THROW(StartServer());  // on the service file's port: nothing else names it
  Client c(Base());
  EXPECT_EQ(c.Get("/readyz").status, 200);
  Reply login = c.Login(kAdminLogin, kAdminTempPassword);
  ASSERT_EQ(login.status, 200) << login.Describe();
  EXPECT_TRUE(login.doc.value("must_change_password", false));
  EXPECT_EQ(StopServer(), 0);

  ProcResult verify = RunMamori({"log", "verify", "--config", file_});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("ok: "), std::string::npos) << verify.output;
  EXPECT_NE(verify.output.find("witness " + witness_), std::string::npos) << verify.output;
  // The same data directory through --data: its own mamori.yaml, without the service file's keys.
  ProcResult by_dir = RunMamori({"log", "verify", "--data", data_, "--witness", witness_});
  EXPECT_EQ(by_dir.exit_code, 0) << by_dir.output;
}

TEST_F(ServiceConfigTest, InitRefusesABadServiceFileAndWritesNothing) {
  WriteServiceFile("lisen: 0.0.0.0:8443\n");
  ProcResult init = Init();
  EXPECT_EQ(init.exit_code, 1) << init.output;
  EXPECT_NE(init.output.find("lisen"), std::string::npos) << init.output;
  EXPECT_FALSE(fs::exists(data_)) << "nothing written";
  EXPECT_FALSE(fs::exists(witness_));

  std::ofstream(file_) << "listen: 127.0.0.1:8443\n";
  ProcResult no_dir = Init();
  EXPECT_EQ(no_dir.exit_code, 1) << no_dir.output;
  EXPECT_NE(no_dir.output.find("data_dir"), std::string::npos) << no_dir.output;
  EXPECT_FALSE(fs::exists(data_));
}

TEST_F(ServiceConfigTest, ServeNeedsExactlyOneOfDataAndConfig) {
  WriteServiceFile();
  ProcResult both = RunMamori({"serve", "--data", data_, "--config", file_});
  EXPECT_NE(both.exit_code, 0) << both.output;
  EXPECT_NE(both.output.find("excludes"), std::string::npos) << both.output;
  ProcResult neither = RunMamori({"serve"});
  EXPECT_EQ(neither.exit_code, 1) << neither.output;
  EXPECT_NE(neither.output.find("--data DIR か --config FILE"), std::string::npos) << neither.output;
  ProcResult uninitialised = RunMamori({"serve", "--config", file_});
  EXPECT_EQ(uninitialised.exit_code, 1) << uninitialised.output;
  EXPECT_NE(uninitialised.output.find("mamori init --config " + file_), std::string::npos) << uninitialised.output;
  EXPECT_FALSE(fs::exists(data_)) << "serve creates no data directory";
}

}  // namespace
}  // namespace mamori::itest
