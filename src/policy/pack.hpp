// The policy pack: everything municipality-specific (roles, who may do what, authentication
// rules) loaded from YAML, validated once, then read-only for the life of the process.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace mamori::policy {

// The permissions mamori's code checks. A pack grants them to roles; it cannot invent new ones.
inline constexpr const char* kPermissions[] = {
    "org.read", "org.manage", "users.read", "users.manage", "roles.manage",
    "audit.read", "audit.verify", "policy.read",
};

// The decision points whose governing clause a pack names in its `clauses` section.
inline constexpr const char* kClauseKeys[] = {
    "temporary_password",  // a temporary password must be changed at first use
    "id_lifecycle",        // IDs are registered, changed and deleted by the ID administrators
    "id_suspension",       // access stops at once when an ID is suspended
    "password_reset",      // an administrator issues a new temporary password
    "operation_log",       // logs are kept, checked and protected
};

inline constexpr const char* kScopeTypes[] = {"city", "org_unit", "system"};

struct RoleDef {
  std::string id;
  std::string title;
  std::string title_en;
  std::string clause;
  std::vector<std::string> scopes;       // allowed scope types
  std::vector<std::string> permissions;
  bool privileged = false;
};

struct SeparationRule {
  std::string role_a;
  std::string role_b;
  std::string clause;
};

struct PasswordPolicy {
  std::string clause;
  int min_length = 8;
  int max_length = 128;
  int classes_required = 3;
  bool dictionary_check = true;
  bool reject_login_id = true;
  int history = 5;
  bool temporary_must_change = true;
  int privileged_max_age_days = 180;
  uint32_t argon2_memory_kib = 19456;
  uint32_t argon2_iterations = 2;
};

struct LockoutPolicy {
  std::string clause;
  int max_failures = 5;
  int lock_minutes = 30;
};

struct SessionPolicy {
  std::string clause;
  int idle_minutes = 15;
  int absolute_hours = 10;
};

enum class MfaRequirement { kAll, kPrivileged, kNone };

struct MfaPolicy {
  std::string clause;
  MfaRequirement required_for = MfaRequirement::kAll;
};

struct IdPolicy {
  std::string clause;
  int inactive_days = 90;
  // Employment types whose IDs must carry an expiry date (time-limited accounts).
  std::vector<std::string> expiry_required_for;
};

inline constexpr const char* kEmploymentTypes[] = {"regular",    "reappointed", "fixed_term",
                                                   "fiscal_year", "dispatched",  "contractor"};

struct AuthenticationPolicy {
  PasswordPolicy password;
  LockoutPolicy lockout;
  SessionPolicy session;
  MfaPolicy mfa;
  IdPolicy ids;
};

struct PolicyPack {
  std::string pack;  // short id used in clause citations ("kobe")
  std::string title;
  std::string title_en;
  std::string version;
  std::string municipality;  // name of the body the pack belongs to ("神戸市"), the org tree's root
  std::vector<RoleDef> roles;
  std::vector<SeparationRule> separation;
  AuthenticationPolicy auth;
  std::map<std::string, std::string> clauses;  // kClauseKeys → clause number

  const RoleDef* FindRole(const std::string& id) const;
  // "kobe:8.2.5" for clause "8.2.5"; "" for an empty clause.
  std::string Cite(const std::string& clause) const;
  // The citation for a decision point of kClauseKeys ("" when the pack names none).
  std::string CiteFor(const std::string& key) const;
};

// One problem found in a pack, with its 1-based line and column.
struct PackError {
  int line = 0;
  int column = 0;
  std::string message;
};

// Parses and validates pack text; `errors` receives every problem found (not just the first).
// Returns a pack only when there were none.
std::optional<PolicyPack> ParsePack(const std::string& text, std::vector<PackError>& errors);
// Loads a pack file; a broken pack is an Error whose detail lists "line N: reason" for each.
Result<PolicyPack> LoadPackFile(const std::string& path);

}  // namespace mamori::policy
