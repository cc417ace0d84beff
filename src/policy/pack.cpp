#include "policy/pack.hpp"

#include <algorithm>
#include <span>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "policy/pack_checker.hpp"

namespace mamori::policy {

const RoleDef* PolicyPack::FindRole(const std::string& id) const {
  return FindById(roles, id);
}

const RequestType* PolicyPack::FindEffect(const std::string& effect) const {
  for (const auto& t : request_types)
    if (!effect.empty() && t.effect == effect) return &t;
  return nullptr;
}

const char* FieldTypeName(FieldType t) {
  switch (t) {
    case FieldType::kText: return "text";
    case FieldType::kLongText: return "long_text";
    case FieldType::kDate: return "date";
    case FieldType::kInt: return "int";
    case FieldType::kBool: return "bool";
    case FieldType::kChoice: return "choice";
    case FieldType::kSystem: return "system";
  }
  return "text";
}

const RequestType* PolicyPack::FindRequestType(const std::string& id) const {
  return FindById(request_types, id);
}

const SealingRule* Sealing::Find(const std::string& kind) const {
  for (const auto& r : rules)
    if (r.kind == kind) return &r;
  return nullptr;
}

bool Sealing::Seals(const std::string& kind, const std::string& field) const {
  const SealingRule* r = Find(kind);
  return r && std::find(r->fields.begin(), r->fields.end(), field) != r->fields.end();
}

const Dimension* Classification::Find(const std::string& id) const {
  return FindById(dimensions, id);
}

std::string Classification::Label(int c, int i, int a, bool english) const {
  std::string out;
  const int values[] = {c, i, a};
  for (size_t k = 0; k < dimensions.size() && k < 3; ++k) {
    if (!out.empty()) out += english ? " / " : "・";
    out += (english ? dimensions[k].label_en + " " : dimensions[k].label) + std::to_string(values[k]);
  }
  return out;
}

const Source* PolicyPack::FindSource(const std::string& prefix) const {
  for (const auto& s : sources)
    if (s.prefix == prefix) return &s;
  return nullptr;
}

std::string PolicyPack::Cite(const std::string& clause) const {
  if (clause.empty()) return {};
  // A clause of another source carries its prefix already ("proc:2(1)③"); the loader has
  // checked that the prefix is declared, so "7.1.1:x" style text never reaches here.
  if (const size_t colon = clause.find(':'); colon != std::string::npos) {
    const std::string prefix = clause.substr(0, colon);
    if (prefix == pack || FindSource(prefix)) return clause;
  }
  return pack + ":" + clause;
}

std::string PolicyPack::CiteFor(const std::string& key) const {
  auto it = clauses.find(key);
  return it == clauses.end() ? std::string() : Cite(it->second);
}

namespace {

void ParseRoles(Checker& c, const YAML::Node& node, PolicyPack& pack, const std::vector<std::string>& declared) {
  if (!node) {
    c.Fail(node, "roles is required");
    return;
  }
  if (!c.Map(node, "roles")) return;
  for (const auto& kv : node) {
    RoleDef role;
    role.id = kv.first.as<std::string>("");
    const std::string where = "roles." + role.id;
    const YAML::Node r = kv.second;
    if (!c.Map(r, where)) continue;
    c.Keys(r, {"title", "title_en", "clause", "scopes", "permissions", "privileged", "grant", "on_transfer",
               "independent"},
           where);
    role.title = c.Str(r, "title", true, where);
    role.title_en = c.Str(r, "title_en", false, where);
    role.clause = c.Str(r, "clause", false, where);
    role.privileged = c.Bool(r, "privileged", false, where);
    const std::string grant = c.Str(r, "grant", false, where);
    if (!grant.empty() && grant != "direct" && grant != "second_person")
      c.Fail(r["grant"], where + ".grant must be direct or second_person");
    role.second_person = grant == "second_person";
    const std::string transfer = c.Str(r, "on_transfer", false, where);
    if (!transfer.empty() && transfer != "keep" && transfer != "end")
      c.Fail(r["on_transfer"], where + ".on_transfer must be keep or end");
    role.keep_on_transfer = transfer == "keep";
    if (const YAML::Node ind = r["independent"]; ind && c.Map(ind, where + ".independent")) {
      c.Keys(ind, {"clause"}, where + ".independent");
      role.independent = true;
      role.independent_clause = c.Str(ind, "clause", true, where + ".independent");
    }
    role.scopes = c.List(r, "scopes", where);
    if (role.scopes.empty()) c.Fail(r, where + ".scopes must name at least one scope type");
    for (const auto& s : role.scopes)
      if (!Contains(kScopeTypes, s)) c.Fail(r["scopes"], where + ": unknown scope type '" + s + "'");
    role.permissions = c.List(r, "permissions", where);
    for (const auto& p : role.permissions)
      if (!Contains(kPermissions, p) && !Contains(declared, p))
        c.Fail(r["permissions"], where + ": unknown permission '" + p + "'");
    pack.roles.push_back(std::move(role));
  }
}

void ParseSeparation(Checker& c, const YAML::Node& node, PolicyPack& pack) {
  if (!node) return;
  if (!node.IsSequence()) {
    c.Fail(node, "separation_of_duties must be a list");
    return;
  }
  for (const auto& item : node) {
    if (!c.Map(item, "separation_of_duties item")) continue;
    c.Keys(item, {"roles", "clause"}, "separation_of_duties");
    auto roles = c.List(item, "roles", "separation_of_duties");
    if (roles.size() != 2) {
      c.Fail(item, "separation_of_duties.roles must name exactly two roles");
      continue;
    }
    for (const auto& r : roles)
      if (!pack.FindRole(r)) c.Fail(item["roles"], "separation_of_duties: unknown role '" + r + "'");
    pack.separation.push_back({roles[0], roles[1], c.Str(item, "clause", true, "separation_of_duties")});
  }
}

// `city_choice`: which of a section's values the standard leaves to the city. Each must be one
// of `values`, the section's keys that hold a number or a setting.
std::vector<std::string> CityChoice(Checker& c, const YAML::Node& section, const std::string& where,
                                    std::initializer_list<const char*> values) {
  std::vector<std::string> out = c.List(section, "city_choice", where);
  for (const auto& k : out)
    if (std::none_of(values.begin(), values.end(), [&](const char* v) { return k == v; }))
      c.Fail(section["city_choice"], where + ".city_choice: '" + k + "' is not a value of this section");
  return out;
}

void ParseAuthentication(Checker& c, const YAML::Node& node, AuthenticationPolicy& auth) {
  if (!node) {
    c.Fail(node, "authentication is required");
    return;
  }
  if (!c.Map(node, "authentication")) return;
  c.Keys(node, {"password", "lockout", "session", "mfa", "ids"}, "authentication");

  if (const YAML::Node p = node["password"]; p && c.Map(p, "authentication.password")) {
    const std::string w = "authentication.password";
    c.Keys(p, {"clause", "min_length", "max_length", "classes_required", "dictionary_check",
               "reject_login_id", "history", "temporary_must_change", "privileged_max_age_days",
               "argon2id", "city_choice", "context_words"}, w);
    auto& pw = auth.password;
    pw.city_choice = CityChoice(c, p, w, {"min_length", "max_length", "classes_required", "dictionary_check",
                                          "reject_login_id", "history", "temporary_must_change",
                                          "privileged_max_age_days", "argon2id"});
    pw.clause = c.Str(p, "clause", true, w);
    pw.min_length = c.Int(p, "min_length", 8, 1, 128, w);
    pw.max_length = c.Int(p, "max_length", 128, 8, 1024, w);
    if (pw.max_length < pw.min_length) c.Fail(p, w + ".max_length must not be below min_length");
    pw.classes_required = c.Int(p, "classes_required", 3, 0, 4, w);
    pw.dictionary_check = c.Bool(p, "dictionary_check", true, w);
    pw.reject_login_id = c.Bool(p, "reject_login_id", true, w);
    pw.history = c.Int(p, "history", 5, 0, 24, w);
    pw.temporary_must_change = c.Bool(p, "temporary_must_change", true, w);
    pw.privileged_max_age_days = c.Int(p, "privileged_max_age_days", 180, 0, 3650, w);
    pw.context_words = c.List(p, "context_words", w);
    for (const auto& word : pw.context_words)
      if (word.size() < 2 || word.size() > 64)
        c.Fail(p["context_words"], w + ".context_words: '" + word + "' must be 2 to 64 bytes");
    if (const YAML::Node a = p["argon2id"]; a && c.Map(a, w + ".argon2id")) {
      c.Keys(a, {"memory_kib", "iterations"}, w + ".argon2id");
      // libsodium's floor is 8 KiB and 1 pass; above 1 GiB a login would starve the server.
      pw.argon2_memory_kib = static_cast<uint32_t>(c.Int(a, "memory_kib", 19456, 8, 1048576, w + ".argon2id"));
      pw.argon2_iterations = static_cast<uint32_t>(c.Int(a, "iterations", 2, 1, 10, w + ".argon2id"));
    }
  } else if (!p) {
    c.Fail(node, "authentication.password is required");
  }

  if (const YAML::Node l = node["lockout"]; l && c.Map(l, "authentication.lockout")) {
    const std::string w = "authentication.lockout";
    c.Keys(l, {"clause", "max_failures", "lock_minutes", "city_choice"}, w);
    auth.lockout.city_choice = CityChoice(c, l, w, {"max_failures", "lock_minutes"});
    auth.lockout.clause = c.Str(l, "clause", true, w);
    auth.lockout.max_failures = c.Int(l, "max_failures", 5, 1, 100, w);
    auth.lockout.lock_minutes = c.Int(l, "lock_minutes", 30, 1, 525600, w);
  } else if (!l) {
    c.Fail(node, "authentication.lockout is required");
  }

  if (const YAML::Node s = node["session"]; s && c.Map(s, "authentication.session")) {
    const std::string w = "authentication.session";
    c.Keys(s, {"clause", "idle_minutes", "absolute_hours", "city_choice"}, w);
    auth.session.city_choice = CityChoice(c, s, w, {"idle_minutes", "absolute_hours"});
    auth.session.clause = c.Str(s, "clause", false, w);
    auth.session.idle_minutes = c.Int(s, "idle_minutes", 15, 1, 1440, w);
    auth.session.absolute_hours = c.Int(s, "absolute_hours", 10, 1, 168, w);
  } else if (!s) {
    c.Fail(node, "authentication.session is required");
  }

  if (const YAML::Node m = node["mfa"]; m && c.Map(m, "authentication.mfa")) {
    const std::string w = "authentication.mfa";
    c.Keys(m, {"clause", "required_for"}, w);
    auth.mfa.clause = c.Str(m, "clause", false, w);
    const std::string req = c.Str(m, "required_for", true, w);
    if (req == "all") auth.mfa.required_for = MfaRequirement::kAll;
    else if (req == "privileged") auth.mfa.required_for = MfaRequirement::kPrivileged;
    else if (req == "none") auth.mfa.required_for = MfaRequirement::kNone;
    else if (!req.empty()) c.Fail(m["required_for"], w + ".required_for must be all, privileged or none");
  }

  if (const YAML::Node i = node["ids"]; i && c.Map(i, "authentication.ids")) {
    const std::string w = "authentication.ids";
    c.Keys(i, {"clause", "inactive_days", "expiry_required_for", "city_choice"}, w);
    auth.ids.city_choice = CityChoice(c, i, w, {"inactive_days", "expiry_required_for"});
    auth.ids.clause = c.Str(i, "clause", false, w);
    auth.ids.inactive_days = c.Int(i, "inactive_days", 90, 1, 3650, w);
    auth.ids.expiry_required_for = c.List(i, "expiry_required_for", w);
    for (const auto& t : auth.ids.expiry_required_for)
      if (!Contains(kEmploymentTypes, t)) c.Fail(i["expiry_required_for"], w + ": unknown employment type '" + t + "'");
  }
}

const std::vector<std::string> kAssetFields = {"asset.confidentiality", "asset.integrity", "asset.availability",
                                               "asset.kind", "asset.state", "asset.handling",
                                               "asset.system.network_zone", "asset.system.hosting"};

void ParseClassification(Checker& c, const YAML::Node& node, Classification& cl) {
  if (!node) {
    c.Fail(node, "classification is required");
    return;
  }
  if (!c.Map(node, "classification")) return;
  c.Keys(node, {"clause", "confidentiality", "integrity", "availability", "in_scope_when", "restricted"},
         "classification");
  cl.clause = c.Str(node, "clause", false, "classification");
  for (const char* dim : {"confidentiality", "integrity", "availability"}) {
    const std::string w = std::string("classification.") + dim;
    const YAML::Node d = node[dim];
    Dimension out;
    out.id = dim;
    if (!d) {
      c.Fail(node, w + " is required");
    } else if (c.Map(d, w)) {
      c.Keys(d, {"label", "label_en", "levels"}, w);
      out.label = c.Str(d, "label", true, w);
      out.label_en = c.Str(d, "label_en", false, w);
      if (out.label_en.empty()) out.label_en = dim;
      for (const auto& lv : c.List(d, "levels", w)) {
        int v = 0;
        try {
          v = std::stoi(lv);
        } catch (...) {
          c.Fail(d["levels"], w + ".levels must be integers");
          continue;
        }
        if (!out.levels.empty() && v != out.levels.back() + 1)
          c.Fail(d["levels"], w + ".levels must rise by one");
        out.levels.push_back(v);
      }
      if (out.levels.empty() || out.levels.front() != 1) c.Fail(d, w + ".levels must start at 1");
    }
    cl.dimensions.push_back(std::move(out));
  }
  std::vector<std::string> roots(kAssetFields.begin(), kAssetFields.end());
  cl.in_scope_when = Condition(c, node["in_scope_when"], "classification.in_scope_when", roots);
  if (const YAML::Node r = node["restricted"]; r && c.Map(r, "classification.restricted")) {
    c.Keys(r, {"confidentiality", "clause"}, "classification.restricted");
    cl.restricted_confidentiality = c.Int(r, "confidentiality", 0, 0, cl.dimensions[0].Max(), "classification.restricted");
    cl.restricted_clause = c.Str(r, "clause", false, "classification.restricted");
  }
}

// `sealing:` — after the request types, whose form fields a request rule names.
void ParseSealing(Checker& c, const YAML::Node& node, PolicyPack& pack) {
  if (!node) return;
  if (!c.Map(node, "sealing")) return;
  c.Keys(node, {"clauses", "asset", "request"}, "sealing");
  for (const auto& cl : c.List(node, "clauses", "sealing")) {
    c.CheckClause(node["clauses"], cl, "sealing.clauses");
    pack.sealing.clauses.push_back(cl);
  }
  for (const char* kind : kSealedKinds) {
    const YAML::Node r = node[kind];
    if (!r) continue;
    const std::string w = std::string("sealing.") + kind;
    if (!c.Map(r, w)) continue;
    SealingRule rule;
    rule.kind = kind;
    if (std::string(kind) == "asset") {
      c.Keys(r, {"when", "fields"}, w);
      // Only the plain fields: a condition over a sealed field would need it open to decide.
      const std::vector<std::string> roots = {"asset.confidentiality", "asset.integrity", "asset.availability",
                                              "asset.kind"};
      rule.when = Condition(c, r["when"], w + ".when", roots);
      if (r["when"] && r["when"].IsScalar()) rule.when_text = r["when"].Scalar();
    } else {
      c.Keys(r, {"fields"}, w);
    }
    rule.fields = c.List(r, "fields", w);
    if (rule.fields.empty()) c.Fail(r, w + ".fields must name at least one field");
    for (const auto& f : rule.fields) {
      bool known = true;
      if (rule.kind == "asset") {
        known = Contains(kSealableAssetFields, f);
      } else if (rule.kind == "request") {
        known = false;
        for (const auto& t : pack.request_types)
          for (const auto* list : {&t.fields, &t.completion})
            for (const auto& fd : *list) known |= fd.id == f && (fd.type == FieldType::kText || fd.type == FieldType::kLongText);
      }
      if (!known) c.Fail(r["fields"], w + ": field '" + f + "' cannot be sealed" +
                                          (rule.kind == "request" ? " (no text field of a request type has this id)" : ""));
    }
    pack.sealing.rules.push_back(std::move(rule));
  }
}

// One approver step, `{role, scope}`, checked against the type and the pack's roles.
ApproverRule ParseApprover(Checker& c, const YAML::Node& a, const std::string& w, const RequestType& t,
                           const PolicyPack& pack) {
  ApproverRule rule;
  if (!c.Map(a, w)) return rule;
  c.Keys(a, {"role", "scope"}, w);
  rule.role = c.Str(a, "role", true, w);
  if (!rule.role.empty() && !pack.FindRole(rule.role)) c.Fail(a["role"], w + ": unknown role '" + rule.role + "'");
  const std::string scope = c.Str(a, "scope", false, w);
  if (!scope.empty()) rule.scope = scope;
  if (rule.scope != "asset_owner" && rule.scope != "requester_unit" && rule.scope != "city" && rule.scope != "system") {
    c.Fail(a, w + ".scope must be asset_owner, requester_unit, city or system");
    return rule;
  }
  // The owner section comes from the assets: a request without one would have no approver.
  if (rule.scope == "asset_owner" && t.assets != "required") c.Fail(a, w + ".scope asset_owner needs assets: required");
  // The system comes from the form's system field, or from the assets.
  if (rule.scope == "system" && t.system_field.empty() && t.assets != "required")
    c.Fail(a, w + ".scope system needs a field of type system or assets: required");
  // Someone must be able to hold the approver role over that kind of scope.
  if (const RoleDef* role = pack.FindRole(rule.role)) {
    const std::string needed = rule.scope == "city" ? "city" : rule.scope == "system" ? "system" : "org_unit";
    const bool can = std::find(role->scopes.begin(), role->scopes.end(), needed) != role->scopes.end() ||
                     std::find(role->scopes.begin(), role->scopes.end(), "city") != role->scopes.end();
    if (!can) c.Fail(a, w + ": role '" + role->id + "' cannot be assigned at " + needed + " scope");
  }
  return rule;
}

std::vector<FieldDef> ParseFields(Checker& c, const YAML::Node& node, const std::string& where) {
  std::vector<FieldDef> out;
  if (!node) return out;
  if (!c.Map(node, where)) return out;
  for (const auto& kv : node) {
    FieldDef f;
    f.id = kv.first.as<std::string>("");
    const std::string w = where + "." + f.id;
    const YAML::Node d = kv.second;
    if (!c.Map(d, w)) continue;
    c.Keys(d, {"label", "label_en", "type", "required", "max_length", "min", "max", "choices"}, w);
    f.label = c.Str(d, "label", true, w);
    f.label_en = c.Str(d, "label_en", false, w);
    if (f.label_en.empty()) f.label_en = f.id;
    const std::string type = c.Str(d, "type", false, w);
    if (type.empty() || type == "text") f.type = FieldType::kText;
    else if (type == "long_text") f.type = FieldType::kLongText, f.max_length = 4000;
    else if (type == "date") f.type = FieldType::kDate;
    else if (type == "int") f.type = FieldType::kInt;
    else if (type == "bool") f.type = FieldType::kBool;
    else if (type == "choice") f.type = FieldType::kChoice;
    else if (type == "system") f.type = FieldType::kSystem, f.max_length = 64;
    else c.Fail(d["type"], w + ".type must be text, long_text, date, int, bool, choice or system");
    f.required = c.Bool(d, "required", true, w);
    f.max_length = c.Int(d, "max_length", f.max_length, 1, 100000, w);
    f.min = c.Int(d, "min", INT_MIN, INT_MIN, INT_MAX, w);
    f.max = c.Int(d, "max", INT_MAX, INT_MIN, INT_MAX, w);
    f.choices = c.List(d, "choices", w);
    if (f.type == FieldType::kChoice && f.choices.empty()) c.Fail(d, w + ": a choice field needs choices");
    out.push_back(std::move(f));
  }
  return out;
}

void ParseRequestTypes(Checker& c, const YAML::Node& node, PolicyPack& pack) {
  if (!node) return;
  if (!c.Map(node, "request_types")) return;
  for (const auto& kv : node) {
    RequestType t;
    t.id = kv.first.as<std::string>("");
    const std::string w = "request_types." + t.id;
    const YAML::Node d = kv.second;
    if (!c.Map(d, w)) continue;
    c.Keys(d, {"title", "title_en", "clause", "assets", "max_assets", "applies_when", "approver", "approvers", "fields", "deny",
               "completion", "state_in_effect", "state_on_complete", "report_after", "report_within_hours",
               "expires_field", "retention_years", "filed_by", "effect"},
           w);
    t.title = c.Str(d, "title", true, w);
    t.title_en = c.Str(d, "title_en", false, w);
    t.clause = c.Str(d, "clause", true, w);
    t.assets = c.Str(d, "assets", false, w);
    if (t.assets.empty()) t.assets = "required";
    if (t.assets != "required" && t.assets != "optional" && t.assets != "none")
      c.Fail(d["assets"], w + ".assets must be required, optional or none");
    t.max_assets = c.Int(d, "max_assets", 20, 1, 1000, w);
    t.fields = ParseFields(c, d["fields"], w + ".fields");
    t.completion = ParseFields(c, d["completion"], w + ".completion");
    std::vector<std::string> roots(kAssetFields.begin(), kAssetFields.end());
    for (const auto& f : t.fields) roots.push_back("fields." + f.id);
    for (const char* r : {"requester.employment_type", "requester.roles", "requester.org_unit_id"}) roots.push_back(r);
    t.applies_when = Condition(c, d["applies_when"], w + ".applies_when", roots);
    if (const YAML::Node fb = d["filed_by"]; fb && c.Map(fb, w + ".filed_by")) {
      const std::string fw = w + ".filed_by";
      c.Keys(fb, {"when", "clause", "message", "message_en"}, fw);
      // Only who asks decides who may ask: the form and the assets come later.
      t.filed_by.when = Condition(c, fb["when"], fw + ".when",
                                  {"requester.employment_type", "requester.roles", "requester.org_unit_id"});
      if (!fb["when"]) c.Fail(fb, fw + ".when is required");
      t.filed_by.clause = c.Str(fb, "clause", true, fw);
      t.filed_by.message = c.Str(fb, "message", true, fw);
      t.filed_by.message_en = c.Str(fb, "message_en", false, fw);
    }
    // Completion-time rules may also read what the completion records.
    std::vector<std::string> completion_roots = roots;
    for (const auto& f : t.completion) completion_roots.push_back("completion." + f.id);
    for (const auto& f : t.fields)
      if (f.type == FieldType::kSystem && t.system_field.empty()) t.system_field = f.id;
    const YAML::Node one = d["approver"], chain = d["approvers"];
    if (one && chain) {
      c.Fail(chain, w + ": write either approver or approvers, not both");
    } else if (one) {
      t.approvers.push_back(ParseApprover(c, one, w + ".approver", t, pack));
    } else if (chain) {
      // An ordered chain (kobe:8.1.4): each step a role over a scope, taken by a different person.
      if (!chain.IsSequence() || chain.size() == 0) {
        c.Fail(chain, w + ".approvers must be a list of {role, scope}");
      } else if (chain.size() > 10) {
        c.Fail(chain, w + ".approvers may have at most 10 steps");
      } else {
        for (size_t i = 0; i < chain.size(); ++i)
          t.approvers.push_back(ParseApprover(c, chain[i], w + ".approvers[" + std::to_string(i + 1) + "]", t, pack));
      }
    } else {
      c.Fail(d, w + ".approver is required");
    }
    if (!t.approvers.empty()) t.approver = t.approvers.front();
    if (const YAML::Node deny = d["deny"]; deny) {
      if (!deny.IsSequence()) {
        c.Fail(deny, w + ".deny must be a list");
      } else {
        for (const auto& item : deny) {
          if (!c.Map(item, w + ".deny item")) continue;
          c.Keys(item, {"when", "clause", "message", "message_en", "at", "field"}, w + ".deny");
          DenyRule r;
          r.at = c.Str(item, "at", false, w + ".deny");
          if (r.at.empty()) r.at = "request";
          if (r.at != "request" && r.at != "completion")
            c.Fail(item["at"], w + ".deny.at must be request or completion");
          r.when = Condition(c, item["when"], w + ".deny.when", r.at == "completion" ? completion_roots : roots);
          r.field = c.Str(item, "field", false, w + ".deny");
          if (!r.field.empty()) {
            bool known = false;
            for (const auto& f : t.fields) known |= r.field == "fields." + f.id;
            if (r.at == "completion")
              for (const auto& f : t.completion) known |= r.field == "completion." + f.id;
            if (!known) c.Fail(item["field"], w + ".deny.field must name a field of the form" +
                                                  std::string(r.at == "completion" ? " or of the completion" : ""));
          }
          if (!item["when"]) c.Fail(item, w + ".deny.when is required");
          r.clause = c.Str(item, "clause", true, w + ".deny");
          r.message = c.Str(item, "message", true, w + ".deny");
          r.message_en = c.Str(item, "message_en", false, w + ".deny");
          t.deny.push_back(std::move(r));
        }
      }
    }
    static const std::vector<std::string> kStates = {"in_use", "taken_out", "provided", "disposed"};
    t.state_in_effect = c.Str(d, "state_in_effect", false, w);
    t.state_on_complete = c.Str(d, "state_on_complete", false, w);
    for (const auto* st : {&t.state_in_effect, &t.state_on_complete})
      if (!st->empty() && std::find(kStates.begin(), kStates.end(), *st) == kStates.end())
        c.Fail(d, w + ": unknown asset state '" + *st + "'");
    t.report_after = c.Bool(d, "report_after", false, w);
    t.report_within_hours = c.Int(d, "report_within_hours", 0, 0, 8760, w);
    if (t.report_after && t.report_within_hours == 0) c.Fail(d, w + ": report_after needs report_within_hours");
    t.expires_field = c.Str(d, "expires_field", false, w);
    if (!t.expires_field.empty()) {
      auto it = std::find_if(t.fields.begin(), t.fields.end(), [&](const FieldDef& f) { return f.id == t.expires_field; });
      if (it == t.fields.end() || it->type != FieldType::kDate)
        c.Fail(d["expires_field"], w + ".expires_field must name a date field");
    }
    t.retention_years = c.Int(d, "retention_years", 5, 1, 100, w);
    t.effect = c.Str(d, "effect", false, w);
    if (!t.effect.empty()) {
      if (!Contains(kRequestEffects, t.effect)) c.Fail(d["effect"], w + ".effect must be role_assign or mfa_reset");
      if (t.assets != "none") c.Fail(d, w + ": a request type with an effect needs assets: none");
      if (t.report_after) c.Fail(d, w + ": a request type with an effect cannot be report_after");
      // The effect reads these form fields; the pack must declare them.
      std::vector<std::string> needed = {"user_id"};
      if (t.effect == "role_assign") needed = {"user_id", "role", "scope_type", "scope_id", "valid_from", "valid_to"};
      for (const auto& id : needed)
        if (std::none_of(t.fields.begin(), t.fields.end(), [&](const FieldDef& f) { return f.id == id; }))
          c.Fail(d["fields"], w + ": effect " + t.effect + " needs the field '" + id + "'");
      if (pack.FindEffect(t.effect)) c.Fail(d["effect"], w + ": only one request type may have effect " + t.effect);
    }
    if (pack.FindRequestType(t.id)) c.Fail(kv.first, w + " is defined twice");
    t.workflow = RequestWorkflow(t);
    pack.request_types.push_back(std::move(t));
  }
}

bool IsPrefix(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
  });
}

