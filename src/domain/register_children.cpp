// Sub-records, stamps, deadline cases and the overdue mark of the register engine
// (docs/registers.md "Sub-records", "Stamps", "Deadline cases"). Members of RegisterService kept
// apart from register_service.cpp; the engine calls them at a few marked hooks.
#include "domain/register_children.hpp"

#include <algorithm>

#include "common/time.hpp"
#include "domain/register_service.hpp"

namespace mamori::domain {
namespace {

using json = nlohmann::json;
using policy::RegisterFieldType;
using policy::RegisterSpec;

std::string StrOf(const storage::RegisterRecord& rec, const std::string& field) {
  auto it = rec.values.find(field);
  if (it == rec.values.end()) return {};
  const auto* s = std::get_if<std::string>(&it->second);
  return s ? *s : std::string();
}

policy::Value ExprOf(const json& v) {
  if (v.is_boolean()) return policy::Value(v.get<bool>());
  if (v.is_number_integer()) return policy::Value(v.get<int64_t>());
  if (v.is_string()) return policy::Value(v.get<std::string>());
  return {};
}

// The end of a deadline by one timing (a date field, a time after entering, a day of each 年度).
std::optional<int64_t> Timing(const std::string& field, int64_t after_minutes, int fiscal_month, int fiscal_day,
                              const json& values, int64_t entered_at) {
  if (!field.empty()) {
    auto it = values.find(field);
    if (it == values.end() || !it->is_string()) return std::nullopt;
    const auto date = ParseDate(it->get<std::string>());
    if (!date) return std::nullopt;
    return JstMidnightMicros(*date) + kMicrosPerDay;  // the end of that day
  }
  if (after_minutes > 0) return entered_at + after_minutes * kMicrosPerMinute;
  if (fiscal_month == 0) return std::nullopt;
  CivilDate today = JstDate(entered_at);
  CivilDate due{today.year, fiscal_month, fiscal_day};
  if (due < today) due.year += 1;
  return JstMidnightMicros(due) + kMicrosPerDay;
}

}  // namespace

std::optional<int64_t> DeadlineByCases(const policy::StateDef& state, const json& values, int64_t entered_at) {
  const policy::Deadline& d = *state.deadline;
  if (!d.cases.empty()) {
    policy::Context ctx;
    for (const auto& [key, v] : values.items())
      if (!v.is_null()) ctx.Set("record." + key, ExprOf(v));
    ctx.Set("record.state", policy::Value(state.id));
    for (const auto& c : d.cases) {
      auto hit = c.when.Evaluate(ctx);
      if (hit.ok() && *hit) return Timing(c.field, c.after_minutes, c.fiscal_month, c.fiscal_day, values, entered_at);
    }
  }
  return Timing(d.field, d.after_minutes, d.fiscal_month, d.fiscal_day, values, entered_at);
}

bool IsOverdue(const RegisterSpec& r, const storage::RegisterRecord& rec, int64_t now) {
  if (!rec.deadline_at || now < *rec.deadline_at) return false;
  const policy::StateDef* st = r.workflow ? r.workflow->FindState(rec.state) : nullptr;
  return !(st && st->final);
}

void ApplyStamps(const RegisterSpec& r, const policy::Transition& t, const std::string& actor_user_id, int64_t now,
                 json& after) {
  for (const auto& s : t.stamps) {
    const policy::RegisterField* f = r.FindField(s.field);
    if (!f) continue;
    if (s.kind == "now") {
      after[s.field] = f->type == RegisterFieldType::kDate ? FormatDate(JstDate(now)) : FormatRfc3339(now);
    } else if (s.kind == "today") {
      after[s.field] = FormatDate(JstDate(now));
    } else if (s.kind == "actor") {
      after[s.field] = actor_user_id.empty() ? json() : json(actor_user_id);
    } else if (f->type == RegisterFieldType::kBool) {
      after[s.field] = s.value == "true";
    } else if (f->type == RegisterFieldType::kInt) {
      after[s.field] = std::stoll(s.value);
    } else {
      after[s.field] = s.value;
    }
  }
}

Result<std::optional<storage::RegisterRecord>> RegisterService::ParentRecord(storage::Connection& c,
                                                                             const RegisterSpec& r,
                                                                             const std::string& parent_id) const {
  const RegisterSpec* parent = Find(r.parent->register_id);
  if (!parent || parent_id.empty()) return std::optional<storage::RegisterRecord>();
  return storage::RegisterRepo(c, tables_.at(parent->id)).Get(parent_id);
}

Result<bool> RegisterService::SeesIn(storage::Connection& c, const Actor& a, const RegisterSpec& r,
                                     const storage::RegisterRecord& rec, const OrgTree& tree) const {
  if (!r.parent) return Visible(c, a, r, rec, tree);
  // A child is seen by exactly whoever sees its parent.
  MAMORI_ASSIGN(auto parent, ParentRecord(c, r, StrOf(rec, r.parent->field)));
  if (!parent) return false;
  return Visible(c, a, *Find(r.parent->register_id), *parent, tree);
}

bool RegisterService::IsCreateParty(const Actor& a, const RegisterSpec& r, const storage::RegisterRecord& parent,
                                    const OrgTree& tree) const {
  const RegisterSpec& p = *Find(r.parent->register_id);
  return std::any_of(r.parent->create_by.begin(), r.parent->create_by.end(),
                     [&](const policy::Party& party) { return IsParty(a, party, p, parent, tree); });
}

Result<bool> RegisterService::ParentParty(storage::Connection& c, const Actor& a, const RegisterSpec& r,
                                          const storage::RegisterRecord& rec, const OrgTree& tree) const {
  if (!r.parent || r.parent->create_by.empty()) return false;
  MAMORI_ASSIGN(auto parent, ParentRecord(c, r, StrOf(rec, r.parent->field)));
  return parent && IsCreateParty(a, r, *parent, tree);
}

Result<std::set<std::string>> RegisterService::ParentPartyOf(storage::Connection& c, const Actor& a,
                                                             const RegisterSpec& r,
                                                             const std::vector<storage::RegisterRecord>& recs,
                                                             const OrgTree& tree) const {
  std::set<std::string> out;
  if (!r.parent || r.parent->create_by.empty() || recs.empty()) return out;
  std::set<std::string> ids;
  for (const auto& rec : recs) ids.insert(StrOf(rec, r.parent->field));
  ids.erase("");
  if (ids.empty()) return out;
  MAMORI_ASSIGN(auto parents,
                storage::RegisterRepo(c, tables_.at(r.parent->register_id)).GetMany({ids.begin(), ids.end()}));
  for (const auto& p : parents)
    if (IsCreateParty(a, r, p, tree)) out.insert(p.id);
  return out;
}

Result<bool> RegisterService::CheckParentForCreate(storage::Connection& c, const Actor& a, const RegisterSpec& r,
                                                   const json& values, const OrgTree& tree) const {
  const RegisterSpec& p = *Find(r.parent->register_id);
  auto it = values.find(r.parent->field);
  const std::string parent_id = it != values.end() && it->is_string() ? it->get<std::string>() : std::string();
  MAMORI_ASSIGN(auto parent, ParentRecord(c, r, parent_id));
  // A parent that does not exist and one the creator may not see look the same.
  MAMORI_ASSIGN(const bool seen, parent ? Visible(c, a, p, *parent, tree) : Result<bool>(false));
  if (!seen) {
    Error e = Error::NotFound(p.title);
    e.fields.emplace_back(r.parent->field, "not_found");
    return e;
  }
  if (p.workflow) {
    const policy::StateDef* st = p.workflow->FindState(parent->state);
    if (st && st->final) {
      Error e = Error::Conflict("「" + st->label + "」の" + p.title + "には" + r.title + "を追加できません");
      e.fields.emplace_back(r.parent->field, "final");
      return e;
    }
  }
  return IsCreateParty(a, r, *parent, tree);
}

}  // namespace mamori::domain
