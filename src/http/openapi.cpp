// /api/v1/openapi.json: the OpenAPI 3.1 document of API v1, built from the route table so the
// document and the server cannot disagree on what exists, what it needs and what it answers.
// Bodies, answers per status and query parameters come from api/openapi_schemas.cpp for the fixed
// resources and from the pack's register specs for each register (docs/api.md).
#include <algorithm>
#include <cctype>
#include <set>

#include <nlohmann/json.hpp>

#include "api/openapi_schemas.hpp"
#include "api/register_views.hpp"
#include "http/attachment_openapi.hpp"
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

json NullableString() { return {{"type", json::array({"string", "null"})}}; }

// "lending" → "Lending", "it_assets" → "ItAssets": a register's schema names.
std::string SchemaName(const std::string& id) {
  std::string out;
  bool up = true;
  for (char c : id) {
    if (c == '_') {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out;
}

// The JSON schema of one field's value; `nullable` adds null.
json ValueSchema(const policy::RegisterField& f, bool nullable) {
  using policy::RegisterFieldType;
  json s;
  switch (f.type) {
    case RegisterFieldType::kInt:
      s = {{"type", "integer"}};
      if (f.min != INT64_MIN) s["minimum"] = f.min;
      if (f.max != INT64_MAX) s["maximum"] = f.max;
      break;
    case RegisterFieldType::kBool: s = {{"type", "boolean"}}; break;
    case RegisterFieldType::kDecimal: s = {{"type", "string"}, {"pattern", "^-?[0-9]+(\\.[0-9]+)?$"}}; break;
    case RegisterFieldType::kDate: s = {{"type", "string"}, {"format", "date"}}; break;
    case RegisterFieldType::kDateTime: s = {{"type", "string"}, {"format", "date-time"}}; break;
    case RegisterFieldType::kChoice: {
      json ids = json::array();
      for (const auto& c : f.choices) ids.push_back(c.id);
      s = {{"type", "string"}, {"enum", ids}};
      break;
    }
    case RegisterFieldType::kText:
    case RegisterFieldType::kLongText: s = {{"type", "string"}, {"maxLength", f.max_length}}; break;
    default: s = {{"type", "string"}, {"maxLength", 64}}; break;
  }
  s["title"] = f.label;
  s["description"] = f.label_en + (f.help_en.empty() ? "" : ": " + f.help_en);
  if (nullable) {
    if (s.contains("enum")) s["enum"].push_back(nullptr);
    s["type"] = json::array({s["type"], "null"});
  }
  return s;
}

// The schemas of a register: its record, the list, the body of a POST, of a PATCH and of a
// transition.
void AddRegisterSchemas(const policy::RegisterSpec& r, json& schemas) {
  const std::string name = SchemaName(r.id);
  json props = {{"id", {{"type", "string"}}},
                {"register", {{"type", "string"}, {"const", r.id}}},
                {"state", NullableString()},
                {"state_label", NullableString()},
                {"state_label_en", NullableString()},
                {"step", {{"type", "integer"}}},
                {"created_by", {{"type", "string"}}},
                {"created_at", {{"type", "string"}, {"format", "date-time"}}},
                {"updated_at", {{"type", "string"}, {"format", "date-time"}}},
                {"version", {{"type", "integer"}, {"minimum", 1}}},
                {"deadline_at", {{"type", json::array({"string", "null"})}, {"format", "date-time"}}},
                {"overdue", {{"type", "boolean"}, {"description", "the deadline has passed and the state is not final"}}},
                {"available_actions",
                 {{"type", "array"},
                  {"items",
                   {{"type", "object"},
                    {"required", {"action", "label", "label_en", "sets", "requires", "note_required"}},
                    {"properties",
                     {{"action", {{"type", "string"}}},
                      {"label", {{"type", "string"}}},
                      {"label_en", {{"type", "string"}}},
                      {"sets", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                      {"requires", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                      {"note_required", {{"type", "boolean"}}}}}}}}},
                {"can_update", {{"type", "boolean"}}}};
  if (!r.repeat_field.empty())
    props["repeat_count"] = {{"type", "integer"},
                             {"minimum", 0},
                             {"description", "records of this register created before this one naming the same " +
                                                 r.repeat_field + " (docs/registers.md \"Repeat count\")"}};
  json input = json::object(), patch = {{"version", {{"type", "integer"}, {"minimum", 1}}}};
  json required_in = json::array();
  for (const auto& f : r.fields) {
    props[f.id] = ValueSchema(f, true);
    if (policy::IsReference(f.type)) {
      std::string key = f.id.size() > 3 && f.id.ends_with("_id") ? f.id.substr(0, f.id.size() - 3) + "_name" : f.id + "_name";
      props[key] = NullableString();
    }
    if (f.type == policy::RegisterFieldType::kChoice) {
      props[f.id + "_label"] = NullableString();
      props[f.id + "_label_en"] = NullableString();
    }
    if (f.read_only) continue;
    input[f.id] = ValueSchema(f, !f.required);
    patch[f.id] = ValueSchema(f, f.clearable);
    if (f.required) required_in.push_back(f.id);
  }
  json required = json::array();
  for (const auto& [key, _] : props.items()) required.push_back(key);
  schemas[name + "Record"] = {{"type", "object"}, {"required", required}, {"properties", props},
                              {"additionalProperties", false}, {"title", r.title}, {"description", r.title_en}};
  schemas[name + "List"] = {{"type", "object"},
                            {"required", {"items", "total"}},
                            {"properties",
                             {{"items", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/" + name + "Record"}}}}},
                              {"total", {{"type", "integer"}, {"minimum", 0}}}}},
                            {"additionalProperties", false}};
  if (r.parent) {
    // A sub-record register lists one parent's children (?<parent field>=<id>, required) and
    // says whether the reader may add one to that parent.
    schemas[name + "List"]["required"].push_back("can_create");
    schemas[name + "List"]["properties"]["can_create"] = {{"type", "boolean"}};
  }
  schemas[name + "Input"] = {{"type", "object"}, {"required", required_in}, {"properties", input},
                             {"additionalProperties", false}};
  schemas[name + "Patch"] = {{"type", "object"}, {"required", {"version"}}, {"properties", patch},
                             {"additionalProperties", false}};
  if (!r.workflow) return;
  for (const auto& t : r.workflow->transitions) {
    json form = json::object(), req = json::array();
    for (const auto& id : t.sets)
      if (const auto* f = r.FindField(id)) form[id] = ValueSchema(*f, true);
    for (const auto& id : t.requires_fields) req.push_back(id);
    json body = {{"type", "object"},
                 {"properties",
                  {{"note", {{"type", "string"}, {"maxLength", 2000}}},
                   {"fields", {{"type", "object"}, {"properties", form}, {"required", req}, {"additionalProperties", false}}}}},
                 {"additionalProperties", false}};
    if (t.note_required) body["required"] = {"note"};
    if (!t.requires_fields.empty()) body["required"].push_back("fields");
    schemas[name + SchemaName(t.id) + "Body"] = body;
  }
}

json Ref(const std::string& schema) { return {{"$ref", "#/components/schemas/" + schema}}; }

// ?fiscal_year=YYYY on a register with fiscal_year (docs/registers.md "Fiscal year").
json FiscalYearParam() {
  return {{"name", "fiscal_year"},
          {"in", "query"},
          {"description", "年度 (1 April to 31 March, JST) by the register's fiscal_year field or created_at"},
          {"schema", {{"type", "string"}, {"pattern", "^[0-9]{4}$"}}}};
}

// What a register route takes and answers, by the route's shape.
void DescribeRegisterRoute(const Route& r, const policy::RegisterSpec& spec, json& op) {
  const std::string name = SchemaName(spec.id);
  const std::string& p = r.pattern;
  auto body = [&](const std::string& schema) {
    op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", Ref(schema)}}}}}};
  };
  auto answer = [&](const char* status, const std::string& schema) {
    json ok = op["responses"]["2XX"];
    ok["content"] = {{"application/json", {{"schema", Ref(schema)}}}};
    op["responses"].erase("2XX");
    op["responses"][status] = ok;
  };
  if (r.method == "GET" && p.ends_with("/{id}/export")) {
    // One record's report: its items as a form, then its history (docs/registers.md).
    if (!op.contains("parameters")) op["parameters"] = json::array();
    op["parameters"].push_back({{"name", "format"}, {"in", "query"}, {"schema", {{"enum", {"xlsx"}}}}});
    op["parameters"].push_back({{"name", "lang"}, {"in", "query"}, {"schema", {{"enum", {"ja", "en"}}}}});
    json ok = op["responses"]["2XX"];
    op["responses"].erase("2XX");
    ok["description"] = "the record as an Excel workbook: a sheet of its items, a sheet of its history";
    ok["content"] = {{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      {{"schema", {{"type", "string"}, {"contentMediaType", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}}}}}};
    op["responses"]["200"] = ok;
    return;
  }
  if (r.method == "GET" && p.ends_with("/export")) {
    // The list's filters and the spreadsheet's format; the answer is the file itself.
    op["parameters"] = {{{"name", "format"}, {"in", "query"}, {"schema", {{"enum", {"xlsx", "csv"}}}}},
                        {{"name", "lang"}, {"in", "query"}, {"schema", {{"enum", {"ja", "en"}}}}},
                        {{"name", "state"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
                        {{"name", "q"}, {"in", "query"}, {"schema", {{"type", "string"}, {"maxLength", 100}}}}};
    for (const auto& f : spec.fields)
      if (f.filter) op["parameters"].push_back({{"name", f.id}, {"in", "query"}, {"schema", ValueSchema(f, false)}});
    if (spec.fiscal_year) op["parameters"].push_back(FiscalYearParam());
    json ok = op["responses"]["2XX"];
    op["responses"].erase("2XX");
    ok["description"] = "the records the reader may see as a spreadsheet (format=xlsx, the default) or CSV";
    ok["content"] = {{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      {{"schema", {{"type", "string"}, {"contentMediaType", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}}}}},
                     {"text/csv", {{"schema", {{"type", "string"}}}}}};
    op["responses"]["200"] = ok;
    return;
  }
  if (r.method == "GET" && p.ends_with("/history")) return answer("200", "LogEntryList");
  if (r.method == "GET" && p.ends_with("{id}")) return answer("200", name + "Record");
  if (r.method == "GET") {
    json params = json::array();
    params.push_back({{"name", "state"}, {"in", "query"}, {"schema", {{"type", "string"}}}});
    params.push_back({{"name", "q"}, {"in", "query"}, {"schema", {{"type", "string"}, {"maxLength", 100}}}});
    for (const auto& f : spec.fields)
      if (f.filter) {
        params.push_back({{"name", f.id}, {"in", "query"}, {"schema", ValueSchema(f, false)}});
        if (spec.parent && spec.parent->field == f.id) params.back()["required"] = true;  // a parent's children
      }
    if (spec.fiscal_year) params.push_back(FiscalYearParam());
    params.push_back({{"name", "page"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 1}}}});
    params.push_back({{"name", "per_page"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 200}}}});
    op["parameters"] = params;
    return answer("200", name + "List");
  }
  if (r.method == "POST" && p.ends_with("/import")) {
    // A CSV file (UTF-8 or CP932) with the export's headings: every row stored, or none.
    op["parameters"] = {{{"name", "encoding"}, {"in", "query"}, {"schema", {{"enum", {"utf-8", "cp932"}}}}}};
    op["requestBody"] = {{"required", true}, {"content", {{"text/csv", {{"schema", {{"type", "string"}}}}}}}};
    json ok = op["responses"]["2XX"];
    op["responses"].erase("2XX");
    ok["description"] = "every row stored";
    ok["content"] = {{"application/json",
                      {{"schema", {{"type", "object"},
                                   {"additionalProperties", false},
                                   {"required", {"imported"}},
                                   {"properties", {{"imported", {{"type", "integer"}, {"minimum", 1}}}}}}}}}};
    op["responses"]["201"] = ok;
    return;
  }
  if (r.method == "POST" && r.fixed.count("action")) {
    body(name + SchemaName(r.fixed.at("action")) + "Body");
    return answer("200", name + "Record");
  }
  if (r.method == "POST") {
    body(name + "Input");
    return answer("201", name + "Record");
  }
  if (r.method == "PATCH") {
    body(name + "Patch");
    return answer("200", name + "Record");
  }
}

// A problem answer: the Problem schema, the request id and, on 429/503, Retry-After.
json Problem() {
  return {{"description", "problem document"},
          {"headers", {{"X-Request-Id", {{"$ref", "#/components/headers/RequestId"}}},
                       {"Retry-After", {{"$ref", "#/components/headers/RetryAfter"}}}}},
          {"content", {{"application/problem+json", {{"schema", Ref("Problem")}}}}}};
}

// What a 4xx status means on a route, for the reader of the document.
std::string ProblemMeaning(int status) {
  switch (status) {
    case 401: return "unauthenticated (no live session) or invalid_credentials";
    case 403: return "forbidden, policy_denied, separation_of_duties, csrf_failed, or a step the session still owes (mfa_required, password_change_required)";
    case 404: return "not_found: no such object, or not visible to the caller";
    case 409: return "conflict: stale version, or the object's state does not allow it";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type: the body is not application/json";
    case 422: return "validation_failed: errors[] names each bad field";
    case 429: return "rate_limited: see Retry-After";
    default: return "problem document";
  }
}

// The statuses of a route's problems: those its handler answers, and those the pipeline adds
// (a session route: 401 and 403; a JSON body: 415).
std::set<int> ProblemStatuses(const Route& r, const std::vector<int>& own, bool json_body) {
  std::set<int> out(own.begin(), own.end());
  if (r.access != Access::kPublic) out.insert({401, 403});
  if (json_body) out.insert(415);
  return out;
}

void AddProblems(json& op, const std::set<int>& statuses) {
  for (int s : statuses) {
    json p = Problem();
    p["description"] = ProblemMeaning(s);
    op["responses"][std::to_string(s)] = p;
  }
  json other = Problem();
  other["description"] = "other errors of the HTTP edge (400, 404 unknown path, 405, 408, 413, 431)";
  op["responses"]["4XX"] = other;
  op["responses"]["5XX"] = Problem();
}

// A fixed resource's route, from api/openapi_schemas.cpp.
void DescribeOperation(const Route& r, const api::OperationSchema& d, json& op) {
  if (!d.body.empty())
    op["requestBody"] = {{"required", d.body_required}, {"content", {{"application/json", {{"schema", Ref(d.body)}}}}}};
  else if (r.upload)
    op["requestBody"] = {{"required", true},
                         {"description", "the CSV file itself (UTF-8 or CP932), at most the server's upload limit"},
                         {"content", {{"text/csv", {{"schema", {{"type", "string"}}}}}}}};
  if (!d.query.empty()) {
    json params = op.value("parameters", json::array());
    for (const auto& q : d.query) params.push_back(q);
    op["parameters"] = params;
  }
  const json request_id = {{"X-Request-Id", {{"$ref", "#/components/headers/RequestId"}}}};
  op["responses"] = json::object();
  for (const auto& a : d.answers) {
    const std::string status = std::to_string(a.status);
    json& resp = op["responses"][status];
    if (resp.is_null()) {
      resp = {{"description", a.description.empty() ? (a.status == 204 ? "done; no body" : "success") : a.description},
              {"headers", request_id}};
    } else if (!a.description.empty()) {
      resp["description"] = resp["description"].get<std::string>() + "; " + a.description;
    }
    if (a.status == 204) continue;
    json schema = !a.schema.empty()                       ? Ref(a.schema)
                  : a.media_type == "application/json" ? json{{"type", "object"}}
                                                        : json{{"type", "string"}};
    resp["content"][a.media_type] = {{"schema", schema}};
  }
  AddProblems(op, ProblemStatuses(r, d.problems, !d.body.empty()));
}

}  // namespace

std::string OpenApiDocument(const Router& router, const policy::PolicyPack* pack) {
  static const policy::PolicyPack kNoPack{};
  json schemas = api::ResourceSchemas(pack ? *pack : kNoPack);
  if (pack)
    for (const auto& r : pack->registers) AddRegisterSchemas(r, schemas);
  if (pack) AddAttachmentSchemas(*pack, schemas);
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
    if (r.access == Access::kPublic) {
      op["security"] = json::array();
    } else if (Changes(r)) {
      op["security"] = json::array({{{"session", json::array()}, {"csrf", json::array()}}});
    } else {
      op["security"] = json::array({{{"session", json::array()}}});
    }
    const json request_id = {{"X-Request-Id", {{"$ref", "#/components/headers/RequestId"}}}};
    op["responses"] = {{"2XX", {{"description", "success"}, {"headers", request_id}}}};
    const auto reg = r.fixed.find("register");
    const policy::RegisterSpec* spec = pack && reg != r.fixed.end() ? pack->FindRegister(reg->second) : nullptr;
    if (spec && IsAttachmentRoute(r)) {
      op["tags"] = {spec->path};
      const std::vector<int> own = DescribeAttachmentRoute(r, *spec, op);
      AddProblems(op, ProblemStatuses(r, own, r.method == "POST" && !r.upload));
    } else if (spec) {
      op["tags"] = {spec->path};
      if (r.method == "POST" || r.method == "PATCH") {
        const json schema = r.upload ? json{{"type", "string"}} : json{{"type", "object"}};
        op["requestBody"] = {{"required", true}, {"content", {{r.upload ? "text/csv" : "application/json", {{"schema", schema}}}}}};
      }
      DescribeRegisterRoute(r, *spec, op);
      std::vector<int> own = {404};
      // A list or export refuses a bad filter; a write, a bad field.
      if (r.method != "GET" || !r.pattern.ends_with("{id}")) own.push_back(422);
      if (r.method == "PATCH" || r.fixed.count("action")) own.push_back(409);
      AddProblems(op, ProblemStatuses(r, own, r.method != "GET" && !r.upload));
    } else if (const auto* d = api::FindOperationSchema(r.method, r.pattern)) {
      DescribeOperation(r, *d, op);
    } else {
      // A route no schema describes (routes_test allows none): any JSON object.
      if (r.method == "POST" || r.method == "PUT" || r.method == "PATCH")
        op["requestBody"] = {{"required", r.method != "POST"}, {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
      AddProblems(op, ProblemStatuses(r, {}, false));
    }
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
         "equal to the csrf_token of the sign-in answer. Errors are application/problem+json, "
         "with the statuses each operation lists. Every body and answer has its schema here; the product "
         "and its rules are in DESIGN.md and docs/ (docs/api.md tells how this document is made)."}}},
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
        {"schemas", schemas}}}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace mamori::http
