// HTTPS/1.1 server: TLS, keep-alive, size limits and timeouts; hands each request to one Handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/request.hpp"
#include "common/result.hpp"

namespace mamori::http {

struct ServerOptions {
  std::string host = "127.0.0.1";  // IP literal or resolvable name
  uint16_t port = 8443;            // 0 = let the kernel pick a free port
  std::string cert_file;           // PEM certificate chain (leaf first)
  std::string key_file;            // PEM private key matching the leaf
  size_t max_header_bytes = 16 * 1024;   // over this: 431
  size_t max_body_bytes = 1024 * 1024;   // over this: 413
  // A POST to one of upload_paths (exact path, query ignored) may carry up to max_upload_bytes:
  // file imports are larger than any JSON body.
  size_t max_upload_bytes = 8 * 1024 * 1024;
  std::vector<std::string> upload_paths;
  std::chrono::seconds request_timeout{30};   // whole request read (headers and body); 408
  std::chrono::seconds idle_timeout{75};      // keep-alive wait for the next request
  std::chrono::seconds handshake_timeout{10};
  int threads = 0;  // 0 = max(2, hardware_concurrency)
};

// Called once per request on a server thread. It may block (database work); other requests
// proceed on the remaining threads. An exception becomes a 500 problem without its text.
using Handler = std::function<api::Response(api::Request&)>;

// Lifecycle: Start() once, then Run() on one thread (it spawns the others and blocks);
// Stop() from any thread ends Run(). Destroying the Server while Run() is still executing
// is not allowed.
class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the certificate and key (TLS 1.2+ only, AEAD ciphers with forward secrecy, key
  // exchange over the CRYPTREC-listed curves P-256 and P-384 only),
  // binds and listens. Returns the bound port (the real one when options.port was 0).
  Result<uint16_t> Start();

  // Serves on options.threads threads, the calling one included. Returns after Stop() once
  // every connection has closed.
  void Run();

  // Thread-safe and idempotent; safe to call from a thread that waited for SIGINT/SIGTERM
  // (not from inside an async signal handler). Stops accepting, closes idle and reading
  // connections at once, and lets a request whose handler is running finish its response
  // (sent with Connection: close).
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mamori::http
