// The operation log as a person reads it: each entry with its actor's and its target's names,
// and the names of the objects its detail refers to, resolved for a whole page at once (one
// query per kind of object, never one per row) and only as far as the reader may see each
// object through its own page. An attacker holding audit.read learns no more of an asset,
// a system or a person from the log than the register, the ledger or the user list shows them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/access.hpp"
#include "domain/asset_service.hpp"
#include "domain/env.hpp"
#include "domain/register_service.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {

// The target types the log's `target_type` filter accepts: targets are "<type>:<id>".
// Another kind of target is one more line here.
inline constexpr const char* kLogTargetTypes[] = {"user",    "asset",        "request", "system",
                                                  "org_unit", "session", "asset-import"};
bool IsLogTargetType(const std::string& type);

struct LogEntryView {
  storage::LogEntryRecord entry;  // detail is "" when withheld
  std::string actor_name;         // the acting person's name; "" for "-"/"system" or one not visible
  std::string target_type;        // "asset", "user", … ("" when the target names no object)
  std::string target_id;
  // The target in words: an asset's, system's or unit's name, "氏名（ログインID）" of a person
  // (only the login ID when the reader may not see them), a request's type title and short
  // id; "閲覧権限のない情報資産" and the like when the reader may not see the object.
  std::string target_label;
  bool target_hidden = false;
  // The target is an asset the reader may not see: its detail (which holds the asset's name,
  // location, …) is not shown either.
  bool detail_withheld = false;
  // Objects the detail refers to, "org_unit:<id>" → name; nullopt when the reader may not
  // see the object (or it is unknown).
  std::map<std::string, std::optional<std::string>> refs;
};

struct LogPage {
  std::vector<LogEntryView> items;
  int64_t total = 0;
};

// Which detail keys name which kind of object (scope_id goes by its sibling scope_type;
// "changes": {key: {from, to}} by the changed key). "type" is a request's type, named by the
// pack's title.
inline constexpr std::pair<const char*, const char*> kLogDetailRefs[] = {
    {"org_unit_id", "org_unit"},    {"owner_org_unit_id", "org_unit"}, {"parent_id", "org_unit"},
    {"asset_ids", "asset"},         {"asset_id", "asset"},             {"system_id", "system"},
    {"request_id", "request"},      {"user_id", "user"},               {"system_owner_user_id", "user"},
    {"system_admin_user_id", "user"}, {"type", "request_type"},
    {"import_id", "asset-import"}};

// A person as a reader of the log sees them: name and login ID, and whether the reader may see
// the person at all (users.read over the person's unit, or the person themself); one the reader
// may not see is known by the login ID the log holds anyway, never by name.
struct PersonSeen {
  std::string name;
  std::string login;
  bool visible = false;
};

// The people `user_ids` as reader `a` sees them, one query for all (unknown ids are left out).
Result<std::map<std::string, PersonSeen>> PeopleSeen(storage::Connection& c, const Access& access, const Actor& a,
                                                     const OrgTree& tree, const std::vector<std::string>& user_ids);

// The acting people of `entries` that reader `a` may see, user id → name: what the log's
// `actor_name` answers (anonymous and system entries, and people out of sight, are absent).
Result<std::map<std::string, std::string>> ActorNames(storage::Connection& c, const Access& access, const Actor& a,
                                                      const OrgTree& tree,
                                                      const std::vector<storage::LogEntryRecord>& entries);

// Resolves the names of `entries` for reader `a`, inside the caller's read.
class LogNames {
 public:
  LogNames(Env& env, const AssetService& assets, const RegisterService& registers)
      : env_(env), access_(env.pack), assets_(assets), registers_(registers) {}

  Result<std::vector<LogEntryView>> Describe(storage::Connection& c, const Actor& a, const OrgTree& tree,
                                             std::vector<storage::LogEntryRecord> entries, bool english) const;

 private:
  Env& env_;
  Access access_;
  const AssetService& assets_;
  const RegisterService& registers_;
};

}  // namespace mamori::domain