void ParseSources(Checker& c, const YAML::Node& node, PolicyPack& pack) {
  if (!node) return;
  if (!c.Map(node, "sources")) return;
  for (const auto& kv : node) {
    Source s;
    s.prefix = kv.first.as<std::string>("");
    const std::string w = "sources." + s.prefix;
    if (!IsPrefix(s.prefix)) c.Fail(kv.first, w + ": a prefix is lower-case letters, digits, '-' or '_'");
    if (s.prefix == pack.pack) c.Fail(kv.first, w + ": the pack's own id needs no source entry");
    if (pack.FindSource(s.prefix)) c.Fail(kv.first, w + " is defined twice");
    if (!c.Map(kv.second, w)) continue;
    c.Keys(kv.second, {"title", "title_en"}, w);
    s.title = c.Str(kv.second, "title", true, w);
    s.title_en = c.Str(kv.second, "title_en", false, w);
    pack.sources.push_back(std::move(s));
  }
}

// role_grants: {deny: [{when, clause, message, message_en}]} over the grantee and the role.
void ParseRoleGrants(Checker& c, const YAML::Node& node, PolicyPack& pack) {
  if (!node || !c.Map(node, "role_grants")) return;
  c.Keys(node, {"deny"}, "role_grants");
  const YAML::Node deny = node["deny"];
  if (!deny) return;
  if (!deny.IsSequence()) {
    c.Fail(deny, "role_grants.deny must be a list");
    return;
  }
  const std::vector<std::string> roots(std::begin(kGrantFields), std::end(kGrantFields));
  for (const auto& item : deny) {
    if (!c.Map(item, "role_grants.deny item")) continue;
    c.Keys(item, {"when", "clause", "message", "message_en"}, "role_grants.deny");
    DenyRule r;
    r.when = Condition(c, item["when"], "role_grants.deny.when", roots);
    if (!item["when"]) c.Fail(item, "role_grants.deny.when is required");
    r.clause = c.Str(item, "clause", true, "role_grants.deny");
    r.message = c.Str(item, "message", true, "role_grants.deny");
    r.message_en = c.Str(item, "message_en", false, "role_grants.deny");
    pack.grant_deny.push_back(std::move(r));
  }
}

}  // namespace

