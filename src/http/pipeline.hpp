// The request pipeline: every request passes the same stages in the same order, defined once
// in Pipeline::Handle.
#pragma once

#include <optional>
#include <vector>

#include "api/app.hpp"
#include "common/net.hpp"
#include "http/router.hpp"

namespace mamori::http {

class Pipeline {
 public:
  // `trusted_proxies`: peers whose X-Forwarded-For names the client (HAProxy in front).
  Pipeline(api::App& app, Router router, std::vector<net::IpNetwork> trusted_proxies = {})
      : app_(app), router_(std::move(router)), trusted_proxies_(std::move(trusted_proxies)) {}
  api::Response Handle(api::Request& req);

 private:
  // What Dispatch found, for the stages after the handler.
  struct Outcome {
    const Route* route = nullptr;
    std::optional<domain::SessionState> session;  // set when the route needed one and had it
  };
  api::Response Dispatch(api::Request& req, Outcome& out);
  // Stage 8: a refused decision goes on the record (domain::RefusalLog).
  void RecordRefusal(const api::Request& req, const Outcome& out, const Error& why);
  api::Response StaticFile(const api::Request& req);

  api::App& app_;
  Router router_;
  std::vector<net::IpNetwork> trusted_proxies_;
};

// The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
// address of X-Forwarded-For that is not itself a trusted proxy (the left part of the header is
// whatever the client wrote, so it is never believed). A malformed entry stops the walk at the
// last address known good.
std::string ClientAddress(const std::string& peer, const std::string& forwarded_for,
                          const std::vector<net::IpNetwork>& trusted_proxies);

// Whether a request body may be read as JSON: its Content-Type is application/json (any
// parameters). An empty body needs no type.
bool IsJsonBody(const api::Request& req);

// The security headers every response carries.
void AddSecurityHeaders(api::Response& r, bool api);

}  // namespace mamori::http
