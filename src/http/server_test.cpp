// End-to-end tests of the HTTPS server over real TLS: libcurl for well-formed traffic, a raw
// OpenSSL client for what curl will not send (malformed requests, stalled requests, old TLS).
#include "http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

namespace mamori::http {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// ---- libcurl client -------------------------------------------------------------------------

struct CurlReply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::string content_type;
  std::string connection_header;
  long num_connects = -1;
};

size_t CollectBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t CollectHeader(char* data, size_t size, size_t count, void* user) {
  std::string line(data, size * count);
  std::string lower = line;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.rfind("connection:", 0) == 0) {
    std::string value = lower.substr(11);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    *static_cast<std::string*>(user) = value;
  }
  return size * count;
}

class Curl {
 public:
  Curl() : handle_(curl_easy_init()) {}
  ~Curl() { curl_easy_cleanup(handle_); }
  Curl(const Curl&) = delete;
  Curl& operator=(const Curl&) = delete;

  CurlReply Do(const std::string& url, std::optional<std::string> post_body = std::nullopt,
               const std::vector<std::string>& headers = {}, bool head = false) {
    CurlReply reply;
    curl_easy_reset(handle_);
    curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle_, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(handle_, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(handle_, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, CollectBody);
    curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(handle_, CURLOPT_HEADERFUNCTION, CollectHeader);
    curl_easy_setopt(handle_, CURLOPT_HEADERDATA, &reply.connection_header);
    if (http10_) curl_easy_setopt(handle_, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_0);
    if (post_body) {
      curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(post_body->size()));
      curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, post_body->data());
    }
    if (head) curl_easy_setopt(handle_, CURLOPT_NOBODY, 1L);
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    if (list) curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, list);
    reply.code = curl_easy_perform(handle_);
    curl_slist_free_all(list);
    curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &reply.status);
    char* type = nullptr;
    if (curl_easy_getinfo(handle_, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
      reply.content_type = type;
    curl_easy_getinfo(handle_, CURLINFO_NUM_CONNECTS, &reply.num_connects);
    return reply;
  }

  void UseHttp10() { http10_ = true; }
  CURL* handle() { return handle_; }

 private:
  CURL* handle_;
  bool http10_ = false;
};

// ---- raw OpenSSL client ---------------------------------------------------------------------

// Connects over TLS to 127.0.0.1:port. Returns nullptr when the handshake fails.
class RawTls {
 public:
  // `groups` limits the key-exchange groups the client offers ("" = OpenSSL's defaults).
  explicit RawTls(uint16_t port, int max_version = 0, const char* groups = "") {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (*groups) SSL_CTX_set1_groups_list(ctx_, groups);
    if (max_version) {
      SSL_CTX_set_security_level(ctx_, 0);
      SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
      SSL_CTX_set_min_proto_version(ctx_, 0);
      SSL_CTX_set_max_proto_version(ctx_, max_version);
    }
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};  // a hung server fails the test instead of hanging it
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    connected_ = SSL_connect(ssl_) == 1;
  }
  ~RawTls() {
    if (ssl_) SSL_free(ssl_);
    if (fd_ >= 0) close(fd_);
    SSL_CTX_free(ctx_);
  }
  RawTls(const RawTls&) = delete;
  RawTls& operator=(const RawTls&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& data) {
    return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) ==
           static_cast<int>(data.size());
  }
  // Everything until the server closes (or 10 s of silence).
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    for (;;) {
      int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
};

// ---- fixture --------------------------------------------------------------------------------

