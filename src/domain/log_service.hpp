// Reading, exporting and verifying the operation log (kobe:8.1.7); reading it is itself
// logged. It also keeps the chain's state as the last verification found it, for /readyz and
// /metrics, and compares the chain with the witness (audit/witness.hpp) when it verifies.
#pragma once

#include <mutex>
#include <vector>

#include "audit/witness.hpp"
#include "domain/access.hpp"
#include "domain/asset_service.hpp"
#include "domain/env.hpp"
#include "domain/log_view.hpp"
#include "domain/register_service.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {

// The chain's state as the newest verification left it.
struct LogHealth {
  bool checked = false;        // a verification has finished since start
  bool ok = true;
  bool full = false;           // that verification covered the whole chain
  int64_t verified_seq = 0;    // the last entry it found good
  int64_t first_bad_seq = 0;
  int64_t last_witnessed_seq = 0;
  std::string reason;
  int64_t checked_at = 0;      // µs
};

// Everything an outside verifier needs (docs/operation_log.md, "Verifying an export").
struct ChainExport {
  std::vector<storage::LogEntryRecord> entries;  // seq >= from_seq, in order
  std::vector<storage::CheckpointRecord> checkpoints;
  int64_t head_seq = 0;
  std::string head_hash;
  int64_t exported_at = 0;  // µs, taken before reading: heads witnessed later may lie beyond
  std::string key_id;
  std::string public_pem;
};

class LogService {
 public:
  explicit LogService(Env& env) : env_(env), access_(env.pack), assets_(env), registers_(env) {}

  // Where the witness lives (read when verifying) and the running witness, if any (counted
  // in /metrics). Set once at start.
  void SetWitness(std::string dir, const audit::Witness* running) {
    witness_dir_ = std::move(dir);
    witness_ = running;
  }

  // Entries newest first, each with its names (see log_view.hpp; labels in English when
  // `english`). City-wide audit.read sees all; a narrower scope sees its actors.
  Result<LogPage> List(const Actor& a, storage::LogFilter f, const storage::Page& page, bool for_export,
                       bool english = false);
  // The chain from `from_seq` with its checkpoints and the public key, for verification
  // outside mamori; city-wide audit.read only, and logged as an export.
  Result<ChainExport> ExportChain(const Actor& a, int64_t from_seq, int64_t limit, const std::string& format);
  Result<audit::VerifyReport> Verify(const Actor& a);

  // Verifies without an actor (serve's start and background checks) and records the state.
  Result<audit::VerifyReport> Check(bool tail_only);
  // The operator's decision to serve on a broken chain, logged with the reason and the report.
  Status AcceptBroken(const std::string& reason, const audit::VerifyReport& report);
  LogHealth Health() const;
  int64_t WitnessWritten() const { return witness_ ? witness_->written() : 0; }
  int64_t WitnessFailures() const { return witness_ ? witness_->failures() : 0; }

 private:
  Result<audit::VerifyReport> RunVerify(bool tail_only);
  void Record(const audit::VerifyReport& r);

  Env& env_;
  Access access_;
  AssetService assets_;    // whose assets the reader may see, for their names
  RegisterService registers_;  // likewise for the registers' records (the system ledger)
  std::string witness_dir_;
  const audit::Witness* witness_ = nullptr;
  mutable std::mutex mu_;
  LogHealth health_;
};

}  // namespace mamori::domain
