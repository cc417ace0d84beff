#include "http/attachment_openapi.hpp"

#include <string>

namespace mamori::http {
namespace {

using nlohmann::json;

json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }
json Nullable(const char* type) { return {{"type", json::array({type, "null"})}}; }

}  // namespace

bool IsAttachmentRoute(const Route& r) { return r.pattern.find("/{id}/attachments") != std::string::npos; }

void AddAttachmentSchemas(const policy::PolicyPack& pack, json& schemas) {
  bool any = false;
  for (const auto& r : pack.registers) any = any || r.attachments.has_value();
  if (!any) return;
  json props = {
      {"id", {{"type", "string"}}},
      {"register", {{"type", "string"}}},
      {"record_id", {{"type", "string"}}},
      {"file_name", {{"type", "string"}, {"maxLength", 200}}},
      {"media_type", {{"type", "string"}}},
      {"size", {{"type", "integer"}, {"minimum", 1}}},
      {"sha256", {{"type", "string"}, {"pattern", "^[0-9a-f]{64}$"}}},
      {"created_by", {{"type", "string"}}},
      {"created_by_name", Nullable("string")},
      {"created_at", {{"type", "string"}, {"format", "date-time"}}},
      {"withdrawn", {{"type", "boolean"}}},
      {"withdrawn_at", {{"type", json::array({"string", "null"})}, {"format", "date-time"}}},
      {"withdrawn_by", Nullable("string")},
      {"withdrawn_by_name", Nullable("string")},
      {"withdrawn_note", Nullable("string")},
  };
  json required = json::array();
  for (const auto& [k, v] : props.items()) required.push_back(k);
  schemas["Attachment"] = {{"type", "object"},
                           {"description", "a file attached to a register record; the file itself is sealed at rest"},
                           {"additionalProperties", false},
                           {"required", required},
                           {"properties", props}};
  schemas["AttachmentList"] = {{"type", "object"},
                               {"additionalProperties", false},
                               {"required", {"items", "total"}},
                               {"properties",
                                {{"items", {{"type", "array"}, {"items", Ref("Attachment")}}},
                                 {"total", {{"type", "integer"}, {"minimum", 0}}}}}};
  schemas["AttachmentWithdrawBody"] = {{"type", "object"},
                                       {"additionalProperties", false},
                                       {"required", {"note"}},
                                       {"properties", {{"note", {{"type", "string"}, {"minLength", 1}, {"maxLength", 1000}}}}}};
}

std::vector<int> DescribeAttachmentRoute(const Route& r, const policy::RegisterSpec& spec, json& op) {
  const json request_id = {{"X-Request-Id", {{"$ref", "#/components/headers/RequestId"}}}};
  auto answer = [&](const char* status, const std::string& description, json content) {
    op["responses"] = json::object();
    op["responses"][status] = {{"description", description}, {"headers", request_id}, {"content", std::move(content)}};
  };
  const bool one = r.pattern.ends_with("{attachment_id}");
  const bool withdraw = r.pattern.ends_with("/withdraw");
  std::string types;
  int64_t max_bytes = 0;
  if (spec.attachments) {
    max_bytes = spec.attachments->max_bytes;
    for (const auto& t : spec.attachments->types) types += (types.empty() ? "" : ", ") + t;
  }
  if (r.method == "GET" && one) {
    json ok = {{"schema", {{"type", "string"}}}};
    answer("200", "the file itself, as a download (Content-Disposition: attachment; X-Content-SHA256: its hash)",
           {{"application/octet-stream", ok}});
    op["responses"]["200"]["headers"]["X-Content-SHA256"] = {{"description", "the file's SHA-256 as recorded at upload"},
                                                             {"schema", {{"type", "string"}}}};
    return {404};
  }
  if (r.method == "GET") {
    answer("200", "the record's attachments, oldest first (withdrawn ones included)",
           {{"application/json", {{"schema", Ref("AttachmentList")}}}});
    return {404};
  }
  if (withdraw) {
    op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", Ref("AttachmentWithdrawBody")}}}}}};
    answer("200", "the attachment, marked withdrawn (the file is kept)", {{"application/json", {{"schema", Ref("Attachment")}}}});
    return {404, 409, 422};
  }
  op["parameters"].push_back({{"name", "name"},
                              {"in", "query"},
                              {"required", true},
                              {"description", "the file's name (UTF-8, at most 200 characters); its extension is its type"},
                              {"schema", {{"type", "string"}, {"minLength", 1}, {"maxLength", 200}}}});
  op["requestBody"] = {{"required", true},
                       {"description", "the file itself as the raw body, at most " + std::to_string(max_bytes) +
                                           " bytes, of a type this register takes: " + types},
                       {"content", {{"*/*", {{"schema", {{"type", "string"}}}}}}}};
  answer("201", "attached; the upload's log entry holds its SHA-256", {{"application/json", {{"schema", Ref("Attachment")}}}});
  return {404, 409, 413, 422};
}

}  // namespace mamori::http
