// Repositories: every SQL statement mamori runs lives in storage/*_repo.cpp as a named
// constant with bind parameters. Each repository works on a Connection handed in by the
// caller, so a service composes several of them inside one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "storage/db.hpp"
#include "storage/records.hpp"

namespace mamori::storage {

struct Page {
  int64_t page = 1;
  int64_t per_page = 50;
  int64_t Offset() const { return (page - 1) * per_page; }
};

class MetaRepo {
 public:
  explicit MetaRepo(Connection& c) : c_(c) {}
  Result<std::optional<std::string>> Get(const std::string& key);
  Status Set(const std::string& key, const std::string& value);

 private:
  Connection& c_;
};

class OrgRepo {
 public:
  explicit OrgRepo(Connection& c) : c_(c) {}
  Status Insert(const OrgUnitRecord& r);
  Result<std::optional<OrgUnitRecord>> Get(const std::string& id);
  Result<std::optional<OrgUnitRecord>> FindByCode(const std::string& code);
  Result<std::vector<OrgUnitRecord>> ListAll();
  // id → name of the given units (unknown ids are left out).
  Result<std::map<std::string, std::string>> NamesOf(const std::vector<std::string>& ids);
  // Units where a request may start or be decided: those of active users and those owning
  // assets not disposed of (for the vacant-approver report).
  Result<std::vector<std::string>> UnitsInUse();

 private:
  Connection& c_;
};

struct UserFilter {
  std::vector<std::string> org_unit_ids;  // restrict to these units (scope); empty = all
  bool restrict_units = false;            // true: an empty org_unit_ids matches nothing
  std::string org_unit_id;                // exact unit
  std::string status;                     // active | locked | suspended | expired | deleted
  std::string role;                       // holds this role (unrevoked)
  int64_t last_login_before = 0;          // not logged in since (never counts), 0 = no filter
  std::string q;                          // substring of login_id or name
  int64_t now = 0;
  std::string today;                      // JST "YYYY-MM-DD", for expiry
};

class UserRepo {
 public:
  explicit UserRepo(Connection& c) : c_(c) {}
  Status Insert(const UserRecord& r);
  // Writes every mutable column of `r` (by id).
  Status Update(const UserRecord& r);
  Result<std::optional<UserRecord>> Get(const std::string& id);
  Result<std::optional<UserRecord>> FindByLogin(const std::string& login_id);
  // The users with these ids, in no particular order (unknown ids are left out).
  Result<std::vector<UserRecord>> GetMany(const std::vector<std::string>& ids);
  Result<std::vector<UserRecord>> List(const UserFilter& f, const Page& page);
  Result<int64_t> Count(const UserFilter& f);
  Status AddPasswordHistory(const std::string& user_id, const std::string& hash, int64_t at);
  Result<std::vector<std::string>> RecentPasswordHashes(const std::string& user_id, int n);
  Result<int64_t> CountLocked(int64_t now);

 private:
  Connection& c_;
};

class RoleRepo {
 public:
  explicit RoleRepo(Connection& c) : c_(c) {}
  Status Insert(const RoleAssignmentRecord& r);
  Result<std::optional<RoleAssignmentRecord>> Get(const std::string& id);
  // Unrevoked assignments of a user (validity dates are checked by the caller).
  Result<std::vector<RoleAssignmentRecord>> ListForUser(const std::string& user_id);
  // Unrevoked assignments of everyone (optionally of one user).
  Result<std::vector<RoleAssignmentRecord>> ListActive(const std::string& user_id);
  Status Revoke(const std::string& id, const std::string& by, int64_t at);

 private:
  Connection& c_;
};

class SessionRepo {
 public:
  explicit SessionRepo(Connection& c) : c_(c) {}
  Status Insert(const SessionRecord& r);
  Result<std::optional<SessionRecord>> Get(const std::string& id);
  // A user's sessions not ended and within their absolute limit, newest first.
  Result<std::vector<SessionRecord>> ListLive(const std::string& user_id, int64_t now);
  Status Touch(const std::string& id, int64_t at);
  Status SetMfaPassed(const std::string& id);
  Status End(const std::string& id, int64_t at, const std::string& reason);
  // Ends every live session of a user; returns how many.
  Result<int64_t> EndAllForUser(const std::string& user_id, int64_t at, const std::string& reason);
  // Ends every live session of a user except `keep_id`.
  Status EndOthersForUser(const std::string& user_id, const std::string& keep_id, int64_t at,
                          const std::string& reason);
  // Ends every live session of a user that has not passed MFA yet; returns how many.
  Result<int64_t> EndPendingForUser(const std::string& user_id, int64_t at, const std::string& reason);

