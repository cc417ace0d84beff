// The storage of every register (docs/registers.md): one table per register, described by a
// storage-level TableSpec (storage knows nothing of policy packs; the domain turns a register's
// fields into one), and one repository for all of them. Each table holds the engine's fixed
// columns and one column "f_<name>" per field:
//
//   id TEXT PRIMARY KEY, state TEXT, step BIGINT, step_actors TEXT (a JSON array of user ids),
//   creator_org_unit_id TEXT, created_by TEXT, created_at BIGINT, updated_at BIGINT,
//   version BIGINT, deadline_at BIGINT NULL (µs), deadline_done INTEGER (0/1), f_<name>…
//
// Beside it a summary table "<name>__n" counts the records per state and `counted` column (or,
// when none is counted, per state and creator_org_unit_id: a register without an owner section
// is scoped by its creators), so a list's total over a million records is a sum over a few
// hundred rows instead of a scan. Indexes: each `indexed` column, state and creator_org_unit_id,
// each with the list's order after it, the list's order itself (created_at DESC, id), and the
// deadlines not yet handled.
//
// Identifiers are never trusted: table and column names must be [a-z][a-z0-9_]* (a table name
// at most 48 characters and without "__", a column name at most 40), every name a caller hands
// in (a value's column, a filter's column) must be a column of the spec, and all are quoted.
// A malformed spec or an unknown name is an internal error; nothing is run.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "storage/db.hpp"
#include "storage/repos.hpp"

namespace mamori::storage {

// A field column's type. kBool is stored as an integer 0 or 1 and bound as int64_t.
enum class ColumnType { kText, kInt, kBool };

struct ColumnSpec {
  std::string name{};  // the field's id; the table's column is "f_<name>"
  ColumnType type = ColumnType::kText;
  // Indexed as (f_<name>, created_at DESC, id): exact-match filters, and their list pages in order.
  bool indexed = false;
  // Text only: a dimension of the totals summary. Set it on the scope's columns (the owner unit,
  // the system) so scoped totals are summed, not counted; without it a total is still exact,
  // only counted over the rows. The summary has a row per combination of state and counted
  // values that occurs: count columns whose values go together (a system belongs to one unit),
  // not a free field such as a user.
  bool counted = false;
  bool operator==(const ColumnSpec&) const = default;
};

struct TableSpec {
  std::string name{};  // [a-z][a-z0-9_]*, ≤ 48 characters, no "__" (e.g. "reg_lending")
  std::vector<ColumnSpec> columns{};
  // The prefix of a field's column: "f_" for a pack's register. A built-in register whose table
  // predates the kit (the information system ledger) keeps its plain column names with "",
  // and then no column may take a fixed column's name.
  std::string column_prefix = "f_";
  // The list's order: "" for newest first (created_at DESC, id), or a text or int column (ascending,
  // then id; a ledger read by name). The indexes follow it.
  std::string order_column{};
  bool operator==(const TableSpec&) const = default;
};

// Creates the table, its summary and its indexes when missing; adds the columns a spec has
// gained (a pack that gains a field: existing rows read NULL); creates the indexes of columns
// that became indexed; rebuilds the summary from the rows when its counted columns changed. A
// column the spec no longer names is left as it is (its data is kept, never written). Fails,
// changing nothing it has not already committed, when a table of that name exists without the
// fixed columns or when an existing column has another type than the spec says. Idempotent; run
// it inside a Write to have it all or nothing (both engines have transactional DDL).
Status EnsureTable(Connection& c, const TableSpec& spec);

// The information system ledger's table (kobe:8.3.1ウ): a built-in register whose table
// predates the kit and keeps its plain column names. Migrate ensures it; SystemRepo reads it;
// the built-in register spec of the ledger (policy) must describe the same table.
TableSpec SystemsTable();

struct RegisterRecord {
  std::string id{};
  std::string state{};
  int64_t step = 0;                      // approvals given in the current chain
  std::vector<std::string> step_actors{};  // who gave them, in order
  std::string creator_org_unit_id{};
  std::string created_by{};
  int64_t created_at = 0;  // µs since the epoch
  int64_t updated_at = 0;
  int64_t version = 1;
  std::optional<int64_t> deadline_at{};  // µs; none when the state has no deadline
  bool deadline_done = false;            // its on_pass has been done
  // Field values by column name (ColumnSpec::name, without the "f_"): text columns hold a
  // string, int and bool columns an int64_t, and any column nullptr for NULL. Get, GetMany,
  // List and DueDeadlines answer every column of the spec; Insert and Update store a column
  // missing here as NULL and refuse a name the spec does not have or a value of the wrong type.
  std::map<std::string, Value> values{};
};

// Which records a list or total covers. Every column named here is a ColumnSpec name.
struct RegisterFilter {
  // Scope: when `restrict`, only records whose org_unit_col is one of org_unit_ids, or whose
  // system_col is one of system_ids, or whose creator_org_unit_id is one of creator_unit_ids,
  // A set that is empty (or whose column is "") adds nothing; all empty match nothing.
  bool restrict = false;
  std::string org_unit_col{};
  std::vector<std::string> org_unit_ids{};
  std::string system_col{};
  std::vector<std::string> system_ids{};
  std::vector<std::string> creator_unit_ids{};
  // …or whose own id is one of ids (a register whose records are systems: a role scoped to a
  // system reaches that system's record).
  std::vector<std::string> ids{};
  std::string state{};  // exact, "" = any
  std::string created_by{};  // exact, "" = any (a reporter's own records)
  // Exact matches: column = value (nullptr: IS NULL). Type-checked like a record's values.
  std::map<std::string, Value> eq{};
  // q: a case-insensitive (ASCII) substring of any of q_cols (text columns), LIKE wildcards
  // literal; "" = no search.
  std::vector<std::string> q_cols{};
  std::string q{};
  // created_at in [created_from, created_before) (µs; 0 = unbounded): a 年度 by creation, or the
  // records created before another.
  int64_t created_from = 0;
  int64_t created_before = 0;
  // A text column's value in [range_from, range_to) ("" column = none): ISO dates and canonical
  // RFC 3339 times order as text. A record with no value there is left out.
  std::string range_col{};
  std::string range_from{};
  std::string range_to{};
};

// The SQL of one TableSpec, built once per spec and shared by every repository over it.
struct RegisterStatements;

class RegisterRepo {
 public:
  // The spec's statements are built on its first use and cached process-wide (by table name,
  // checked against the spec's contents), so constructing a repository per request is cheap.
  // The repository keeps what it needs: `spec` may be a temporary.
  RegisterRepo(Connection& c, const TableSpec& spec);

