// The only translation unit that includes Boost.Beast/Asio (they compile slowly; see server.hpp).
#include "http/server.hpp"

// Asio 1.74 uses std::exchange and friends without including <utility> itself.
#include <utility>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <exception>
#include <limits>
#include <stdexcept>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "api/problem.hpp"

namespace mamori::http {
namespace {

// Whether `path` is one of the upload paths: a route pattern, where a "{name}" segment matches
// any one non-empty segment (an attachment's /api/v1/incidents/{id}/attachments).
bool IsUploadPath(const std::vector<std::string>& patterns, std::string_view path) {
  for (const std::string& pattern : patterns) {
    std::string_view p = pattern;
    std::string_view q = path;
    bool match = true;
    while (match && (!p.empty() || !q.empty())) {
      const size_t ps = p.find('/', 1);
      const size_t qs = q.find('/', 1);
      const std::string_view pseg = p.substr(0, ps);
      const std::string_view qseg = q.substr(0, qs);
      if (pseg.size() > 2 && pseg[1] == '{' && pseg.back() == '}') match = qseg.size() > 1 && qseg[0] == '/';
      else match = pseg == qseg;
      p = ps == std::string_view::npos ? std::string_view() : p.substr(ps);
      q = qs == std::string_view::npos ? std::string_view() : q.substr(qs);
    }
    if (match) return true;
  }
  return false;
}

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;  // "http" is this project's namespace
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;
using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

// An accept error such as EMFILE usually persists for a moment; retrying at once would spin.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// Bound on waiting for the peer's close_notify after a response with Connection: close.
constexpr auto kShutdownTimeout = std::chrono::seconds(5);
// After an error response the client may still be sending its request; closing with unread
// bytes makes the kernel send a reset that can destroy the response before the client reads
// it, so keep reading (and discarding) for a short, bounded while first.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr size_t kReadChunk = 16 * 1024;

// TLS 1.2: ECDHE key exchange (forward secrecy) with AES-GCM only, following the CRYPTREC
// TLS guideline's choice of primitives; TLS 1.3: its AES-GCM suites.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
constexpr const char* kTls13Suites = "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256";
// Key exchange only over the elliptic curves of the CRYPTREC list (P-256, P-384): X25519 and
// the finite-field groups that OpenSSL offers by default are not on it.
constexpr const char* kTlsGroups = "P-256:P-384";

auto Redirect(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

std::string ToString(beast::string_view s) { return std::string(s.data(), s.size()); }

std::string Lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 9110 token characters; anything else in a name could split or smuggle a response.
bool ValidHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool ValidHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Peers on a dual-stack socket appear as ::ffff:a.b.c.d; report them as the IPv4 address so
// address-range rules and the audit log see one form.
std::string AddressText(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}

// A problem document for errors only the HTTP edge knows (400, 408, 431). ErrorCode has no
// code for them, so the document's "status" member is rewritten to match the HTTP status.
api::Response EdgeProblem(ErrorCode code, int status, std::string detail) {
  api::Response resp = api::Response::Problem(Error{code, std::move(detail), {}, {}});
  if (resp.status != status) {
    resp.status = status;
    auto doc = nlohmann::json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_object()) {
      doc["status"] = status;
      resp.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  return resp;
}

api::Request ToApiRequest(BeastRequest& msg, const std::string& remote_address) {
  api::Request req;
  req.method = ToString(msg.method_string());
  req.target = ToString(msg.target());
  std::string_view target(req.target);
  size_t question = target.find('?');
  req.path = api::PercentDecode(target.substr(0, question), /*plus_is_space=*/false);
  if (question != std::string_view::npos) req.query = api::ParseQuery(target.substr(question + 1));
  for (const auto& field : msg) {
    std::string name = Lower(field.name_string());
    beast::string_view value = field.value();
    auto [it, inserted] = req.headers.try_emplace(name, ToString(value));
    if (!inserted) {
      // RFC 9110 5.3 combines repeated fields with commas; Cookie uses "; " (RFC 6265 5.4).
      it->second += name == "cookie" ? "; " : ", ";
      it->second.append(value.data(), value.size());
    }
  }
  req.body = std::move(msg.body());
  req.remote_address = remote_address;
  return req;
}

// Turns the application's response into a Beast message. keep_alive may be lowered when the
// application asked for Connection: close.
BeastResponse ToBeastResponse(api::Response resp, unsigned version, bool head, bool keep_alive) {
  if (resp.status < 200 || resp.status > 599) {
    resp = api::InternalErrorResponse(
        std::make_exception_ptr(std::logic_error("handler returned invalid HTTP status " + std::to_string(resp.status))),
        "(response)", "");
  }
  BeastResponse res;
  res.version(version == 10 ? 10 : 11);
  res.result(static_cast<unsigned>(resp.status));
  for (auto& [name, value] : resp.headers) {
    if (!ValidHeaderName(name) || !ValidHeaderValue(value)) {
      spdlog::error("dropping a response header with an invalid name or value");
      continue;
    }
    // Framing is this layer's job; a second Content-Length would make the response ambiguous.
    if (IEquals(name, "content-length") || IEquals(name, "transfer-encoding")) continue;
    if (IEquals(name, "connection")) {
      std::string lowered = Lower(value);
      if (lowered.find("close") != std::string::npos) keep_alive = false;
      continue;
    }
    res.insert(name, value);
  }
  if (resp.status == 204 || resp.status == 304) {
    // These carry neither a body nor (for 204) a Content-Length.
  } else {
    res.content_length(resp.body.size());
    if (!head) res.body() = std::move(resp.body);
  }
  res.keep_alive(keep_alive);
  return res;
}

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category();
}

struct Connection {
  Connection(tcp::socket socket, ssl::context& ctx, std::string remote)
      : stream(std::move(socket), ctx), remote_address(std::move(remote)) {}
  Stream stream;
  std::string remote_address;
  uint64_t id = 0;
  // Touched only on the connection's strand. While a handler runs or its response is being
  // written, Stop() leaves the connection alone so the answer still reaches the client.
  bool busy = false;
};

// State shared between one request read and its timeout timer. Shared, not captured by
// reference, because the timer's handler may run after the coroutine frame is gone.
struct ReadWatch {
  bool armed = true;
  bool timed_out = false;
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions options, Handler handler)
      : options_(std::move(options)), handler_(std::move(handler)) {}

  Status ConfigureTls();
  Result<uint16_t> Listen();
  void RunLoop();
  void Stop();
  bool Stopping() const { return stopping_flag_.load(std::memory_order_acquire); }

  asio::awaitable<void> AcceptLoop();
  void SpawnConnection(tcp::socket socket);
  asio::awaitable<void> Serve(std::shared_ptr<Connection> conn);
  asio::awaitable<bool> Write(Connection& conn, BeastResponse& res);
  asio::awaitable<void> WriteErrorAndClose(Connection& conn, api::Response resp, unsigned version);
  asio::awaitable<void> ShutdownAndClose(Connection& conn, std::chrono::seconds timeout);
  api::Response CallHandler(api::Request& req);

  // Removes a connection from the registry when its coroutine ends (or is destroyed).
  struct Registration {
    Impl* impl;
    uint64_t id;
    ~Registration() {
      std::lock_guard lock(impl->mu_);
      impl->connections_.erase(id);
    }
  };

  // Declaration order matters for destruction: ioc_ destroys pending coroutine frames, whose
  // streams use ssl_ctx_ and whose Registration uses mu_/connections_, so those come first;
  // the acceptor is an I/O object of ioc_ and must go before it.
  ServerOptions options_;
  Handler handler_;
  ssl::context ssl_ctx_{ssl::context::tls_server};
  std::mutex mu_;
  bool stopping_ = false;  // guarded by mu_; decides registration races with Stop()
  std::atomic<bool> stopping_flag_{false};
  bool started_ = false;
  uint64_t next_id_ = 0;                                                 // guarded by mu_
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections_;  // guarded by mu_
  asio::io_context ioc_;
  tcp::acceptor acceptor_{asio::make_strand(ioc_)};
};

Status Server::Impl::ConfigureTls() {
  SSL_CTX* native = ssl_ctx_.native_handle();
  ssl_ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1 | ssl::context::single_dh_use |
                       ssl::context::no_compression);
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(native, kTls13Suites) != 1 ||
      SSL_CTX_set1_groups_list(native, kTlsGroups) != 1) {
    return Error::Internal("TLS の暗号設定を適用できません");
  }
  beast::error_code ec;
  ssl_ctx_.use_certificate_chain_file(options_.cert_file, ec);
  if (ec) {
    return Error::Internal("TLS 証明書を読み込めません: " + options_.cert_file + " (" +
                           ec.message() + ")");
  }
  ssl_ctx_.use_private_key_file(options_.key_file, ssl::context::pem, ec);
  if (ec) {
    return Error::Internal("TLS 秘密鍵を読み込めません: " + options_.key_file + " (" +
                           ec.message() + ")");
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Error::Internal("TLS 秘密鍵が証明書と一致しません: " + options_.key_file);
  }
  return Ok();
}

