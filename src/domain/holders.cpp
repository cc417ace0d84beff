#include "domain/holders.hpp"

#include <algorithm>
#include <map>

#include "domain/auth_service.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {

bool Covers(const storage::RoleAssignmentRecord& ra, const std::string& role, const std::string& scope_type,
            const std::string& scope_id, const OrgTree& tree) {
  if (ra.role != role) return false;
  if (ra.scope_type == "city") return true;
  if (scope_type == "org_unit" && ra.scope_type == "org_unit") return tree.Within(scope_id, ra.scope_id);
  if (scope_type == "system" && ra.scope_type == "system") return ra.scope_id == scope_id;
  return false;
}

Result<HolderIndex> HolderIndex::Load(storage::Connection& c, const Env& env) {
  HolderIndex h;
  MAMORI_ASSIGN(auto all, storage::RoleRepo(c).ListActive(""));
  std::map<std::string, bool> usable;
  storage::UserRepo users(c);
  for (auto& r : InForce(std::move(all), env.Today())) {
    auto it = usable.find(r.user_id);
    if (it == usable.end()) {
      MAMORI_ASSIGN(auto u, users.Get(r.user_id));
      const std::string st = u ? AuthService::EffectiveStatus(*u, env.clock.NowMicros(), env.Today()) : "";
      it = usable.emplace(r.user_id, st == "active" || st == "locked").first;
    }
    if (it->second) h.roles.push_back(std::move(r));
  }
  return h;
}

bool HolderIndex::Held(const std::string& role, const std::string& scope_type, const std::string& scope_id,
                       const OrgTree& tree, const std::set<std::string>& excluded) const {
  return std::any_of(roles.begin(), roles.end(), [&](const storage::RoleAssignmentRecord& r) {
    return !excluded.count(r.user_id) && Covers(r, role, scope_type, scope_id, tree);
  });
}

std::vector<std::string> HolderIndex::Users(const std::string& role, const std::string& scope_type,
                                            const std::string& scope_id, const OrgTree& tree,
                                            const std::set<std::string>& excluded) const {
  std::vector<std::string> out;
  for (const auto& r : roles)
    if (!excluded.count(r.user_id) && Covers(r, role, scope_type, scope_id, tree) &&
        std::find(out.begin(), out.end(), r.user_id) == out.end())
      out.push_back(r.user_id);
  return out;
}

}  // namespace mamori::domain
