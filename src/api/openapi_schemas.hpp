// The bodies of API v1 outside the register kit, as JSON Schema 2020-12 for /api/v1/openapi.json:
// what each route takes (body, query) and answers (per status), in one place per resource. The
// route table (http/routes.cpp) says what exists; http/openapi.cpp joins the two. A register's
// schemas come from its spec instead (http/openapi.cpp), and /api/v1/systems is moving onto the
// kit, so it has none here.
//
// Answers are exact: `additionalProperties: false`, every key the view always writes is in
// `required`, and a key that may be null is typed ["…", "null"]. openapi_schemas_test.cpp holds
// the views of views.cpp and asset_views.cpp to their schemas; tests/e2e/openapi.mjs validates
// real answers of a running server against the served document.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/pack.hpp"

namespace mamori::api {

// What one operation takes and answers.
struct OperationSchema {
  // Component schema of the JSON body ("" when the route takes none).
  std::string body{};
  // False when the body may be left out (an approval without a note).
  bool body_required = true;
  // Status → component schema of the answer ("" for no body, as 204), with its media type.
  struct Answer {
    int status = 200;
    std::string schema{};
    std::string media_type = "application/json";
    std::string description{};
  };
  std::vector<Answer> answers{};
  // OpenAPI parameter objects for the query string.
  nlohmann::json query = nlohmann::json::array();
  // 4xx statuses the route itself can answer (the HTTP edge adds 401/403 for a session, 415
  // for a body that is not JSON; see http/openapi.cpp).
  std::vector<int> problems{};
};

// Every component schema of the non-register resources (User, Asset, Request, Problem, …),
// enums taken from the pack where the pack decides (roles, request types, levels).
nlohmann::json ResourceSchemas(const policy::PolicyPack& pack);

// The operation at METHOD + route pattern ("GET", "/api/v1/users/{id}"), or nullptr for the
// routes described elsewhere (a register's, /api/v1/systems).
const OperationSchema* FindOperationSchema(const std::string& method, const std::string& pattern);

// Every described operation, by "METHOD pattern" (for the route-table test).
const std::map<std::string, OperationSchema>& OperationSchemas();

}  // namespace mamori::api
