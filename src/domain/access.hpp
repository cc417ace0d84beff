// Who is acting and what their roles let them do: role assignments in force today, scope
// coverage over the org tree, and the permission checks every service makes on the server.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "audit/operation_log.hpp"
#include "policy/pack.hpp"
#include "policy/permissions.hpp"
#include "storage/db.hpp"
#include "storage/records.hpp"

namespace mamori::domain {

// Services name permissions as perm::kUsersRead etc. (policy/permissions.hpp).
namespace perm = policy::perm;

// A snapshot of the org tree for scope checks.
class OrgTree {
 public:
  static Result<OrgTree> Load(storage::Connection& c);
  bool Contains(const std::string& id) const { return units_.count(id) > 0; }
  const storage::OrgUnitRecord* Find(const std::string& id) const;
  // True when `unit` is `ancestor` or lies below it.
  bool Within(const std::string& unit, const std::string& ancestor) const;
  // `root` and every unit below it.
  std::vector<std::string> Subtree(const std::string& root) const;
  const std::map<std::string, storage::OrgUnitRecord>& units() const { return units_; }

 private:
  std::map<std::string, storage::OrgUnitRecord> units_;
};

struct Actor {
  std::string user_id = "-";
  std::string login_id = "-";
  std::string session_ref = "-";
  std::string address = "-";
  std::vector<storage::RoleAssignmentRecord> roles;  // in force today

  // An operation-log event attributed to this actor.
  audit::Event Event(std::string action, std::string target) const;
};

// Assignments in force on `today` ("YYYY-MM-DD"), validity dates inclusive.
std::vector<storage::RoleAssignmentRecord> InForce(std::vector<storage::RoleAssignmentRecord> all,
                                                   const std::string& today);

// The org units where an actor holds a permission.
struct UnitScope {
  bool all = false;           // a city-scope grant
  std::set<std::string> units;  // otherwise these units (subtrees expanded)
  bool Covers(const std::string& unit) const { return all || units.count(unit) > 0; }
};

class Access {
 public:
  explicit Access(const policy::PolicyPack& pack) : pack_(pack) {}
  bool Has(const Actor& a, const std::string& permission) const;  // at any scope
  bool HasCityWide(const Actor& a, const std::string& permission) const;
  UnitScope Units(const Actor& a, const std::string& permission, const OrgTree& tree) const;
  bool Privileged(const std::vector<storage::RoleAssignmentRecord>& roles) const;
  // Every permission the actor holds at any scope (for the UI to decide what to offer).
  std::set<std::string> Permissions(const Actor& a) const;

 private:
  bool Grants(const storage::RoleAssignmentRecord& r, const std::string& permission) const;
  const policy::PolicyPack& pack_;
};

}  // namespace mamori::domain
