#include "domain/access.hpp"

#include <algorithm>

#include "common/crypto.hpp"
#include "domain/env.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {

std::string NewId() { return crypto::HexEncode(crypto::RandomBytes(16)); }

Result<OrgTree> OrgTree::Load(storage::Connection& c) {
  MAMORI_ASSIGN(auto all, storage::OrgRepo(c).ListAll());
  OrgTree t;
  for (auto& u : all) {
    std::string id = u.id;
    t.units_.emplace(std::move(id), std::move(u));
  }
  return t;
}

const storage::OrgUnitRecord* OrgTree::Find(const std::string& id) const {
  auto it = units_.find(id);
  return it == units_.end() ? nullptr : &it->second;
}

bool OrgTree::Within(const std::string& unit, const std::string& ancestor) const {
  std::string cur = unit;
  // The depth bound guards against a cycle in corrupted data.
  for (int depth = 0; depth < 64 && !cur.empty(); ++depth) {
    if (cur == ancestor) return true;
    const auto* u = Find(cur);
    if (!u) return false;
    cur = u->parent_id;
  }
  return false;
}

std::vector<std::string> OrgTree::Subtree(const std::string& root) const {
  std::vector<std::string> out;
  for (const auto& [id, _] : units_)
    if (Within(id, root)) out.push_back(id);
  return out;
}

audit::Event Actor::Event(std::string action, std::string target) const {
  audit::Event e;
  e.actor = user_id;
  e.actor_login = login_id;
  e.session = session_ref;
  e.address = address;
  e.action = std::move(action);
  e.target = std::move(target);
  return e;
}

std::vector<storage::RoleAssignmentRecord> InForce(std::vector<storage::RoleAssignmentRecord> all,
                                                   const std::string& today) {
  std::erase_if(all, [&](const storage::RoleAssignmentRecord& r) {
    return r.revoked_at != 0 || (!r.valid_from.empty() && r.valid_from > today) ||
           (!r.valid_to.empty() && r.valid_to < today);
  });
  return all;
}

bool Access::Grants(const storage::RoleAssignmentRecord& r, const std::string& permission) const {
  const policy::RoleDef* def = pack_.FindRole(r.role);
  return def && std::find(def->permissions.begin(), def->permissions.end(), permission) != def->permissions.end();
}

bool Access::Has(const Actor& a, const std::string& permission) const {
  return std::any_of(a.roles.begin(), a.roles.end(), [&](const auto& r) { return Grants(r, permission); });
}

bool Access::HasCityWide(const Actor& a, const std::string& permission) const {
  return std::any_of(a.roles.begin(), a.roles.end(),
                     [&](const auto& r) { return r.scope_type == "city" && Grants(r, permission); });
}

UnitScope Access::Units(const Actor& a, const std::string& permission, const OrgTree& tree) const {
  UnitScope s;
  for (const auto& r : a.roles) {
    if (!Grants(r, permission)) continue;
    if (r.scope_type == "city") {
      s.all = true;
      s.units.clear();
      return s;
    }
    if (r.scope_type == "org_unit")
      for (auto& id : tree.Subtree(r.scope_id)) s.units.insert(std::move(id));
  }
  return s;
}

bool Access::Privileged(const std::vector<storage::RoleAssignmentRecord>& roles) const {
  return std::any_of(roles.begin(), roles.end(), [&](const auto& r) {
    const policy::RoleDef* def = pack_.FindRole(r.role);
    return def && def->privileged;
  });
}

std::set<std::string> Access::Permissions(const Actor& a) const {
  std::set<std::string> out;
  for (const auto& r : a.roles)
    if (const policy::RoleDef* def = pack_.FindRole(r.role))
      out.insert(def->permissions.begin(), def->permissions.end());
  return out;
}

}  // namespace mamori::domain
