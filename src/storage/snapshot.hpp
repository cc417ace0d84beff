// What `mamori backup` and `restore` need from the engines: a consistent copy of a SQLite file
// taken while others write (SQLite's online backup API), a PostgreSQL snapshot that pg_dump can
// share (so the log head read here is the head of the dump), and the few facts a restore checks.
// The SQL lives here, as everywhere, in storage/; src/backup/ only orchestrates.
#pragma once

#include <memory>
#include <string>

#include "storage/db.hpp"

namespace mamori::storage {

struct DatabaseFacts;
// Copies the SQLite database at `src_path` to `dest_path` (created; must not exist) with the
// online backup API in one step, inside one read transaction of the source connection in which
// the facts (schema version, log head) are read first: the copy is the database as of that
// transaction, taken while writers in other connections and processes go on (WAL mode never
// blocks them), and the facts are the copy's. The copy is left in rollback-journal mode, one
// self-contained file; it is not synced (a temporary the caller reads at once).
Result<DatabaseFacts> SqliteSnapshot(const std::string& src_path, const std::string& dest_path);

// A REPEATABLE READ transaction on PostgreSQL whose snapshot is exported for `pg_dump
// --snapshot`. The head and schema version read through it are those of the dump. Ends (rolls
// back: it wrote nothing) on destruction.
class PgExportedSnapshot {
 public:
  static Result<std::unique_ptr<PgExportedSnapshot>> Begin(Database& db);
  ~PgExportedSnapshot();
  const std::string& id() const { return id_; }
  Connection& conn() { return *conn_; }

 private:
  explicit PgExportedSnapshot(PooledConnection conn) : conn_(std::move(conn)) {}
  PooledConnection conn_;
  std::string id_;
};

// Facts about a database a backup records and a restore checks.
struct DatabaseFacts {
  int schema_version = 0;   // newest applied migration (0: not a mamori database)
  int64_t head_seq = 0;     // operation-log head
  std::string head_hash;
  std::string pg_schema;    // PostgreSQL: current_schema() (the URL's search_path)
  int pg_server_major = 0;  // PostgreSQL: server major version (15, ...)
};
Result<DatabaseFacts> ReadFacts(Connection& c);
// PostgreSQL: the server's major version (15, ...).
Result<int> PgServerMajor(Connection& c);
// True when the connection's schema holds no table of mamori (no schema_migrations).
Result<bool> IsEmptyTarget(Connection& c);

}  // namespace mamori::storage
