// For the storage conformance suites only: small valid records to build tests from (each test
// changes the fields it is about), so the suites of the repositories share one spelling.
// (Field by field: these records have no default member initializers, so designated
// initializers that leave fields out warn under -Wmissing-field-initializers.)
#pragma once

#include <cstdint>
#include <string>

#include "storage/records.hpp"

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

// A system of the ledger owned by `owner`, created by u1 at 10.
inline SystemRecord System(const std::string& id, const std::string& name, const std::string& owner = "s1") {
  SystemRecord s;
  s.id = id;
  s.name = name;
  s.owner_org_unit_id = owner;
  s.network_zone = "lgwan";
  s.hosting = "on_premises";
  s.created_by = "u1";
  s.created_at = 10;
  s.updated_at = 10;
  return s;
}

}  // namespace mamori::storage::sample
