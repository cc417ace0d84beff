// Route table: method + path pattern ("/api/v1/users/{id}") → handler and the access it needs.
#pragma once

#include <string>
#include <vector>

#include "api/handlers.hpp"

namespace mamori::http {

// What a route requires of the caller before its handler runs.
enum class Access {
  kPublic,          // no session (login, health)
  kSession,         // a fully signed-in session: password changed, MFA passed
  kSessionPartial,  // a session still owing a password change or MFA (the steps that settle them)
};

struct Route {
  std::string method;
  std::string pattern;
  api::Handler handler;
  Access access = Access::kSession;
  bool allow_before_password_change = false;  // kSessionPartial: allowed while a change is owed
  bool allow_before_mfa = false;              // kSessionPartial: allowed while MFA is owed
};

struct Match {
  const Route* route = nullptr;
  bool path_known = false;  // some route has this path (for 405 rather than 404)
};

class Router {
 public:
  void Add(Route r) { routes_.push_back(std::move(r)); }
  // Finds the route; fills req.params from {placeholders}.
  Match Find(api::Request& req) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Every API v1 route (routes.cpp).
Router ApiRoutes();

}  // namespace mamori::http
