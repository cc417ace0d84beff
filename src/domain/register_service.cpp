#include "domain/register_service.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include "common/json_input.hpp"
#include "common/time.hpp"
#include "domain/holders.hpp"
#include "domain/log_view.hpp"
#include "domain/register_children.hpp"
#include "domain/register_effects.hpp"

namespace mamori::domain {
namespace {

using policy::RegisterField;
using policy::RegisterFieldType;
using policy::RegisterSpec;
using json = nlohmann::json;

std::string TargetOf(const RegisterSpec& r, const std::string& id) { return r.object + ":" + id; }
std::string Aad(const RegisterSpec& r, const std::string& id, const std::string& field) {
  return r.id + ":" + id + ":" + field;
}

Error NotFound(const RegisterSpec& r) { return Error::NotFound(r.title); }

// Checks one value against its field and puts the canonical value (or null) in `out`. `name` is
// the field as the problem document names it.
void CheckValue(const RegisterField& f, const json& v, const std::string& name, int64_t row,
                std::vector<FieldError>& errors, json& out) {
  auto fail = [&](const char* code) { errors.emplace_back(name, code, row); };
  out = nullptr;
  if (v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty())) return;
  switch (f.type) {
    case RegisterFieldType::kInt: {
      if (!v.is_number_integer()) return fail("wrong_type");
      const int64_t n = v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX ? INT64_MAX : v.get<int64_t>();
      if (n < f.min || n > f.max) return fail("out_of_range");
      out = n;
      return;
    }
    case RegisterFieldType::kBool:
      if (!v.is_boolean()) return fail("wrong_type");
      out = v.get<bool>();
      return;
    default:
      break;
  }
  if (!v.is_string()) return fail("wrong_type");
  const std::string& s = v.get_ref<const std::string&>();
  switch (f.type) {
    case RegisterFieldType::kText:
    case RegisterFieldType::kLongText: {
      const std::string code =
          CheckString(s, {1, static_cast<size_t>(f.max_length), f.type == RegisterFieldType::kLongText});
      if (!code.empty()) {
        errors.emplace_back(name, code, row);
        return;
      }
      break;
    }
    case RegisterFieldType::kDecimal: {
      static const std::regex kDecimal(R"(^-?[0-9]{1,15}(\.[0-9]{1,6})?$)");
      if (!std::regex_match(s, kDecimal)) return fail("invalid_format");
      const size_t dot = s.find('.');
      if (dot != std::string::npos && static_cast<int>(s.size() - dot - 1) > f.scale) return fail("invalid_format");
      const int64_t whole = std::stoll(s.substr(0, dot));
      const bool has_fraction = dot != std::string::npos && s.find_first_not_of('0', dot + 1) != std::string::npos;
      // A decimal is a string: any value outside its range is a format error, like a bad digit.
      if (whole < f.min || whole > f.max || (whole == f.max && has_fraction && s[0] != '-')) return fail("invalid_format");
      if (s[0] == '-' && whole == 0 && has_fraction && f.min >= 0) return fail("invalid_format");
      break;
    }
    case RegisterFieldType::kDate:
      if (!ParseDate(s)) return fail("invalid_format");
      break;
    case RegisterFieldType::kDateTime: {
      const auto t = ParseRfc3339(s);
      if (!t || s.size() < 11) return fail("invalid_format");
      out = FormatRfc3339(*t);
      return;
    }
    case RegisterFieldType::kChoice:
      if (!f.FindChoice(s)) return fail("not_allowed");
      break;
    default:  // references: an id, checked to exist inside the transaction
      if (s.size() > 64 || !CheckString(s, {1, 64}).empty()) return fail("invalid_format");
      break;
  }
  out = s;
}

// True for a key a record's JSON carries that is not a field: the record's own keys, and the
// names and labels beside references and choices (api/register_views).
bool IsAnswerKey(const RegisterSpec& r, const std::string& key) {
  if (std::find(std::begin(policy::kReservedFieldIds), std::end(policy::kReservedFieldIds), key) !=
      std::end(policy::kReservedFieldIds))
    return key != "fields" && key != "note" && key != "q" && key != "page" && key != "per_page" && key != "sort" &&
           key != "format";
  for (const auto& f : r.fields) {
    const std::string stem = f.id.ends_with("_id") ? f.id.substr(0, f.id.size() - 3) : f.id;
    if (policy::IsReference(f.type) && key == stem + "_name") return true;
    if (f.type == RegisterFieldType::kChoice && (key == f.id + "_label" || key == f.id + "_label_en")) return true;
  }
  return false;
}

// What a body may set: every field but the read-only ones (or only `allowed`, for a
// transition's form). Unknown keys are named.
enum class Mode { kCreate, kUpdate, kForm };

// Validates `body` against the register's fields, into canonical `values`.
void CheckBody(const RegisterSpec& r, const json& body, Mode mode, const std::vector<std::string>& allowed,
               const std::string& prefix, int64_t row, std::vector<FieldError>& errors, json& values) {
  for (const auto& [key, v] : body.items()) {
    const std::string name = prefix + key;
    if (mode == Mode::kUpdate && key == "version") continue;
    const RegisterField* f = r.FindField(key);
    const bool in_form = std::find(allowed.begin(), allowed.end(), key) != allowed.end();
    if (!f && mode != Mode::kForm && IsAnswerKey(r, key)) {
      errors.emplace_back(name, "read_only", row);  // a key the record answers, sent back
      continue;
    }
    if (!f || (mode == Mode::kForm && !in_form)) {
      const bool clean = CheckString(key, StringRule{1, 64, false}).empty();
      errors.emplace_back(prefix + (clean ? key : std::string("(invalid)")), "unknown_field", row);
      continue;
    }
    if (mode != Mode::kForm && f->read_only) {
      errors.emplace_back(name, "read_only", row);
      continue;
    }
    json out;
    const size_t before = errors.size();
    CheckValue(*f, v, name, row, errors, out);
    if (errors.size() != before) continue;
    if (out.is_null() && f->required) {
      errors.emplace_back(name, "required", row);
      continue;
    }
    if (out.is_null() && mode == Mode::kUpdate && !f->clearable) {
      errors.emplace_back(name, "required", row);
      continue;
    }
    values[key] = out;
  }
}

policy::Value ExprValue(const json& v) {
  if (v.is_boolean()) return policy::Value(v.get<bool>());
  if (v.is_number_integer()) return policy::Value(v.get<int64_t>());
  if (v.is_string()) return policy::Value(v.get<std::string>());
  return {};
}

std::string Display(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "はい" : "いいえ";
  if (v.is_number()) return v.dump();
  return "";
}


std::string StrValue(const storage::RegisterRecord& rec, const std::string& field) {
  auto it = rec.values.find(field);
  if (it == rec.values.end()) return {};
  const auto* s = std::get_if<std::string>(&it->second);
  return s ? *s : std::string();
}

// The system a record belongs to ("" for none): its system field's value, or the record's own
// id in the system ledger.
std::string SystemOf(const RegisterSpec& r, const storage::RegisterRecord& rec) {
  if (r.self_system) return rec.id;
  return r.system_field.empty() ? std::string() : StrValue(rec, r.system_field);
}

}  // namespace

