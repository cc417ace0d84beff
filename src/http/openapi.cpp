// /api/v1/openapi.json: the OpenAPI 3.1 document of API v1, built from the route table so the
// document and the server cannot disagree on what exists, what it needs and what it answers.
// Request and answer bodies are described in DESIGN.md's API v1 table and docs/.
#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "http/router.hpp"

namespace mamori::http {
namespace {

using nlohmann::json;

bool Changes(const Route& r) { return r.method != "GET" && r.method != "HEAD"; }

std::vector<std::string> PathParameters(const std::string& pattern) {
  std::vector<std::string> out;
  for (size_t open = pattern.find('{'); open != std::string::npos; open = pattern.find('{', open + 1)) {
    const size_t close = pattern.find('}', open);
    if (close == std::string::npos) break;
    out.push_back(pattern.substr(open + 1, close - open - 1));
  }
  return out;
}

// "users" for /api/v1/users/{id}/suspend; "operations" for /healthz and the like.
std::string Tag(const std::string& pattern) {
  const std::string prefix = "/api/v1/";
  if (pattern.rfind(prefix, 0) != 0) return "operations";
  const std::string rest = pattern.substr(prefix.size());
  return rest.substr(0, rest.find('/'));
}

std::string OperationId(const Route& r) {
  std::string id;
  for (char c : r.method) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (char c : r.pattern) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  while (id.find("__") != std::string::npos) id.erase(id.find("__"), 1);
  if (!id.empty() && id.back() == '_') id.pop_back();
  return id;
}

json ProblemSchema() {
  return {{"type", "object"},
          {"required", {"type", "title", "status", "detail"}},
          {"properties",
           {{"type", {{"type", "string"}, {"description", "/problems/<code>"}}},
            {"title", {{"type", "string"}, {"description", "the problem code"}}},
            {"status", {{"type", "integer"}}},
            {"detail", {{"type", "string"}, {"description", "what went wrong, in Japanese"}}},
            {"clause", {{"type", "string"}, {"description", "the policy clause that decided, e.g. kobe:8.2.5"}}},
            {"errors",
             {{"type", "array"},
              {"items",
               {{"type", "object"},
                {"required", {"field", "code"}},
                {"properties",
                 {{"field", {{"type", "string"}}},
                  {"code", {{"type", "string"}}},
                  {"row", {{"type", "integer"}}},
                  {"column", {{"type", "string"}}}}}}}}}}}};
}

}  // namespace

std::string OpenApiDocument(const Router& router) {
  const std::vector<std::string> uploads = UploadPaths();
  json paths = json::object();
  for (const Route& r : router.routes()) {
    json op = {{"operationId", OperationId(r)},
               {"summary", r.summary},
               {"description", r.summary_en},
               {"tags", {Tag(r.pattern)}}};
    if (!r.action.empty()) op["x-mamori-action"] = r.action;
    json params = json::array();
    for (const auto& p : PathParameters(r.pattern))
      params.push_back({{"name", p}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    if (!params.empty()) op["parameters"] = params;
    if (r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
      const bool upload = std::find(uploads.begin(), uploads.end(), r.pattern) != uploads.end();
      const json schema = upload ? json{{"type", "string"}} : json{{"type", "object"}};
      json content = json::object();
      content[upload ? "text/csv" : "application/json"] = {{"schema", schema}};
      op["requestBody"] = {{"required", r.method != "POST"}, {"content", content}};
    }
    if (r.access == Access::kPublic) {
      op["security"] = json::array();
    } else if (Changes(r)) {
      op["security"] = json::array({{{"session", json::array()}, {"csrf", json::array()}}});
    } else {
      op["security"] = json::array({{{"session", json::array()}}});
    }
    const json request_id = {{"X-Request-Id", {{"$ref", "#/components/headers/RequestId"}}}};
    const json problem = {{"description", "problem document"},
                          {"headers", {{"X-Request-Id", {{"$ref", "#/components/headers/RequestId"}}},
                                       {"Retry-After", {{"$ref", "#/components/headers/RetryAfter"}}}}},
                          {"content", {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
    op["responses"] = {
        {"2XX", {{"description", "success"}, {"headers", request_id}}}, {"4XX", problem}, {"5XX", problem}};
    std::string method;
    for (char c : r.method) method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[r.pattern][method] = std::move(op);
  }
  json doc = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "mamori API v1"},
        {"version", "1"},
        {"description",
         "JSON over HTTPS, snake_case keys, times RFC 3339 UTC. Sign in with POST /api/v1/session; the "
         "session is the cookie __Host-mamori_session and every non-GET request carries X-CSRF-Token "
         "equal to the csrf_token of the sign-in answer. Errors are application/problem+json. Bodies "
         "are described in DESIGN.md's API v1 table and in docs/."}}},
      {"paths", paths},
      {"components",
       {{"securitySchemes",
         {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "__Host-mamori_session"}}},
          {"csrf", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-CSRF-Token"}}}}},
        {"headers",
         {{"RequestId",
           {{"description",
             "this request's id; the server log's lines of the request carry it (docs/operations.md)"},
            {"schema", {{"type", "string"}}}}},
          {"RetryAfter",
           {{"description", "on 429 rate_limited and 503 unavailable: seconds to wait before trying again"},
            {"schema", {{"type", "integer"}}}}}}},
        {"schemas", {{"Problem", ProblemSchema()}}}}}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace mamori::http
