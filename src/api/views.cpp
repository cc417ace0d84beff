#include "api/views.hpp"

#include "domain/access.hpp"
#include "domain/terms.hpp"

namespace mamori::api {

using nlohmann::json;

json TimeOrNull(int64_t micros) { return micros ? json(FormatRfc3339(micros)) : json(nullptr); }

static json StrOrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json OrgUnitJson(const storage::OrgUnitRecord& u) {
  return {{"id", u.id},         {"code", u.code}, {"name", u.name}, {"kind", u.kind},
          {"parent_id", StrOrNull(u.parent_id)}, {"created_at", TimeOrNull(u.created_at)}};
}

json UserJson(const storage::UserRecord& u, int64_t now, const std::string& today) {
  return {{"id", u.id},
          {"login_id", u.login_id},
          {"name", u.name},
          {"org_unit_id", u.org_unit_id},
          {"employment_type", u.employment_type},
          {"status", domain::AuthService::EffectiveStatus(u, now, today)},
          {"expires_on", StrOrNull(u.expires_on)},
          {"email", StrOrNull(u.email)},
          {"last_login_at", TimeOrNull(u.last_login_at)},
          {"last_login_address", StrOrNull(u.last_login_address)},
          {"must_change_password", u.must_change_password},
          {"mfa_enrolled", !u.totp_secret.empty()},
          {"password_changed_at", TimeOrNull(u.password_changed_at)},
          {"locked_until", u.locked_until > now ? TimeOrNull(u.locked_until) : json(nullptr)},
          {"created_at", TimeOrNull(u.created_at)},
          {"deleted_at", TimeOrNull(u.deleted_at)},
          {"version", u.version}};
}

json RoleJson(const storage::RoleAssignmentRecord& r, const policy::PolicyPack& pack, const UnitNames& names) {
  const policy::RoleDef* def = pack.FindRole(r.role);
  auto name = names.find(r.scope_id);
  return {{"id", r.id},
          {"user_id", r.user_id},
          {"role", r.role},
          {"role_title", def ? def->title : r.role},
          {"role_title_en", def ? def->title_en : r.role},
          {"scope_type", r.scope_type},
          {"scope_id", StrOrNull(r.scope_id)},
          {"scope_name", name == names.end() ? json(nullptr) : json(name->second)},
          {"valid_from", StrOrNull(r.valid_from)},
          {"valid_to", StrOrNull(r.valid_to)},
          {"delegate_of", StrOrNull(r.delegate_of)},
          {"created_at", TimeOrNull(r.created_at)},
          {"created_by", StrOrNull(r.created_by)}};
}

json LogEntryJson(const storage::LogEntryRecord& e) {
  json detail = json::parse(e.detail, nullptr, false);
  if (detail.is_discarded()) detail = e.detail;
  return {{"seq", e.seq},         {"at", FormatRfc3339(e.at)}, {"actor", e.actor},
          {"actor_login_id", e.actor_login}, {"session", e.session}, {"action", e.action},
          {"target", e.target},   {"result", e.result},        {"address", e.address},
          {"clause", e.clause},   {"detail", detail},          {"prev_hash", e.prev_hash},
          {"hash", e.hash},       {"at_us", e.at},             {"detail_text", e.detail}};
}

json LogEntryJson(const domain::LogEntryView& v) {
  json out = LogEntryJson(v.entry);
  auto text_or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  out["actor_name"] = text_or_null(v.actor_name);
  out["target_type"] = text_or_null(v.target_type);
  out["target_id"] = text_or_null(v.target_id);
  out["target_label"] = text_or_null(v.target_label);
  out["target_hidden"] = v.target_hidden;
  out["detail_withheld"] = v.detail_withheld;
  if (v.detail_withheld) out["detail"] = nullptr;
  json refs = json::object();
  for (const auto& [key, name] : v.refs) refs[key] = name ? json(*name) : json(nullptr);
  out["refs"] = std::move(refs);
  return out;
}

json PolicyJson(const policy::PolicyPack& pack) {
  json roles = json::array();
  for (const auto& r : pack.roles)
    roles.push_back({{"id", r.id}, {"title", r.title}, {"title_en", r.title_en}, {"clause", pack.Cite(r.clause)},
                     {"scopes", r.scopes}, {"permissions", r.permissions}, {"privileged", r.privileged},
                     {"grant", r.second_person ? "second_person" : "direct"},
                     {"on_transfer", r.keep_on_transfer ? "keep" : "end"},
                     {"independent", r.independent ? json(pack.Cite(r.independent_clause)) : json(nullptr)}});
  json separation = json::array();
  for (const auto& s : pack.separation)
    separation.push_back({{"roles", {s.role_a, s.role_b}}, {"clause", pack.Cite(s.clause)}});
  const auto& a = pack.auth;
  const char* mfa = a.mfa.required_for == policy::MfaRequirement::kAll          ? "all"
                    : a.mfa.required_for == policy::MfaRequirement::kPrivileged ? "privileged"
                                                                               : "none";
  auto field_json = [](const policy::FieldDef& f) {
      json j = {{"id", f.id}, {"label", f.label}, {"label_en", f.label_en},
              {"type", policy::FieldTypeName(f.type)}, {"required", f.required}};
    if (f.type == policy::FieldType::kText || f.type == policy::FieldType::kLongText) j["max_length"] = f.max_length;
    if (f.type == policy::FieldType::kInt) {
      j["min"] = f.min;
      j["max"] = f.max;
    }
    if (f.type == policy::FieldType::kChoice) j["choices"] = f.choices;
    return j;
  };
  json types = json::array();
  for (const auto& t : pack.request_types) {
    json fields = json::array(), completion = json::array(), deny = json::array();
    for (const auto& f : t.fields) fields.push_back(field_json(f));
    for (const auto& f : t.completion) completion.push_back(field_json(f));
    for (const auto& d : t.deny)
      deny.push_back({{"when", d.when.ToString()}, {"clause", pack.Cite(d.clause)}, {"message", d.message},
                      {"message_en", d.message_en}, {"at", d.at},
                      {"field", d.field.empty() ? json(nullptr) : json(d.field)}});
    types.push_back({{"id", t.id},
                     {"title", t.title},
                     {"title_en", t.title_en},
                     {"clause", pack.Cite(t.clause)},
                     {"assets", t.assets},
                     {"effect", t.effect.empty() ? json(nullptr) : json(t.effect)},
                     {"max_assets", t.max_assets},
                     {"applies_when", t.applies_when.empty() ? json(nullptr) : json(t.applies_when.ToString())},
                     {"approver", {{"role", t.approver.role}, {"scope", t.approver.scope}}},
                     {"approvers", [&] {
                        json steps = json::array();
                        for (const auto& a : t.approvers) steps.push_back({{"role", a.role}, {"scope", a.scope}});
                        return steps;
                      }()},
                     {"filed_by", t.filed_by.when.empty()
                                      ? json(nullptr)
                                      : json{{"when", t.filed_by.when.ToString()},
                                             {"clause", pack.Cite(t.filed_by.clause)},
                                             {"message", t.filed_by.message},
                                             {"message_en", t.filed_by.message_en}}},
                     {"fields", fields},
                     {"completion", completion},
                     {"deny", deny},
                     {"state_in_effect", t.state_in_effect},
                     {"state_on_complete", t.state_on_complete},
                     {"report_after", t.report_after},
                     {"report_within_hours", t.report_within_hours},
                     {"expires_field", t.expires_field},
                     {"retention_years", t.retention_years}});
  }
  json dims = json::array();
  for (const auto& d : pack.classification.dimensions)
    dims.push_back({{"id", d.id}, {"label", d.label}, {"label_en", d.label_en}, {"levels", d.levels}});
  json sources = json::array();
  for (const auto& s : pack.sources)
    sources.push_back({{"prefix", s.prefix}, {"title", s.title}, {"title_en", s.title_en}});
  // The engine's own vocabularies with their labels (domain/terms.hpp), so no client keeps a copy.
  json terms = json::object();
  for (const auto& v : domain::Vocabularies()) {
    json list = json::array();
    for (const auto& t : v.terms) list.push_back({{"id", t.id}, {"label", t.label}, {"label_en", t.label_en}});
    terms[v.id] = std::move(list);
  }
  return {{"pack", pack.pack},
          {"terms", terms},
          {"sources", sources},
          {"classification",
           {{"clause", pack.Cite(pack.classification.clause)},
            {"dimensions", dims},
            {"in_scope_when", pack.classification.in_scope_when.empty()
                                  ? json(nullptr)
                                  : json(pack.classification.in_scope_when.ToString())},
            {"restricted_confidentiality", pack.classification.restricted_confidentiality}}},
          {"request_types", types},
          {"title", pack.title},
          {"title_en", pack.title_en},
          {"version", pack.version},
          {"roles", roles},
          {"separation_of_duties", separation},
          {"authentication",
           {{"password",
             {{"clause", pack.Cite(a.password.clause)}, {"min_length", a.password.min_length},
              {"max_length", a.password.max_length}, {"classes_required", a.password.classes_required},
              {"dictionary_check", a.password.dictionary_check}, {"reject_login_id", a.password.reject_login_id},
              {"history", a.password.history}, {"temporary_must_change", a.password.temporary_must_change},
              {"privileged_max_age_days", a.password.privileged_max_age_days},
              {"city_choice", a.password.city_choice}}},
            {"lockout",
             {{"clause", pack.Cite(a.lockout.clause)}, {"max_failures", a.lockout.max_failures},
              {"lock_minutes", a.lockout.lock_minutes}, {"city_choice", a.lockout.city_choice}}},
            {"session",
             {{"clause", pack.Cite(a.session.clause)}, {"idle_minutes", a.session.idle_minutes},
              {"absolute_hours", a.session.absolute_hours}, {"city_choice", a.session.city_choice}}},
            {"mfa", {{"clause", pack.Cite(a.mfa.clause)}, {"required_for", mfa}}},
            {"ids",
             {{"clause", pack.Cite(a.ids.clause)}, {"inactive_days", a.ids.inactive_days},
              {"expiry_required_for", a.ids.expiry_required_for}, {"city_choice", a.ids.city_choice}}}}}};
}

json NotificationJson(const storage::NotificationRecord& n) {
  return {{"id", n.id},
          {"kind", n.kind},
          {"subject", n.subject},
          {"body", n.body},
          {"link", StrOrNull(n.link)},
          {"target", StrOrNull(n.target)},
          {"created_at", TimeOrNull(n.created_at)},
          {"read_at", TimeOrNull(n.read_at)}};
}

json SessionJson(const domain::SessionState& s, const policy::PolicyPack& pack, int64_t now, const std::string& today,
                 const UnitNames& names) {
  json roles = json::array();
  for (const auto& r : s.actor.roles) roles.push_back(RoleJson(r, pack, names));
  domain::Access access(pack);
  const auto perms = access.Permissions(s.actor);
  return {{"user", UserJson(s.user, now, today)},
          {"roles", roles},
          {"permissions", json(std::vector<std::string>(perms.begin(), perms.end()))},
          {"csrf_token", s.session.csrf_token},
          {"must_change_password", s.must_change_password},
          {"mfa_required", s.MfaPending() && s.mfa_enrolled},
          {"mfa_enrollment_required", s.MfaPending() && !s.mfa_enrolled},
          {"idle_timeout_seconds", pack.auth.session.idle_minutes * 60},
          {"previous_login", s.session.prev_login_at
                                 ? json{{"at", FormatRfc3339(s.session.prev_login_at)},
                                        {"address", s.session.prev_login_address}}
                                 : json(nullptr)},
          {"session_expires_at", FormatRfc3339(s.session.expires_at)}};
}

}  // namespace mamori::api
