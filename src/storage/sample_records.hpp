// For the storage conformance suites only: small valid records to build tests from (each test
// changes the fields it is about), so the suites of the repositories share one spelling. Every
// record of storage/records.hpp has default member initializers, so a designated initializer
// names only the fields it sets (and a field added later cannot be set by position by mistake).
#pragma once

#include <cstdint>
#include <string>

#include "storage/records.hpp"

namespace mamori::storage::sample {

// An active regular user of unit `unit` with a password set at 10.
inline UserRecord User(const std::string& id, const std::string& login, const std::string& unit = "s1") {
  return {.id = id,
          .login_id = login,
          .name = "名前 " + login,
          .org_unit_id = unit,
          .employment_type = "regular",
          .status = "active",
          .password_hash = "$argon2id$x",
          .password_changed_at = 10,
          .created_at = 10};
}

// A session of user u1 started (and last seen) at `at`.
inline SessionRecord Session(const std::string& id, int64_t at, int64_t expires_at, bool mfa_passed,
                             const std::string& address) {
  return {.id = id,
          .user_id = "u1",
          .csrf_token = "csrf",
          .created_at = at,
          .last_seen_at = at,
          .expires_at = expires_at,
          .address = address,
          .mfa_passed = mfa_passed};
}

// A system of the ledger owned by `owner`, created by u1 at 10.
inline SystemRecord System(const std::string& id, const std::string& name, const std::string& owner = "s1") {
  return {.id = id,
          .name = name,
          .owner_org_unit_id = owner,
          .network_zone = "lgwan",
          .hosting = "on_premises",
          .created_by = "u1",
          .created_at = 10,
          .updated_at = 10};
}

}  // namespace mamori::storage::sample