  // A record with the fixed columns and `values`; also counts it in the summary.
  Status Insert(const RegisterRecord& r);
  // Writes state, step, step_actors, updated_at, deadline_at, deadline_done and every field
  // column, and sets version = r.version + 1, but only while the stored version is still
  // r.version: a stale version is a conflict, an unknown id not_found. id, creator_org_unit_id,
  // created_by and created_at never change. Keeps the summary in step.
  Status Update(const RegisterRecord& r);
  Result<std::optional<RegisterRecord>> Get(const std::string& id);
  // The records with these ids, in no particular order (unknown ids are left out).
  Result<std::vector<RegisterRecord>> GetMany(const std::vector<std::string>& ids);
  // In the spec's order: newest first (created_at DESC, then id), or by its order_column.
  Result<std::vector<RegisterRecord>> List(const RegisterFilter& f, const Page& page);
  // The records List would find over all pages. Summed from the summary when every column the
  // filter uses is one of its dimensions (state; scope over counted columns, or over creators
  // when none is counted; eq on a counted column; no q); otherwise counted over the rows.
  Result<int64_t> Count(const RegisterFilter& f);
  // Records whose deadline has passed (deadline_at <= now_micros) and is not yet handled,
  // earliest deadline first, at most `limit`.
  Result<std::vector<RegisterRecord>> DueDeadlines(int64_t now_micros, int64_t limit);
  // Marks the deadline `deadline_at` of record `id` handled. Conflict when the record's deadline
  // is no longer that one or was already handled (another run, or a change, came first), so a
  // caller that acted on the deadline in the same transaction rolls back instead of acting
  // twice; not_found for an unknown id. Bumps the version (updated_at is left alone), so an
  // Update from a copy read before the mark is a conflict and cannot set deadline_done back.
  Status MarkDeadlineDone(const std::string& id, int64_t deadline_at);
  // Moves the unhandled deadline `deadline_at` of record `id` to `next_at` (an escalation's next
  // level): the same guards and version bump as MarkDeadlineDone.
  Status RescheduleDeadline(const std::string& id, int64_t deadline_at, int64_t next_at);

 private:
  Connection& c_;
  std::shared_ptr<const RegisterStatements> s_;
};

}  // namespace mamori::storage
