// The directory: org units, users with their whole ID lifecycle (kobe:8.2.1イ), and role
// assignments with scope, validity and delegation (kobe:3.2.11, 9.3). Every check of role and
// scope happens here, on the server, whatever the client offered.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/access.hpp"
#include "domain/env.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {

struct NewOrgUnit {
  std::string code, name, kind, parent_id;
};

struct NewUser {
  std::string login_id, name, org_unit_id, employment_type, expires_on;
};

struct CreatedUser {
  storage::UserRecord user;
  std::string temporary_password;  // shown once, never stored
};

struct UserQuery {
  std::string org_unit_id, status, role, q;
  int64_t inactive_days = 0;
  storage::Page page;
};

struct NewRoleAssignment {
  std::string user_id, role, scope_type, scope_id, valid_from, valid_to, delegate_of;
};

class DirectoryService {
 public:
  explicit DirectoryService(Env& env) : env_(env), access_(env.pack) {}

  Result<std::vector<storage::OrgUnitRecord>> ListOrgUnits(const Actor& a);
  // Org unit id → name of the scopes of these assignments, to label what the caller already
  // sees (no permission check: only names of units the assignments name).
  Result<std::map<std::string, std::string>> ScopeNames(const std::vector<storage::RoleAssignmentRecord>& roles);
  Result<storage::OrgUnitRecord> CreateOrgUnit(const Actor& a, const NewOrgUnit& in);

  Result<CreatedUser> CreateUser(const Actor& a, const NewUser& in);
  Result<storage::UserRecord> GetUser(const Actor& a, const std::string& id);
  Result<std::pair<std::vector<storage::UserRecord>, int64_t>> ListUsers(const Actor& a, const UserQuery& q);
  Status Suspend(const Actor& a, const std::string& id);
  Status Resume(const Actor& a, const std::string& id);
  Result<std::string> ResetPassword(const Actor& a, const std::string& id);
  Status Delete(const Actor& a, const std::string& id);

  Result<std::vector<storage::RoleAssignmentRecord>> ListRoles(const Actor& a, const std::string& user_id);
  Result<storage::RoleAssignmentRecord> AssignRole(const Actor& a, const NewRoleAssignment& in);
  Status RevokeRole(const Actor& a, const std::string& id);

  // Used by `mamori init` and `mamori demo`: no actor checks, still logged.
  Result<CreatedUser> CreateUserAsSystem(storage::Connection& c, const NewUser& in, const std::string& password);

 private:
  // Loads the target user and checks `permission` covers their org unit.
  Result<storage::UserRecord> Manageable(storage::Connection& c, const Actor& a, const std::string& id,
                                         const std::string& permission);
  Result<CreatedUser> InsertUser(storage::Connection& c, const Actor& a, const NewUser& in,
                                 const std::string& password);

  Env& env_;
  Access access_;
};

}  // namespace mamori::domain