storage::TableSpec TableSpecOf(const RegisterSpec& spec) {
  storage::TableSpec t;
  t.name = spec.Table();
  t.column_prefix = spec.column_prefix;
  t.order_column = spec.order_by;
  for (const auto& f : spec.fields) {
    storage::ColumnSpec c;
    c.name = f.id;
    c.type = f.type == RegisterFieldType::kInt    ? storage::ColumnType::kInt
             : f.type == RegisterFieldType::kBool ? storage::ColumnType::kBool
                                                  : storage::ColumnType::kText;
    const bool scope = f.id == spec.owner_unit_field || f.id == spec.system_field;
    c.indexed = f.filter || scope;
    // Totals are summed over the counted columns: the scope, and the small choice filters.
    c.counted = scope || (f.filter && f.type == RegisterFieldType::kChoice && f.choices.size() <= 20);
    t.columns.push_back(std::move(c));
  }
  return t;
}

std::optional<int64_t> DeadlineFor(const policy::StateDef& state, const json& values, int64_t entered_at) {
  if (!state.deadline) return std::nullopt;
  if (!state.deadline->cases.empty()) return DeadlineByCases(state, values, entered_at);
  const policy::Deadline& d = *state.deadline;
  if (!d.field.empty()) {
    auto it = values.find(d.field);
    if (it == values.end() || !it->is_string()) return std::nullopt;
    const auto date = ParseDate(it->get<std::string>());
    if (!date) return std::nullopt;
    // The end of that day: midnight JST at the start of the next.
    return JstMidnightMicros(*date) + kMicrosPerDay;
  }
  if (d.after_minutes > 0) return entered_at + d.after_minutes * kMicrosPerMinute;
  CivilDate today = JstDate(entered_at);
  CivilDate due{today.year, d.fiscal_month, d.fiscal_day};
  if (due < today) due.year += 1;
  return JstMidnightMicros(due) + kMicrosPerDay;
}

struct RegisterService::Loaded {
  storage::RegisterRecord record;
  OrgTree tree;
  bool parent_party = false;  // a sub-record: the reader is a parent.create_by party of its parent
};

RegisterService::RegisterService(Env& env) : env_(env), access_(env.pack) {
  notify_ = [notifier = Notifier(env)](storage::Connection& c, const RegisterNotice& n) mutable {
    return notifier.Send(c, n);
  };
  for (const auto& r : env_.pack.registers) tables_.emplace(r.id, TableSpecOf(r));
}

Status RegisterService::EnsureTables() {
  return env_.db.Write([&](storage::Connection& c) -> Status {
    for (const auto& [id, table] : tables_) MAMORI_TRY(storage::EnsureTable(c, table));
    return Ok();
  });
}

bool RegisterService::CanRead(const Actor& a, const RegisterSpec& r) const {
  return access_.Has(a, r.read_permission);
}

bool RegisterService::CanCreate(const Actor& a, const RegisterSpec& r) const {
  return access_.Has(a, r.create_permission);
}

bool RegisterService::Reaches(const Actor& a, const std::string& permission, const RegisterSpec& r,
                              const storage::RegisterRecord& rec, const OrgTree& tree) const {
  if (r.shared && permission == r.read_permission && access_.Has(a, permission)) return true;
  const UnitScope units = access_.Units(a, permission, tree);
  if (units.all) return true;
  if (!r.owner_unit_field.empty()) {
    auto it = rec.values.find(r.owner_unit_field);
    if (it != rec.values.end())
      if (const auto* s = std::get_if<std::string>(&it->second); s && units.Covers(*s)) return true;
  } else if (units.Covers(rec.creator_org_unit_id)) {
    return true;
  }
  if (const std::string sys = SystemOf(r, rec); !sys.empty()) {
    for (const auto& ra : a.roles) {
      if (ra.scope_type != "system" || ra.scope_id != sys) continue;
      const policy::RoleDef* def = env_.pack.FindRole(ra.role);
      if (def && std::find(def->permissions.begin(), def->permissions.end(), permission) != def->permissions.end())
        return true;
    }
  }
  return false;
}

namespace {

// The scope a role party is checked over, for a record: {scope type, scope id}.
std::pair<std::string, std::string> PartyScope(const policy::Party& p, const RegisterSpec& r,
                                               const storage::RegisterRecord& rec) {
  if (p.scope == "city") return {"city", ""};
  if (p.scope == "system") return {"system", SystemOf(r, rec)};
  if (p.scope == "creator_unit") return {"org_unit", rec.creator_org_unit_id};
  return {"org_unit", StrValue(rec, r.owner_unit_field)};
}

}  // namespace

bool RegisterService::IsParty(const Actor& a, const policy::Party& p, const RegisterSpec& r,
                              const storage::RegisterRecord& rec, const OrgTree& tree) const {
  if (p.kind == "creator") return rec.created_by == a.user_id;
  if (p.kind == "manage") return Reaches(a, r.manage_permission, r, rec, tree);
  if (p.kind == "user_field") return !a.user_id.empty() && StrValue(rec, p.field) == a.user_id;
  const auto [type, id] = PartyScope(p, r, rec);
  if (type != "city" && id.empty()) return false;
  return std::any_of(a.roles.begin(), a.roles.end(), [&](const storage::RoleAssignmentRecord& ra) {
    return Covers(ra, p.role, type, id, tree);
  });
}

bool RegisterService::MayEdit(const Actor& a, const RegisterSpec& r, const storage::RegisterRecord& rec,
                              const OrgTree& tree, bool parent_party) const {
  const policy::StateDef* st = r.workflow ? r.workflow->FindState(rec.state) : nullptr;
  if (st && st->final) return false;
  if (!r.workflow || !r.workflow->edit) return parent_party || Reaches(a, r.manage_permission, r, rec, tree);
  const std::vector<policy::Party>* editors = r.workflow->EditorsOf(rec.state);
  if (!editors) return false;
  return std::any_of(editors->begin(), editors->end(), [&](const policy::Party& p) { return IsParty(a, p, r, rec, tree); });
}

