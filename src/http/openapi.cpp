// /api/v1/openapi.json: the OpenAPI 3.1 document of API v1, built from the route table so the
// document and the server cannot disagree on what exists, what it needs and what it answers.
// Request and answer bodies are described in DESIGN.md's API v1 table and docs/.
#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "api/register_views.hpp"
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
            {"detail_en",
             {{"type", "string"},
              {"description", "the detail in English, present when the text is the pack's and has an English version"}}},
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

json NullableString() { return {{"type", json::array({"string", "null"})}}; }

// One operation-log entry as the API answers it (api/views.cpp LogEntryJson; the view's form adds
// names and withholding), and a page of them: a record's history.
json LogEntrySchema() {
  const json text = {{"type", "string"}};
  json props = {{"seq", {{"type", "integer"}, {"minimum", 1}}},
                {"at", {{"type", "string"}, {"format", "date-time"}}},
                {"at_us", {{"type", "integer"}}},
                {"actor", text},
                {"actor_login_id", text},
                {"actor_name", NullableString()},
                {"session", text},
                {"action", text},
                {"target", text},
                {"target_type", NullableString()},
                {"target_id", NullableString()},
                {"target_label", NullableString()},
                {"target_hidden", {{"type", "boolean"}}},
                {"result", text},
                {"address", text},
                {"clause", text},
                {"detail", {{"description", "the entry's detail as JSON; null when withheld from the reader"}}},
                {"detail_text", text},
                {"detail_withheld", {{"type", "boolean"}}},
                {"prev_hash", text},
                {"hash", text},
                {"refs",
                 {{"type", "object"},
                  {"description", "names of the ids the detail mentions (null: not visible to the reader)"},
                  {"additionalProperties", NullableString()}}}};
  // The keys of the view's form (the operation log's pages) are absent from a record's history,
  // except the actor's name, which both answer.
  json required = json::array();
  for (const auto& [key, _] : props.items())
    if (!key.starts_with("target_") && key != "detail_withheld" && key != "refs")
      required.push_back(key);
  return {{"type", "object"}, {"required", required}, {"properties", props}, {"additionalProperties", false}};
}

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
  if (r.method == "GET" && p.ends_with("/export")) return;
  if (r.method == "GET" && p.ends_with("/history")) return answer("200", "LogEntryList");
  if (r.method == "GET" && p.ends_with("{id}")) return answer("200", name + "Record");
  if (r.method == "GET") {
    json params = json::array();
    params.push_back({{"name", "state"}, {"in", "query"}, {"schema", {{"type", "string"}}}});
    params.push_back({{"name", "q"}, {"in", "query"}, {"schema", {{"type", "string"}, {"maxLength", 100}}}});
    for (const auto& f : spec.fields)
      if (f.filter) params.push_back({{"name", f.id}, {"in", "query"}, {"schema", ValueSchema(f, false)}});
    params.push_back({{"name", "page"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 1}}}});
    params.push_back({{"name", "per_page"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 200}}}});
    op["parameters"] = params;
    return answer("200", name + "List");
  }
  if (r.method == "POST" && p.ends_with("/import")) return;
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

}  // namespace

std::string OpenApiDocument(const Router& router, const policy::PolicyPack* pack) {
  json schemas = {{"Problem", ProblemSchema()}, {"LogEntry", LogEntrySchema()}};
  schemas["LogEntryList"] = {{"type", "object"},
                             {"required", {"items", "total"}},
                             {"properties",
                              {{"items", {{"type", "array"}, {"items", Ref("LogEntry")}}},
                               {"total", {{"type", "integer"}, {"minimum", 0}}}}},
                             {"additionalProperties", false}};
  if (pack)
    for (const auto& r : pack->registers) AddRegisterSchemas(r, schemas);
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
      const bool upload = r.upload;
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
    if (auto it = r.fixed.find("register"); pack && it != r.fixed.end())
      if (const auto* spec = pack->FindRegister(it->second)) {
        op["tags"] = {spec->path};
        DescribeRegisterRoute(r, *spec, op);
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
        {"schemas", schemas}}}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace mamori::http
