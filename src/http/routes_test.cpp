#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "api/openapi_schemas.hpp"
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

TEST(ApiRoutes, EveryRouteSaysWhatItDoesInJapaneseAndEnglish) {
  for (const Route& r : kRoutes.routes()) {
    EXPECT_FALSE(r.summary.empty()) << r.method << " " << r.pattern << " has no summary (Route::Doc)";
    EXPECT_FALSE(r.summary_en.empty()) << r.method << " " << r.pattern << " has no English summary";
  }
}

TEST(OpenApi, TheDocumentListsEveryRouteWithItsSecurityAndPathParameters) {
  auto doc = nlohmann::json::parse(OpenApiDocument(kRoutes));
  EXPECT_EQ(doc["openapi"], "3.1.0");
  size_t operations = 0;
  for (const Route& r : kRoutes.routes()) {
    std::string method;
    for (char c : r.method) method += static_cast<char>(std::tolower(c));
    ASSERT_TRUE(doc["paths"].contains(r.pattern)) << r.pattern;
    ASSERT_TRUE(doc["paths"][r.pattern].contains(method)) << r.method << " " << r.pattern;
    const auto& op = doc["paths"][r.pattern][method];
    ++operations;
    EXPECT_EQ(op["summary"], r.summary);
    if (r.access == Access::kPublic) {
      EXPECT_TRUE(op["security"].empty()) << r.pattern;
    } else {
      EXPECT_TRUE(op["security"][0].contains("session")) << r.pattern;
    }
    if (r.pattern.find("{id}") != std::string::npos) {
      EXPECT_EQ(op["parameters"][0]["name"], "id");
    }
  }
  EXPECT_EQ(operations, kRoutes.routes().size());
  // Sign-in needs no session; a change needs the CSRF header as well as the session.
  EXPECT_TRUE(doc["paths"]["/api/v1/session"]["post"]["security"].empty());
  EXPECT_TRUE(doc["paths"]["/api/v1/users"]["post"]["security"][0].contains("csrf"));
  EXPECT_FALSE(doc["paths"]["/api/v1/users"]["get"]["security"][0].contains("csrf"));
  EXPECT_TRUE(doc["paths"]["/api/v1/assets/import"]["post"]["requestBody"]["content"].contains("text/csv"));
}

// A register's routes (the system ledger's among them) are described from its spec
// (register_routes_test, api_openapi), not from api/openapi_schemas.cpp.
bool DescribedElsewhere(const Route& r) { return r.fixed.count("register") > 0; }

TEST(OpenApi, EveryFixedRouteHasItsBodiesDescribedAndEveryDescriptionNamesARoute) {
  std::set<std::string> routes;
  for (const Route& r : kRoutes.routes()) {
    routes.insert(r.method + " " + r.pattern);
    if (DescribedElsewhere(r)) continue;
    EXPECT_NE(api::FindOperationSchema(r.method, r.pattern), nullptr)
        << r.method << " " << r.pattern << " has no schemas in api/openapi_schemas.cpp";
  }
  for (const auto& [key, _] : api::OperationSchemas()) EXPECT_TRUE(routes.count(key)) << key << " is no route";
}

TEST(OpenApi, ADescribedRouteAnswersItsStatusesWithSchemasAndListsItsProblems) {
  auto doc = nlohmann::json::parse(OpenApiDocument(kRoutes));
  for (const Route& r : kRoutes.routes()) {
    if (DescribedElsewhere(r)) continue;
    std::string method;
    for (char c : r.method) method += static_cast<char>(std::tolower(c));
    const auto& responses = doc["paths"][r.pattern][method]["responses"];
    EXPECT_FALSE(responses.contains("2XX")) << r.method << " " << r.pattern << " answers a generic 2XX";
    if (r.access != Access::kPublic) {
      EXPECT_TRUE(responses.contains("401")) << r.pattern;
      EXPECT_TRUE(responses.contains("403")) << r.pattern;
    }
    if (r.pattern.find("{id}") != std::string::npos) {
      EXPECT_TRUE(responses.contains("404")) << r.method << " " << r.pattern;
    }
  }
  const auto& create = doc["paths"]["/api/v1/users"]["post"];
  EXPECT_EQ(create["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/UserInput");
  EXPECT_EQ(create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/UserCreated");
  EXPECT_EQ(create["responses"]["422"]["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem");
  const auto& input = doc["components"]["schemas"]["UserInput"];
  EXPECT_EQ(input["additionalProperties"], false);
  EXPECT_EQ(input["properties"]["employment_type"]["enum"].size(), std::size(policy::kEmploymentTypes));
  EXPECT_EQ(input["properties"]["name"]["maxLength"], 100);
  EXPECT_FALSE(doc["paths"]["/api/v1/session"]["delete"]["responses"]["204"].contains("content"));
}

TEST(ApiRoutes, NoTwoRoutesShareMethodAndPattern) {
  std::set<std::string> seen;
  for (const Route& r : kRoutes.routes())
    EXPECT_TRUE(seen.insert(r.method + " " + r.pattern).second) << r.method << " " << r.pattern;
}

}  // namespace
}  // namespace mamori::http