std::vector<const policy::Transition*> RegisterService::Offered(const Actor& a, const RegisterSpec& r,
                                                                const storage::RegisterRecord& rec,
                                                                const OrgTree& tree) const {
  std::vector<const policy::Transition*> out;
  if (!r.workflow) return out;
  for (const auto& t : r.workflow->transitions) {
    if (std::find(t.from.begin(), t.from.end(), rec.state) == t.from.end()) continue;
    bool may = false;
    if (!t.chain.empty()) {
      may = policy::MayTakeStep(t.chain.size(), rec.step, rec.step_actors, a.user_id) &&
            IsParty(a, t.chain[static_cast<size_t>(rec.step)], r, rec, tree);
    } else {
      for (const auto& p : t.by) may = may || IsParty(a, p, r, rec, tree);
    }
    if (may) out.push_back(&t);
  }
  return out;
}

Result<json> RegisterService::Opened(const RegisterSpec& r, const storage::RegisterRecord& rec) const {
  json values = json::object();
  for (const auto& f : r.fields) {
    auto it = rec.values.find(f.id);
    if (it == rec.values.end() || std::holds_alternative<std::nullptr_t>(it->second)) {
      values[f.id] = nullptr;
      continue;
    }
    if (const auto* n = std::get_if<int64_t>(&it->second)) {
      values[f.id] = f.type == RegisterFieldType::kBool ? json(*n != 0) : json(*n);
      continue;
    }
    const std::string& s = std::get<std::string>(it->second);
    if (f.sealed) {
      MAMORI_ASSIGN(auto plain, env_.sealer->Open(s, Aad(r, rec.id, f.id)));
      values[f.id] = plain;
    } else {
      values[f.id] = s;
    }
  }
  return values;
}

Result<storage::RegisterRecord> RegisterService::Stored(const RegisterSpec& r, storage::RegisterRecord rec,
                                                        const json& values) const {
  rec.values.clear();
  for (const auto& f : r.fields) {
    auto it = values.find(f.id);
    if (it == values.end() || it->is_null()) {
      rec.values[f.id] = nullptr;
    } else if (it->is_boolean()) {
      rec.values[f.id] = static_cast<int64_t>(it->get<bool>() ? 1 : 0);
    } else if (it->is_number_integer()) {
      rec.values[f.id] = it->get<int64_t>();
    } else if (f.sealed) {
      MAMORI_ASSIGN(auto sealed, env_.sealer->Seal(it->get<std::string>(), Aad(r, rec.id, f.id)));
      rec.values[f.id] = std::move(sealed);
    } else {
      rec.values[f.id] = it->get<std::string>();
    }
  }
  return rec;
}

Status RegisterService::CheckReferences(storage::Connection& c, const RegisterSpec& r, const json& values,
                                        const OrgTree& tree, const std::string& prefix, int64_t row) const {
  std::vector<FieldError> errors;
  for (const auto& f : r.fields) {
    if (!policy::IsReference(f.type)) continue;
    auto it = values.find(f.id);
    if (it == values.end() || !it->is_string()) continue;
    const std::string id = it->get<std::string>();
    bool found = false;
    if (f.type == RegisterFieldType::kOrgUnit) {
      found = tree.Contains(id);
    } else if (f.type == RegisterFieldType::kUser) {
      MAMORI_ASSIGN(auto u, storage::UserRepo(c).Get(id));
      found = u && u->status != "deleted";
    } else if (f.type == RegisterFieldType::kSystem) {
      MAMORI_ASSIGN(auto s, storage::SystemRepo(c).Get(id));
      found = s.has_value();
    } else {
      MAMORI_ASSIGN(auto as, storage::AssetRepo(c).Get(id));
      found = as.has_value();
    }
    if (!found) errors.emplace_back(prefix + f.id, "not_found", row);
  }
  if (!errors.empty()) return Error::Invalid(std::move(errors));
  return Ok();
}

Result<std::vector<RecordView>> RegisterService::ViewsOf(storage::Connection& c, const Actor& a, const RegisterSpec& r,
                                                         std::vector<storage::RegisterRecord> recs,
                                                         const OrgTree& tree) {
  std::vector<RecordView> out;
  std::set<std::string> users, systems, assets;
  MAMORI_ASSIGN(const std::set<std::string> parent_party, ParentPartyOf(c, a, r, recs, tree));
  const int64_t now = env_.clock.NowMicros();
  for (auto& rec : recs) {
    RecordView v;
    v.spec = &r;
    MAMORI_ASSIGN(v.values, Opened(r, rec));
    v.actions = Offered(a, r, rec, tree);
    v.can_update = MayEdit(a, r, rec, tree, r.parent && parent_party.count(StrValue(rec, r.parent->field)));
    v.overdue = IsOverdue(r, rec, now);
    if (!r.repeat_field.empty()) {
      MAMORI_ASSIGN(v.repeat_count, RepeatCount(c, tables_.at(r.id), r, rec));
    }
    // A transition whose condition over the record is false now is not offered (Transition would
    // refuse it with 409); a condition that reads the form or the actor is left to Transition.
    if (std::any_of(v.actions.begin(), v.actions.end(), [](const auto* t) { return !t->when.ToString().empty(); })) {
      policy::Context ctx;
      for (const auto& [key, val] : v.values.items())
        if (!val.is_null()) ctx.Set("record." + key, ExprValue(val));
      ctx.Set("record.id", policy::Value(rec.id));
      ctx.Set("record.state", policy::Value(rec.state));
      ctx.Set("record.step", policy::Value(rec.step));
      if (v.repeat_count) ctx.Set("record.repeat_count", policy::Value(*v.repeat_count));
      ctx.Set("today", policy::Value(env_.Today()));
      ctx.Set("now", policy::Value(FormatRfc3339(now)));
      std::erase_if(v.actions, [&](const policy::Transition* t) {
        const std::string text = t->when.ToString();
        if (text.empty() || text.find("form.") != std::string::npos || text.find("actor.") != std::string::npos)
          return false;
        auto holds = t->when.Evaluate(ctx);
        return holds.ok() && !*holds;
      });
    }
    for (const auto& f : r.fields) {
      const json& val = v.values[f.id];
      if (!val.is_string()) continue;
      const std::string id = val.get<std::string>();
      if (f.type == RegisterFieldType::kOrgUnit) {
        if (const auto* u = tree.Find(id)) v.names[f.id] = u->name;
      } else if (f.type == RegisterFieldType::kUser) {
        users.insert(id);
      } else if (f.type == RegisterFieldType::kSystem) {
        systems.insert(id);
      } else if (f.type == RegisterFieldType::kAsset) {
        assets.insert(id);
      }
    }
    v.record = std::move(rec);
    out.push_back(std::move(v));
  }
  std::map<std::string, std::string> names;
  if (!users.empty()) {
    MAMORI_ASSIGN(auto found, storage::UserRepo(c).GetMany({users.begin(), users.end()}));
    for (const auto& u : found) names[u.id] = u.name;
  }
  // A system or an asset is named only to a reader of systems or assets; a restricted asset
  // (the pack's classification.restricted) only to those who may read restricted assets.
  if (!systems.empty() && access_.Has(a, perm::kSystemsRead)) {
    MAMORI_ASSIGN(auto found, storage::SystemRepo(c).GetMany({systems.begin(), systems.end()}));
    for (const auto& s : found) names[s.id] = s.name;
  }
  if (!assets.empty() && access_.Has(a, perm::kAssetsRead)) {
    const int restricted = env_.pack.classification.restricted_confidentiality;
    const bool may_restricted = access_.Has(a, perm::kAssetsReadRestricted);
    MAMORI_ASSIGN(auto found, storage::AssetRepo(c).GetMany({assets.begin(), assets.end()}));
    for (const auto& as : found)
      if (restricted == 0 || as.confidentiality < restricted || may_restricted) names[as.id] = as.name;
  }
  for (auto& v : out)
    for (const auto& f : r.fields) {
      const json& val = v.values[f.id];
      if (!val.is_string() || f.type == RegisterFieldType::kOrgUnit || !policy::IsReference(f.type)) continue;
      if (auto it = names.find(val.get<std::string>()); it != names.end()) v.names[f.id] = it->second;
    }
  return out;
}

