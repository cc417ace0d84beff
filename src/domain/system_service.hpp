// The information system ledger (kobe:8.3.1ウ): each business system with its owner unit,
// network zone, hosting, SLA (availability, RTO, RPO) and the people responsible. Who may see
// or change an entry follows systems.read / systems.manage over the owner unit, or a role
// scoped to that very system.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/access.hpp"
#include "domain/env.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {

inline constexpr const char* kNetworkZones[] = {"mynumber", "lgwan", "internet", "other"};
inline constexpr const char* kHostings[] = {"on_premises", "cloud", "external_service"};

inline constexpr size_t kSystemNameMax = 100;
inline constexpr size_t kSystemNotesMax = 2000;
inline constexpr int64_t kRecoveryMinutesMax = 525600;  // one year

// マイナンバー利用事務系 … (or the English name) of a network zone id; "" for an unknown id.
std::string NetworkZoneLabel(const std::string& zone, bool english = false);
// True for "99.9"-style percentages: 0–100 with up to three decimals.
bool ValidSlaAvailability(const std::string& s);

struct NewSystem {
  std::string name;
  std::string owner_org_unit_id;
  std::string network_zone;
  std::string hosting;
  std::string sla_availability;  // "" for none
  std::optional<int64_t> rto_minutes;
  std::optional<int64_t> rpo_minutes;
  std::string system_owner_user_id;  // "" for none
  std::string system_admin_user_id;
  std::string notes;
};

// A PATCH: only the fields present change; "" (or an empty optional inside) clears an
// optional field. `version` is the version the client read.
struct SystemChanges {
  int64_t version = 0;
  std::optional<std::string> name;
  std::optional<std::string> owner_org_unit_id;
  std::optional<std::string> network_zone;
  std::optional<std::string> hosting;
  std::optional<std::string> sla_availability;
  std::optional<std::optional<int64_t>> rto_minutes;
  std::optional<std::optional<int64_t>> rpo_minutes;
  std::optional<std::string> system_owner_user_id;
  std::optional<std::string> system_admin_user_id;
  std::optional<std::string> notes;
};

struct SystemQuery {
  std::string owner_org_unit_id;
  std::string network_zone;
  std::string hosting;
  std::string q;
  storage::Page page;
};

struct SystemList {
  std::vector<storage::SystemRecord> items;
  int64_t total = 0;
  std::map<std::string, std::string> unit_names;  // owner unit id → name, for the items
};

class SystemService {
 public:
  explicit SystemService(Env& env) : env_(env), access_(env.pack) {}

  Result<storage::SystemRecord> Create(const Actor& a, const NewSystem& in);
  // Not visible and nonexistent look the same: not_found.
  Result<storage::SystemRecord> Get(const Actor& a, const std::string& id);
  Result<SystemList> List(const Actor& a, const SystemQuery& q);
  // A stale `version` is a conflict; no change at all answers the entry as it is, unlogged.
  Result<storage::SystemRecord> Update(const Actor& a, const std::string& id, const SystemChanges& in);
  Result<std::map<std::string, std::string>> UnitNames(const std::vector<std::string>& ids);
  // For the operation log, inside the caller's read: id → name of those `ids` that `a` may see
  // (systems.read over the owner unit, or a role scoped to the system); the others, and
  // unknown ids, are left out.
  Result<std::map<std::string, std::string>> VisibleNames(storage::Connection& c, const Actor& a,
                                                          const std::vector<std::string>& ids,
                                                          const OrgTree& tree) const;

 private:
  // True when `permission` reaches system `s`: over its owner unit, or by a role scoped to it.
  bool Reaches(const Actor& a, const std::string& permission, const storage::SystemRecord& s,
               const OrgTree& tree) const;
  Status Validate(storage::Connection& c, const storage::SystemRecord& r, const OrgTree& tree) const;

  Env& env_;
  Access access_;
};

}  // namespace mamori::domain
