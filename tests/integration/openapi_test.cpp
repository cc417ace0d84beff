// /api/v1/openapi.json through the real server: public, JSON, and naming the routes of API v1
// with their security (DESIGN "API v1 contract").
#include "harness.hpp"

namespace mamori::itest {
namespace {

class OpenApiTest : public ApiTest {};

TEST_F(OpenApiTest, TheDocumentIsServedWithoutASessionAndListsTheApi) {
  auto anon = NewClient();
  Reply r = anon->Get("/api/v1/openapi.json");
  ASSERT_EQ(r.status, 200) << r.Describe();
  ASSERT_TRUE(r.is_json) << r.Describe();
  EXPECT_EQ(r.doc["openapi"], "3.1.0");
  for (const char* path : {"/api/v1/session", "/api/v1/users/{id}", "/api/v1/requests/{id}/approve",
                           "/api/v1/audit-log", "/api/v1/openapi.json"})
    EXPECT_TRUE(r.doc["paths"].contains(path)) << path;
  EXPECT_EQ(r.doc["paths"]["/api/v1/requests/{id}/approve"]["post"]["x-mamori-action"], "request.approve");
  EXPECT_EQ(r.doc["components"]["securitySchemes"]["session"]["name"], "__Host-mamori_session");
}

}  // namespace
}  // namespace mamori::itest
