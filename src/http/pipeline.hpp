// The request pipeline: every request passes the same stages in the same order, defined once
// in Pipeline::Handle.
#pragma once

#include "api/app.hpp"
#include "http/router.hpp"

namespace mamori::http {

class Pipeline {
 public:
  Pipeline(api::App& app, Router router) : app_(app), router_(std::move(router)) {}
  api::Response Handle(api::Request& req);

 private:
  api::Response Dispatch(api::Request& req, std::string& route_label);
  api::Response StaticFile(const api::Request& req);

  api::App& app_;
  Router router_;
};

// The security headers every response carries.
void AddSecurityHeaders(api::Response& r, bool api);

}  // namespace mamori::http
