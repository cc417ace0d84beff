// `mamori backup` and `mamori restore`: a consistent online copy of a data directory's database
// (SQLite online backup API; PostgreSQL pg_dump of an exported snapshot) together with what a
// restore needs from the data directory, in one encrypted container (sealed_stream.hpp) with a
// manifest signed by the operation-log key. A restore authenticates every byte and checks the
// manifest and the log chain in a staging directory before the target directory appears, so a
// corrupt, truncated or wrong-key file leaves nothing behind. docs/backup.md is the format.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace mamori::backup {

// Files of the data directory never copied into a backup: the backup key (the key must never
// travel with what it protects) and a master key that wraps the data keys (kept outside, like
// the backup key). Matched by file name under keys/.
inline constexpr const char* kNeverBackedUp[] = {"backup.key", "master.key"};

struct BackupOptions {
  std::string data_dir = {};
  std::string to = {};           // the backup file; must not exist
  std::string key_file = {};     // the backup key (base64, 32 bytes)
  std::string db_override = {};  // replaces the configured database URL when not empty
};

struct BackupSummary {
  std::string file;
  std::string engine;  // "sqlite" | "postgres"
  int schema_version = 0;
  int64_t head_seq = 0;
  std::string head_hash;
  uint64_t database_bytes = 0;  // the database copy (SQLite file or pg_dump archive)
  uint64_t file_bytes = 0;      // the encrypted backup file
  double seconds = 0;
};

// Takes the backup while the server may be running and writing. The file appears only when
// complete (written as FILE.partial, synced, renamed).
Result<BackupSummary> CreateBackup(const BackupOptions& o);

struct RestoreOptions {
  std::string from = {};
  std::string data_dir = {};  // must not exist, or be an empty directory
  std::string key_file = {};
  // PostgreSQL: the (empty) database to restore into; "" = the URL the backup was taken from.
  // The engine of the backup is kept: a SQLite backup restores to DIR/mamori.db.
  std::string db_url = {};
  // When not empty: the fingerprint (SHA-256 hex of the public PEM, at least 16 digits, as
  // `mamori init` prints it) the backup's log key must have; any other key is refused before
  // anything is written, so whoever holds the backup key cannot slip in a log of their own.
  std::string log_key_id = {};
  // The master key file the backed-up data keys are wrapped by (docs/sealing.md); it is never in
  // a backup. When given, the restore refuses a key that does not open every data key, and puts
  // a copy at NEW_DIR/keys/master.key when the backed-up config used that default place.
  std::string master_key_file = {};
};

struct RestoreSummary {
  std::string data_dir;
  std::string engine;
  std::string db_url;
  int64_t entries = 0;  // operation-log entries verified
  int64_t head_seq = 0;
  std::string head_hash;
  std::string created_at;  // when the backup was taken (RFC 3339)
  bool witness_dir_reset = false;  // witness_dir or backup_dir of the backup's config were dropped
  // The data is sealed under a master key file at the default place and none was given: it must
  // be put at DIR/keys/master.key before `serve` (log verify works without it).
  bool master_key_missing = false;
  double seconds = 0;
};

// Restores into an empty data directory and verifies the operation log (chain, checkpoint
// signatures, witness, manifest head) before it answers OK. Errors are Validation errors on
// field "from" (not_a_backup, wrong_key, corrupt, truncated, bad_manifest, log_broken, ...),
// "data" or "db" with a Japanese message; on any of them the target directory does not exist
// (or stays empty) and, for PostgreSQL, the target database was not touched unless the failure
// came from the log check after pg_restore (docs/backup.md).
Result<RestoreSummary> RestoreBackup(const RestoreOptions& o);

// The backup files of `dir` (named mamori-<UTC time>.mbk), oldest first.
std::vector<std::string> ListBackups(const std::string& dir);
// Deletes the oldest backups of `dir` beyond the newest `keep`; returns the deleted paths.
std::vector<std::string> PruneBackups(const std::string& dir, int keep);
// "mamori-20261201T221500Z.mbk" for `micros` since the epoch.
std::string BackupFileName(int64_t micros);

// A PostgreSQL URL split for pg_dump/pg_restore: the URL without its password (command lines are
// visible to every local user in /proc) and the password, percent-decoded, for PGPASSWORD.
struct PgTarget {
  std::string url;
  std::string password;
};
PgTarget SplitPassword(const std::string& url);

// The message the manifest's signature covers (docs/backup.md).
std::string ManifestMessage(const nlohmann::json& manifest);

}  // namespace mamori::backup