Result<RecordView> RegisterService::ViewOf(storage::Connection& c, const Actor& a, const RegisterSpec& r,
                                           storage::RegisterRecord rec, const OrgTree& tree) {
  std::vector<storage::RegisterRecord> one;
  one.push_back(std::move(rec));
  MAMORI_ASSIGN(auto views, ViewsOf(c, a, r, std::move(one), tree));
  return std::move(views.front());
}

bool RegisterService::Sees(const Actor& a, const RegisterSpec& r, const storage::RegisterRecord& rec,
                           const OrgTree& tree) const {
  // A record is seen by readers over its scope, by its creator and by the people its user
  // fields name (the borrower, the person a notice is addressed to), unless the register keeps
  // its records to the readers (visible_to_parties: false).
  if (Reaches(a, r.read_permission, r, rec, tree) || Reaches(a, r.manage_permission, r, rec, tree)) return true;
  if (!r.visible_to_parties || a.user_id.empty()) return false;
  if (rec.created_by == a.user_id) return true;
  return std::any_of(r.fields.begin(), r.fields.end(), [&](const RegisterField& f) {
    return f.type == RegisterFieldType::kUser && StrValue(rec, f.id) == a.user_id;
  });
}

Result<std::map<std::string, std::string>> RegisterService::VisibleTitles(storage::Connection& c, const Actor& a,
                                                                          const RegisterSpec& r,
                                                                          const std::vector<std::string>& ids,
                                                                          const OrgTree& tree) const {
  std::map<std::string, std::string> out;
  if (ids.empty()) return out;
  const RegisterField* title = nullptr;
  for (const auto& f : r.fields)
    if (!title && f.list && !f.sealed && f.type == RegisterFieldType::kText) title = &f;
  for (const auto& f : r.fields)
    if (!title && !f.sealed && f.type == RegisterFieldType::kText) title = &f;
  MAMORI_ASSIGN(auto found, storage::RegisterRepo(c, tables_.at(r.id)).GetMany(ids));
  for (const auto& rec : found) {
    MAMORI_ASSIGN(const bool seen, SeesIn(c, a, r, rec, tree));
    if (seen) {
      const std::string t = title ? StrValue(rec, title->id) : std::string();
      out.emplace(rec.id, t.empty() ? r.title + "（#" + rec.id.substr(0, 8) + "）" : t);
    }
  }
  return out;
}

Result<RegisterService::Loaded> RegisterService::Load(storage::Connection& c, const Actor& a, const RegisterSpec& r,
                                                      const std::string& id) {
  MAMORI_ASSIGN(auto found, storage::RegisterRepo(c, tables_.at(r.id)).Get(id));
  if (!found) return NotFound(r);
  MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
  MAMORI_ASSIGN(const bool seen, SeesIn(c, a, r, *found, tree));
  if (!seen) return NotFound(r);
  MAMORI_ASSIGN(const bool parent_party, ParentParty(c, a, r, *found, tree));
  return Loaded{std::move(*found), std::move(tree), parent_party};
}

Result<RegisterService::Seen> RegisterService::SeenIn(storage::Connection& c, const Actor& a, const RegisterSpec& r,
                                                      const std::string& id) {
  MAMORI_ASSIGN(auto loaded, Load(c, a, r, id));
  const bool manages = Reaches(a, r.manage_permission, r, loaded.record, loaded.tree);
  return Seen{std::move(loaded.record), manages};
}

namespace {

void PutActor(policy::Context& ctx, const Actor& a, const std::string& org_unit_id) {
  policy::Value::List roles;
  for (const auto& ra : a.roles) roles.emplace_back(ra.role);
  ctx.Set("actor.roles", policy::Value(std::move(roles)));
  ctx.Set("actor.user_id", policy::Value(a.user_id));
  ctx.Set("actor.org_unit_id", policy::Value(org_unit_id));
}

Result<std::string> ActorUnit(storage::Connection& c, const Actor& a) {
  MAMORI_ASSIGN(auto u, storage::UserRepo(c).Get(a.user_id));
  return u ? u->org_unit_id : std::string();
}

json Changes(const json& before, const json& after) {
  json changes = json::object();
  for (const auto& [key, value] : after.items())
    if (!before.contains(key) || before[key] != value) changes[key] = {{"from", before.value(key, json())}, {"to", value}};
  return changes;
}

}  // namespace

