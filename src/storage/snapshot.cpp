#include "storage/snapshot.hpp"

#include <sqlite3.h>

#include <filesystem>

#include "storage/repos.hpp"

namespace mamori::storage {
namespace {

constexpr std::string_view kBeginRepeatableRead = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
constexpr std::string_view kExportSnapshot = "SELECT pg_export_snapshot()";
constexpr std::string_view kSchemaVersion = "SELECT MAX(version) FROM schema_migrations";
constexpr std::string_view kPgCurrentSchema = "SELECT current_schema()";
constexpr std::string_view kPgServerVersion = "SELECT current_setting('server_version_num')";
constexpr std::string_view kPgHasMigrations =
    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_name = 'schema_migrations'";
constexpr std::string_view kSqliteHasMigrations =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
// The copy is one file: rollback journal instead of the source's WAL.
constexpr const char* kSqliteJournalDelete = "PRAGMA journal_mode=DELETE";
// The copy is a temporary read back at once: no journal or fsync while it is written.
constexpr const char* kSqliteFastDest = "PRAGMA synchronous=OFF; PRAGMA journal_mode=OFF";
constexpr const char* kSqliteBeginRead = "BEGIN DEFERRED";
constexpr const char* kSqliteEndRead = "COMMIT";
constexpr const char* kSqliteHead = "SELECT seq, hash FROM log_head WHERE id = 1";

}  // namespace

Result<DatabaseFacts> SqliteSnapshot(const std::string& src_path, const std::string& dest_path) {
  if (std::filesystem::exists(dest_path)) return Error::Internal(dest_path + " exists");
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  auto close = [&] {
    if (src) sqlite3_close_v2(src);
    if (dst) sqlite3_close_v2(dst);
  };
  auto fail = [&](const std::string& what, const char* msg) {
    Error e = StorageError(what, msg ? msg : "out of memory");
    close();
    return e;
  };
  auto exec = [](sqlite3* db, const char* sql) -> const char* {
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK ? nullptr : sqlite3_errmsg(db);
  };
  if (sqlite3_open_v2(src_path.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    return fail("open " + src_path, src ? sqlite3_errmsg(src) : nullptr);
  sqlite3_busy_timeout(src, 10000);
  if (sqlite3_open_v2(dest_path.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    return fail("open " + dest_path, dst ? sqlite3_errmsg(dst) : nullptr);
  if (const char* err = exec(dst, kSqliteFastDest)) return fail("copy settings", err);
  // One read transaction for the facts and the copy: both see the same committed state.
  if (const char* err = exec(src, kSqliteBeginRead)) return fail("begin", err);
  DatabaseFacts f;
  {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(src, std::string(kSchemaVersion).c_str(), -1, &st, nullptr) != SQLITE_OK)
      return fail("schema version", sqlite3_errmsg(src));
    if (sqlite3_step(st) == SQLITE_ROW) f.schema_version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(src, kSqliteHead, -1, &st, nullptr) != SQLITE_OK) return fail("log head", sqlite3_errmsg(src));
    if (sqlite3_step(st) == SQLITE_ROW) {
      f.head_seq = sqlite3_column_int64(st, 0);
      const auto* h = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
      f.head_hash = h ? h : "";
    }
    sqlite3_finalize(st);
  }
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) return fail("backup init", sqlite3_errmsg(dst));
  // One step of all pages, inside the read transaction above: one consistent state however
  // much is written meanwhile (those writers append to the WAL).
  const int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return fail("backup step", sqlite3_errstr(rc));
  (void)exec(src, kSqliteEndRead);
  if (const char* err = exec(dst, kSqliteJournalDelete)) return fail("journal mode", err);
  close();
  return f;
}

Result<std::unique_ptr<PgExportedSnapshot>> PgExportedSnapshot::Begin(Database& db) {
  if (db.dialect() != Dialect::kPostgres) return Error::Internal("exported snapshots are PostgreSQL only");
  MAMORI_ASSIGN(auto conn, db.Acquire());
  std::unique_ptr<PgExportedSnapshot> s(new PgExportedSnapshot(std::move(conn)));
  MAMORI_TRY(s->conn_->Execute(kBeginRepeatableRead));
  MAMORI_TRY(s->conn_->Query(kExportSnapshot, {}, [&](const Row& r) { s->id_ = r.Str(0); }));
  if (s->id_.empty()) return Error::Internal("pg_export_snapshot answered nothing");
  return s;
}

PgExportedSnapshot::~PgExportedSnapshot() { conn_->Rollback(); }

Result<DatabaseFacts> ReadFacts(Connection& c) {
  DatabaseFacts f;
  MAMORI_ASSIGN(int64_t v, c.QueryInt(kSchemaVersion, {}, 0));
  f.schema_version = static_cast<int>(v);
  MAMORI_ASSIGN(auto head, AuditRepo(c).Head());
  f.head_seq = head.first;
  f.head_hash = head.second;
  if (c.dialect() == Dialect::kPostgres) {
    MAMORI_TRY(c.Query(kPgCurrentSchema, {}, [&](const Row& r) { f.pg_schema = r.Str(0); }));
    MAMORI_ASSIGN(f.pg_server_major, PgServerMajor(c));
  }
  return f;
}

Result<int> PgServerMajor(Connection& c) {
  std::string num;
  MAMORI_TRY(c.Query(kPgServerVersion, {}, [&](const Row& r) { num = r.Str(0); }));
  if (num.size() <= 4 || num.find_first_not_of("0123456789") != std::string::npos)
    return Error::Internal("unexpected server_version_num " + num);
  return std::stoi(num.substr(0, num.size() - 4));
}

Result<bool> IsEmptyTarget(Connection& c) {
  MAMORI_ASSIGN(int64_t n, c.QueryInt(c.dialect() == Dialect::kPostgres ? kPgHasMigrations : kSqliteHasMigrations,
                                      {}, 0));
  return n == 0;
}

}  // namespace mamori::storage