api::Response Echo(api::Request& req) {
  if (req.path == "/throw") throw std::runtime_error("secret database detail");
  nlohmann::json doc = {
      {"method", req.method},          {"target", req.target}, {"path", req.path},
      {"query", req.query},            {"body", req.body},     {"headers", req.headers},
      {"remote_address", req.remote_address},
  };
  return api::Response::Json(200, doc);
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (std::getenv("MAMORI_TEST_DEBUG")) spdlog::set_level(spdlog::level::debug);
    char tmpl[] = "/tmp/mamori_http_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
        " -subj /CN=localhost -keyout " + (dir_ / "key.pem").string() + " -out " +
        (dir_ / "cert.pem").string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    curl_global_cleanup();
  }

  ServerOptions Options() {
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.cert_file = (dir_ / "cert.pem").string();
    o.key_file = (dir_ / "key.pem").string();
    o.max_header_bytes = 2048;
    o.max_body_bytes = 1024;
    o.request_timeout = 1s;
    o.threads = 2;
    return o;
  }

  void StartServer(ServerOptions options, Handler handler = Echo) {
    server_ = std::make_unique<Server>(std::move(options), std::move(handler));
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.error().detail;
    port_ = *port;
    ASSERT_NE(port_, 0);
    run_done_ = std::async(std::launch::async, [this] { server_->Run(); });
  }

  // Stops the server and reports whether Run() returned in time.
  bool StopServer() {
    server_->Stop();
    return run_done_.wait_for(10s) == std::future_status::ready;
  }

  void TearDown() override {
    if (server_ && run_done_.valid()) {
      server_->Stop();
      run_done_.wait();
    }
  }

  std::string Url(const std::string& target) const {
    return "https://127.0.0.1:" + std::to_string(port_) + target;
  }

  static inline fs::path dir_;
  std::unique_ptr<Server> server_;
  std::future<void> run_done_;
  uint16_t port_ = 0;
};

nlohmann::json Parse(const std::string& body) { return nlohmann::json::parse(body); }

bool IsProblem(const CurlReply& r) {
  return r.content_type.rfind("application/problem+json", 0) == 0;
}

// ---- tests ----------------------------------------------------------------------------------

TEST_F(ServerTest, GetRoundTripDecodesPathAndQuery) {
  StartServer(Options());
  Curl curl;
  auto r = curl.Do(Url("/api/v1/a%20b/c?x=1&name=%E7%A5%9E%E6%88%B8+%E5%B8%82&flag"));
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  auto doc = Parse(r.body);
  EXPECT_EQ(doc["method"], "GET");
  EXPECT_EQ(doc["path"], "/api/v1/a b/c");
  EXPECT_EQ(doc["target"], "/api/v1/a%20b/c?x=1&name=%E7%A5%9E%E6%88%B8+%E5%B8%82&flag");
  EXPECT_EQ(doc["query"]["x"], "1");
  EXPECT_EQ(doc["query"]["name"], "神戸 市");
  EXPECT_EQ(doc["query"]["flag"], "");
  EXPECT_EQ(doc["remote_address"], "127.0.0.1");
  EXPECT_TRUE(doc["headers"].contains("host"));
  EXPECT_TRUE(doc["headers"].contains("user-agent") || doc["headers"].contains("accept"));
}

TEST_F(ServerTest, RepeatedHeadersAreJoined) {
  StartServer(Options());
  Curl curl;
  auto r = curl.Do(Url("/h"), std::nullopt,
                   {"X-Multi: a", "X-Multi: b", "Cookie: a=1", "Cookie: b=2", "X-Case: v"});
  ASSERT_EQ(r.code, CURLE_OK);
  auto headers = Parse(r.body)["headers"];
  EXPECT_EQ(headers["x-multi"], "a, b");
  EXPECT_EQ(headers["cookie"], "a=1; b=2");
  EXPECT_EQ(headers["x-case"], "v");
}

TEST_F(ServerTest, KeepAliveReusesOneConnection) {
  StartServer(Options());
  Curl curl;
  auto first = curl.Do(Url("/one"));
  ASSERT_EQ(first.code, CURLE_OK);
  EXPECT_EQ(first.num_connects, 1);
  auto second = curl.Do(Url("/two"));
  ASSERT_EQ(second.code, CURLE_OK);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.num_connects, 0);
  EXPECT_EQ(Parse(second.body)["path"], "/two");
}