Result<RecordView> RegisterService::CreateIn(storage::Connection& c, const Actor& a, const RegisterSpec& r,
                                             const json& body, const OrgTree& tree, int64_t row) {
  std::vector<FieldError> errors;
  json values = json::object();
  if (!body.is_object()) return Error::Validation("body", "wrong_type");
  CheckBody(r, body, Mode::kCreate, {}, "", row, errors, values);
  for (const auto& f : r.fields)
    if (f.required && !values.contains(f.id) &&
        std::none_of(errors.begin(), errors.end(), [&](const FieldError& e) { return e.field == f.id; }))
      errors.emplace_back(f.id, "required", row);
  if (!errors.empty()) return Error::Invalid(std::move(errors));
  MAMORI_TRY(CheckReferences(c, r, values, tree, "", row));
  bool parent_party = false;
  if (r.parent) {
    MAMORI_ASSIGN(parent_party, CheckParentForCreate(c, a, r, values, tree));
  }
  MAMORI_ASSIGN(std::string unit, ActorUnit(c, a));
  if (!r.create_when.ToString().empty()) {
    policy::Context ctx;
    PutActor(ctx, a, unit);
    MAMORI_ASSIGN(bool ok, r.create_when.Evaluate(ctx));
    if (!ok)
      return Error{ErrorCode::kPolicyDenied, "この台帳に登録できる役割ではありません", env_.pack.Cite(r.create_clause), {}};
  }
  const int64_t now = env_.clock.NowMicros();
  storage::RegisterRecord rec;
  rec.id = NewId();
  rec.creator_org_unit_id = unit;
  rec.created_by = a.user_id;
  rec.created_at = rec.updated_at = now;
  rec.version = 1;
  if (r.workflow) {
    rec.state = r.workflow->initial;
    rec.deadline_at = DeadlineFor(*r.workflow->FindState(rec.state), values, now);
  }
  MAMORI_ASSIGN(auto stored, Stored(r, rec, values));
  // Scope: the creator's permission must reach the new record's owner section.
  // A sub-record's parent.create_by party may add one whatever its own permissions.
  if (!parent_party && !Reaches(a, r.create_permission, r, stored, tree))
    return Error::Forbidden("この所属の記録を登録する権限がありません");
  MAMORI_TRY(storage::RegisterRepo(c, tables_.at(r.id)).Insert(stored));
  audit::Event e = a.Event(r.log_prefix + ".create", TargetOf(r, rec.id));
  json detail = json::object();
  for (const auto& f : r.fields) {
    if (!values.contains(f.id) || values[f.id].is_null()) continue;
    detail[f.id] = f.sealed ? json{{"sealed", true}} : values[f.id];
  }
  if (!rec.state.empty()) detail["state"] = rec.state;
  e.detail = detail;
  e.clause = env_.pack.Cite(r.clause);
  MAMORI_TRY(env_.log.Record(c, e));
  MAMORI_TRY(Notify(c, a, r, r.create_notify, stored, values, tree));
  return ViewOf(c, a, r, std::move(stored), tree);
}

Result<RecordView> RegisterService::Create(const Actor& a, const RegisterSpec& r, const json& body) {
  // A sub-record may also be added by a party of its parent (checked with the parent).
  if (!r.parent && !access_.Has(a, r.create_permission)) return Error::Forbidden();
  return env_.db.Write([&](storage::Connection& c) -> Result<RecordView> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    return CreateIn(c, a, r, body, tree, 0);
  });
}

Result<int64_t> RegisterService::Import(const Actor& a, const RegisterSpec& r,
                                        const std::vector<std::pair<int64_t, json>>& rows) {
  if (!access_.Has(a, r.create_permission)) return Error::Forbidden();
  if (rows.empty()) return Error::Validation("file", "empty", "取り込む行がありません");
  return env_.db.Write([&](storage::Connection& c) -> Result<int64_t> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    std::vector<FieldError> errors;
    for (const auto& [row, body] : rows) {
      auto created = CreateIn(c, a, r, body, tree, row);
      if (created.ok()) continue;
      Error err = created.error();
      if (err.fields.empty()) err.fields.emplace_back("row", err.detail.empty() ? "refused" : err.detail, row);
      for (auto& fe : err.fields) {
        if (fe.row == 0) fe.row = row;
        errors.push_back(fe);
      }
      if (errors.size() > 200) break;
    }
    // Nothing is kept when any row failed: the whole write rolls back.
    if (!errors.empty()) return Error::Invalid(std::move(errors));
    audit::Event e = a.Event(r.log_prefix + ".import", r.object);
    e.detail = {{"rows", rows.size()}};
    MAMORI_TRY(env_.log.Record(c, e));
    return static_cast<int64_t>(rows.size());
  });
}

Result<RecordView> RegisterService::Get(const Actor& a, const RegisterSpec& r, const std::string& id) {
  return env_.db.Read([&](storage::Connection& c) -> Result<RecordView> {
    MAMORI_ASSIGN(auto loaded, Load(c, a, r, id));
    return ViewOf(c, a, r, std::move(loaded.record), loaded.tree);
  });
}

Result<RecordList> RegisterService::List(const Actor& a, const RegisterSpec& r, const RecordQuery& q) {
  // A sub-record register lists one parent's children, to whoever sees the parent; a reporter
  // (create, not read) of a reportable register lists the records they created.
  const bool own_only = !r.parent && !access_.Has(a, r.read_permission) && r.reportable &&
                        access_.Has(a, r.create_permission);
  if (!r.parent && !access_.Has(a, r.read_permission) && !own_only) return Error::Forbidden();
  std::vector<FieldError> errors;
  storage::RegisterFilter f;
  if (!q.state.empty()) {
    if (!r.workflow || !r.workflow->FindState(q.state)) errors.emplace_back("state", "not_allowed");
    f.state = q.state;
  }
  for (const auto& [key, raw] : q.eq) {
    const RegisterField* field = r.FindField(key);
    if (!field || !field->filter) {
      errors.emplace_back(key, "unknown_field");
      continue;
    }
    json given = raw;
    if (field->type == RegisterFieldType::kInt) {
      try {
        size_t used = 0;
        given = std::stoll(raw, &used);
        if (used != raw.size()) given = raw;
      } catch (...) {
      }
    } else if (field->type == RegisterFieldType::kBool) {
      given = raw == "true" ? json(true) : raw == "false" ? json(false) : json(raw);
    }
    json out;
    CheckValue(*field, given, key, 0, errors, out);
    if (out.is_null()) continue;
    f.eq[key] = out.is_boolean() ? storage::Value(static_cast<int64_t>(out.get<bool>())) :
                out.is_number_integer() ? storage::Value(out.get<int64_t>()) : storage::Value(out.get<std::string>());
  }
  if (std::string code = CheckString(q.q, {0, 100}); !code.empty()) errors.emplace_back("q", code);
  if (r.parent && !f.eq.count(r.parent->field) &&
      std::none_of(errors.begin(), errors.end(), [&](const FieldError& e) { return e.field == r.parent->field; }))
    errors.emplace_back(r.parent->field, "required");
  if (q.fiscal_year != 0) {
    if (!r.fiscal_year) errors.emplace_back("fiscal_year", "unknown_field");
    else if (!ValidFiscalYear(q.fiscal_year)) errors.emplace_back("fiscal_year", "invalid_format");
    else FiscalYearFilter(r, q.fiscal_year, f);
  }
  if (!errors.empty()) return Error::Invalid(std::move(errors));
  for (const auto& field : r.fields)
    if (field.search) f.q_cols.push_back(field.id);
  f.q = q.q;
  return env_.db.Read([&](storage::Connection& c) -> Result<RecordList> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    const UnitScope scope = access_.Units(a, r.read_permission, tree);
    std::optional<bool> child_can_create;
    if (r.parent) {
      const std::string parent_id = std::get<std::string>(f.eq.at(r.parent->field));
      MAMORI_ASSIGN(auto parent, ParentRecord(c, r, parent_id));
      const policy::RegisterSpec& ps = *Find(r.parent->register_id);
      MAMORI_ASSIGN(const bool parent_seen, parent ? Visible(c, a, ps, *parent, tree) : Result<bool>(false));
      if (!parent_seen) return Error::NotFound(ps.title);
      const policy::StateDef* pst = ps.workflow ? ps.workflow->FindState(parent->state) : nullptr;
      child_can_create = !(pst && pst->final) && (IsCreateParty(a, r, *parent, tree) || access_.Has(a, r.create_permission));
    } else if (own_only) {
      f.created_by = a.user_id;
    } else if (!scope.all && !r.shared) {
      f.restrict = true;
      if (!r.owner_unit_field.empty()) {
        f.org_unit_col = r.owner_unit_field;
        f.org_unit_ids.assign(scope.units.begin(), scope.units.end());
      } else {
        f.creator_unit_ids.assign(scope.units.begin(), scope.units.end());
      }
      if (!r.system_field.empty() || r.self_system) {
        std::vector<std::string> systems;
        for (const auto& ra : a.roles) {
          const policy::RoleDef* def = env_.pack.FindRole(ra.role);
          if (ra.scope_type == "system" && def &&
              std::find(def->permissions.begin(), def->permissions.end(), r.read_permission) != def->permissions.end())
            systems.push_back(ra.scope_id);
        }
        if (r.self_system) {
          f.ids = std::move(systems);
        } else {
          f.system_col = r.system_field;
          f.system_ids = std::move(systems);
        }
      }
    }
    storage::RegisterRepo repo(c, tables_.at(r.id));
    MAMORI_ASSIGN(auto recs, repo.List(f, q.page));
    RecordList out;
    MAMORI_ASSIGN(out.total, repo.Count(f));
    if (r.restrict_by_asset) {  // kept from this reader by its asset: left out of the page and the total
      std::vector<storage::RegisterRecord> shown;
      for (auto& rec : recs) {
        MAMORI_ASSIGN(bool hidden, HiddenByAsset(c, a, r, rec, tree));
        if (hidden) --out.total;
        else shown.push_back(std::move(rec));
      }
      recs = std::move(shown);
    }
    MAMORI_ASSIGN(out.items, ViewsOf(c, a, r, std::move(recs), tree));
    out.can_create = child_can_create;
    return out;
  });
}

