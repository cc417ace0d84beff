// The non-register resources of API v1 as JSON Schema (api/openapi_schemas.hpp). Each section
// describes one resource: its answer (beside the view that writes it: views.cpp, asset_views.cpp,
// the handler files for the small ones), its inputs (from the limits the handler checks,
// api/input_rules.hpp and the domain's constants) and its operations.
#include "api/openapi_schemas.hpp"

#include <algorithm>
#include <span>

#include "api/input_rules.hpp"
#include "domain/asset_service.hpp"
#include "domain/log_view.hpp"
#include "domain/terms.hpp"

namespace mamori::api {
namespace {

using nlohmann::json;

// ---- building blocks ------------------------------------------------------------------------

json Str() { return {{"type", "string"}}; }
json Str(const StringRule& r) {
  json s = {{"type", "string"}, {"maxLength", r.max_length}};
  if (r.min_length) s["minLength"] = r.min_length;
  return s;
}
json Int(int64_t min = INT64_MIN, int64_t max = INT64_MAX) {
  json s = {{"type", "integer"}};
  if (min != INT64_MIN) s["minimum"] = min;
  if (max != INT64_MAX) s["maximum"] = max;
  return s;
}
json Bool() { return {{"type", "boolean"}}; }
json Time() { return {{"type", "string"}, {"format", "date-time"}}; }
json Date() { return {{"type", "string"}, {"format", "date"}}; }
json Arr(json item) { return {{"type", "array"}, {"items", std::move(item)}}; }
json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }
json Enum(std::span<const char* const> values) {
  json ids = json::array();
  for (const char* v : values) ids.push_back(v);
  return {{"type", "string"}, {"enum", ids}};
}
json Enum(const std::vector<std::string>& values) { return {{"type", "string"}, {"enum", values}}; }
// Every type name a request type's form field may have, from the pack's own naming.
std::vector<std::string> RequestFieldTypes() {
  std::vector<std::string> out;
  for (int t = 0; t <= static_cast<int>(policy::FieldType::kSystem); ++t)
    out.push_back(policy::FieldTypeName(static_cast<policy::FieldType>(t)));
  return out;
}
json Const(const char* v) { return {{"type", "string"}, {"const", v}}; }
json Described(json s, const std::string& description) {
  s["description"] = description;
  return s;
}
// The same schema, or null (an enum gains null too).
json Null(json s) {
  if (s.contains("$ref")) return {{"oneOf", {s, {{"type", "null"}}}}};
  if (s.contains("enum")) s["enum"].push_back(nullptr);
  s["type"] = json::array({s["type"], "null"});
  return s;
}
json NStr() { return Null(Str()); }
json NTime() { return Null(Time()); }

// An answer: exactly these keys, each always written.
json Answer(json props) {
  json required = json::array();
  for (const auto& [key, _] : props.items()) required.push_back(key);
  return {{"type", "object"}, {"required", required}, {"properties", std::move(props)}, {"additionalProperties", false}};
}
// An answer whose `optional` keys are written only sometimes.
json Answer(json props, std::initializer_list<const char*> optional) {
  json s = Answer(std::move(props));
  json required = json::array();
  for (const auto& k : s["required"])
    if (std::find_if(optional.begin(), optional.end(), [&](const char* o) { return k == o; }) == optional.end())
      required.push_back(k);
  s["required"] = required;
  return s;
}
// An input: these keys at most, `required` of them needed.
json Input(json props, std::initializer_list<const char*> required) {
  json s = {{"type", "object"}, {"properties", std::move(props)}, {"additionalProperties", false}};
  if (required.size()) {
    s["required"] = json::array();
    for (const char* k : required) s["required"].push_back(k);
  }
  return s;
}
// An answer schema with one more key, always written.
json With(json s, const char* key, json prop) {
  s["properties"][key] = std::move(prop);
  s["required"].push_back(key);
  return s;
}
json ListOf(const std::string& item) {
  return Answer({{"items", Arr(Ref(item))}, {"total", Int(0)}});
}

json Query(const char* name, json schema, const std::string& description = {}) {
  json p = {{"name", name}, {"in", "query"}, {"schema", std::move(schema)}};
  if (!description.empty()) p["description"] = description;
  return p;
}
json PageParams() {
  return json::array({Query("page", Int(1, kPageMax)),
                      Query("per_page", Described(Int(1, kPerPageMax), "default " + std::to_string(kPerPageDefault)))});
}
json Concat(json a, const json& b) {
  for (const auto& x : b) a.push_back(x);
  return a;
}
json Lang() { return Query("lang", Enum(std::vector<std::string>{"ja", "en"}), "language of headings and labels (default ja)"); }

std::vector<std::string> RoleIds(const policy::PolicyPack& pack) {
  std::vector<std::string> out;
  for (const auto& r : pack.roles) out.push_back(r.id);
  return out;
}

// ---- problems and the operation log -----------------------------------------------------------

json ProblemSchema() {
  json error = Answer({{"field", Str()}, {"code", Str()}, {"row", Int(1)}, {"column", Str()}}, {"row", "column"});
  return Answer({{"type", Described(Str(), "/problems/<code>")},
                 {"title", Described(Str(), "the problem code")},
                 {"status", Int(400, 599)},
                 {"detail", Described(Str(), "what went wrong, in Japanese")},
                 {"detail_en", Described(Str(), "the detail in English, present when the text is the pack's and "
                                                "has an English version (docs/api.md)")},
                 {"clause", Described(Str(), "the policy clause that decided, e.g. kobe:8.2.5")},
                 {"errors", Described(Arr(error), "each bad field (and, for an import, row and column)")}},
                {"detail_en", "clause", "errors"});
}

// LogEntryJson (views.cpp); the log page's form adds the keys of LogEntryJson(LogEntryView),
// absent from a record's history.
json LogEntrySchema() {
  return Answer({{"seq", Int(1)},
                 {"at", Time()},
                 {"at_us", Int()},
                 {"actor", Str()},
                 {"actor_login_id", Str()},
                 {"actor_name", NStr()},
                 {"session", Str()},
                 {"action", Str()},
                 {"target", Str()},
                 {"target_type", Null(Enum(domain::kLogTargetTypes))},
                 {"target_id", NStr()},
                 {"target_label", NStr()},
                 {"target_hidden", Bool()},
                 {"result", Enum(kLogResults)},
                 {"address", Str()},
                 {"clause", Str()},
                 {"detail", {{"description", "the entry's detail as JSON; null when withheld from the reader"}}},
                 {"detail_text", Str()},
                 {"detail_withheld", Bool()},
                 {"prev_hash", Str()},
                 {"hash", Str()},
                 {"refs",
                  {{"type", "object"},
                   {"description", "names of the ids the detail mentions (null: not visible to the reader)"},
                   {"additionalProperties", NStr()}}}},
                {"actor_name", "target_type", "target_id", "target_label", "target_hidden", "detail_withheld", "refs"});
}

json LogVerificationSchema() {
  return Answer({{"ok", Bool()},
                 {"entries", Int(0)},
                 {"checkpoints", Int(0)},
                 {"key_id", Str()},
                 {"last_witnessed_seq", Int(0)},
                 {"head", Described(Str(), "the newest entry's hash (when ok)")},
                 {"first_bad_seq", Described(Int(), "the first entry that fails (when not ok)")},
                 {"reason", Described(Str(), "why it fails (when not ok)")}},
                {"head", "first_bad_seq", "reason"});
}

// ---- org units, users, roles (views.cpp) ------------------------------------------------------

json OrgUnitSchema() {
  return Answer({{"id", Str()},
                 {"code", Str()},
                 {"name", Str()},
                 {"kind", Enum(kOrgUnitAllKinds)},
                 {"parent_id", NStr()},
                 {"created_at", NTime()}});
}

json UserSchema() {
  return Answer({{"id", Str()},
                 {"login_id", Str()},
                 {"name", Str()},
                 {"org_unit_id", Str()},
                 {"employment_type", Enum(policy::kEmploymentTypes)},
                 {"status", Enum(kUserStatuses)},
                 {"expires_on", Null(Date())},
                 {"email", NStr()},
                 {"last_login_at", NTime()},
                 {"last_login_address", NStr()},
                 {"must_change_password", Bool()},
                 {"mfa_enrolled", Bool()},
                 {"password_changed_at", NTime()},
                 {"locked_until", NTime()},
                 {"created_at", NTime()},
                 {"deleted_at", NTime()},
                 {"version", Described(Int(0), "0 for a new user; send it back in a PATCH")}});
}

json RoleAssignmentSchema(const policy::PolicyPack& pack) {
  return Answer({{"id", Str()},
                 {"user_id", Str()},
                 {"role", Enum(RoleIds(pack))},
                 {"role_title", Str()},
                 {"role_title_en", Str()},
                 {"scope_type", Enum(policy::kScopeTypes)},
                 {"scope_id", NStr()},
                 {"scope_name", NStr()},
                 {"valid_from", Null(Date())},
                 {"valid_to", Null(Date())},
                 {"delegate_of", NStr()},
                 {"created_at", NTime()},
                 {"created_by", NStr()}});
}

void AddDirectory(const policy::PolicyPack& pack, json& s) {
  s["OrgUnit"] = OrgUnitSchema();
  s["OrgUnitList"] = ListOf("OrgUnit");
  s["OrgUnitInput"] = Input({{"code", Str(kOrgUnitCode)},
                             {"name", Str(kOrgUnitName)},
                             {"kind", Enum(kOrgUnitKinds)},
                             {"parent_id", Str(kIdRule)}},
                            {"code", "name", "kind", "parent_id"});
  s["User"] = UserSchema();
  s["UserList"] = ListOf("User");
  s["UserCreated"] = With(UserSchema(), "temporary_password",
                          Described(Str(), "shown once; the person must change it at the first sign-in"));
  s["UserUpdated"] = With(UserSchema(), "roles_ended",
                          Described(Arr(Str()), "role assignments a transfer ended (their ids)"));
  s["UserInput"] = Input({{"login_id", Str(kNewLoginId)},
                          {"name", Str(kUserName)},
                          {"org_unit_id", Str(kIdRule)},
                          {"employment_type", Enum(policy::kEmploymentTypes)},
                          {"expires_on", Null(Date())},
                          {"email", Str(kEmail)}},
                         {"login_id", "name", "org_unit_id", "employment_type"});
  s["UserPatch"] = Input({{"version", Int(0)},
                          {"name", Str(kUserName)},
                          {"org_unit_id", Str(kIdRule)},
                          {"employment_type", Enum(policy::kEmploymentTypes)},
                          {"expires_on", Described(Null(Date()), "null clears it")},
                          {"email", Described(Null(Str(kEmail)), "null or \"\" removes it")}},
                         {"version"});
  s["TemporaryPassword"] = Answer({{"temporary_password", Str()}});
  s["ResetMfaInput"] = Input({{"reason", Str(kResetReason)}}, {});
  s["PendingApproval"] = Answer(
      {{"request_id", Described(Str(), "the request (申請) that must be approved before the change takes effect")}});
  s["SessionsEnded"] = Answer({{"sessions_ended", Int(0)}});
  s["RoleAssignment"] = RoleAssignmentSchema(pack);
  s["RoleAssignmentList"] = ListOf("RoleAssignment");
  s["RoleAssignmentInput"] = Input({{"user_id", Str(kIdRule)},
                                    {"role", Enum(RoleIds(pack))},
                                    {"scope_type", Enum(policy::kScopeTypes)},
                                    {"scope_id", Described(Str({0, kIdRule.max_length}), "absent for scope_type city")},
                                    {"valid_from", Null(Date())},
                                    {"valid_to", Null(Date())},
                                    {"delegate_of", Described(Str({0, kIdRule.max_length}),
                                                              "the user this assignment stands in for (代行)")}},
                                   {"user_id", "role", "scope_type"});
  json request_type = Answer({{"id", Str()}, {"title", Str()}, {"title_en", Str()}});
  s["ApproverVacancy"] = Answer({{"role", Enum(RoleIds(pack))},
                                 {"role_title", Str()},
                                 {"role_title_en", Str()},
                                 {"scope_type", Enum(policy::kScopeTypes)},
                                 {"scope_id", NStr()},
                                 {"scope_name", NStr()},
                                 {"request_types", Arr(request_type)}});
  s["ApproverVacancyList"] = ListOf("ApproverVacancy");
}

// ---- the session (session_handlers.cpp, SessionJson in views.cpp) ----------------------------

void AddSession(json& s) {
  s["LoginInput"] = Input({{"login_id", Str(kLoginIdInput)},
                           {"password", Described(Str(kPasswordInput), "at most 4096 bytes")}},
                          {"login_id", "password"});
  s["MfaCodeInput"] = Input({{"code", Described(Str(kMfaCodeInput), "the six-digit code of the authenticator")}},
                            {"code"});
  s["TotpStartInput"] = Input(
      {{"code", Described(Str(kMfaCodeInput), "a current code of the registered authenticator (when replacing it)")}}, {});
  s["PasswordChangeInput"] = Input({{"current_password", Str(kCurrentPasswordInput)},
                                    {"new_password", Described(Str(kPasswordInput), "judged by the pack's password rules")}},
                                   {"current_password", "new_password"});
  s["Session"] = Answer({{"user", Ref("User")},
                         {"roles", Arr(Ref("RoleAssignment"))},
                         {"permissions", Arr(Str())},
                         {"csrf_token", Described(Str(), "send as X-CSRF-Token on every non-GET request")},
                         {"must_change_password", Bool()},
                         {"mfa_required", Described(Bool(), "a code is owed (POST /api/v1/session/mfa)")},
                         {"mfa_enrollment_required", Described(Bool(), "TOTP enrolment is owed")},
                         {"idle_timeout_seconds", Int(0)},
                         {"previous_login", Null({{"type", "object"},
                                                  {"required", {"at", "address"}},
                                                  {"properties", {{"at", Time()}, {"address", Str()}}},
                                                  {"additionalProperties", false}})},
                         {"session_expires_at", Time()}});
  s["TotpEnrollment"] = Answer({{"secret", Described(Str(), "base32")},
                                {"otpauth_uri", Str()},
                                {"qr_svg", Described(Str(), "the otpauth URI as an SVG QR code")}});
  s["MySession"] = Answer({{"id", Str()},
                           {"started_at", Time()},
                           {"last_seen_at", Time()},
                           {"address", Str()},
                           {"user_agent", Str()},
                           {"browser", Described(Str(), "a short label from the User-Agent")},
                           {"current", Bool()},
                           {"mfa_passed", Bool()}});
  s["MySessionList"] = ListOf("MySession");
  s["MyTask"] = Answer({{"register", Str()},
                        {"path", Str()},
                        {"register_title", Str()},
                        {"register_title_en", Str()},
                        {"id", Str()},
                        {"title", Described(Str(), "the record's first listed text field; \"\" when none")},
                        {"state", Str()},
                        {"state_label", Str()},
                        {"state_label_en", Str()},
                        {"deadline_at", NTime()},
                        {"overdue", Bool()},
                        {"awaiting", Described(Bool(), "the caller may take one of `actions` now")},
                        {"escalation_level", Described(Int(0), "the highest escalation level that told the caller (or the person they deputise for); 0: none")},
                        {"updated_at", Time()},
                        {"actions", Arr(Answer({{"action", Str()}, {"label", Str()}, {"label_en", Str()}}))}});
  s["MyTaskList"] = ListOf("MyTask");
}

// ---- assets (asset_views.cpp) ------------------------------------------------------------------

json Level(const policy::PolicyPack& pack, const char* axis) {
  for (const auto& d : pack.classification.dimensions)
    if (d.id == axis) return {{"type", "integer"}, {"enum", d.levels}, {"title", d.label}, {"description", d.label_en}};
  return Int();
}

json AssetSchema(const policy::PolicyPack& pack) {
  return Answer({{"id", Str()},
                 {"name", Str()},
                 {"kind", Enum(domain::kAssetKinds)},
                 {"owner_org_unit_id", Str()},
                 {"owner_org_unit_name", NStr()},
                 {"confidentiality", Level(pack, "confidentiality")},
                 {"integrity", Level(pack, "integrity")},
                 {"availability", Level(pack, "availability")},
                 {"label", Described(Str(), "機密性3・完全性2・可用性2")},
                 {"label_en", Str()},
                 {"in_scope", Described(Bool(), "the standard covers it (the pack's in_scope_when)")},
                 {"handling", Arr(Str())},
                 {"location", NStr()},
                 {"system_id", NStr()},
                 {"state", Described(Enum(domain::kAssetStates), "follows approved requests only")},
                 {"created_by", Str()},
                 {"created_at", NTime()},
                 {"updated_at", NTime()},
                 {"version", Int(1)}});
}

void AddAssets(const policy::PolicyPack& pack, json& s) {
  const StringRule name{1, domain::kAssetNameMax}, location{0, domain::kAssetLocationMax},
      item{1, domain::kHandlingItemMax};
  json handling = Arr(Str(item));
  handling["maxItems"] = domain::kHandlingItemsMax;
  s["Asset"] = AssetSchema(pack);
  s["AssetList"] = ListOf("Asset");
  s["AssetInput"] = Input({{"name", Str(name)},
                           {"kind", Enum(domain::kAssetKinds)},
                           {"owner_org_unit_id", Str(kIdRule)},
                           {"confidentiality", Level(pack, "confidentiality")},
                           {"integrity", Level(pack, "integrity")},
                           {"availability", Level(pack, "availability")},
                           {"handling", handling},
                           {"location", Null(Str(location))},
                           {"system_id", Null(Str(kIdRule))}},
                          {"name", "kind", "owner_org_unit_id", "confidentiality", "integrity", "availability"});
  s["AssetPatch"] = Input({{"version", Int(1)},
                           {"name", Str(name)},
                           {"kind", Enum(domain::kAssetKinds)},
                           {"owner_org_unit_id", Str(kIdRule)},
                           {"confidentiality", Level(pack, "confidentiality")},
                           {"integrity", Level(pack, "integrity")},
                           {"availability", Level(pack, "availability")},
                           {"handling", Described(Null(handling), "null or [] clears it")},
                           {"location", Described(Null(Str(location)), "null clears it")},
                           {"system_id", Described(Null(Str(kIdRule)), "null clears it")}},
                          {"version"});
  s["AssetImportPreview"] = Answer({{"dry_run", Bool()},
                                    {"rows", Int(0)},
                                    {"encoding", Enum(std::vector<std::string>{"utf-8", "cp932"})}});
  s["AssetImportResult"] = With(With(s["AssetImportPreview"], "imported", Int(0)), "ids", Arr(Str()));
}

// ---- requests (request_handlers.cpp) -----------------------------------------------------------

void AddRequests(const policy::PolicyPack& pack, json& s) {
  std::vector<std::string> types;
  for (const auto& t : pack.request_types) types.push_back(t.id);
  json action = Answer({{"action", Str()},
                        {"label", Str()},
                        {"label_en", Str()},
                        {"sets", Arr(Str())},
                        {"requires", Arr(Str())},
                        {"note_required", Bool()}});
  s["Request"] = Answer(
      {{"id", Str()},
       {"type", Enum(types)},
       {"type_title", Str()},
       {"type_title_en", Str()},
       {"state", Described(Str(), "a state of the type's workflow (GET /api/v1/registers)")},
       {"clause", Str()},
       {"requester_id", Str()},
       {"requester_org_unit_id", Str()},
       {"asset_ids", Arr(Str())},
       {"fields", Described({{"type", "object"}}, "the form's fields (the type's fields in GET /api/v1/policy)")},
       {"completion", Described({{"type", "object"}}, "the completion form's fields")},
       {"approver", Answer({{"role", Str()}, {"scope_type", Str()}, {"scope_id", NStr()}})},
       {"approval", Described(Answer({{"step", Int(0)},
                                      {"steps", Int(1)},
                                      {"chain", Arr(Answer({{"step", Int(1)},
                                                            {"role", Str()},
                                                            {"role_title", Str()},
                                                            {"role_title_en", Str()},
                                                            {"scope_type", Enum(policy::kScopeTypes)},
                                                            {"scope_id", NStr()},
                                                            {"scope_name", NStr()},
                                                            {"status", Enum(std::vector<std::string>{
                                                                           "approved", "due", "rejected", "pending"})},
                                                            {"by", NStr()}}))}}),
                              "the approval chain: `step` approvals of `steps` given (docs/policy_pack.md approvers)")},
       {"decided_by", NStr()},
       {"decided_at", NTime()},
       {"decision_note", Str()},
       {"expires_on", Null(Date())},
       {"report_due_at", NTime()},
       {"created_at", NTime()},
       {"updated_at", NTime()},
       {"version", Int(1)},
       {"actions", Answer({{"approve", Bool()},
                           {"reject", Bool()},
                           {"withdraw", Bool()},
                           {"submit", Bool()},
                           {"complete", Bool()},
                           {"report", Bool()}})},
       {"available_actions", Arr(action)}});
  s["RequestList"] = ListOf("Request");
  json assets = Arr(Str(kIdRule));
  assets["maxItems"] = kRequestAssetsMax;
  s["RequestInput"] = Input({{"type", Enum(types)},
                             {"asset_ids", assets},
                             {"fields", Described({{"type", "object"}}, "the type's form (GET /api/v1/policy)")},
                             {"draft", Described(Bool(), "true: keep as a draft (下書き), submit later")}},
                            {"type"});
  s["NoteInput"] = Input({{"note", Str({0, kNoteMax, true})}}, {});
  s["RequiredNoteInput"] = Input({{"note", Str({1, kNoteMax, true})}}, {"note"});
  s["CompletionInput"] = Input({{"completion", Described({{"type", "object"}}, "the type's completion form")}}, {});
}

// ---- notifications (notification_handlers.cpp) -------------------------------------------------

void AddNotifications(json& s) {
  s["Notification"] = Answer({{"id", Str()},
                              {"kind", Str()},
                              {"subject", Str()},
                              {"body", Str()},
                              {"link", Described(NStr(), "the web path of what it is about")},
                              {"target", NStr()},
                              {"created_at", NTime()},
                              {"read_at", NTime()}});
  s["NotificationList"] = Answer({{"items", Arr(Ref("Notification"))}, {"total", Int(0)}, {"unread", Int(0)}});
  s["NotificationsMarked"] = Answer({{"marked", Int(0)}, {"unread", Int(0)}});
}

// ---- the pack (PolicyJson in views.cpp) and the registers catalogue (register_views.cpp) ---------

json PolicyFieldSchema() {
  return Answer({{"id", Str()},
                 {"label", Str()},
                 {"label_en", Str()},
                 {"type", Enum(RequestFieldTypes())},
                 {"required", Bool()},
                 {"max_length", Int(0)},
                 {"min", Int()},
                 {"max", Int()},
                 {"choices", Arr(Str())}},
                {"max_length", "min", "max", "choices"});
}

json PolicySchema() {
  json message = Answer({{"when", Str()}, {"clause", Str()}, {"message", Str()}, {"message_en", Str()}});
  json deny = With(With(message, "at", Enum(std::vector<std::string>{"request", "completion"})), "field", NStr());
  json type = Answer({{"id", Str()},
                      {"title", Str()},
                      {"title_en", Str()},
                      {"clause", Str()},
                      {"assets", Enum(std::vector<std::string>{"required", "optional", "none"})},
                      {"effect", Null(Enum(policy::kRequestEffects))},
                      {"max_assets", Int(0)},
                      {"applies_when", NStr()},
                      {"approver", Answer({{"role", Str()}, {"scope", Str()}})},
                      {"approvers", Arr(Answer({{"role", Str()}, {"scope", Str()}}))},
                      {"filed_by", Null(message)},
                      {"fields", Arr(Ref("PolicyField"))},
                      {"completion", Arr(Ref("PolicyField"))},
                      {"deny", Arr(deny)},
                      {"state_in_effect", Str()},
                      {"state_on_complete", Str()},
                      {"report_after", Bool()},
                      {"report_within_hours", Int(0)},
                      {"expires_field", Str()},
                      {"retention_years", Int(0)}});
  json role = Answer({{"id", Str()},
                      {"title", Str()},
                      {"title_en", Str()},
                      {"clause", Str()},
                      {"scopes", Arr(Enum(policy::kScopeTypes))},
                      {"permissions", Arr(Str())},
                      {"privileged", Bool()},
                      {"grant", Enum(std::vector<std::string>{"direct", "second_person"})},
                      {"on_transfer", Enum(std::vector<std::string>{"keep", "end"})},
                      {"independent", Described(NStr(), "the clause that keeps holders independent, or null")}});
  json choice = Arr(Str());
  json auth = Answer(
      {{"password", Answer({{"clause", Str()},
                            {"min_length", Int(0)},
                            {"max_length", Int(0)},
                            {"classes_required", Int(0)},
                            {"dictionary_check", Bool()},
                            {"reject_login_id", Bool()},
                            {"history", Int(0)},
                            {"temporary_must_change", Bool()},
                            {"privileged_max_age_days", Int(0)},
                            {"city_choice", choice}})},
       {"lockout", Answer({{"clause", Str()}, {"max_failures", Int(0)}, {"lock_minutes", Int(0)}, {"city_choice", choice}})},
       {"session", Answer({{"clause", Str()}, {"idle_minutes", Int(0)}, {"absolute_hours", Int(0)}, {"city_choice", choice}})},
       {"mfa", Answer({{"clause", Str()}, {"required_for", Enum(std::vector<std::string>{"all", "privileged", "none"})}})},
       {"ids", Answer({{"clause", Str()},
                       {"inactive_days", Int(0)},
                       {"expiry_required_for", Arr(Enum(policy::kEmploymentTypes))},
                       {"city_choice", choice}})}});
  json dimension = Answer({{"id", Str()}, {"label", Str()}, {"label_en", Str()}, {"levels", Arr(Int())}});
  // The engine's vocabularies (domain/terms.hpp), each term with its labels; ids from the same list.
  json terms = json::object();
  for (const auto& v : domain::Vocabularies()) {
    std::vector<std::string> ids;
    for (const auto& t : v.terms) ids.push_back(t.id);
    terms[v.id] = Arr(Answer({{"id", Enum(ids)}, {"label", Str()}, {"label_en", Str()}}));
  }
  json term_lists = {{"type", "object"}, {"additionalProperties", false}, {"properties", terms}};
  for (const auto& [k, _] : terms.items()) term_lists["required"].push_back(k);
  return Answer({{"pack", Str()},
                 {"terms", term_lists},
                 {"sources", Arr(Answer({{"prefix", Str()}, {"title", Str()}, {"title_en", Str()}}))},
                 {"classification", Answer({{"clause", Str()},
                                            {"dimensions", Arr(dimension)},
                                            {"in_scope_when", NStr()},
                                            {"restricted_confidentiality", Int()}})},
                 {"request_types", Arr(type)},
                 {"title", Str()},
                 {"title_en", Str()},
                 {"version", Str()},
                 {"roles", Arr(role)},
                 {"separation_of_duties", Arr(Answer({{"roles", Arr(Str())}, {"clause", Str()}}))},
                 {"authentication", auth}});
}

// Every type name a register field may have, from the kit's own naming.
std::vector<std::string> RegisterFieldTypes() {
  std::vector<std::string> out;
  for (int t = 0; t <= static_cast<int>(policy::RegisterFieldType::kRecord); ++t)
    out.push_back(policy::RegisterFieldTypeName(static_cast<policy::RegisterFieldType>(t)));
  return out;
}

void AddCatalogue(json& s) {
  json party = Answer({{"kind", Str()}, {"role", Str()}, {"scope", Str()}, {"field", Str()}}, {"role", "scope", "field"});
  json notify = Answer({{"to", Arr(party)}, {"template", Str()}});
  json deadline = Answer({{"on_pass", Str()},
                          {"field", Str()},
                          {"after_minutes", Int()},
                          {"fiscal", Described(Str(), "MM-DD of each 年度")},
                          {"to", Str()},
                          {"notify", Arr(notify)},
                          {"cases", Arr(Answer({{"when", Str()},
                                                {"field", Str()},
                                                {"after_minutes", Int()},
                                                {"fiscal", Described(Str(), "MM-DD of each 年度")}},
                                               {"field", "after_minutes", "fiscal"}))}},
                         {"field", "after_minutes", "fiscal", "to", "cases"});
  json state = Answer({{"id", Str()}, {"label", Str()}, {"label_en", Str()}, {"final", Bool()}, {"deadline", deadline}},
                      {"deadline"});
  json transition = Answer({{"id", Str()},
                            {"action", Str()},
                            {"label", Str()},
                            {"label_en", Str()},
                            {"sets", Arr(Str())},
                            {"requires", Arr(Str())},
                            {"note_required", Bool()},
                            {"from", Arr(Str())},
                            {"to", Str()},
                            {"clears", Arr(Str())},
                            {"by", Arr(party)},
                            {"chain", Arr(party)},
                            {"notify", Arr(notify)},
                            {"stamps", Arr(Answer({{"field", Str()},
                                                   {"kind", Enum(std::vector<std::string>{"now", "today", "actor", "fixed"})},
                                                   {"value", Str()}}))},
                            {"keep_state", Described(Bool(), "a note that leaves the record in its state")},
                            {"effects", Arr(Answer({{"kind", Enum(std::vector<std::string>{"suspend_user", "end_role_assignments"})},
                                                    {"field", Str()}}))}});
  json edit = {{"type", "object"}, {"additionalProperties", Arr(party)}};
  s["Workflow"] = Answer({{"initial", Str()},
                          {"states", Arr(state)},
                          {"transitions", Arr(transition)},
                          {"edit", Described(Null(edit), "who may PATCH a record in each state; null: the manage permission")}});
  json choice = Answer({{"id", Str()}, {"label", Str()}, {"label_en", Str()}, {"help", Str()}, {"help_en", Str()}},
                       {"help", "help_en"});
  s["RegisterField"] = Answer({{"id", Str()},
                               {"label", Str()},
                               {"label_en", Str()},
                               {"help", Str()},
                               {"help_en", Str()},
                               {"type", Enum(RegisterFieldTypes())},
                               {"required", Bool()},
                               {"clearable", Bool()},
                               {"read_only", Bool()},
                               {"filter", Bool()},
                               {"search", Bool()},
                               {"list", Bool()},
                               {"sealed", Bool()},
                               {"heading", Str()},
                               {"heading_en", Str()},
                               {"max_length", Int(0)},
                               {"min", Int()},
                               {"max", Int()},
                               {"scale", Int(0)},
                               {"choices", Arr(choice)}},
                              {"max_length", "min", "max", "scale", "choices"});
  // A request type's form field in the register field shape (RequestFieldJson).
  s["RequestFormField"] = Answer(
      {{"id", Str()},
       {"label", Str()},
       {"label_en", Str()},
       {"type", Enum(RequestFieldTypes())},
       {"required", Bool()},
       {"max_length", Int(0)},
       {"min", Int()},
       {"max", Int()},
       {"choices", Arr(Answer({{"id", Str()}, {"label", Str()}, {"label_en", Str()}}))}},
      {"max_length", "min", "max", "choices"});
  s["RegisterSummary"] = Answer({{"id", Str()},
                                 {"kind", Const("register")},
                                 {"path", Str()},
                                 {"api_path", Str()},
                                 {"title", Str()},
                                 {"title_en", Str()},
                                 {"clause", Str()},
                                 {"log_prefix", Str()},
                                 {"permissions", Answer({{"read", Str()}, {"manage", Str()}, {"create", Str()}})},
                                 {"scope", Answer({{"owner_unit", Str()}, {"system", Str()}})},
                                 {"retention_years", Int(0)},
                                 {"order_by", Str()},
                                 {"visible_to_parties", Bool()},
                                 {"shared", Bool()},
                                 {"reportable", Bool()},
                                 {"builtin", Bool()},
                                 {"fields", Arr(Ref("RegisterField"))},
                                 {"workflow", Null(Ref("Workflow"))},
                                 {"can_read", Bool()},
                                 {"can_create", Bool()},
                                 {"parent", Null(Answer({{"register", Str()}, {"field", Str()}, {"create_by", Arr(party)}}))},
                                 {"children", Described(Arr(Answer({{"register", Str()}, {"field", Str()}})),
                                                        "the sub-record registers whose parent this register is")},
                                 {"repeat_count_field", Str()},
                                 {"fiscal_year", Bool()},
                                 {"fiscal_year_field", Str()},
                                 {"attachments", Null(Answer({{"max_bytes", Int(1)},
                                                              {"max_files", Int(1)},
                                                              {"types", Arr(Str())}}))}});
  s["RequestTypeSummary"] = Answer({{"id", Str()},
                                    {"kind", Const("request_type")},
                                    {"path", Const("requests")},
                                    {"api_path", Const("/api/v1/requests")},
                                    {"title", Str()},
                                    {"title_en", Str()},
                                    {"clause", Str()},
                                    {"assets", Enum(std::vector<std::string>{"required", "optional", "none"})},
                                    {"max_assets", Int(0)},
                                    {"fields", Arr(Ref("RequestFormField"))},
                                    {"completion", Arr(Ref("RequestFormField"))},
                                    {"report_after", Bool()},
                                    {"workflow", Null(Ref("Workflow"))}});
  s["RegisterCatalogue"] = Answer(
      {{"items", Arr({{"oneOf", {Ref("RegisterSummary"), Ref("RequestTypeSummary")}}})}, {"total", Int(0)}});
}

// ---- operations ------------------------------------------------------------------------------

void AddOperations(json& s) {
  s["Health"] = Answer({{"status", Const("ok")}});
  s["Ready"] = Answer({{"status", Const("ready")},
                       {"log", Answer({{"checked", Bool()}, {"ok", Bool()}, {"verified_seq", Int(0)}})}});
}

// ---- the operations of each route --------------------------------------------------------------

using Op = OperationSchema;

std::map<std::string, Op> BuildOperations() {
  std::map<std::string, Op> ops;
  const json page = PageParams();
  // The session.
  ops["POST /api/v1/session"] = {.body = "LoginInput", .answers = {{200, "Session"}}, .problems = {401, 422, 429}};
  ops["POST /api/v1/session/mfa"] = {.body = "MfaCodeInput", .answers = {{200, "Session"}}, .problems = {409, 422, 429}};
  ops["GET /api/v1/session"] = {.answers = {{200, "Session"}}};
  ops["DELETE /api/v1/session"] = {.answers = {{204, ""}}};
  ops["PUT /api/v1/me/password"] = {.body = "PasswordChangeInput", .answers = {{200, "Session"}}, .problems = {401, 422}};
  ops["POST /api/v1/me/mfa/totp"] = {.body = "TotpStartInput", .body_required = false,
                                     .answers = {{200, "TotpEnrollment"}}, .problems = {401, 409, 422}};
  ops["POST /api/v1/me/mfa/totp/confirm"] = {.body = "MfaCodeInput", .answers = {{200, "Session"}},
                                             .problems = {401, 409, 422}};
  ops["GET /api/v1/me/sessions"] = {.answers = {{200, "MySessionList"}}};
  ops["GET /api/v1/me/tasks"] = {.answers = {{200, "MyTaskList"}}};
  ops["DELETE /api/v1/me/sessions/{id}"] = {.answers = {{204, ""}}, .problems = {404}};
  ops["GET /api/v1/openapi.json"] = {.answers = {{200, "", "application/json", "this document"}}};
  ops["GET /api/v1/policy"] = {.answers = {{200, "Policy"}}};
  // Org units, users, roles.
  ops["GET /api/v1/org-units"] = {.answers = {{200, "OrgUnitList"}}, .query = page};
  ops["POST /api/v1/org-units"] = {.body = "OrgUnitInput", .answers = {{201, "OrgUnit"}}, .problems = {409, 422}};
  ops["GET /api/v1/users"] = {
      .answers = {{200, "UserList"}},
      .query = Concat(json::array({Query("org_unit_id", Str(kIdRule)), Query("status", Enum(kUserStatuses)),
                                   Query("role", Str(kIdRule)), Query("q", Str({0, kSearchMax}), "login ID or name"),
                                   Query("inactive_days", Int(1, kInactiveDaysMax), "no sign-in for this many days")}),
                      page),
      .problems = {422}};
  ops["POST /api/v1/users"] = {.body = "UserInput", .answers = {{201, "UserCreated"}}, .problems = {409, 422}};
  ops["GET /api/v1/users/{id}"] = {.answers = {{200, "User"}}, .problems = {404}};
  ops["DELETE /api/v1/users/{id}"] = {.answers = {{204, ""}}, .problems = {404, 409}};
  ops["PATCH /api/v1/users/{id}"] = {.body = "UserPatch", .answers = {{200, "UserUpdated"}}, .problems = {404, 409, 422}};
  ops["GET /api/v1/users/{id}/history"] = {.answers = {{200, "LogEntryList"}}, .query = page, .problems = {404, 422}};
  ops["POST /api/v1/users/{id}/reset-mfa"] = {
      .body = "ResetMfaInput", .body_required = false,
      .answers = {{202, "PendingApproval", "application/json", "a privileged user's reset waits for approval"},
                  {204, ""}},
      .problems = {404, 409, 422}};
  ops["GET /api/v1/approver-vacancies"] = {.answers = {{200, "ApproverVacancyList"}}};
  ops["POST /api/v1/users/{id}/suspend"] = {.answers = {{204, ""}}, .problems = {404, 409}};
  ops["POST /api/v1/users/{id}/resume"] = {.answers = {{204, ""}}, .problems = {404, 409}};
  ops["POST /api/v1/users/{id}/reset-password"] = {.answers = {{200, "TemporaryPassword"}}, .problems = {404, 409}};
  ops["DELETE /api/v1/users/{id}/sessions"] = {.answers = {{200, "SessionsEnded"}}, .problems = {404}};
  ops["GET /api/v1/role-assignments"] = {.answers = {{200, "RoleAssignmentList"}},
                                         .query = json::array({Query("user_id", Str(), "one user's assignments")}),
                                         .problems = {422}};
  ops["POST /api/v1/role-assignments"] = {
      .body = "RoleAssignmentInput",
      .answers = {{201, "RoleAssignment"},
                  {202, "PendingApproval", "application/json", "a second_person role waits for approval"}},
      .problems = {404, 409, 422}};
  ops["DELETE /api/v1/role-assignments/{id}"] = {.answers = {{204, ""}}, .problems = {404, 409}};
  // The operation log.
  const json log_filter = json::array(
      {Query("actor", Str({0, 64}), "user id"), Query("action", Str({0, 64}), "e.g. asset.update"),
       Query("result", Enum(kLogResults)), Query("target_type", Enum(domain::kLogTargetTypes)),
       Query("from", Str(), "RFC 3339 time or YYYY-MM-DD"), Query("to", Str(), "RFC 3339 time or YYYY-MM-DD (whole day)"),
       Lang()});
  ops["GET /api/v1/audit-log"] = {.answers = {{200, "LogEntryList"}}, .query = Concat(log_filter, page), .problems = {422}};
  ops["GET /api/v1/audit-log/verify"] = {.answers = {{200, "LogVerification"}}};
  ops["GET /api/v1/audit-log/export"] = {.answers = {{200, "", "text/csv", "UTF-8 CSV, at most 100,000 rows"}},
                                         .query = log_filter, .problems = {422}};
  ops["GET /api/v1/audit-log/chain"] = {
      .answers = {{200, "", "application/jsonl", "format=jsonl: key, entries, checkpoints, head (docs/operation_log.md)"},
                  {200, "", "text/csv", "format=csv"}},
      .query = json::array({Query("format", Enum(std::vector<std::string>{"jsonl", "csv"})),
                            Query("from_seq", Int(1), "first entry (default 1; at most 500,000 entries)")}),
      .problems = {422}};
  // Assets.
  const json asset_filter = json::array(
      {Query("owner_org_unit_id", Str({0, kIdRule.max_length})), Query("state", Enum(domain::kAssetStates)),
       Query("kind", Enum(domain::kAssetKinds)), Query("q", Str({0, kSearchMax}), "name or location"),
       Query("min_confidentiality", Int(0))});
  ops["GET /api/v1/assets"] = {.answers = {{200, "AssetList"}}, .query = Concat(asset_filter, page), .problems = {422}};
  ops["POST /api/v1/assets"] = {.body = "AssetInput", .answers = {{201, "Asset"}}, .problems = {404, 422}};
  ops["GET /api/v1/assets/export"] = {
      .answers = {{200, "", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "format=xlsx (default)"},
                  {200, "", "text/csv", "format=csv: UTF-8 with BOM, the import's columns"}},
      .query = Concat(asset_filter,
                      json::array({Query("format", Enum(std::vector<std::string>{"xlsx", "csv"})), Lang()})),
      .problems = {422}};
  ops["GET /api/v1/assets/import-template"] = {.answers = {{200, "", "text/csv", "the import's headings"}},
                                               .query = json::array({Lang()}), .problems = {422}};
  ops["POST /api/v1/assets/import"] = {
      .body = "",
      .answers = {{200, "AssetImportPreview", "application/json", "dry_run=true: nothing stored"},
                  {201, "AssetImportResult", "application/json", "every row stored"}},
      .query = json::array(
          {Query("dry_run", Enum(std::vector<std::string>{"true", "false"})),
           Query("encoding", Enum(std::vector<std::string>{"utf-8", "cp932"}), "else the charset, else guessed"),
           Query("file_name", Str({0, 200}), "for the log")}),
      .problems = {413, 422}};
  ops["GET /api/v1/assets/{id}"] = {.answers = {{200, "Asset"}}, .problems = {404}};
  ops["PATCH /api/v1/assets/{id}"] = {.body = "AssetPatch", .answers = {{200, "Asset"}}, .problems = {404, 409, 422}};
  ops["GET /api/v1/assets/{id}/history"] = {.answers = {{200, "LogEntryList"}}, .query = page, .problems = {404, 422}};
  // The catalogue.
  ops["GET /api/v1/registers"] = {.answers = {{200, "RegisterCatalogue"}}};
  // Requests.
  ops["GET /api/v1/requests"] = {
      .answers = {{200, "RequestList"}},
      .query = Concat(json::array({Query("state", Str({0, 64})), Query("type", Str({0, 64})), Query("asset_id", Str()),
                                   Query("mine", Enum(std::vector<std::string>{"true", "false"}), "the caller's own"),
                                   Query("inbox", Enum(std::vector<std::string>{"true", "false"}),
                                         "waiting for the caller's decision")}),
                      page),
      .problems = {422}};
  ops["POST /api/v1/requests"] = {.body = "RequestInput", .answers = {{201, "Request"}}, .problems = {404, 409, 422}};
  ops["GET /api/v1/requests/{id}"] = {.answers = {{200, "Request"}}, .problems = {404}};
  for (const char* a : {"submit", "withdraw"})
    ops[std::string("POST /api/v1/requests/{id}/") + a] = {.answers = {{200, "Request"}}, .problems = {404, 409, 422}};
  for (const char* a : {"approve", "report"})
    ops[std::string("POST /api/v1/requests/{id}/") + a] = {
        .body = "NoteInput", .body_required = false, .answers = {{200, "Request"}}, .problems = {404, 409, 422}};
  ops["POST /api/v1/requests/{id}/reject"] = {.body = "RequiredNoteInput", .answers = {{200, "Request"}},
                                              .problems = {404, 409, 422}};
  ops["POST /api/v1/requests/{id}/complete"] = {.body = "CompletionInput", .body_required = false,
                                                .answers = {{200, "Request"}}, .problems = {404, 409, 422}};
  // Notifications.
  ops["GET /api/v1/notifications"] = {.answers = {{200, "NotificationList"}}, .query = page, .problems = {422}};
  ops["POST /api/v1/notifications/read-all"] = {.answers = {{200, "NotificationsMarked"}}};
  ops["POST /api/v1/notifications/{id}/read"] = {.answers = {{200, "Notification"}}, .problems = {404}};
  // Operations.
  ops["GET /healthz"] = {.answers = {{200, "Health"}}};
  ops["GET /readyz"] = {.answers = {{200, "Ready"}}, .problems = {}};
  ops["GET /metrics"] = {.answers = {{200, "", "text/plain", "Prometheus text format 0.0.4"}}, .problems = {401, 404}};
  return ops;
}

}  // namespace

json ResourceSchemas(const policy::PolicyPack& pack) {
  json s = json::object();
  s["Problem"] = ProblemSchema();
  s["LogEntry"] = LogEntrySchema();
  s["LogEntryList"] = ListOf("LogEntry");
  s["LogVerification"] = LogVerificationSchema();
  AddDirectory(pack, s);
  AddSession(s);
  AddAssets(pack, s);
  AddRequests(pack, s);
  AddNotifications(s);
  s["PolicyField"] = PolicyFieldSchema();
  s["Policy"] = PolicySchema();
  AddCatalogue(s);
  AddOperations(s);
  return s;
}

const std::map<std::string, OperationSchema>& OperationSchemas() {
  static const std::map<std::string, OperationSchema> ops = BuildOperations();
  return ops;
}

const OperationSchema* FindOperationSchema(const std::string& method, const std::string& pattern) {
  const auto& ops = OperationSchemas();
  auto it = ops.find(method + " " + pattern);
  return it == ops.end() ? nullptr : &it->second;
}

}  // namespace mamori::api
