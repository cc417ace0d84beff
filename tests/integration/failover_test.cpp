// The server while its database cannot be reached (a failover in progress): every request
// that needs the database is answered 503 `unavailable` with Retry-After — never a 500 — and
// changes nothing; /readyz says 503 too while /healthz stays 200; when the database is back the
// same server serves again without a restart. On PostgreSQL the link is cut by a TCP proxy the
// test puts between server and database (the server's connections break, new ones are
// refused: what a killed primary looks like). SQLite is embedded: there is no server to lose,
// so the suite is skipped there. The whole drill with pg_auto_failover and HAProxy is
// tests/ha/failover.mjs.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <thread>

#include "harness.hpp"

namespace mamori::itest {
namespace {

// A TCP forwarder on 127.0.0.1 that can be cut (every connection closed, new ones refused)
// and opened again on the same port.
class CuttableProxy {
 public:
  CuttableProxy(std::string target_host, int target_port) : host_(std::move(target_host)), target_(target_port) {}
  ~CuttableProxy() { Cut(); }

  // Listens (again) on the same port; nothing when already open.
  void Open() {
    if (open_) return;
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    Require(listener_ >= 0, "socket failed");
    int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    Require(bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0, "proxy bind failed");
    Require(listen(listener_, 64) == 0, "proxy listen failed");
    socklen_t len = sizeof a;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    open_ = true;
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  // Closes the listener and every forwarded connection at once.
  void Cut() {
    if (!open_.exchange(false)) return;
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    acceptor_.join();
    {
      std::lock_guard lock(mu_);
      for (int fd : fds_) shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : pumps_) t.join();
    pumps_.clear();
    std::lock_guard lock(mu_);
    for (int fd : fds_) close(fd);
    fds_.clear();
  }

  int port() const { return port_; }

 private:
  void AcceptLoop() {
    while (open_) {
      int client = accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      int server = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(target_));
      inet_pton(AF_INET, host_.c_str(), &a.sin_addr);
      if (connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(client);
        close(server);
        continue;
      }
      std::lock_guard lock(mu_);
      fds_.push_back(client);
      fds_.push_back(server);
      pumps_.emplace_back([client, server] { Pump(client, server); });
    }
  }

  // Copies both ways until either side closes (or Cut shuts both down).
  static void Pump(int a, int b) {
    char buf[16384];
    pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    for (;;) {
      if (poll(p, 2, -1) < 0) return;
      for (int i = 0; i < 2; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = read(p[i].fd, buf, sizeof buf);
        if (n <= 0) {
          shutdown(a, SHUT_RDWR);
          shutdown(b, SHUT_RDWR);
          return;
        }
        for (ssize_t off = 0; off < n;) {
          const ssize_t w = write(p[1 - i].fd, buf + off, static_cast<size_t>(n - off));
          if (w <= 0) return;
          off += w;
        }
      }
    }
  }

  std::string host_;
  int target_;
  int port_ = 0;
  int listener_ = -1;
  std::atomic<bool> open_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> pumps_;
};

class FailoverTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (Engine() != "postgres") GTEST_SKIP() << "SQLite is embedded: there is no database server to lose";
    // Restart the suite's server with its database behind the proxy.
    const std::string url = server_->db_arg();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(url, m, std::regex(R"(@([0-9.]+):([0-9]+)/)"))) << url;
    proxy_ = std::make_unique<CuttableProxy>(m[1].str(), std::stoi(m[2].str()));
    proxy_->Open();
    server_->Stop();
    server_->serve_db = url.substr(0, m.position(1)) + "127.0.0.1:" + std::to_string(proxy_->port()) +
                        url.substr(m.position(2) + m.length(2));
    server_->Start();
    admin_->client->set_base(server_->base_url());
  }

  void TearDown() override {
    if (!proxy_) return;
    proxy_->Open();
    server_->Stop();
    server_->serve_db.clear();
    server_->Start();
    admin_->client->set_base(server_->base_url());
    proxy_.reset();
  }

  static ::testing::AssertionResult IsUnavailable(const Reply& r) {
    auto p = IsProblem(r, 503, "unavailable");
    if (!p) return p;
    const std::string after = r.Header("retry-after");
    if (after.empty() || std::stoi(after) <= 0) return ::testing::AssertionFailure() << "no Retry-After: " << r.Describe();
    return ::testing::AssertionSuccess();
  }

  std::unique_ptr<CuttableProxy> proxy_;
};

TEST_F(FailoverTest, WhileTheDatabaseIsUnreachableWritesAnswer503WithRetryAfterAndChangeNothing) {
  Client& c = *admin_->client;
  const int64_t head = LogHead();
  proxy_->Cut();
  const json unit = {{"code", "fo-during"}, {"name", "切替中の課"}, {"kind", "bureau"}, {"parent_id", city_id_}};
  // The first request meets the broken pooled connection, the next ones a refused connect.
  for (int i = 0; i < 3; ++i) {
    Reply r = c.Post("/api/v1/org-units", unit);
    EXPECT_TRUE(IsUnavailable(r)) << "attempt " << i;
    EXPECT_EQ(r.doc.value("detail", "").find("SELECT"), std::string::npos) << "no SQL or server text leaks";
  }
  EXPECT_TRUE(IsUnavailable(c.Get("/api/v1/org-units")));
  EXPECT_TRUE(IsUnavailable(c.Get("/readyz")));
  EXPECT_EQ(c.Get("/healthz").status, 200);

  // Back: the same server, no restart, serves again; the refused write had left nothing (the
  // same code is free) and the log head moved only by what was done now.
  proxy_->Open();
  Reply ready;
  for (int i = 0; i < 50 && ready.status != 200; ++i) {
    ready = c.Get("/readyz");
    if (ready.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(ready.status, 200) << ready.Describe();
  Reply created = c.Post("/api/v1/org-units", unit);
  ASSERT_EQ(created.status, 201) << created.Describe();
  EXPECT_EQ(LogHead(), head + 1);
}

TEST_F(FailoverTest, ASignInWhileTheDatabaseIsUnreachableIs503NotAWrongPassword) {
  proxy_->Cut();
  auto c = NewClient();
  Reply r = c->Login(admin_->login_id, admin_->password);
  EXPECT_TRUE(IsUnavailable(r));
  EXPECT_TRUE(c->cookie.empty());
  proxy_->Open();
}

}  // namespace
}  // namespace mamori::itest
