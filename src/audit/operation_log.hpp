// The operation log: an append-only, SHA-256 hash-chained record of every state change and
// authentication attempt, sealed by ECDSA P-256 checkpoints. docs/operation_log.md is the
// format an outside tool can verify against.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "audit/witness.hpp"
#include "common/crypto.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "storage/db.hpp"
#include "storage/records.hpp"

namespace mamori::audit {

// What happened; the log adds seq, time and hashes.
struct Event {
  std::string actor = "-";        // user id, "-" when nobody is signed in, "system" for the CLI
  std::string actor_login = "-";  // the login ID as held or as typed at a failed login
  std::string session = "-";      // short session reference (never the secret token)
  std::string address = "-";      // client address
  std::string action;             // "auth.login", "user.create", ...
  std::string target = "-";       // what was acted on ("user:<id>")
  std::string result = "success"; // success | failure | denied
  std::string clause;             // policy clause that decided, "kobe:8.2.5"
  nlohmann::json detail = nlohmann::json::object();
};

// The bytes hashed for an entry: every field but prev_hash and hash, each as a 4-byte
// big-endian length followed by its UTF-8 bytes, in the order of docs/operation_log.md.
std::string CanonicalEncoding(const storage::LogEntryRecord& e);
// hex(SHA-256(raw(prev_hash) || CanonicalEncoding(e))).
std::string EntryHash(const storage::LogEntryRecord& e);
// The message a checkpoint signs: "mamori-log-checkpoint-v2\n<seq>\n<hash>\n<prev_seq>\n", where
// prev_seq is the seq of the checkpoint before it (0 for the first), so none can be removed
// unseen.
std::string CheckpointMessage(int64_t seq, const std::string& hash, int64_t prev_seq);

constexpr const char* kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

struct VerifyReport {
  bool ok = true;
  int64_t entries = 0;          // entries checked (from from_seq)
  int64_t from_seq = 1;         // 1, or the newest checkpoint's seq for a tail check
  int64_t head_seq = 0;         // seq of the last entry
  std::string head;             // hash of the last entry
  int64_t checkpoints = 0;      // signed checkpoints checked
  int64_t first_bad_seq = 0;    // 0 when ok
  std::string reason;           // why the first bad entry is bad
  std::string key_id;           // the public key the signatures were checked with
  bool witness_read = false;    // a witness was given and read
  int64_t last_witnessed_seq = 0;  // newest witnessed head with a valid signature (0: none)
  int64_t witnessed_heads = 0;     // witnessed heads compared with the chain
  int64_t witness_ignored = 0;     // witness lines torn, or signed by another key: not trusted
};

// What Verify compares the database with besides itself.
struct VerifyInput {
  const WitnessFile* witness = nullptr;  // the witness's heads, when one is given
  bool tail_only = false;                // only from the newest checkpoint on (serve's start check)
};

struct SigningKey {
  std::string key_id;       // first 16 hex digits of SHA-256(public PEM)
  std::string private_pem;  // empty: checkpoints are not written (read-only tools)
  std::string public_pem;
};

std::string KeyIdOf(const std::string& public_pem);

class OperationLog {
 public:
  // Signs a checkpoint every `checkpoint_every` entries, and at the first entry written
  // `checkpoint_interval_s` seconds or more after the entry the newest checkpoint seals.
  OperationLog(const Clock& clock, SigningKey key, int64_t checkpoint_every = 256,
               int64_t checkpoint_interval_s = 300);

  // Appends inside the caller's write transaction (Database::Write holds the head lock), so
  // the entry commits or rolls back with the change it records. Returns the new seq.
  Result<int64_t> Append(storage::Connection& c, const Event& e);
  // Append() for callers that need only success or failure.
  Status Record(storage::Connection& c, const Event& e);
  // Signs the current head now (at shutdown, and before a backup).
  Status Checkpoint(storage::Connection& c);
  // Recomputes the whole chain and checks every checkpoint signature with the public key,
  // the checkpoints' spacing, that entry 1 is the init entry, and — given a witness — that the
  // chain holds every witnessed head (docs/operation_log.md, "Verifying").
  Result<VerifyReport> Verify(storage::Connection& c, const VerifyInput& in = {}) const;

  // Installs the commit hook on `db`: once per committed write group it reads the head and
  // the newest checkpoint, and hands them to `witness` (when not null).
  void Attach(storage::Database& db, Witness* witness);

  const SigningKey& key() const { return key_; }
  int64_t checkpoint_every() const { return checkpoint_every_; }
  int64_t checkpoint_interval_us() const { return checkpoint_interval_us_; }

 private:
  Status WriteCheckpoint(storage::Connection& c, int64_t seq, const std::string& hash);

  const Clock& clock_;
  SigningKey key_;
  crypto::EcKey signer_;    // parsed once from key_.private_pem (empty when read-only)
  crypto::EcKey verifier_;  // parsed once from key_.public_pem
  int64_t checkpoint_every_;
  int64_t checkpoint_interval_us_;
  // Time of the entry the newest checkpoint seals (-1: not loaded yet). Written under the
  // write lock (Append) and by the commit hook, which sets it to the committed truth.
  std::atomic<int64_t> last_checkpoint_at_{-1};
};

}  // namespace mamori::audit
