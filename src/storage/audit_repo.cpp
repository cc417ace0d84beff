#include "storage/query_util.hpp"
#include "storage/repos.hpp"

namespace mamori::storage {
namespace {

#define MAMORI_LOG_COLUMNS \
  "seq, at, actor, actor_login, session, address, action, target, result, clause, detail, prev_hash, hash"

constexpr std::string_view kHead = "SELECT seq, hash FROM log_head WHERE id = 1";
constexpr std::string_view kSetHead = "UPDATE log_head SET seq = ?, hash = ? WHERE id = 1";
constexpr std::string_view kInsert =
    "INSERT INTO audit_log (" MAMORI_LOG_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kListHead = "SELECT " MAMORI_LOG_COLUMNS " FROM audit_log WHERE 1 = 1";
constexpr std::string_view kCountHead = "SELECT COUNT(*) FROM audit_log WHERE 1 = 1";
constexpr std::string_view kScan = "SELECT " MAMORI_LOG_COLUMNS " FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?";
constexpr std::string_view kCheckpointInsert =
    "INSERT INTO log_checkpoints (seq, hash, at, key_id, signature, prev_seq) VALUES (?, ?, ?, ?, ?, ?)";
constexpr std::string_view kCheckpoints =
    "SELECT seq, hash, at, key_id, signature, prev_seq FROM log_checkpoints ORDER BY seq";
// The newest checkpoint with the time of the entry it seals (0, 0 when there is none).
constexpr std::string_view kLastCheckpoint =
    "SELECT c.seq, a.at FROM log_checkpoints c LEFT JOIN audit_log a ON a.seq = c.seq ORDER BY c.seq DESC LIMIT 1";
constexpr std::string_view kEntryTime = "SELECT at FROM audit_log WHERE seq = ?";

LogEntryRecord ReadEntry(const Row& r) {
  return {r.Int(0), r.Int(1), r.Str(2), r.Str(3), r.Str(4),  r.Str(5), r.Str(6),
          r.Str(7), r.Str(8), r.Str(9), r.Str(10), r.Str(11), r.Str(12)};
}

void AppendFilter(const LogFilter& f, std::string& sql, Params& p) {
  if (!f.actor.empty()) {
    sql += " AND (actor = ? OR actor_login = ?)";
    p.push_back(f.actor);
    p.push_back(f.actor);
  }
  if (!f.action.empty()) {
    if (f.action.back() == '.') {
      sql += " AND action LIKE ?";
      p.push_back(f.action + "%");
    } else {
      sql += " AND action = ?";
      p.push_back(f.action);
    }
  }
  if (!f.result.empty()) {
    sql += " AND result = ?";
    p.push_back(f.result);
  }
  if (f.from > 0) {
    sql += " AND at >= ?";
    p.push_back(f.from);
  }
  if (f.to > 0) {
    sql += " AND at < ?";
    p.push_back(f.to);
  }
  if (f.restrict_actors) AppendIn(sql, p, "actor", f.actor_ids);
  if (!f.target.empty() && f.also_targets.empty()) {
    sql += " AND target = ?";
    p.push_back(f.target);
  } else if (!f.target.empty()) {
    sql += " AND (target = ?";
    p.push_back(f.target);
    sql += " OR target IN (";
    for (size_t i = 0; i < f.also_targets.size(); ++i) {
      sql += i ? ", ?" : "?";
      p.push_back(f.also_targets[i]);
    }
    sql += "))";
  }
  if (!f.target_type.empty()) {
    // A prefix match with LIKE's wildcards escaped ("org_unit" holds one).
    std::string prefix;
    for (char ch : f.target_type) {
      if (ch == '%' || ch == '_' || ch == '\\') prefix.push_back('\\');
      prefix.push_back(ch);
    }
    sql += " AND target LIKE ? ESCAPE '\\'";
    p.push_back(prefix + ":%");
  }
}

}  // namespace

Result<std::pair<int64_t, std::string>> AuditRepo::Head() {
  std::pair<int64_t, std::string> out{0, ""};
  bool found = false;
  MAMORI_TRY(c_.Query(kHead, {}, [&](const Row& r) {
    out = {r.Int(0), r.Str(1)};
    found = true;
  }));
  // A database whose head row was deleted has been tampered with or damaged: say so plainly
  // (503, not an internal error) and write nothing.
  if (!found)
    return Error{ErrorCode::kUnavailable,
                 "操作ログの先頭行 (log_head) がありません。データベースが改ざんまたは破損しています"
                 "（mamori log verify で確認してください）",
                 {},
                 {}};
  return out;
}

Status AuditRepo::SetHead(int64_t seq, const std::string& hash) {
  auto r = c_.Execute(kSetHead, {seq, hash});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Status AuditRepo::Insert(const LogEntryRecord& e) {
  auto r = c_.Execute(kInsert, {e.seq, e.at, e.actor, e.actor_login, e.session, e.address, e.action, e.target,
                                e.result, e.clause, e.detail, e.prev_hash, e.hash});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Result<std::vector<LogEntryRecord>> AuditRepo::List(const LogFilter& f, const Page& page) {
  std::string sql(kListHead);
  Params p;
  AppendFilter(f, sql, p);
  return QueryPage<LogEntryRecord>(c_, std::move(sql), std::move(p), "seq DESC", page, ReadEntry);
}

Result<int64_t> AuditRepo::Count(const LogFilter& f) {
  std::string sql(kCountHead);
  Params p;
  AppendFilter(f, sql, p);
  return c_.QueryInt(sql, p, 0);
}

Status AuditRepo::Scan(int64_t from_seq, int64_t limit, const std::function<void(LogEntryRecord&&)>& fn) {
  return c_.Query(kScan, {from_seq, limit > 0 ? limit : INT64_MAX}, [&](const Row& r) { fn(ReadEntry(r)); });
}

Status AuditRepo::InsertCheckpoint(const CheckpointRecord& c) {
  auto r = c_.Execute(kCheckpointInsert, {c.seq, c.hash, c.at, c.key_id, c.signature, c.prev_seq});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Result<std::vector<CheckpointRecord>> AuditRepo::Checkpoints() {
  std::vector<CheckpointRecord> out;
  MAMORI_TRY(c_.Query(kCheckpoints, {}, [&](const Row& r) {
    out.push_back({r.Int(0), r.Str(1), r.Int(2), r.Str(3), r.Str(4), r.Int(5)});
  }));
  return out;
}

Result<std::pair<int64_t, int64_t>> AuditRepo::LastCheckpoint() {
  std::pair<int64_t, int64_t> out{0, 0};
  MAMORI_TRY(c_.Query(kLastCheckpoint, {}, [&](const Row& r) { out = {r.Int(0), r.Int(1)}; }));
  return out;
}

Result<int64_t> AuditRepo::EntryTime(int64_t seq) { return c_.QueryInt(kEntryTime, {seq}, 0); }

}  // namespace mamori::storage
