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

}  // namespace

Status SqliteSnapshot(const std::string& src_path, const std::string& dest_path) {
  if (std::filesystem::exists(dest_path)) return Error::Internal(dest_path + " exists");
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  auto close = [&] {
    if (src) sqlite3_close_v2(src);
    if (dst) sqlite3_close_v2(dst);
  };
  if (sqlite3_open_v2(src_path.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    Error e = StorageError("open " + src_path, src ? sqlite3_errmsg(src) : "out of memory");
    close();
    return e;
  }
  sqlite3_busy_timeout(src, 10000);
  if (sqlite3_open_v2(dest_path.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    Error e = StorageError("open " + dest_path, dst ? sqlite3_errmsg(dst) : "out of memory");
    close();
    return e;
  }
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) {
    Error e = StorageError("backup init", sqlite3_errmsg(dst));
    close();
    return e;
  }
  // One step of all pages: the whole copy reads under one read transaction, so it is one
  // consistent state however much is written meanwhile (those writers append to the WAL).
  int rc;
  int busy = 0;
  while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    if (++busy > 200) break;
    sqlite3_sleep(50);
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    Error e = StorageError("backup step", sqlite3_errstr(rc));
    close();
    return e;
  }
  char* err = nullptr;
  if (sqlite3_exec(dst, kSqliteJournalDelete, nullptr, nullptr, &err) != SQLITE_OK) {
    Error e = StorageError("journal mode", err ? err : "");
    sqlite3_free(err);
    close();
    return e;
  }
  close();
  return Ok();
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
