#include "storage/sqlite/sqlite_db.hpp"

#include <sqlite3.h>

#include <unordered_map>

namespace mamori::storage {
namespace {

class SqliteRow final : public Row {
 public:
  explicit SqliteRow(sqlite3_stmt* stmt) : stmt_(stmt) {}
  bool IsNull(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string_view Text(int col) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    if (!p) return {};
    return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
  }
  int64_t Int(int col) const override { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_;
};

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    for (auto& [_, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }
  bool Healthy() const override { return true; }

  Result<int64_t> Execute(std::string_view sql, const Params& params) override {
    MAMORI_ASSIGN(sqlite3_stmt * stmt, Prepare(sql, params));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return Fail(sql, rc);
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Status Query(std::string_view sql, const Params& params,
               const std::function<void(const Row&)>& on_row) override {
    MAMORI_ASSIGN(sqlite3_stmt * stmt, Prepare(sql, params));
    SqliteRow row(stmt);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) on_row(row);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return Fail(sql, rc);
    return Ok();
  }

  Status ExecScript(std::string_view sql) override {
    char* err = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown";
      sqlite3_free(err);
      return StorageError("script", msg);
    }
    return Ok();
  }

  Status Begin() override { return Simple("BEGIN IMMEDIATE"); }
  Status Commit() override { return Simple("COMMIT"); }
  void Rollback() override {
    if (!sqlite3_get_autocommit(db_)) (void)Simple("ROLLBACK");
  }

 private:
  Status Simple(const char* sql) {
    auto r = Execute(sql, {});
    if (!r.ok()) return std::move(r).error();
    return Ok();
  }

  Error Fail(std::string_view sql, int rc) {
    return StorageError(sql, std::string(sqlite3_errstr(rc)) + ": " + sqlite3_errmsg(db_));
  }

  Result<sqlite3_stmt*> Prepare(std::string_view sql, const Params& params) {
    sqlite3_stmt* stmt = nullptr;
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) {
      stmt = it->second;
    } else {
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) return Fail(sql, rc);
      cache_.emplace(std::string(sql), stmt);
    }
    sqlite3_clear_bindings(stmt);
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt))
      return StorageError(sql, "parameter count mismatch");
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::nullptr_t>(params[i])) {
        rc = sqlite3_bind_null(stmt, idx);
      } else if (const auto* n = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, idx, *n);
      } else {
        const auto& s = std::get<std::string>(params[i]);
        rc = sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
      }
      if (rc != SQLITE_OK) return Fail(sql, rc);
    }
    return stmt;
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

SqliteDatabase::SqliteDatabase(std::string url, std::string path, int max_connections)
    : Database(Dialect::kSqlite, std::move(url), max_connections), path_(std::move(path)) {}

Result<std::unique_ptr<Connection>> SqliteDatabase::Connect() {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path_.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return StorageError("open " + path_, msg);
  }
  auto conn = std::make_unique<SqliteConnection>(db);
  // WAL lets readers run beside the writer; synchronous=FULL makes every commit durable;
  // the busy timeout queues writers instead of failing them.
  MAMORI_TRY(conn->ExecScript(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
      "PRAGMA busy_timeout=10000; PRAGMA secure_delete=ON;"));
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace mamori::storage
