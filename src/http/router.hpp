// Route table: method + path pattern ("/api/v1/users/{id}") → handler and the access it needs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/handlers.hpp"

namespace mamori::http {

// What a route requires of the caller before its handler runs.
enum class Access {
  kPublic,   // no session (login, health)
  kSession,  // a session; unless `owed` says otherwise, one with nothing owed
};

// Steps a fresh session may still owe, in the order they must be settled: an MFA code (for
// someone enrolled), then a password change, then TOTP enrolment. A route lists the owed
// steps it may run during.
enum Owed : unsigned {
  kNothing = 0,
  kMfaCode = 1,
  kPasswordChange = 2,
  kMfaEnrolment = 4,
  kAnyStep = kMfaCode | kPasswordChange | kMfaEnrolment,
};

struct Route {
  std::string method;
  std::string pattern;
  api::Handler handler;
  Access access = Access::kSession;
  unsigned owed = kNothing;  // owed steps this route may run during (Owed bits)
  // The operation-log action of the change this route makes ("request.approve") and the kind of
  // object its {id} names ("request"): a refused call is logged under them (target
  // "<object>:<id>"). Every route that changes state names its action (routes_test.cpp).
  std::string action{};
  std::string object{};
  // What the route does, in Japanese and English, for /api/v1/openapi.json (every route has one,
  // routes_test.cpp).
  std::string summary{};
  std::string summary_en{};
  // Path parameters the route itself supplies: a register's routes name it ("register") and a
  // transition route its action ("action"), so one handler serves every register.
  std::map<std::string, std::string> fixed{};
  // Takes a file upload (text/csv) with the larger body limit.
  bool upload = false;

  Route& Doc(std::string ja, std::string en) {
    summary = std::move(ja);
    summary_en = std::move(en);
    return *this;
  }
  Route& Upload() {
    upload = true;
    return *this;
  }
  // Names the action and object (see above); returns the route for chaining in the table.
  Route& Logs(std::string action_name, std::string object_kind = "") {
    action = std::move(action_name);
    object = std::move(object_kind);
    return *this;
  }
};

struct Match {
  const Route* route = nullptr;
  bool path_known = false;  // some route has this path (for 405 rather than 404)
};

class Router {
 public:
  Route& Add(Route r) {
    routes_.push_back(std::move(r));
    return routes_.back();
  }
  // Finds the route; fills req.params from {placeholders}.
  Match Find(api::Request& req) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Every API v1 route (routes.cpp), with the routes of each register of `pack` when given.
Router ApiRoutes(const policy::PolicyPack* pack = nullptr);
// The POST paths that take a file upload, with the larger body limit.
std::vector<std::string> UploadPaths(const Router& router);
// The OpenAPI 3.1 document of the API, generated from the route table and the pack's register
// specs (openapi.cpp) and served at /api/v1/openapi.json.
std::string OpenApiDocument(const Router& router, const policy::PolicyPack* pack = nullptr);

}  // namespace mamori::http
