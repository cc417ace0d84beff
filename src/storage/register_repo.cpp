// GCC 12 warns spuriously about std::variant (storage::Value) members once QueryPage is
// inlined here (the same false positive tests/integration/CMakeLists.txt silences).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "storage/register_repo.hpp"

#include <algorithm>
#include <set>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "storage/query_util.hpp"

namespace mamori::storage {

// Every statement of one table, built from its spec once (StatementsFor caches them).
struct RegisterStatements {
  TableSpec spec;
  Status valid = Ok();  // a malformed spec: every method answers this and runs nothing
  std::string table;    // quoted
  std::string summary;  // quoted
  std::map<std::string, size_t> index;  // column name → position in spec.columns
  std::vector<std::string> cols;        // quoted "f_<name>", as spec.columns
  std::vector<size_t> counted;          // positions of the counted columns
  bool by_creator = false;              // the summary counts by creator_org_unit_id (none counted)
  std::string insert, update, get, exists, many_head, list_head, count_head, sum_head;
  std::string counted_key, count_up, count_down;
  std::string due, mark_done;
  std::string reschedule;
};

namespace {

// The fixed columns, in the order every SELECT reads them; field columns follow.
constexpr std::string_view kFixedColumns =
    "id, state, step, step_actors, creator_org_unit_id, created_by, created_at, updated_at, version, deadline_at, "
    "deadline_done";
constexpr int kFixedCount = 11;

// The fixed columns with the type each engine reports for them (SQLite: as declared; PostgreSQL:
// information_schema's data_type), checked on a table that already exists.
struct FixedColumn {
  const char* name;
  const char* type;
};
constexpr FixedColumn kFixed[] = {
    {"id", "text"},           {"state", "text"},       {"step", "bigint"},        {"step_actors", "text"},
    {"creator_org_unit_id", "text"}, {"created_by", "text"}, {"created_at", "bigint"}, {"updated_at", "bigint"},
    {"version", "bigint"},    {"deadline_at", "bigint"}, {"deadline_done", "integer"},
};

constexpr std::string_view kCreateHead =
    " (\n"
    "  id                  TEXT PRIMARY KEY,\n"
    "  state               TEXT NOT NULL,\n"
    "  step                BIGINT NOT NULL DEFAULT 0,\n"
    "  step_actors         TEXT NOT NULL DEFAULT '[]',\n"
    "  creator_org_unit_id TEXT NOT NULL,\n"
    "  created_by          TEXT NOT NULL,\n"
    "  created_at          BIGINT NOT NULL,\n"
    "  updated_at          BIGINT NOT NULL,\n"
    "  version             BIGINT NOT NULL,\n"
    "  deadline_at         BIGINT,\n"
    "  deadline_done       INTEGER NOT NULL DEFAULT 0";

// The columns of a table in the current schema (none when it does not exist), with their types
// in lower case.
constexpr std::string_view kColumnsSqlite = "SELECT name, LOWER(type) FROM pragma_table_info(?)";
constexpr std::string_view kColumnsPostgres =
    "SELECT column_name, LOWER(data_type) FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = ?";

constexpr size_t kMaxTableName = 48;
constexpr size_t kMaxColumnName = 40;
// PostgreSQL's identifier limit (longer names are cut silently, and two cut names may meet).
constexpr size_t kMaxIdentifier = 63;

constexpr const char* kStale = "記録は他の操作で更新されています。最新の内容を読み直してください";

bool ValidName(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'; });
}

// Only ever applied to names ValidName accepted: no quote can occur inside.
std::string Quote(std::string_view name) { return "\"" + std::string(name) + "\""; }

const char* TypeSql(ColumnType t) { return t == ColumnType::kText ? "TEXT" : t == ColumnType::kInt ? "BIGINT" : "INTEGER"; }
const char* TypeReported(ColumnType t) { return t == ColumnType::kText ? "text" : t == ColumnType::kInt ? "bigint" : "integer"; }

// The name of an index or the summary: "<table>__<suffix>", cut to PostgreSQL's limit with a
// hash of the whole name appended when longer. Table names hold no "__", so the part before
// the first "__" names the table and two tables' derived names never meet, nor meet a table.
std::string Derived(const std::string& table, const std::string& suffix) {
  std::string name = table + "__" + suffix;
  if (name.size() <= kMaxIdentifier) return name;
  uint32_t h = 2166136261u;  // FNV-1a: a short, stable tag for the cut name, not a secret
  for (unsigned char ch : name) h = (h ^ ch) * 16777619u;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag;
  for (int i = 7; i >= 0; --i) tag.push_back(kHex[(h >> (i * 4)) & 0xf]);
  return name.substr(0, kMaxIdentifier - 9) + "_" + tag;
}

Status CheckSpec(const TableSpec& spec) {
  const std::string what = "register table " + spec.name + ": ";
  if (!ValidName(spec.name, kMaxTableName) || spec.name.find("__") != std::string::npos)
    return Error::Internal(what + "the table name must be [a-z][a-z0-9_]*, at most 48 characters, without \"__\"");
  std::set<std::string> seen;
  for (const ColumnSpec& col : spec.columns) {
    if (!ValidName(col.name, kMaxColumnName))
      return Error::Internal(what + "column \"" + col.name + "\" must be [a-z][a-z0-9_]*, at most 40 characters");
    if (!seen.insert(col.name).second) return Error::Internal(what + "column " + col.name + " is named twice");
    if (col.counted && col.type != ColumnType::kText)
      return Error::Internal(what + "column " + col.name + " is counted but not text");
    const std::string column = spec.column_prefix + col.name;
    if (std::any_of(std::begin(kFixed), std::end(kFixed), [&](const FixedColumn& f) { return column == f.name; }))
      return Error::Internal(what + "column " + column + " would take a fixed column's name");
  }
  if (!spec.column_prefix.empty() && !ValidName(spec.column_prefix, 8))
    return Error::Internal(what + "the column prefix must be [a-z][a-z0-9_]*, at most 8 characters");
  if (!spec.order_column.empty()) {
    auto it = std::find_if(spec.columns.begin(), spec.columns.end(),
                           [&](const ColumnSpec& c) { return c.name == spec.order_column; });
    if (it == spec.columns.end() || (it->type != ColumnType::kText && it->type != ColumnType::kInt))
      return Error::Internal(what + "the order column " + spec.order_column + " is not a text or int column of the spec");
  }
  return Ok();
}

// The ORDER BY of a list: newest first, or by the order column (then id).
std::string OrderOf(const TableSpec& spec) {
  return spec.order_column.empty() ? "created_at DESC, id" : Quote(spec.column_prefix + spec.order_column) + ", id";
}

std::shared_ptr<const RegisterStatements> Build(const TableSpec& spec) {
  auto s = std::make_shared<RegisterStatements>();
  s->spec = spec;
  s->valid = CheckSpec(spec);
  if (!s->valid.ok()) return s;
  s->table = Quote(spec.name);
  s->summary = Quote(Derived(spec.name, "n"));
  std::string select(kFixedColumns);
  std::string placeholders = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";
  std::string sets = "state = ?, step = ?, step_actors = ?, updated_at = ?, deadline_at = ?, deadline_done = ?";
  std::string key_cols = "state";
  std::string key_marks = "?";
  std::string key_where = "state = ?";
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    const std::string col = Quote(spec.column_prefix + spec.columns[i].name);
    s->index[spec.columns[i].name] = i;
    s->cols.push_back(col);
    select += ", " + col;
    placeholders += ", ?";
    sets += ", " + col + " = ?";
    if (spec.columns[i].counted) {
      s->counted.push_back(i);
      key_cols += ", " + col;
      key_marks += ", ?";
      key_where += " AND " + col + " = ?";
    }
  }
  if (s->counted.empty()) {
    s->by_creator = true;
    key_cols += ", creator_org_unit_id";
    key_marks += ", ?";
    key_where += " AND creator_org_unit_id = ?";
  }
  const std::string from = " FROM " + s->table;
  s->insert = "INSERT INTO " + s->table + " (" + select + ") VALUES (" + placeholders + ")";
  s->update = "UPDATE " + s->table + " SET " + sets + ", version = version + 1 WHERE id = ? AND version = ?";
  s->get = "SELECT " + select + from + " WHERE id = ?";
  s->exists = "SELECT COUNT(*)" + from + " WHERE id = ?";
  s->many_head = "SELECT " + select + from + " WHERE 1 = 1";
  s->list_head = s->many_head;
  s->count_head = "SELECT COUNT(*)" + from + " WHERE 1 = 1";
  // The summary carries the same column names, so one filter serves both heads.
  s->sum_head = "SELECT COALESCE(SUM(n), 0) FROM " + s->summary + " WHERE 1 = 1";
  s->counted_key = "SELECT " + key_cols + from + " WHERE id = ? AND version = ?";
  s->count_up = "INSERT INTO " + s->summary + " (" + key_cols + ", n) VALUES (" + key_marks + ", 1) ON CONFLICT (" +
                key_cols + ") DO UPDATE SET n = " + s->summary + ".n + 1";
  s->count_down = "UPDATE " + s->summary + " SET n = n - 1 WHERE " + key_where;
  // The literal conditions match the partial index's, so both engines use it.
  s->due = "SELECT " + select + from +
           " WHERE deadline_done = 0 AND deadline_at IS NOT NULL AND deadline_at <= ? ORDER BY deadline_at, id LIMIT ?";
  s->mark_done = "UPDATE " + s->table +
                 " SET deadline_done = 1, version = version + 1 WHERE id = ? AND deadline_at = ? AND deadline_done = 0";
  s->reschedule = "UPDATE " + s->table +
                  " SET deadline_at = ?, version = version + 1 WHERE id = ? AND deadline_at = ? AND deadline_done = 0";
  return s;
}

// The statements of `spec`, built on its first use. Keyed by the table's name and checked
// against a copy of the spec, so a spec that changed (a pack reloaded, a field added) is built
// again rather than served stale statements; a caller may pass a temporary spec.
std::shared_ptr<const RegisterStatements> StatementsFor(const TableSpec& spec) {
  static std::shared_mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const RegisterStatements>> cache;
  {
    std::shared_lock lock(mu);
    auto it = cache.find(spec.name);
    if (it != cache.end() && it->second->spec == spec) return it->second;
  }
  auto built = Build(spec);
  std::unique_lock lock(mu);
  cache[spec.name] = built;
  return built;
}

// The names and (lower-case) types of a table's columns; empty when it does not exist.
Result<std::map<std::string, std::string>> ColumnsOf(Connection& c, const std::string& table) {
  std::map<std::string, std::string> out;
  MAMORI_TRY(c.Query(c.dialect() == Dialect::kSqlite ? kColumnsSqlite : kColumnsPostgres, {table},
                     [&](const Row& r) { out[r.Str(0)] = r.Str(1); }));
  return out;
}

// Checks a value against its column's type.
bool Fits(const ColumnSpec& col, const Value& v) {
  if (std::holds_alternative<std::nullptr_t>(v)) return true;
  if (col.type == ColumnType::kText) return std::holds_alternative<std::string>(v);
  const auto* n = std::get_if<int64_t>(&v);
  return n && (col.type == ColumnType::kInt || *n == 0 || *n == 1);
}

Error BadName(const RegisterStatements& s, std::string_view what, std::string_view name) {
  return StorageError("register table " + s.spec.name, std::string(what) + " \"" + std::string(name) +
                                                           "\" is not a column of the spec, or its value has the wrong type");
}


RegisterRecord ReadRecord(const RegisterStatements& s, const Row& r) {
  RegisterRecord rec;
  rec.id = r.Str(0);
  rec.state = r.Str(1);
  rec.step = r.Int(2);
  rec.step_actors = DecodeStringList(r.Text(3));
  rec.creator_org_unit_id = r.Str(4);
  rec.created_by = r.Str(5);
  rec.created_at = r.Int(6);
  rec.updated_at = r.Int(7);
  rec.version = r.Int(8);
  if (!r.IsNull(9)) rec.deadline_at = r.Int(9);
  rec.deadline_done = r.Int(10) != 0;
  for (size_t i = 0; i < s.spec.columns.size(); ++i) {
    const int col = kFixedCount + static_cast<int>(i);
    Value v = nullptr;
    if (!r.IsNull(col)) {
      if (s.spec.columns[i].type == ColumnType::kText)
        v = r.Str(col);
      else
        v = r.Int(col);
    }
    rec.values.emplace(s.spec.columns[i].name, std::move(v));
  }
  return rec;
}

// Appends the record's field values in spec order (NULL for a missing one), refusing a name
// the spec does not have or a value of the wrong type.
Status AppendValues(const RegisterStatements& s, const RegisterRecord& r, Params& p) {
  for (const auto& [name, v] : r.values) {
    auto it = s.index.find(name);
    if (it == s.index.end() || !Fits(s.spec.columns[it->second], v)) return BadName(s, "value", name);
  }
  for (const ColumnSpec& col : s.spec.columns) {
    auto it = r.values.find(col.name);
    p.push_back(it == r.values.end() ? Value(nullptr) : it->second);
  }
  return Ok();
}

// The summary's key of a record: its state, then each counted column ("" for NULL: the
// summary's key columns are NOT NULL so that the upsert's conflict always matches), or its
// creator's unit when no column is counted.
std::vector<std::string> KeyOf(const RegisterStatements& s, const RegisterRecord& r) {
  std::vector<std::string> key{r.state};
  if (s.by_creator) key.push_back(r.creator_org_unit_id);
  for (size_t i : s.counted) {
    auto it = r.values.find(s.spec.columns[i].name);
    const auto* text = it == r.values.end() ? nullptr : std::get_if<std::string>(&it->second);
    key.push_back(text ? *text : std::string());
  }
  return key;
}

Status Adjust(Connection& c, const RegisterStatements& s, const std::vector<std::string>& key, bool up) {
  Params p(key.begin(), key.end());
  auto r = c.Execute(up ? s.count_up : s.count_down, p);
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

// A column the filter names: it must be one of the spec's (and, for `text_only`, a text one).
Result<size_t> FilterColumn(const RegisterStatements& s, std::string_view what, const std::string& name,
                            bool text_only) {
  auto it = s.index.find(name);
  if (it == s.index.end() || (text_only && s.spec.columns[it->second].type != ColumnType::kText))
    return BadName(s, what, name);
  return it->second;
}

// Appends the WHERE conditions of a filter; every value is a bind parameter and every column
// one of the spec's, quoted.
Status AppendFilter(const RegisterStatements& s, const RegisterFilter& f, std::string& sql, Params& p) {
  if (f.restrict) {
    std::vector<std::pair<std::string, const std::vector<std::string>*>> sets;
    if (!f.org_unit_col.empty()) {
      MAMORI_ASSIGN(size_t i, FilterColumn(s, "org_unit_col", f.org_unit_col, true));
      sets.emplace_back(s.cols[i], &f.org_unit_ids);
    }
    if (!f.system_col.empty()) {
      MAMORI_ASSIGN(size_t i, FilterColumn(s, "system_col", f.system_col, true));
      sets.emplace_back(s.cols[i], &f.system_ids);
    }
    sets.emplace_back("creator_org_unit_id", &f.creator_unit_ids);
    sets.emplace_back("id", &f.ids);
    std::string any;
    for (const auto& [column, ids] : sets) {
      if (ids->empty()) continue;
      any += any.empty() ? "" : " OR ";
      any += column + " IN (";
      for (size_t i = 0; i < ids->size(); ++i) {
        any += i ? ", ?" : "?";
        p.push_back((*ids)[i]);
      }
      any += ")";
    }
    // A scope that names nothing sees nothing, never everything.
    sql += " AND (" + (any.empty() ? std::string("1 = 0") : any) + ")";
  }
  AppendEq(sql, p, "state", f.state);
  AppendEq(sql, p, "created_by", f.created_by);
  for (const auto& [name, v] : f.eq) {
    auto it = s.index.find(name);
    if (it == s.index.end() || !Fits(s.spec.columns[it->second], v)) return BadName(s, "eq", name);
    if (std::holds_alternative<std::nullptr_t>(v)) {
      sql += " AND " + s.cols[it->second] + " IS NULL";
    } else {
      sql += " AND " + s.cols[it->second] + " = ?";
      p.push_back(v);
    }
  }
  if (!f.q.empty()) {
    std::string any;
    for (const std::string& name : f.q_cols) {
      MAMORI_ASSIGN(size_t i, FilterColumn(s, "q_cols", name, true));
      // LOWER() on both sides: SQLite's LIKE folds ASCII case and PostgreSQL's does not.
      any += any.empty() ? "" : " OR ";
      any += "LOWER(" + s.cols[i] + ") LIKE LOWER(?) ESCAPE '\\'";
      p.push_back(LikePattern(f.q));
    }
    // A search over no searchable column finds nothing.
    sql += " AND (" + (any.empty() ? std::string("1 = 0") : any) + ")";
  }
  if (f.created_from != 0) {
    sql += " AND created_at >= ?";
    p.push_back(f.created_from);
  }
  if (f.created_before != 0) {
    sql += " AND created_at < ?";
    p.push_back(f.created_before);
  }
  if (!f.range_col.empty()) {
    MAMORI_ASSIGN(size_t i, FilterColumn(s, "range_col", f.range_col, true));
    sql += " AND " + s.cols[i] + " >= ? AND " + s.cols[i] + " < ?";
    p.push_back(f.range_from);
    p.push_back(f.range_to);
  }
  return Ok();
}

bool IsCounted(const RegisterStatements& s, const std::string& name) {
  auto it = s.index.find(name);
  return it != s.index.end() && s.spec.columns[it->second].counted;
}

bool HasEmpty(const std::vector<std::string>& ids) {
  return std::find(ids.begin(), ids.end(), std::string()) != ids.end();
}

// Every column the filter touches is a dimension of the summary, and no value is "" (which the
// summary cannot tell from NULL): the total can be summed.
bool Summable(const RegisterStatements& s, const RegisterFilter& f) {
  if (!f.q.empty() || !f.created_by.empty()) return false;
  if (f.created_from != 0 || f.created_before != 0 || !f.range_col.empty()) return false;
  for (const auto& [name, v] : f.eq) {
    const auto* text = std::get_if<std::string>(&v);
    if (!IsCounted(s, name) || !text || text->empty()) return false;
  }
  if (f.restrict) {
    if (!f.ids.empty()) return false;
    if (!f.creator_unit_ids.empty() && (!s.by_creator || HasEmpty(f.creator_unit_ids))) return false;
    if (!f.org_unit_col.empty() && !f.org_unit_ids.empty() &&
        (!IsCounted(s, f.org_unit_col) || HasEmpty(f.org_unit_ids)))
      return false;
    if (!f.system_col.empty() && !f.system_ids.empty() && (!IsCounted(s, f.system_col) || HasEmpty(f.system_ids)))
      return false;
  }
  return true;
}

// Creates the summary when missing, or rebuilds it from the rows when its key columns are not
// (or no longer) those of the spec: state and the counted columns, or state and the creator's
// unit when none is counted (a register without an owner section is scoped by its creators).
Status EnsureSummary(Connection& c, const TableSpec& spec) {
  const std::string name = Derived(spec.name, "n");
  std::set<std::string> want{"state", "n"};
  std::string key = "state";
  std::string key_defs;
  std::string key_select = "state";
  const bool by_creator =
      std::none_of(spec.columns.begin(), spec.columns.end(), [](const ColumnSpec& c) { return c.counted; });
  if (by_creator) {
    want.insert("creator_org_unit_id");
    key += ", creator_org_unit_id";
    key_defs += ", creator_org_unit_id TEXT NOT NULL";
    key_select += ", creator_org_unit_id";
  }
  for (const ColumnSpec& col : spec.columns) {
    if (!col.counted) continue;
    const std::string q = Quote(spec.column_prefix + col.name);
    want.insert(spec.column_prefix + col.name);
    key += ", " + q;
    key_defs += ", " + q + " TEXT NOT NULL";
    key_select += ", COALESCE(" + q + ", '')";
  }
  MAMORI_ASSIGN(auto have, ColumnsOf(c, name));
  std::set<std::string> have_names;
  for (const auto& [col, _] : have) have_names.insert(col);
  if (have_names == want) return Ok();
  const std::string table = Quote(spec.name);
  const std::string summary = Quote(name);
  return c.ExecScript("DROP TABLE IF EXISTS " + summary + ";\nCREATE TABLE " + summary +
                      " (state TEXT NOT NULL" + key_defs +
                      ", n BIGINT NOT NULL, PRIMARY KEY (" + key + "));\nINSERT INTO " + summary + " (" + key +
                      ", n) SELECT " + key_select + ", COUNT(*) FROM " + table + " GROUP BY " + key_select + ";");
}

}  // namespace

Status EnsureTable(Connection& c, const TableSpec& spec) {
  MAMORI_TRY(CheckSpec(spec));
  const std::string table = Quote(spec.name);
  const std::string what = "register table " + spec.name + ": ";
  std::string create = "CREATE TABLE IF NOT EXISTS " + table + std::string(kCreateHead);
  for (const ColumnSpec& col : spec.columns)
    create += ",\n  " + Quote(spec.column_prefix + col.name) + " " + TypeSql(col.type);
  create += "\n);";
  MAMORI_TRY(c.ExecScript(create));

  MAMORI_ASSIGN(auto have, ColumnsOf(c, spec.name));
  for (const FixedColumn& f : kFixed) {
    auto it = have.find(f.name);
    if (it == have.end() || it->second != f.type)
      return Error::Internal(what + "a table of that name exists but is not a register's (column " + f.name + ")");
  }
  std::string alter;
  for (const ColumnSpec& col : spec.columns) {
    auto it = have.find(spec.column_prefix + col.name);
    if (it == have.end()) {
      alter += "ALTER TABLE " + table + " ADD COLUMN " + Quote(spec.column_prefix + col.name) + " " +
               TypeSql(col.type) + ";\n";
    } else if (it->second != TypeReported(col.type)) {
      return Error::Internal(what + "column " + spec.column_prefix + col.name + " is stored as " + it->second +
                             ", the spec says " +
                             TypeReported(col.type));
    }
  }

  // The list's order, and each way a list narrows with that order after it. An order other
  // than the newest first names its indexes after it, so a changed order gets its own.
  const std::string order = OrderOf(spec);
  const std::string by = spec.order_column.empty() ? "" : "_by_" + spec.order_column;
  std::string indexes = alter;
  auto index = [&](const std::string& suffix, const std::string& columns, const std::string& where = {}) {
    indexes += "CREATE INDEX IF NOT EXISTS " + Quote(Derived(spec.name, suffix)) + " ON " + table + " (" + columns +
               ")" + where + ";\n";
  };
  index("c" + by, order);
  index("s" + by, "state, " + order);
  index("u" + by, "creator_org_unit_id, " + order);
  index("d", "deadline_at", " WHERE deadline_done = 0 AND deadline_at IS NOT NULL");
  for (const ColumnSpec& col : spec.columns)
    if (col.indexed) index("i_" + col.name + by, Quote(spec.column_prefix + col.name) + ", " + order);
  MAMORI_TRY(c.ExecScript(indexes));
  return EnsureSummary(c, spec);
}

RegisterRepo::RegisterRepo(Connection& c, const TableSpec& spec) : c_(c), s_(StatementsFor(spec)) {}

Status RegisterRepo::Insert(const RegisterRecord& r) {
  MAMORI_TRY(s_->valid);
  Params p{r.id,
           r.state,
           r.step,
           EncodeStringList(r.step_actors),
           r.creator_org_unit_id,
           r.created_by,
           r.created_at,
           r.updated_at,
           r.version,
           r.deadline_at ? Value(*r.deadline_at) : Value(nullptr),
           int64_t{r.deadline_done ? 1 : 0}};
  MAMORI_TRY(AppendValues(*s_, r, p));
  auto n = c_.Execute(s_->insert, p);
  if (!n.ok()) return std::move(n).error();
  return Adjust(c_, *s_, KeyOf(*s_, r), true);
}

Status RegisterRepo::Update(const RegisterRecord& r) {
  MAMORI_TRY(s_->valid);
  Params p{r.state,
           r.step,
           EncodeStringList(r.step_actors),
           r.updated_at,
           r.deadline_at ? Value(*r.deadline_at) : Value(nullptr),
           int64_t{r.deadline_done ? 1 : 0}};
  MAMORI_TRY(AppendValues(*s_, r, p));
  p.push_back(r.id);
  p.push_back(r.version);
  std::optional<std::vector<std::string>> before;
  MAMORI_TRY(c_.Query(s_->counted_key, {r.id, r.version}, [&](const Row& row) {
    std::vector<std::string> key;
    const size_t n = 1 + (s_->by_creator ? 1 : 0) + s_->counted.size();
    for (size_t i = 0; i < n; ++i) key.push_back(row.Str(static_cast<int>(i)));
    before = std::move(key);
  }));
  if (!before) {
    MAMORI_ASSIGN(int64_t exists, c_.QueryInt(s_->exists, {r.id}, 0));
    if (exists == 0) return Error::NotFound("記録");
    return Error::Conflict(kStale);
  }
  auto n = c_.Execute(s_->update, p);
  if (!n.ok()) return std::move(n).error();
  // Callers hold the write lock, so the row read above is the row updated.
  if (*n != 1) return Error::Conflict(kStale);
  if (const auto after = KeyOf(*s_, r); after != *before) {
    MAMORI_TRY(Adjust(c_, *s_, *before, false));
    MAMORI_TRY(Adjust(c_, *s_, after, true));
  }
  return Ok();
}

Result<std::optional<RegisterRecord>> RegisterRepo::Get(const std::string& id) {
  MAMORI_TRY(s_->valid);
  std::optional<RegisterRecord> out;
  MAMORI_TRY(c_.Query(s_->get, {id}, [&](const Row& r) { out = ReadRecord(*s_, r); }));
  return out;
}

Result<std::vector<RegisterRecord>> RegisterRepo::GetMany(const std::vector<std::string>& ids) {
  MAMORI_TRY(s_->valid);
  std::vector<RegisterRecord> out;
  MAMORI_TRY(ForSlices(ids, kIdsPerQuery, [&](const std::vector<std::string>& slice) -> Status {
    std::string sql = s_->many_head;
    Params p;
    AppendIn(sql, p, "id", slice);
    return c_.Query(sql, p, [&](const Row& r) { out.push_back(ReadRecord(*s_, r)); });
  }));
  return out;
}

Result<std::vector<RegisterRecord>> RegisterRepo::List(const RegisterFilter& f, const Page& page) {
  MAMORI_TRY(s_->valid);
  std::string sql = s_->list_head;
  Params p;
  MAMORI_TRY(AppendFilter(*s_, f, sql, p));
  const RegisterStatements& s = *s_;
  return QueryPage<RegisterRecord>(c_, std::move(sql), std::move(p), OrderOf(s.spec), page,
                                   [&](const Row& r) { return ReadRecord(s, r); });
}

Result<int64_t> RegisterRepo::Count(const RegisterFilter& f) {
  MAMORI_TRY(s_->valid);
  std::string sql = Summable(*s_, f) ? s_->sum_head : s_->count_head;
  Params p;
  MAMORI_TRY(AppendFilter(*s_, f, sql, p));
  return c_.QueryInt(sql, p, 0);
}

Result<std::vector<RegisterRecord>> RegisterRepo::DueDeadlines(int64_t now_micros, int64_t limit) {
  MAMORI_TRY(s_->valid);
  std::vector<RegisterRecord> out;
  MAMORI_TRY(c_.Query(s_->due, {now_micros, limit}, [&](const Row& r) { out.push_back(ReadRecord(*s_, r)); }));
  return out;
}

Status RegisterRepo::MarkDeadlineDone(const std::string& id, int64_t deadline_at) {
  MAMORI_TRY(s_->valid);
  auto n = c_.Execute(s_->mark_done, {id, deadline_at});
  if (!n.ok()) return std::move(n).error();
  if (*n == 1) return Ok();
  MAMORI_ASSIGN(int64_t exists, c_.QueryInt(s_->exists, {id}, 0));
  if (exists == 0) return Error::NotFound("記録");
  return Error::Conflict("期限は既に処理されたか、変更されています");
}

Status RegisterRepo::RescheduleDeadline(const std::string& id, int64_t deadline_at, int64_t next_at) {
  MAMORI_TRY(s_->valid);
  auto n = c_.Execute(s_->reschedule, {next_at, id, deadline_at});
  if (!n.ok()) return std::move(n).error();
  if (*n == 1) return Ok();
  MAMORI_ASSIGN(int64_t exists, c_.QueryInt(s_->exists, {id}, 0));
  if (exists == 0) return Error::NotFound("記録");
  return Error::Conflict("期限は既に処理されたか、変更されています");
}

}  // namespace mamori::storage
