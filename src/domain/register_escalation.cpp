// Escalation and visibility of register records (docs/registers.md "Escalation, tasks and
// reporters"): an escalating deadline's levels and the people they make parties of the record,
// and restrict_by_asset (kobe:7.3: a report touching a 機密性3 asset is kept to those who may see
// that asset and to its chain).
#include <algorithm>
#include <set>

#include "common/time.hpp"
#include "domain/register_service.hpp"
#include "storage/escalation_repo.hpp"

namespace mamori::domain {
namespace {

using json = nlohmann::json;

std::string FieldText(const storage::RegisterRecord& rec, const std::string& field) {
  auto it = rec.values.find(field);
  if (it == rec.values.end()) return {};
  const auto* s = std::get_if<std::string>(&it->second);
  return s ? *s : std::string();
}

// The actor and the people whose duties the actor holds as deputy (代行) today.
std::vector<std::string> SelfAndPrincipals(const Actor& a) {
  std::vector<std::string> ids;
  if (!a.user_id.empty() && a.user_id != "-") ids.push_back(a.user_id);
  for (const auto& ra : a.roles)
    if (!ra.delegate_of.empty() && std::find(ids.begin(), ids.end(), ra.delegate_of) == ids.end())
      ids.push_back(ra.delegate_of);
  return ids;
}

}  // namespace

Status RegisterService::Escalate(storage::Connection& c, const policy::RegisterSpec& r, const policy::Deadline& d,
                                 const storage::RegisterRecord& rec, const json& values, const OrgTree& tree,
                                 int64_t now, audit::Event& e) {
  storage::EscalationRepo escalations(c);
  storage::RegisterRepo repo(c, tables_.at(r.id));
  // Level 1 is the state's own `notify`; level k > 1 is levels[k - 2]. The deadline a level sets
  // for the next is remembered with it, so the level due is the one after the level that set it.
  MAMORI_ASSIGN(int64_t before, escalations.LevelBefore(r.id, rec.id, *rec.deadline_at));
  const int64_t level = before + 1;
  if (level > 1 && static_cast<size_t>(level - 2) >= d.levels.size()) {
    // The pack lost levels since the last one was set: nothing further is due.
    MAMORI_TRY(repo.MarkDeadlineDone(rec.id, *rec.deadline_at));
    e.detail["level"] = level;
    return env_.log.Record(c, e);
  }
  const auto& rules = level == 1 ? d.notify : d.levels[static_cast<size_t>(level - 2)].notify;
  std::optional<int64_t> next_at;
  if (static_cast<size_t>(level - 1) < d.levels.size())
    next_at = now + d.levels[static_cast<size_t>(level - 1)].after_minutes * 60 * 1000000;
  if (next_at) MAMORI_TRY(repo.RescheduleDeadline(rec.id, *rec.deadline_at, *next_at));
  else MAMORI_TRY(repo.MarkDeadlineDone(rec.id, *rec.deadline_at));
  e.detail["level"] = level;
  if (next_at) e.detail["next_at"] = FormatRfc3339(*next_at);
  Actor system;
  system.user_id = system.login_id = "system";
  std::vector<std::string> told;
  MAMORI_TRY(Notify(c, system, r, rules, rec, values, tree, &told));
  std::sort(told.begin(), told.end());
  told.erase(std::unique(told.begin(), told.end()), told.end());
  e.detail["escalated_to"] = told;
  MAMORI_TRY(env_.log.Record(c, e));
  for (const auto& user : told)
    MAMORI_TRY(escalations.Insert({.register_id = r.id,
                                   .record_id = rec.id,
                                   .user_id = user,
                                   .level = level,
                                   .state = rec.state,
                                   .escalated_at = now,
                                   .next_at = next_at}));
  return Ok();
}

Result<bool> RegisterService::EscalatedTo(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                                          const storage::RegisterRecord& rec) const {
  if (!r.visible_to_parties) return false;
  return storage::EscalationRepo(c).Escalated(r.id, rec.id, SelfAndPrincipals(a));
}

Result<bool> RegisterService::HiddenByAsset(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                                            const storage::RegisterRecord& rec, const OrgTree& tree) const {
  if (!r.restrict_by_asset) return false;
  const std::string asset_id = FieldText(rec, r.restrict_by_asset->field);
  if (asset_id.empty()) return false;
  MAMORI_ASSIGN(auto asset, storage::AssetRepo(c).Get(asset_id));
  if (!asset || asset->confidentiality < r.restrict_by_asset->min_confidentiality) return false;
  // The chain: whoever reported it, the people its user fields name, whoever may act on it now,
  // the people an escalation told, whoever took a step of it.
  if (!a.user_id.empty() && rec.created_by == a.user_id) return false;
  for (const auto& f : r.fields)
    if (f.type == policy::RegisterFieldType::kUser && FieldText(rec, f.id) == a.user_id) return false;
  // Whoever may take a step of the chain now (a note, open to many in every state, is no step).
  const auto offered = Offered(a, r, rec, tree);
  if (std::any_of(offered.begin(), offered.end(), [](const policy::Transition* t) { return !t->keep_state; }))
    return false;
  MAMORI_ASSIGN(bool escalated, storage::EscalationRepo(c).Escalated(r.id, rec.id, SelfAndPrincipals(a)));
  if (escalated) return false;
  // …and whoever took a step of it (the chain sees what passed through them).
  storage::LogFilter acted;
  acted.target = r.object + ":" + rec.id;
  acted.actor = a.user_id;
  acted.result = "success";
  MAMORI_ASSIGN(int64_t steps, storage::AuditRepo(c).Count(acted));
  if (steps > 0) return false;
  // Whoever may see the asset (the asset register's own rule, kobe:4.2オ(2)): assets.read over its
  // owner section or by a role scoped to its system; at or above the pack's restricted level also
  // assets.read_restricted so, or membership of the owner section.
  auto by_system = [&](const std::string& permission) {
    if (asset->system_id.empty()) return false;
    return std::any_of(a.roles.begin(), a.roles.end(), [&](const storage::RoleAssignmentRecord& ra) {
      if (ra.scope_type != "system" || ra.scope_id != asset->system_id) return false;
      const policy::RoleDef* def = env_.pack.FindRole(ra.role);
      return def && std::find(def->permissions.begin(), def->permissions.end(), permission) != def->permissions.end();
    });
  };
  const bool reads = access_.Units(a, perm::kAssetsRead, tree).Covers(asset->owner_org_unit_id) ||
                     by_system(perm::kAssetsRead);
  if (!reads) return true;
  const int restricted = env_.pack.classification.restricted_confidentiality;
  if (restricted <= 0 || asset->confidentiality < restricted) return false;
  if (access_.Units(a, perm::kAssetsReadRestricted, tree).Covers(asset->owner_org_unit_id) ||
      by_system(perm::kAssetsReadRestricted))
    return false;
  MAMORI_ASSIGN(auto user, storage::UserRepo(c).Get(a.user_id));
  return !(user && user->org_unit_id == asset->owner_org_unit_id);
}

Result<bool> RegisterService::Visible(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                                      const storage::RegisterRecord& rec, const OrgTree& tree) const {
  if (Sees(a, r, rec, tree)) {
    MAMORI_ASSIGN(bool hidden, HiddenByAsset(c, a, r, rec, tree));
    if (!hidden) return true;
  }
  return EscalatedTo(c, a, r, rec);
}

}  // namespace mamori::domain