 private:
  Connection& c_;
};

// Failed sign-ins by client address, for the throttle across accounts. One row per failure;
// rows older than the window are pruned by whoever records the next failure.
class LoginFailureRepo {
 public:
  explicit LoginFailureRepo(Connection& c) : c_(c) {}
  Status Record(const std::string& address_key, int64_t at);
  // The times of an address's failures after `after`, oldest first.
  Result<std::vector<int64_t>> Since(const std::string& address_key, int64_t after);
  // Deletes every failure at or before `up_to`.
  Status Prune(int64_t up_to);

 private:
  Connection& c_;
};

struct LogFilter {
  std::string actor;   // user id or login id
  std::string action;  // exact action, or prefix ending in '.'
  std::string result;
  int64_t from = 0;    // at >= from (0 = open)
  int64_t to = 0;      // at < to (0 = open)
  bool restrict_actors = false;
  std::vector<std::string> actor_ids;  // scope restriction when restrict_actors
  std::string target;  // exact target ("asset:<id>"), "" = any
  // With `target`: entries of these targets too (a record's timeline with its sub-records').
  std::vector<std::string> also_targets;
  std::string target_type;  // targets "<target_type>:…" ("asset", "org_unit", …), "" = any
};

class AuditRepo {
 public:
  explicit AuditRepo(Connection& c) : c_(c) {}
  Result<std::pair<int64_t, std::string>> Head();
  Status SetHead(int64_t seq, const std::string& hash);
  Status Insert(const LogEntryRecord& e);
  Result<std::vector<LogEntryRecord>> List(const LogFilter& f, const Page& page);
  Result<int64_t> Count(const LogFilter& f);
  // Streams entries in seq order from `from_seq`, `limit` at most (0 = all).
  Status Scan(int64_t from_seq, int64_t limit, const std::function<void(LogEntryRecord&&)>& fn);
  Status InsertCheckpoint(const CheckpointRecord& c);
  Result<std::vector<CheckpointRecord>> Checkpoints();
  // seq of the newest checkpoint and the time of the entry it seals ({0, 0}: none).
  Result<std::pair<int64_t, int64_t>> LastCheckpoint();
  // `at` of entry `seq` (0 when there is no such entry).
  Result<int64_t> EntryTime(int64_t seq);

 private:
  Connection& c_;
};

// The typed view of the information system ledger (a register of the kit: SystemsTable() in
// register_repo.hpp) for those who read systems; the register engine writes the ledger.
class SystemRepo {
 public:
  explicit SystemRepo(Connection& c) : c_(c) {}
  Result<std::optional<SystemRecord>> Get(const std::string& id);
  // The systems named exactly `name`: none, one, or two when the name is ambiguous.
  Result<std::vector<SystemRecord>> FindByName(const std::string& name);
  // The systems with these ids, in no particular order (unknown ids are left out).
  Result<std::vector<SystemRecord>> GetMany(const std::vector<std::string>& ids);

 private:
  Connection& c_;
};

struct AssetFilter {
  // Scope: owner unit in owner_units, or system in owner_systems (roles scoped to a system).
  // Ignored unless restrict_owners; then empty sets match nothing.
  bool restrict_owners = false;
  std::vector<std::string> owner_units;
  std::vector<std::string> owner_systems;
  // kobe:4.2オ(2): assets with confidentiality >= restricted_from (when > 0) only where the
  // owner unit is in restricted_units or the system in restricted_systems (ignored when
  // restricted_all).
  int64_t restricted_from = 0;
  bool restricted_all = false;
  std::vector<std::string> restricted_units;
  std::vector<std::string> restricted_systems;
  std::string owner_org_unit_id;
  int64_t min_confidentiality = 0;
  std::string state;
  std::string kind;
  std::string system_id;
  std::string q;  // substring of the name, LIKE wildcards literal, ASCII case folded
};

class AssetRepo {
 public:
  explicit AssetRepo(Connection& c) : c_(c) {}
  Status Insert(const AssetRecord& r);
  // Writes every mutable column (state included) and sets version = r.version + 1, but only
  // while the stored version is still r.version: a stale version is a conflict.
  Status Update(const AssetRecord& r);
  Result<std::optional<AssetRecord>> Get(const std::string& id);
  // The assets with these ids, in no particular order (unknown ids are left out).
  Result<std::vector<AssetRecord>> GetMany(const std::vector<std::string>& ids);
  // Ordered by name, then id (the index assets_name serves the order).
  Result<std::vector<AssetRecord>> List(const AssetFilter& f, const Page& page);
  // The rows List would find over all pages. Summed from the asset_counts summary (kept in step
  // by Insert and Update) unless the filter names a substring or a system.
  Result<int64_t> Count(const AssetFilter& f);

 private:
  Connection& c_;
};

}  // namespace mamori::storage