std::optional<PolicyPack> ParsePack(const std::string& text, std::vector<PackError>& errors) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    errors.push_back({e.mark.line + 1, e.mark.column + 1, e.msg});
    return std::nullopt;
  }
  Checker c(errors);
  if (!root || !root.IsMap()) {
    errors.push_back({1, 1, "a policy pack must be a YAML mapping"});
    return std::nullopt;
  }
  c.Keys(root, {"pack", "title", "title_en", "version", "municipality", "sources", "clauses", "classification", "request_types", "clause_index", "roles", "separation_of_duties", "authentication", "role_grants", "sealing", "registers", "notification_templates"},
         "the pack");
  PolicyPack pack;
  pack.pack = c.Str(root, "pack", true, "pack");
  if (!pack.pack.empty() &&
      !std::all_of(pack.pack.begin(), pack.pack.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
      }))
    c.Fail(root["pack"], "pack must be lower-case letters, digits, '-' or '_'");
  pack.title = c.Str(root, "title", true, "pack");
  pack.title_en = c.Str(root, "title_en", false, "pack");
  pack.version = c.Str(root, "version", true, "pack");
  pack.municipality = c.Str(root, "municipality", true, "pack");
  ParseSources(c, root["sources"], pack);
  c.CitingFor(&pack);
  ParseRoles(c, root["roles"], pack, DeclaredRegisterPermissions(root["registers"]));
  ParseSeparation(c, root["separation_of_duties"], pack);
  ParseAuthentication(c, root["authentication"], pack.auth);
  ParseClassification(c, root["classification"], pack.classification);
  ParseRequestTypes(c, root["request_types"], pack);
  ParseRoleGrants(c, root["role_grants"], pack);
  ParseSealing(c, root["sealing"], pack);
  ParseNotificationTemplates(c, root["notification_templates"], pack);
  ParseRegisters(c, root["registers"], pack);
  if (std::any_of(pack.roles.begin(), pack.roles.end(), [](const RoleDef& r) { return r.second_person; }) &&
      !pack.FindEffect("role_assign"))
    errors.push_back({1, 1, "roles marked grant: second_person need a request type with effect: role_assign"});
  if (const YAML::Node idx = root["clause_index"]; idx) {
    if (!idx.IsSequence()) {
      c.Fail(idx, "clause_index must be a list");
    } else {
      for (const auto& item : idx) {
        if (!c.Map(item, "clause_index item")) continue;
        c.Keys(item, {"clause", "title", "handling"}, "clause_index");
        IndexedClause ic{c.Str(item, "clause", true, "clause_index"), c.Str(item, "title", true, "clause_index"),
                         c.Str(item, "handling", true, "clause_index")};
        if (ic.handling != "enforced" && ic.handling != "workflow" && ic.handling != "checklist" &&
            ic.handling != "organisational")
          c.Fail(item["handling"], "clause_index.handling must be enforced, workflow, checklist or organisational");
        pack.clause_index.push_back(std::move(ic));
      }
    }
  }
  if (const YAML::Node cl = root["clauses"]; cl && c.Map(cl, "clauses")) {
    c.Keys(cl, kClauseKeys, "clauses");
    for (const char* key : kClauseKeys) {
      const std::string v = c.Str(cl, key, false, "clauses");
      if (!v.empty()) c.CheckClause(cl[key], v, "clauses." + std::string(key));
      if (!v.empty()) pack.clauses[key] = v;
    }
  }
  ParseBuiltinRegisters(c, pack);
  // Roles that the server itself relies on at init time must exist.
  for (const char* needed : {"infrastructure_manager", "security_manager"})
    if (!pack.FindRole(needed))
      errors.push_back({1, 1, std::string("role '") + needed + "' is required (the initial administrator holds it)"});
  if (!errors.empty()) return std::nullopt;
  return pack;
}