Result<uint16_t> Server::Impl::Listen() {
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  beast::error_code ec;
  tcp::resolver resolver(ioc_);
  auto results = resolver.resolve(options_.host, std::to_string(options_.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return Error::Internal("待ち受けアドレスを解決できません: " + where + " (" +
                           (ec ? ec.message() : std::string("no address")) + ")");
  }
  const tcp::endpoint endpoint = results.begin()->endpoint();
  auto fail = [&](const char* step) -> Result<uint16_t> {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return Error::Internal(std::string("待ち受けを開始できません: ") + where + " (" + step +
                           ": " + ec.message() + ")");
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  // Lets a restarted server bind while old connections sit in TIME_WAIT.
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("setsockopt");
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  const tcp::endpoint local = acceptor_.local_endpoint(ec);
  if (ec) return fail("getsockname");
  return local.port();
}

void Server::Impl::RunLoop() {
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      // Connection code reports errors by code; an exception here is a bug, but one bad
      // connection must not take the whole server down.
      spdlog::error("unexpected exception in the HTTP server loop: {}", e.what());
    }
  }
}

void Server::Impl::Stop() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    stopping_flag_.store(true, std::memory_order_release);
    for (auto& [id, weak] : connections_)
      if (auto conn = weak.lock()) open.push_back(std::move(conn));
  }
  // Asio objects are not thread-safe: every close runs on the owner's strand.
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
  for (auto& conn : open) {
    asio::post(conn->stream.get_executor(), [conn] {
      if (!conn->busy) beast::get_lowest_layer(conn->stream).close();
    });
  }
}

