// package (issue 8, part 3): the service configuration `--config FILE` (the package's
// /etc/mamori/mamori.yaml) on init, serve and log verify, on both engines.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

uint16_t UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  Require(fd >= 0, "socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  Require(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "bind to port 0 failed");
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A service file naming a data directory that does not exist yet, with a port and witness
// directory of its own (and, on PostgreSQL, the database: a private schema).
class ServiceConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir("service-config");
    data_ = root_ + "/data";
    witness_ = root_ + "/witness";
    file_ = root_ + "/mamori.yaml";
    port_ = UnusedPort();
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
    std::vector<std::string> args{MamoriBinary(), "serve", "--config", file_, "--web", "/nonexistent"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = root_ + "/serve.log";
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    Require(fd >= 0, "cannot open " + log);
    pid_ = fork();
    Require(pid_ >= 0, "fork failed");
    if (pid_ == 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fd);
    Client probe(Base());
    for (auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;) {
      if (probe.Get("/healthz").status == 200) return;
      if (int st = 0; waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("serve --config exited: " + Slurp(log));
      }
      std::this_thread::sleep_for(50ms);
    }
    throw std::runtime_error("serve --config did not answer on port " + std::to_string(port_) + ": " + Slurp(log));
  }
  // SIGTERM; the exit status, or -1 when it had to be killed.
  int StopServer() {
    if (pid_ <= 0) return 0;
    kill(pid_, SIGTERM);
    int st = 0;
    for (auto deadline = std::chrono::steady_clock::now() + 20s; std::chrono::steady_clock::now() < deadline;) {
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(20ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &st, 0);
    pid_ = -1;
    return -1;
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