Result<PolicyPack> LoadPackFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Validation("policy", "unreadable", "ポリシーパックを読み込めません: " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<PackError> errors;
  auto pack = ParsePack(ss.str(), errors);
  if (pack) return std::move(*pack);
  Error e;
  e.code = ErrorCode::kValidationFailed;
  e.detail = path + ":";
  for (const auto& err : errors) {
    e.detail += "\n  line " + std::to_string(err.line) + ": " + err.message;
    e.fields.push_back({"line " + std::to_string(err.line), err.message});
  }
  return e;
}

// Parses a condition; an error names the line of the node and the column inside the text.
Expr Condition(Checker& c, const YAML::Node& node, const std::string& where,
               const std::vector<std::string>& roots) {
  if (!node) return {};
  if (!node.IsScalar()) {
    c.Fail(node, where + " must be a condition (text)");
    return {};
  }
  auto parsed = Expr::ParseDetailed(node.Scalar());
  if (auto* err = std::get_if<ParseError>(&parsed)) {
    c.Fail(node, where + ": column " + std::to_string(err->column) + ": " + err->message);
    return {};
  }
  Expr e = std::get<Expr>(parsed);
  // Every field a condition reads must be one the request can supply: a typo would
  // otherwise read null and silently never match.
  for (const auto& f : e.Fields()) {
    bool ok = false;
    for (const auto& r : roots) ok |= f == r || f.rfind(r + ".", 0) == 0;
    if (!ok) c.Fail(node, where + ": unknown field '" + f + "'");
  }
  return e;
}


}  // namespace mamori::policy