Result<RecordList> RegisterService::Export(const Actor& a, const RegisterSpec& r, RecordQuery q,
                                           const std::string& format) {
  q.page = {1, 100000};
  MAMORI_ASSIGN(auto out, List(a, r, q));
  MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
    audit::Event e = a.Event(r.log_prefix + ".export", r.object);
    e.detail = {{"format", format}, {"rows", out.items.size()}};
    return env_.log.Record(c, e);
  }));
  return out;
}

Result<RecordView> RegisterService::Update(const Actor& a, const RegisterSpec& r, const std::string& id,
                                           const json& body) {
  if (!body.is_object()) return Error::Validation("body", "wrong_type");
  std::vector<FieldError> errors;
  json given = json::object();
  CheckBody(r, body, Mode::kUpdate, {}, "", 0, errors, given);
  int64_t version = 0;
  // A sub-record stays with its parent.
  if (r.parent && body.contains(r.parent->field)) errors.emplace_back(r.parent->field, "read_only");
  if (!body.contains("version")) errors.emplace_back("version", "required");
  else if (!body["version"].is_number_integer() || body["version"].get<int64_t>() < 1) errors.emplace_back("version", "wrong_type");
  else version = body["version"].get<int64_t>();
  if (!errors.empty()) return Error::Invalid(std::move(errors));
  return env_.db.Write([&](storage::Connection& c) -> Result<RecordView> {
    MAMORI_ASSIGN(auto loaded, Load(c, a, r, id));
    const storage::RegisterRecord& cur = loaded.record;
    if (r.workflow) {
      const policy::StateDef* st = r.workflow->FindState(cur.state);
      if (st && st->final && Reaches(a, r.manage_permission, r, cur, loaded.tree))
        return Error::Conflict("「" + st->label + "」の記録は変更できません");
    }
    if (!MayEdit(a, r, cur, loaded.tree, loaded.parent_party)) {
      const policy::StateDef* st = r.workflow ? r.workflow->FindState(cur.state) : nullptr;
      // Edit rules (docs/registers.md "Edit rules"): after submission only transitions change it.
      if (st && r.workflow->edit && Reaches(a, r.manage_permission, r, cur, loaded.tree))
        return Error::Conflict("「" + st->label + "」の記録は変更できません（操作で進めてください）");
      return Error::Forbidden("この記録を変更する権限がありません");
    }
    MAMORI_ASSIGN(json before, Opened(r, cur));
    json after = before;
    for (const auto& [key, v] : given.items()) after[key] = v;
    MAMORI_TRY(CheckReferences(c, r, given, loaded.tree, "", 0));
    if (version != cur.version) {
      Error e = Error::Conflict("この記録は他の操作で更新されています（現在の版: " + std::to_string(cur.version) +
                                "）。最新の内容を読み直してください");
      e.fields.push_back({"version", "stale"});
      return e;
    }
    json changes = Changes(before, after);
    if (changes.empty()) return ViewOf(c, a, r, cur, loaded.tree);
    storage::RegisterRecord next = cur;
    next.updated_at = env_.clock.NowMicros();
    // A deadline counted from a date field follows the field.
    if (r.workflow) {
      const policy::StateDef* st = r.workflow->FindState(cur.state);
      if (st && st->deadline && !st->deadline->field.empty() && changes.contains(st->deadline->field)) {
        next.deadline_at = DeadlineFor(*st, after, next.updated_at);
        next.deadline_done = false;
      }
    }
    MAMORI_ASSIGN(next, Stored(r, next, after));
    if (!MayEdit(a, r, next, loaded.tree, loaded.parent_party) ||
        (r.workflow && r.workflow->edit && !Reaches(a, r.manage_permission, r, next, loaded.tree) &&
         !Reaches(a, r.create_permission, r, next, loaded.tree)))
      return Error::Forbidden("移管先の所属の記録を管理する権限がありません");
    MAMORI_TRY(storage::RegisterRepo(c, tables_.at(r.id)).Update(next));
    next.version = cur.version + 1;
    for (const auto& f : r.fields)
      if (f.sealed && changes.contains(f.id)) changes[f.id] = {{"sealed", true}};
    audit::Event e = a.Event(r.log_prefix + ".update", TargetOf(r, id));
    e.detail = {{"changes", changes}, {"version", next.version}};
    MAMORI_TRY(env_.log.Record(c, e));
    return ViewOf(c, a, r, std::move(next), loaded.tree);
  });
}

