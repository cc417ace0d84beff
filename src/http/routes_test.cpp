#include <gtest/gtest.h>

#include <set>

#include "http/router.hpp"

namespace mamori::http {
namespace {

const Router kRoutes = ApiRoutes();

bool Changes(const Route& r) { return r.method != "GET" && r.method != "HEAD"; }

TEST(ApiRoutes, EveryRouteThatChangesStateNamesTheActionARefusalIsLoggedUnder) {
  for (const Route& r : kRoutes.routes()) {
    if (!Changes(r)) continue;
    EXPECT_FALSE(r.action.empty()) << r.method << " " << r.pattern << " has no action name (Route::Logs)";
    EXPECT_NE(r.action.find('.'), std::string::npos) << r.method << " " << r.pattern << ": " << r.action;
  }
}

TEST(ApiRoutes, AChangingRouteOnAnIdNamesTheKindOfObjectSoItsRefusalNamesTheTarget) {
  for (const Route& r : kRoutes.routes()) {
    if (!Changes(r) || r.pattern.find("{id}") == std::string::npos) continue;
    EXPECT_FALSE(r.object.empty()) << r.method << " " << r.pattern << " logs no target kind";
  }
}

TEST(ApiRoutes, NoTwoRoutesShareMethodAndPattern) {
  std::set<std::string> seen;
  for (const Route& r : kRoutes.routes())
    EXPECT_TRUE(seen.insert(r.method + " " + r.pattern).second) << r.method << " " << r.pattern;
}

}  // namespace
}  // namespace mamori::http
