// Who holds a role over a scope today: the assignments in force (delegations included) of the
// people who may sign in. Shared by the request engine (approvers and their vacancies) and the
// register engine (who may take a transition, who is notified).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "domain/access.hpp"
#include "domain/env.hpp"
#include "storage/db.hpp"

namespace mamori::domain {

// True when assignment `ra` is of `role` and covers the scope: a city-wide assignment covers
// every scope; an org-unit one covers `scope_type` org_unit at its unit or below; a system one
// covers `scope_type` system of the same id. `scope_type` city is covered only city-wide.
bool Covers(const storage::RoleAssignmentRecord& ra, const std::string& role, const std::string& scope_type,
            const std::string& scope_id, const OrgTree& tree);

struct HolderIndex {
  std::vector<storage::RoleAssignmentRecord> roles;

  // The assignments in force today of users who may sign in (a lockout passes by itself;
  // suspension, expiry and deletion do not).
  static Result<HolderIndex> Load(storage::Connection& c, const Env& env);

  // Anyone but `excluded` holding `role` over the scope.
  bool Held(const std::string& role, const std::string& scope_type, const std::string& scope_id, const OrgTree& tree,
            const std::set<std::string>& excluded) const;
  // The users but `excluded` holding `role` over the scope, each once.
  std::vector<std::string> Users(const std::string& role, const std::string& scope_type, const std::string& scope_id,
                                 const OrgTree& tree, const std::set<std::string>& excluded = {}) const;
};

}  // namespace mamori::domain
