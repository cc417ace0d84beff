// The operation log: an append-only, SHA-256 hash-chained record of every state change and
// authentication attempt, sealed by ECDSA P-256 checkpoints. docs/operation_log.md is the
// format an outside tool can verify against.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

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
// The message a checkpoint signs: "mamori-log-checkpoint-v1\n<seq>\n<hash>\n".
std::string CheckpointMessage(int64_t seq, const std::string& hash);

constexpr const char* kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

struct VerifyReport {
  bool ok = true;
  int64_t entries = 0;
  std::string head;             // hash of the last entry
  int64_t checkpoints = 0;      // signed checkpoints checked
  int64_t first_bad_seq = 0;    // 0 when ok
  std::string reason;           // why the first bad entry is bad
};

struct SigningKey {
  std::string key_id;       // first 16 hex digits of SHA-256(public PEM)
  std::string private_pem;  // empty: checkpoints are not written (read-only tools)
  std::string public_pem;
};

std::string KeyIdOf(const std::string& public_pem);

class OperationLog {
 public:
  // Signs a checkpoint every `checkpoint_every` entries.
  OperationLog(const Clock& clock, SigningKey key, int64_t checkpoint_every = 256);

  // Appends inside the caller's write transaction (Database::Write holds the head lock), so
  // the entry commits or rolls back with the change it records. Returns the new seq.
  Result<int64_t> Append(storage::Connection& c, const Event& e);
  // Append() for callers that need only success or failure.
  Status Record(storage::Connection& c, const Event& e);
  // Signs the current head now (at shutdown, and before a backup).
  Status Checkpoint(storage::Connection& c);
  // Recomputes the whole chain and checks every checkpoint signature with the public key.
  Result<VerifyReport> Verify(storage::Connection& c) const;

  const SigningKey& key() const { return key_; }

 private:
  Status WriteCheckpoint(storage::Connection& c, int64_t seq, const std::string& hash);

  const Clock& clock_;
  SigningKey key_;
  crypto::EcKey signer_;    // parsed once from key_.private_pem (empty when read-only)
  crypto::EcKey verifier_;  // parsed once from key_.public_pem
  int64_t checkpoint_every_;
};

}  // namespace mamori::audit
