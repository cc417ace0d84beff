// For the storage conformance suites only: small valid records to build tests from (each test
// changes the fields it is about), so the suites of the repositories share one spelling.
// (Field by field: these records have no default member initializers, so designated
// initializers that leave fields out warn under -Wmissing-field-initializers.)
#pragma once

#include <cstdint>
#include <string>

#include "storage/records.hpp"
#include "storage/register_repo.hpp"

namespace mamori::storage::sample {

// An active regular user of unit `unit` with a password set at 10.
inline UserRecord User(const std::string& id, const std::string& login, const std::string& unit = "s1") {
  UserRecord u;
  u.id = id;
  u.login_id = login;
  u.name = "名前 " + login;
  u.org_unit_id = unit;
  u.employment_type = "regular";
  u.status = "active";
  u.password_hash = "$argon2id$x";
  u.password_changed_at = 10;
  u.created_at = 10;
  return u;
}

// A session of user u1 started (and last seen) at `at`.
inline SessionRecord Session(const std::string& id, int64_t at, int64_t expires_at, bool mfa_passed,
                             const std::string& address) {
  SessionRecord r;
  r.id = id;
  r.user_id = "u1";
  r.csrf_token = "csrf";
  r.created_at = at;
  r.last_seen_at = at;
  r.expires_at = expires_at;
  r.address = address;
  r.mfa_passed = mfa_passed;
  return r;
}

// An entry of the information system ledger (the built-in register's table, SystemsTable())
// owned by `owner`, created by u1 at 10; `values` change or add field values.
inline RegisterRecord SystemRow(const std::string& id, const std::string& name, const std::string& owner = "s1",
                                const std::map<std::string, Value>& values = {}) {
  RegisterRecord r{.id = id, .creator_org_unit_id = owner, .created_by = "u1", .created_at = 10, .updated_at = 10};
  r.values = {{"name", name}, {"owner_org_unit_id", owner}, {"network_zone", "lgwan"}, {"hosting", "on_premises"}};
  for (const auto& [k, v] : values) r.values[k] = v;
  return r;
}

// Stores SystemRow(...) in the ledger.
inline Status InsertSystem(Connection& c, const std::string& id, const std::string& name,
                           const std::string& owner = "s1", const std::map<std::string, Value>& values = {}) {
  return RegisterRepo(c, SystemsTable()).Insert(SystemRow(id, name, owner, values));
}

}  // namespace mamori::storage::sample