asio::awaitable<void> Server::Impl::AcceptLoop() {
  asio::steady_timer backoff(co_await asio::this_coro::executor);
  for (;;) {
    // Each connection gets its own strand so its timers and I/O never run concurrently.
    tcp::socket socket(asio::make_strand(ioc_));
    beast::error_code ec;
    co_await acceptor_.async_accept(socket, Redirect(ec));
    if (Stopping() || !acceptor_.is_open()) break;
    if (ec) {
      spdlog::warn("accepting a connection failed: {}", ec.message());
      backoff.expires_after(kAcceptRetryDelay);
      co_await backoff.async_wait(Redirect(ec));
      if (Stopping()) break;
      continue;
    }
    SpawnConnection(std::move(socket));
  }
  spdlog::debug("HTTP server stopped accepting");
}

void Server::Impl::SpawnConnection(tcp::socket socket) {
  beast::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) {
    spdlog::debug("peer left before the connection started: {}", ec.message());
    return;
  }
  // Responses go out in one write; Nagle would hold the last segment for the client's
  // delayed ACK (~40 ms per request).
  socket.set_option(tcp::no_delay(true), ec);
  auto conn = std::make_shared<Connection>(std::move(socket), ssl_ctx_, AddressText(peer.address()));
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    conn->id = next_id_++;
    connections_.emplace(conn->id, conn);
  }
  auto executor = conn->stream.get_executor();
  asio::co_spawn(executor, Serve(std::move(conn)), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("HTTP connection ended by an exception: {}", ex.what());
    } catch (...) {
      spdlog::error("HTTP connection ended by a non-standard exception");
    }
  });
}

api::Response Server::Impl::CallHandler(api::Request& req) {
  try {
    return handler_(req);
  } catch (...) {
    // The exception text may hold internals (SQL, paths); the client gets a generic problem.
    return api::InternalErrorResponse(std::current_exception(), req.method, req.path);
  }
}

