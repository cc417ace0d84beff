// The directory: org units, users with their whole ID lifecycle (kobe:8.2.1イ), and role
// assignments with scope, validity and delegation (kobe:3.2.11, 9.3). Every check of role and
// scope happens here, on the server, whatever the client offered.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/access.hpp"
#include "domain/env.hpp"
#include "domain/request_service.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {

struct NewOrgUnit {
  std::string code, name, kind, parent_id;
};

struct NewUser {
  std::string login_id, name, org_unit_id, employment_type, expires_on;
  std::string email = {};  // where notifications are mailed; "" = none (docs/notifications.md)
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

// A grant either takes effect at once or waits for a second person: then `request_id` names the
// role_grant request whose approval creates the assignment (API: 202 {request_id}).
struct RoleGrantOutcome {
  std::optional<storage::RoleAssignmentRecord> assignment;
  std::string request_id;
};

// PATCH /users/{id}: what is absent stays; `expires_on` "" clears the expiry, `email` "" the
// address.
struct UserChange {
  int64_t version = 0;
  std::optional<std::string> name, org_unit_id, employment_type, expires_on;
  std::optional<std::string> email = {};
};

struct UserUpdate {
  storage::UserRecord user;
  std::vector<storage::RoleAssignmentRecord> ended;  // assignments a transfer ended
};

struct UserHistory {
  std::vector<storage::LogEntryRecord> items;  // newest first
  int64_t total = 0;
};

// An authenticator reset is done at once, or (privileged users) waits for a second person.
struct MfaResetOutcome {
  std::string request_id;  // "" when done
};

class DirectoryService {
 public:
  // With `requests`, grants of second-person roles and resets of privileged users' authenticators
  // go through the request engine, and this service executes them when they are approved.
  // Without it (the CLI's system paths) such grants and resets are refused.
  explicit DirectoryService(Env& env, RequestService* requests = nullptr);

  Result<std::vector<storage::OrgUnitRecord>> ListOrgUnits(const Actor& a);
  // Org unit id → name of the scopes of these assignments, to label what the caller already
  // sees (no permission check: only names of units the assignments name).
  Result<std::map<std::string, std::string>> ScopeNames(const std::vector<storage::RoleAssignmentRecord>& roles);
  Result<storage::OrgUnitRecord> CreateOrgUnit(const Actor& a, const NewOrgUnit& in);

  Result<CreatedUser> CreateUser(const Actor& a, const NewUser& in);
  Result<storage::UserRecord> GetUser(const Actor& a, const std::string& id);
  Result<std::pair<std::vector<storage::UserRecord>, int64_t>> ListUsers(const Actor& a, const UserQuery& q);
  Status Suspend(const Actor& a, const std::string& id);
  // Inside the caller's transaction (a register transition's effects, docs/registers.md): the
  // same checks and user.suspend entry as Suspend, citing `clause`, with `cause`'s keys (the
  // record that caused it) added to the entry's detail.
  Status SuspendIn(storage::Connection& c, const Actor& a, const std::string& id, const std::string& clause,
                   const nlohmann::json& cause);
  // Ends every unrevoked role assignment of user `id`: roles.manage city-wide (as RevokeRole),
  // never the actor's own, never the last administrator's; one role.end entry per assignment,
  // citing `clause`. Answers how many were ended.
  Result<int64_t> EndAssignmentsIn(storage::Connection& c, const Actor& a, const std::string& id,
                                   const std::string& clause, const nlohmann::json& cause);
  Status Resume(const Actor& a, const std::string& id);
  Result<std::string> ResetPassword(const Actor& a, const std::string& id);
  Status Delete(const Actor& a, const std::string& id);
  // 異動 and changes (kobe:8.2.1イ(2)) with optimistic locking (409 on a stale version). A transfer
  // ends the assignments scoped within the old unit (unless the role says on_transfer: keep).
  Result<UserUpdate> UpdateUser(const Actor& a, const std::string& id, const UserChange& in);
  // The user's operation-log entries (changes, grants, resets), newest first.
  Result<UserHistory> History(const Actor& a, const std::string& id, const storage::Page& page);
  // Clears the authenticator so the user enrols again at next sign-in; ends their sessions.
  Result<MfaResetOutcome> ResetMfa(const Actor& a, const std::string& id, const std::string& reason);

  Result<std::vector<storage::RoleAssignmentRecord>> ListRoles(const Actor& a, const std::string& user_id);
  // Nobody assigns a role to themself; roles marked grant: second_person answer a request id.
  Result<RoleGrantOutcome> AssignRole(const Actor& a, const NewRoleAssignment& in);
  Status RevokeRole(const Actor& a, const std::string& id);

  // Used by `mamori init` and `mamori demo`: no actor checks, still logged.
  Result<CreatedUser> CreateUserAsSystem(storage::Connection& c, const NewUser& in, const std::string& password);

 private:
  // Loads the target user and checks `permission` covers their org unit.
  Result<storage::UserRecord> Manageable(storage::Connection& c, const Actor& a, const std::string& id,
                                         const std::string& permission);
  Result<CreatedUser> InsertUser(storage::Connection& c, const Actor& a, const NewUser& in,
                                 const std::string& password);
  // Every rule on who may hold a role: the grantee, the scope, duplicates, separation of duties,
  // delegation, the pack's role_grants rules and independence.
  Status CheckGrant(storage::Connection& c, const Actor& a, const NewRoleAssignment& in, const policy::RoleDef& def);
  Result<storage::RoleAssignmentRecord> InsertGrant(storage::Connection& c, const Actor& a,
                                                    const NewRoleAssignment& in, const policy::RoleDef& def,
                                                    const std::string& request_id);
  // The pack's role_grants.deny rules for a grantee and a role.
  Status GrantRules(const storage::UserRecord& grantee, const policy::RoleDef& def, const std::string& scope_type);
  // Independence (kobe:3.2.10イ): `fresh` positions are checked against every other.
  Status Independence(storage::Connection& c, const storage::UserRecord& user,
                      const std::vector<storage::RoleAssignmentRecord>& held, const NewRoleAssignment* added,
                      bool home_is_fresh);
  // Refuses a change that would leave no one in force holding roles.manage city-wide.
  Status KeepsAdministrator(storage::Connection& c, const std::string& without_user,
                            const std::string& without_assignment);
  Status ClearMfa(storage::Connection& c, const Actor& a, storage::UserRecord u, const std::string& request_id);

  Env& env_;
  Access access_;
  RequestService* requests_;
};

}  // namespace mamori::domain