Result<RecordView> RegisterService::Transition(const Actor& a, const RegisterSpec& r, const std::string& id,
                                               const std::string& action, const std::string& note,
                                               const json& fields) {
  const policy::Transition* t = r.workflow ? r.workflow->FindTransition(action) : nullptr;
  if (!t) return Error::NotFound("操作「" + action + "」");
  std::vector<FieldError> errors;
  json form = json::object();
  if (!fields.is_object()) errors.emplace_back("fields", "wrong_type");
  else CheckBody(r, fields, Mode::kForm, t->sets, "fields.", 0, errors, form);
  for (const auto& req : t->requires_fields)
    if (!form.contains(req) || form[req].is_null())
      if (std::none_of(errors.begin(), errors.end(), [&](const FieldError& e) { return e.field == "fields." + req; }))
        errors.emplace_back("fields." + req, "required");
  if (std::string code = CheckString(note, {t->note_required ? 1u : 0u, 2000, true}); !code.empty())
    errors.emplace_back("note", note.empty() ? "required" : code);
  if (!errors.empty()) return Error::Invalid(std::move(errors));
  return env_.db.Write([&](storage::Connection& c) -> Result<RecordView> {
    MAMORI_ASSIGN(auto loaded, Load(c, a, r, id));
    storage::RegisterRecord cur = loaded.record;
    const policy::StateDef* st = r.workflow->FindState(cur.state);
    const std::string state_label = st ? st->label : cur.state;
    if (std::find(t->from.begin(), t->from.end(), cur.state) == t->from.end())
      return Error::Conflict("この記録は現在「" + state_label + "」のため「" + t->label + "」はできません");
    const auto offered = Offered(a, r, cur, loaded.tree);
    if (std::find(offered.begin(), offered.end(), t) == offered.end()) {
      Error e = Error::Forbidden("「" + t->label + "」を行う権限がありません", env_.pack.CiteFor("access_control"));
      return e;
    }
    MAMORI_TRY(CheckReferences(c, r, form, loaded.tree, "fields.", 0));
    MAMORI_ASSIGN(json before, Opened(r, cur));
    MAMORI_ASSIGN(std::string unit, ActorUnit(c, a));
    policy::Context ctx;
    PutActor(ctx, a, unit);
    for (const auto& [key, v] : before.items())
      if (!v.is_null()) ctx.Set("record." + key, ExprValue(v));
    ctx.Set("record.id", policy::Value(cur.id));
    ctx.Set("record.state", policy::Value(cur.state));
    ctx.Set("record.step", policy::Value(cur.step));
    if (!r.repeat_field.empty()) {
      MAMORI_ASSIGN(int64_t repeats, RepeatCount(c, tables_.at(r.id), r, cur));
      ctx.Set("record.repeat_count", policy::Value(repeats));
    }
    for (const auto& [key, v] : form.items())
      if (!v.is_null()) ctx.Set("form." + key, ExprValue(v));
    if (!note.empty()) ctx.Set("form.note", policy::Value(note));
    ctx.Set("today", policy::Value(env_.Today()));
    ctx.Set("now", policy::Value(FormatRfc3339(env_.clock.NowMicros())));
    if (!t->when.ToString().empty()) {
      MAMORI_ASSIGN(bool ok, t->when.Evaluate(ctx));
      if (!ok) {
        Error e = Error::Conflict("この記録は「" + t->label + "」の条件を満たしていません");
        e.detail_en = "This record does not meet the conditions of \"" + (t->label_en.empty() ? t->label : t->label_en) + "\"";
        return e;
      }
    }
    for (const auto& d : t->deny) {
      MAMORI_ASSIGN(bool hit, d.when.Evaluate(ctx));
      if (!hit) continue;
      Error e = d.field.empty() ? Error{ErrorCode::kPolicyDenied, d.message, {}, {}}
                                : Error::Validation(d.field == "note" ? "note" : "fields." + d.field, "policy_rule",
                                                    d.message);
      e.clause = env_.pack.Cite(d.clause);
      e.detail_en = d.message_en;
      return e;
    }
    json after = before;
    for (const auto& [key, v] : form.items()) after[key] = v;
    for (const auto& key : t->clears) after[key] = nullptr;
    storage::RegisterRecord next = cur;
    const int64_t now = env_.clock.NowMicros();
    next.updated_at = now;
    const std::string from = cur.state;
    bool moved = true;
    if (t->keep_state) {
      // A note: the record stays where it is and its deadline runs on.
    } else if (!t->chain.empty() && !policy::TakeStep(t->chain.size(), next.step, next.step_actors, a.user_id)) {
      moved = false;
    } else {
      ApplyStamps(r, *t, a.user_id, now, after);
      next.state = t->to;
      next.step = 0;
      next.step_actors.clear();
      const policy::StateDef* to = r.workflow->FindState(t->to);
      next.deadline_at = to ? DeadlineFor(*to, after, now) : std::nullopt;
      next.deadline_done = false;
    }
    MAMORI_ASSIGN(next, Stored(r, next, after));
    MAMORI_TRY(storage::RegisterRepo(c, tables_.at(r.id)).Update(next));
    next.version = cur.version + 1;
    json changes = Changes(before, after);
    for (const auto& f : r.fields)
      if (f.sealed && changes.contains(f.id)) changes[f.id] = {{"sealed", true}};
    audit::Event e = a.Event(r.log_prefix + "." + t->id, TargetOf(r, id));
    e.detail = {{"from", from}, {"to", next.state}, {"version", next.version}};
    if (!t->chain.empty()) e.detail["step"] = cur.step + 1, e.detail["steps"] = t->chain.size();
    if (!note.empty()) e.detail["note"] = note;
    if (!changes.empty()) e.detail["changes"] = changes;
    e.clause = env_.pack.Cite(r.clause);
    MAMORI_TRY(env_.log.Record(c, e));
    if (moved) MAMORI_TRY(ApplyEffects(c, env_, a, r, *t, next));
    if (moved) MAMORI_TRY(Notify(c, a, r, t->notify, next, after, loaded.tree));
    return ViewOf(c, a, r, std::move(next), loaded.tree);
  });
}