asio::awaitable<bool> Server::Impl::Write(Connection& conn, BeastResponse& res) {
  auto& lowest = beast::get_lowest_layer(conn.stream);
  // A client that never reads must not pin the connection forever.
  lowest.expires_after(options_.request_timeout);
  beast::error_code ec;
  co_await bhttp::async_write(conn.stream, res, Redirect(ec));
  lowest.expires_never();
  if (ec) {
    spdlog::debug("writing a response to {} failed: {}", conn.remote_address, ec.message());
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> Server::Impl::WriteErrorAndClose(Connection& conn, api::Response resp,
                                                      unsigned version) {
  BeastResponse res = ToBeastResponse(std::move(resp), version, /*head=*/false,
                                      /*keep_alive=*/false);
  if (!co_await Write(conn, res)) {
    beast::get_lowest_layer(conn.stream).close();
    co_return;
  }
  co_await ShutdownAndClose(conn, kLingerTimeout);
}

asio::awaitable<void> Server::Impl::ShutdownAndClose(Connection& conn,
                                                     std::chrono::seconds timeout) {
  auto& lowest = beast::get_lowest_layer(conn.stream);
  // One deadline for the whole close: shutdown and drain together.
  lowest.expires_after(timeout);
  beast::error_code ec;
  // Sends close_notify (so the client knows the response is complete) and waits for the
  // client's. OpenSSL fails the wait with "application data after close notify" when the
  // client is still sending its request, e.g. a body over the limit.
  co_await conn.stream.async_shutdown(Redirect(ec));
  if (ec) {
    spdlog::debug("TLS shutdown with {}: {}", conn.remote_address, ec.message());
    // Closing with unread bytes in the kernel makes TCP send a reset, which can destroy the
    // response before the client has read it. close_notify is already out, so drain the
    // encrypted bytes below TLS until the client closes or the deadline passes.
    std::vector<char> scratch(kReadChunk);
    while (lowest.socket().is_open()) {
      co_await lowest.async_read_some(asio::buffer(scratch), Redirect(ec));
      if (ec) break;
    }
  }
  lowest.close();
}

asio::awaitable<void> Server::Impl::Serve(std::shared_ptr<Connection> conn) {
  Registration registration{this, conn->id};
  auto& lowest = beast::get_lowest_layer(conn->stream);
  beast::error_code ec;

  lowest.expires_after(options_.handshake_timeout);
  co_await conn->stream.async_handshake(ssl::stream_base::server, Redirect(ec));
  if (ec) {
    spdlog::debug("TLS handshake with {} failed: {}", conn->remote_address, ec.message());
    co_return;
  }
  lowest.expires_never();

  beast::flat_buffer buffer;
  asio::steady_timer request_timer(co_await asio::this_coro::executor);
  bool first = true;
  for (;;) {
    if (Stopping()) co_return;

    // Keep-alive wait for the first byte of the next request, under the idle timeout. Beast's
    // own timeout closes the socket, which is all an idle connection needs. The first request
    // right after the handshake is covered by the request timeout alone.
    if (!first && buffer.size() == 0) {
      lowest.expires_after(options_.idle_timeout);
      size_t n = co_await conn->stream.async_read_some(buffer.prepare(kReadChunk), Redirect(ec));
      if (ec) {
        spdlog::debug("keep-alive connection from {} ended: {}", conn->remote_address,
                      ec.message());
        co_return;
      }
      buffer.commit(n);
      lowest.expires_never();
    }
    first = false;

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(std::min<size_t>(
        options_.max_header_bytes, std::numeric_limits<uint32_t>::max())));
    parser.body_limit(static_cast<uint64_t>(std::max(options_.max_body_bytes, options_.max_upload_bytes)));

    // The request timeout cancels the read rather than closing the socket (as Beast's own
    // timeout would), so that a 408 can still be sent over the intact TLS session.
    auto watch = std::make_shared<ReadWatch>();
    request_timer.expires_after(options_.request_timeout);
    request_timer.async_wait([watch, conn](beast::error_code timer_ec) {
      if (timer_ec || !watch->armed) return;
      watch->timed_out = true;
      beast::get_lowest_layer(conn->stream).cancel();
    });
    co_await bhttp::async_read_header(conn->stream, buffer, parser, Redirect(ec));
    // Beast checks a Content-Length against the limit while it parses the header, before the
    // path is known: the header is read under the larger limit, and the path's own limit is
    // applied right after (to the Content-Length here, to chunked bodies by the parser).
    size_t body_limit = options_.max_body_bytes;
    // Over even the larger limit, the header parse already failed; the request line is parsed
    // by then, so the answer still names the limit of the path.
    if (!ec || ec == bhttp::error::body_limit) {
      const std::string target = ToString(parser.get().target());
      const std::string path = target.substr(0, target.find('?'));
      if (parser.get().method() == bhttp::verb::post &&
          IsUploadPath(options_.upload_paths, path))
        body_limit = std::max(body_limit, options_.max_upload_bytes);
      if (!ec) {
        parser.body_limit(static_cast<uint64_t>(body_limit));
        if (auto length = parser.content_length(); length && *length > body_limit) ec = bhttp::error::body_limit;
      }
    }
    if (!ec && !parser.is_done() && parser.get().version() == 11 &&
        IEquals(ToString(parser.get()[bhttp::field::expect]), "100-continue")) {
      // Clients that wait for 100 Continue before the body would otherwise stall a second.
      bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, 11};
      co_await bhttp::async_write(conn->stream, proceed, Redirect(ec));
    }
    if (!ec && !parser.is_done()) {
      co_await bhttp::async_read(conn->stream, buffer, parser, Redirect(ec));
    }
    watch->armed = false;
    request_timer.cancel();

    const unsigned version = parser.is_header_done() ? parser.get().version() : 11;
    if (ec) {
      // The answer is built into a named local before co_await: GCC 12 miscompiles
      // temporaries inside a co_await full-expression (double destruction).
      std::optional<api::Response> answer;
      if (watch->timed_out) {
        spdlog::debug("request from {} timed out", conn->remote_address);
        answer = EdgeProblem(ErrorCode::kValidationFailed, 408,
                             "リクエストの受信が時間内に完了しませんでした（上限 " +
                                 std::to_string(options_.request_timeout.count()) + " 秒）");
      } else if (ec == bhttp::error::body_limit) {
        answer = api::Response::Problem(Error{ErrorCode::kPayloadTooLarge,
                                              "リクエスト本文が大きすぎます（上限 " +
                                                  std::to_string(body_limit) +
                                                  " バイト）",
                                              {},
                                              {}});
      } else if (ec == bhttp::error::header_limit) {
        answer = EdgeProblem(ErrorCode::kValidationFailed, 431,
                             "リクエストヘッダーが大きすぎます（上限 " +
                                 std::to_string(options_.max_header_bytes) + " バイト）");
      } else if (IsHttpParseError(ec) && ec != bhttp::error::end_of_stream &&
                 ec != bhttp::error::partial_message) {
        spdlog::debug("malformed request from {}: {}", conn->remote_address, ec.message());
        answer = EdgeProblem(ErrorCode::kValidationFailed, 400,
                             "HTTP リクエストの形式が正しくありません");
      } else {
        // The peer closed or the connection broke, or Stop() closed it: nothing to answer.
        spdlog::debug("connection from {} ended: {}", conn->remote_address, ec.message());
      }
      if (answer) co_await WriteErrorAndClose(*conn, std::move(*answer), version);
      co_return;
    }

    BeastRequest& msg = parser.get();
    const bool head = msg.method() == bhttp::verb::head;
    bool keep_alive = msg.keep_alive();
    api::Request req = ToApiRequest(msg, conn->remote_address);

    conn->busy = true;
    api::Response resp = CallHandler(req);
    // A response finished during shutdown tells the client not to reuse the connection.
    if (Stopping()) keep_alive = false;
    BeastResponse res = ToBeastResponse(std::move(resp), version, head, keep_alive);
    keep_alive = res.keep_alive();
    const bool written = co_await Write(*conn, res);
    conn->busy = false;
    if (!written) co_return;
    if (!keep_alive) {
      co_await ShutdownAndClose(*conn, kShutdownTimeout);
      co_return;
    }
  }
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() {
  // Pending coroutines are destroyed with the io_context inside impl_.
  impl_->Stop();
}

Result<uint16_t> Server::Start() {
  {
    std::lock_guard lock(impl_->mu_);
    if (impl_->stopping_) return Error::Internal("停止済みのサーバーは開始できません");
    if (impl_->started_) return Error::Internal("サーバーはすでに開始されています");
    impl_->started_ = true;
  }
  MAMORI_TRY(impl_->ConfigureTls());
  MAMORI_ASSIGN(uint16_t port, impl_->Listen());
  asio::co_spawn(impl_->acceptor_.get_executor(), impl_->AcceptLoop(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("HTTP accept loop ended by an exception: {}", ex.what());
    } catch (...) {
      spdlog::error("HTTP accept loop ended by a non-standard exception");
    }
  });
  spdlog::info("HTTPS server listening on {}:{}", impl_->options_.host, port);
  return port;
}

void Server::Run() {
  const int threads = impl_->options_.threads > 0
                          ? impl_->options_.threads
                          : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads - 1));
  for (int i = 1; i < threads; ++i) pool.emplace_back([this] { impl_->RunLoop(); });
  impl_->RunLoop();
  for (auto& t : pool) t.join();
  spdlog::info("HTTPS server stopped");
}

void Server::Stop() { impl_->Stop(); }

}  // namespace mamori::http