TEST_F(ServerTest, Http10ClosesAfterEachResponse) {
  StartServer(Options());
  Curl curl;
  curl.UseHttp10();
  auto first = curl.Do(Url("/one"));
  ASSERT_EQ(first.code, CURLE_OK);
  EXPECT_EQ(first.status, 200);
  auto second = curl.Do(Url("/two"));
  ASSERT_EQ(second.code, CURLE_OK);
  EXPECT_EQ(second.num_connects, 1);
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  StartServer(Options());
  Curl curl;
  auto first = curl.Do(Url("/one"), std::nullopt, {"Connection: close"});
  ASSERT_EQ(first.code, CURLE_OK);
  EXPECT_EQ(first.connection_header, "close");
  auto second = curl.Do(Url("/two"));
  ASSERT_EQ(second.code, CURLE_OK);
  EXPECT_EQ(second.num_connects, 1);
}

TEST_F(ServerTest, PostBodyWithinLimitReachesHandler) {
  StartServer(Options());
  Curl curl;
  auto r = curl.Do(Url("/post"), std::string(1000, 'x'));
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  auto doc = Parse(r.body);
  EXPECT_EQ(doc["method"], "POST");
  EXPECT_EQ(doc["body"], std::string(1000, 'x'));
}

TEST_F(ServerTest, OversizeBodyGets413Problem) {
  StartServer(Options());
  Curl curl;
  auto r = curl.Do(Url("/post"), std::string(64 * 1024, 'x'));
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(IsProblem(r)) << r.content_type;
  auto doc = Parse(r.body);
  EXPECT_EQ(doc["type"], "/problems/payload_too_large");
  EXPECT_EQ(doc["status"], 413);
  EXPECT_NE(doc["detail"].get<std::string>().find("1024"), std::string::npos);
  // The server is still serving afterwards.
  Curl again;
  EXPECT_EQ(again.Do(Url("/ok")).status, 200);
}

TEST_F(ServerTest, OversizeBodyWithoutExpectGets413Problem) {
  StartServer(Options());
  Curl curl;
  // No 100-continue: the whole body is already on its way when the server refuses it.
  auto r = curl.Do(Url("/post"), std::string(2 * 1024 * 1024, 'x'), {"Expect:"});
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(IsProblem(r));
}

TEST_F(ServerTest, UploadPathsTakeTheLargerLimitAndNothingElseDoes) {
  ServerOptions o = Options();
  o.max_upload_bytes = 8 * 1024;
  o.upload_paths = {"/upload"};
  StartServer(o);
  const std::string body(4 * 1024, 'x');
  Curl upload;
  auto r = upload.Do(Url("/upload?dry_run=true"), body);
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  // The same body elsewhere is over max_body_bytes.
  Curl other;
  EXPECT_EQ(other.Do(Url("/post"), body).status, 413);
  // And the upload limit holds on the upload path, naming itself.
  Curl big;
  auto over = big.Do(Url("/upload"), std::string(16 * 1024, 'x'));
  EXPECT_EQ(over.status, 413);
  EXPECT_NE(Parse(over.body)["detail"].get<std::string>().find("8192"), std::string::npos);
}

TEST_F(ServerTest, OversizeHeadersGet431Problem) {
  StartServer(Options());
  Curl curl;
  auto r = curl.Do(Url("/big"), std::nullopt, {"X-Big: " + std::string(4000, 'y')});
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 431);
  EXPECT_TRUE(IsProblem(r)) << r.content_type;
  EXPECT_EQ(Parse(r.body)["status"], 431);
}

TEST_F(ServerTest, ThrowingHandlerGets500ProblemWithoutDetail) {
  StartServer(Options());
  Curl curl;
  auto r = curl.Do(Url("/throw"));
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 500);
  EXPECT_TRUE(IsProblem(r));
  EXPECT_EQ(Parse(r.body)["type"], "/problems/internal");
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  // The connection survives a handler failure.
  auto next = curl.Do(Url("/fine"));
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.num_connects, 0);
}