Status RegisterService::Notify(storage::Connection& c, const Actor& a, const RegisterSpec& r,
                               const std::vector<policy::NotifyRule>& rules, const storage::RegisterRecord& rec,
                               const json& values, const OrgTree& tree, std::vector<std::string>* told) {
  if (rules.empty() || !notify_) return Ok();
  std::optional<HolderIndex> holders;
  std::optional<policy::Context> ctx;
  for (const auto& rule : rules) {
    if (!rule.when.ToString().empty()) {  // a conditional notice: record.*, actor.*, today, now
      if (!ctx) {
        ctx.emplace();
        MAMORI_ASSIGN(std::string unit, ActorUnit(c, a));
        PutActor(*ctx, a, unit);
        for (const auto& [key, v] : values.items())
          if (!v.is_null()) ctx->Set("record." + key, ExprValue(v));
        ctx->Set("record.id", policy::Value(rec.id));
        ctx->Set("record.state", policy::Value(rec.state));
        ctx->Set("record.step", policy::Value(rec.step));
        ctx->Set("today", policy::Value(env_.Today()));
        ctx->Set("now", policy::Value(FormatRfc3339(env_.clock.NowMicros())));
      }
      MAMORI_ASSIGN(bool hold, rule.when.Evaluate(*ctx));
      if (!hold) continue;
    }
    RegisterNotice n;
    for (const auto& p : rule.to) {
      std::vector<std::string> ids;
      if (p.kind == "creator") ids.push_back(rec.created_by);
      else if (p.kind == "user_field") ids.push_back(StrValue(rec, p.field));
      else if (p.kind == "role") {
        if (!holders) {
          MAMORI_ASSIGN(auto h, HolderIndex::Load(c, env_));
          holders = std::move(h);
        }
        const auto [type, id] = PartyScope(p, r, rec);
        ids = holders->Users(p.role, type, id, tree);
      }
      for (auto& id : ids)
        if (!id.empty() && std::find(n.user_ids.begin(), n.user_ids.end(), id) == n.user_ids.end())
          n.user_ids.push_back(std::move(id));
    }
    if (n.user_ids.empty()) continue;
    n.template_id = rule.template_id;
    n.kind = r.id;
    n.target = TargetOf(r, rec.id);
    n.link = "/r/" + r.path + "/" + rec.id;
    for (const auto& f : r.fields) {
      if (f.sealed) continue;  // sealed values never leave in a notification
      const json& v = values.contains(f.id) ? values[f.id] : json();
      std::string text = Display(v);
      if (f.type == RegisterFieldType::kChoice)
        if (const auto* ch = f.FindChoice(text)) text = ch->label;
      n.vars["record." + f.id] = text;
    }
    n.vars["record.id"] = rec.id;
    n.vars["register.title"] = r.title;
    const policy::StateDef* st = r.workflow ? r.workflow->FindState(rec.state) : nullptr;
    n.vars["state.label"] = st ? st->label : rec.state;
    MAMORI_ASSIGN(auto actor, storage::UserRepo(c).Get(a.user_id));
    n.vars["actor.name"] = actor ? actor->name : a.login_id;
    n.vars["deadline"] = rec.deadline_at ? FormatDate(JstDate(*rec.deadline_at - 1)) : "";
    n.vars["link"] = n.link;
    if (told) told->insert(told->end(), n.user_ids.begin(), n.user_ids.end());
    MAMORI_TRY(notify_(c, n));
  }
  return Ok();
}

Result<RecordHistory> RegisterService::History(const Actor& a, const RegisterSpec& r, const std::string& id,
                                               const storage::Page& page) {
  return env_.db.Read([&](storage::Connection& c) -> Result<RecordHistory> {
    MAMORI_ASSIGN(auto loaded, Load(c, a, r, id));
    storage::LogFilter f;
    f.target = TargetOf(r, id);
    // The record's timeline holds its sub-records' steps too (an incident's instructions and
    // external reports), in the order they happened.
    for (const auto& child : env_.pack.registers) {
      if (!child.parent || child.parent->register_id != r.id) continue;
      storage::RegisterFilter cf;
      cf.eq[child.parent->field] = storage::Value(id);
      MAMORI_ASSIGN(auto kids, storage::RegisterRepo(c, tables_.at(child.id)).List(cf, storage::Page{1, 1000}));
      for (const auto& kid : kids) f.also_targets.push_back(TargetOf(child, kid.id));
    }
    storage::AuditRepo repo(c);
    RecordHistory out;
    MAMORI_ASSIGN(out.items, repo.List(f, page));
    MAMORI_ASSIGN(out.total, repo.Count(f));
    MAMORI_ASSIGN(out.actor_names, ActorNames(c, access_, a, loaded.tree, out.items));
    return out;
  });
}

Result<int64_t> RegisterService::RunDeadlines() {
  int64_t handled = 0;
  const int64_t now = env_.clock.NowMicros();
  for (const auto& r : env_.pack.registers) {
    if (!r.workflow) continue;
    bool any = false;
    for (const auto& s : r.workflow->states) any = any || s.deadline.has_value();
    if (!any) continue;
    const storage::TableSpec& table = tables_.at(r.id);
    MAMORI_ASSIGN(auto due, env_.db.Read([&](storage::Connection& c) {
      return storage::RegisterRepo(c, table).DueDeadlines(now, 200);
    }));
    for (const auto& found : due) {
      // Each record in its own transaction: one that fails (another node came first) rolls back
      // alone and is not counted.
      auto done = env_.db.Write([&](storage::Connection& c) -> Result<bool> {
        storage::RegisterRepo repo(c, table);
        MAMORI_ASSIGN(auto again, repo.Get(found.id));
        if (!again || again->deadline_done || again->deadline_at != found.deadline_at) return false;
        storage::RegisterRecord rec = *again;
        const policy::StateDef* st = r.workflow->FindState(rec.state);
        if (!st || !st->deadline) {
          MAMORI_TRY(repo.MarkDeadlineDone(rec.id, *rec.deadline_at));
          return false;
        }
        const policy::Deadline& d = *st->deadline;
        MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
        MAMORI_ASSIGN(json values, Opened(r, rec));
        Actor system;
        system.user_id = system.login_id = "system";
        audit::Event e = system.Event(r.log_prefix + ".deadline", TargetOf(r, rec.id));
        e.detail = {{"state", rec.state}, {"on_pass", d.on_pass}, {"deadline_at", FormatRfc3339(*rec.deadline_at)}};
        e.clause = env_.pack.Cite(r.clause);
        if (d.on_pass == "expire") {
          storage::RegisterRecord next = rec;
          next.state = d.to;
          next.step = 0;
          next.step_actors.clear();
          next.updated_at = now;
          const policy::StateDef* to = r.workflow->FindState(d.to);
          next.deadline_at = to ? DeadlineFor(*to, values, now) : std::nullopt;
          next.deadline_done = false;
          e.detail["to"] = d.to;
          MAMORI_TRY(repo.Update(next));
          MAMORI_TRY(env_.log.Record(c, e));
          MAMORI_TRY(Notify(c, system, r, d.notify, next, values, tree));
        } else if (d.on_pass == "escalate") {
          MAMORI_TRY(Escalate(c, r, d, rec, values, tree, now, e));
        } else {
          MAMORI_TRY(repo.MarkDeadlineDone(rec.id, *rec.deadline_at));
          MAMORI_TRY(env_.log.Record(c, e));
          MAMORI_TRY(Notify(c, system, r, d.notify, rec, values, tree));
        }
        return true;
      });
      if (done.ok() && *done) ++handled;
    }
  }
  return handled;
}

}  // namespace mamori::domain
