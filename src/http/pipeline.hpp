// The request pipeline: every request passes the same stages in the same order, defined once
// in Pipeline::Handle.
#pragma once

#include <optional>

#include "api/app.hpp"
#include "http/router.hpp"

namespace mamori::http {

class Pipeline {
 public:
  Pipeline(api::App& app, Router router) : app_(app), router_(std::move(router)) {}
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
};

// The security headers every response carries.
void AddSecurityHeaders(api::Response& r, bool api);

}  // namespace mamori::http