TEST_F(ServerTest, HeadSendsLengthWithoutBody) {
  StartServer(Options());
  Curl curl;
  auto r = curl.Do(Url("/head"), std::nullopt, {}, /*head=*/true);
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  curl_off_t length = -1;
  curl_easy_getinfo(curl.handle(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  EXPECT_GT(length, 0);
}

TEST_F(ServerTest, ResponseHeadersAndNoContent) {
  StartServer(Options(), [](api::Request& req) {
    if (req.path == "/empty") return api::Response::NoContent();
    api::Response r = api::Response::Text(201, "made", "text/plain; charset=utf-8");
    r.headers.emplace_back("Set-Cookie", "a=1");
    r.headers.emplace_back("Set-Cookie", "b=2");
    r.headers.emplace_back("X-Bad", "x\r\nInjected: yes");
    return r;
  });
  Curl curl;
  std::vector<std::string> set_cookies;
  bool injected = false;
  struct Seen {
    std::vector<std::string>* cookies;
    bool* injected;
  } seen{&set_cookies, &injected};
  curl_easy_setopt(curl.handle(), CURLOPT_HEADERFUNCTION,
                   +[](char* d, size_t s, size_t n, void* u) -> size_t {
                     auto* seen = static_cast<Seen*>(u);
                     std::string line(d, s * n);
                     if (line.rfind("Set-Cookie:", 0) == 0) seen->cookies->push_back(line);
                     if (line.rfind("Injected", 0) == 0) *seen->injected = true;
                     return s * n;
                   });
  // Do() resets the handle, so drive this request by hand.
  std::string body;
  std::string url = Url("/made");
  curl_easy_setopt(curl.handle(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.handle(), CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(curl.handle(), CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(curl.handle(), CURLOPT_HEADERDATA, &seen);
  curl_easy_setopt(curl.handle(), CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl.handle(), CURLOPT_WRITEDATA, &body);
  ASSERT_EQ(curl_easy_perform(curl.handle()), CURLE_OK);
  long status = 0;
  curl_easy_getinfo(curl.handle(), CURLINFO_RESPONSE_CODE, &status);
  EXPECT_EQ(status, 201);
  EXPECT_EQ(body, "made");
  EXPECT_EQ(set_cookies.size(), 2u);
  EXPECT_FALSE(injected);

  auto empty = curl.Do(Url("/empty"));
  ASSERT_EQ(empty.code, CURLE_OK);
  EXPECT_EQ(empty.status, 204);
  EXPECT_TRUE(empty.body.empty());
}

TEST_F(ServerTest, ConcurrentClientsAllGetTheirOwnAnswer) {
  // A handler that blocks (as database work does) must not stall the other connections.
  StartServer(Options(), [](api::Request& req) {
    std::this_thread::sleep_for(2ms);
    return Echo(req);
  });
  std::vector<std::future<int>> clients;
  for (int c = 0; c < 8; ++c) {
    clients.push_back(std::async(std::launch::async, [this, c] {
      Curl curl;
      int good = 0;
      for (int i = 0; i < 20; ++i) {
        const std::string path = "/c" + std::to_string(c) + "/" + std::to_string(i);
        auto r = curl.Do(Url(path), "body" + std::to_string(i));
        if (r.code == CURLE_OK && r.status == 200 && Parse(r.body)["path"] == path &&
            Parse(r.body)["body"] == "body" + std::to_string(i))
          ++good;
      }
      return good;
    }));
  }
  for (auto& client : clients) EXPECT_EQ(client.get(), 20);
}

TEST_F(ServerTest, MalformedRequestGets400Problem) {
  StartServer(Options());
  RawTls client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send("NOT A REQUEST\r\n\r\n"));
  std::string reply = client.ReadAll();
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find("application/problem+json"), std::string::npos);
}

TEST_F(ServerTest, StalledRequestGets408AndClose) {
  StartServer(Options());  // request_timeout 1 s
  RawTls client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send("GET /slow HTTP/1.1\r\nHost: localhost\r\n"));  // never finished
  auto started = std::chrono::steady_clock::now();
  std::string reply = client.ReadAll();
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(reply.rfind("HTTP/1.1 408", 0), 0u) << reply;
  EXPECT_NE(reply.find("application/problem+json"), std::string::npos);
  EXPECT_LT(waited, 6s);
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions o = Options();
  o.idle_timeout = 1s;
  StartServer(o);
  Curl curl;
  ASSERT_EQ(curl.Do(Url("/one")).num_connects, 1);
  std::this_thread::sleep_for(1500ms);
  auto second = curl.Do(Url("/two"));
  ASSERT_EQ(second.code, CURLE_OK);
  EXPECT_EQ(second.num_connects, 1);  // the idle connection was gone; curl made a new one
}

TEST_F(ServerTest, SilentClientIsDroppedAfterHandshakeTimeout) {
  ServerOptions o = Options();
  o.handshake_timeout = 1s;
  StartServer(o);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  auto started = std::chrono::steady_clock::now();
  char byte;
  ssize_t n = recv(fd, &byte, 1, 0);  // no ClientHello: the server must hang up
  auto waited = std::chrono::steady_clock::now() - started;
  close(fd);
  EXPECT_LE(n, 0);
  EXPECT_GE(waited, 900ms);
  EXPECT_LT(waited, 5s);
}

TEST_F(ServerTest, OldTlsIsRefused) {
  StartServer(Options());
  RawTls tls11(port_, TLS1_1_VERSION);
  EXPECT_FALSE(tls11.connected());
  RawTls modern(port_);
  EXPECT_TRUE(modern.connected());
}

// CRYPTREC lists P-256 and P-384 for key exchange; a client offering only X25519 (or only
// finite-field Diffie-Hellman) finds no common group, on TLS 1.3 and on TLS 1.2 alike.
TEST_F(ServerTest, KeyExchangeIsLimitedToTheCryptrecCurves) {
  StartServer(Options());
  EXPECT_FALSE(RawTls(port_, 0, "X25519").connected());
  EXPECT_FALSE(RawTls(port_, TLS1_2_VERSION, "X25519").connected());
  EXPECT_FALSE(RawTls(port_, 0, "ffdhe2048").connected());
  EXPECT_FALSE(RawTls(port_, 0, "X448:P-521").connected());
  EXPECT_TRUE(RawTls(port_, 0, "P-256").connected());
  EXPECT_TRUE(RawTls(port_, 0, "P-384").connected());
  EXPECT_TRUE(RawTls(port_, TLS1_2_VERSION, "P-256").connected());
}

TEST_F(ServerTest, StartFailsOnMissingCertificate) {
  ServerOptions o = Options();
  o.cert_file = (dir_ / "missing.pem").string();
  Server server(o, Echo);
  auto port = server.Start();
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().detail.find("missing.pem"), std::string::npos);
}

TEST_F(ServerTest, StopMakesRunReturnWithIdleConnectionOpen) {
  StartServer(Options());
  Curl curl;  // keeps its connection open in the pool
  ASSERT_EQ(curl.Do(Url("/idle")).status, 200);
  EXPECT_TRUE(StopServer());
}

TEST_F(ServerTest, StopLetsRunningHandlerAnswer) {
  std::atomic<bool> entered{false};
  StartServer(Options(), [&entered](api::Request& req) {
    entered = true;
    std::this_thread::sleep_for(500ms);
    return Echo(req);
  });
  auto reply = std::async(std::launch::async, [this] {
    Curl curl;
    return curl.Do(Url("/busy"));
  });
  while (!entered) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(StopServer());
  CurlReply r = reply.get();
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.connection_header, "close");
}

TEST_F(ServerTest, StopReleasesThePort) {
  StartServer(Options());
  EXPECT_TRUE(StopServer());
  // The port is released: a new request cannot connect.
  Curl curl;
  EXPECT_NE(curl.Do(Url("/gone")).code, CURLE_OK);
}

}  // namespace
}  // namespace mamori::http
