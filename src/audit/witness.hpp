// The operation log's witness outside the database: after each committed write group the
// log's newest head (seq, hash, time and the newest checkpoint's seq), signed with the log's
// key, is appended to DIR/heads.log — an append-only file whose directory the operator should
// put on another disk — and, where a system log runs, sent to syslog (the journal). A verifier
// compares the database with the newest witnessed head, so entries cut off or rewritten after
// it are found even when log_head and the checkpoints were rewritten to match.
//
// Writing never holds up a commit: Publish() hands the head to a background thread that
// coalesces (only the newest head waiting is written), appends one line and fdatasyncs.
// docs/operation_log.md specifies the line format.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.hpp"
#include "common/result.hpp"
#include "common/time.hpp"

namespace mamori::audit {

struct WitnessedHead {
  int64_t seq = 0;
  std::string hash;
  int64_t at = 0;              // when it was witnessed, µs since the epoch
  int64_t checkpoint_seq = 0;  // the newest signed checkpoint at that time (0: none)
  std::string key_id;
  std::string signature;       // base64 DER ECDSA over HeadMessage(...)
  int line = 0;                // 1-based line in heads.log
};

// "mamori-log-head-v1\n<seq>\n<hash>\n<at>\n<checkpoint_seq>\n"
std::string HeadMessage(int64_t seq, const std::string& hash, int64_t at, int64_t checkpoint_seq);

// The witness file's name inside its directory.
inline constexpr char kWitnessFile[] = "heads.log";

// Reads DIR/heads.log. Lines that are not well formed (a torn last line after a crash) are
// skipped and counted in `skipped`; signatures are checked by the verifier, not here.
struct WitnessFile {
  std::vector<WitnessedHead> heads;
  int skipped = 0;
  bool exists = false;
};
Result<WitnessFile> ReadWitness(const std::string& dir);

class Witness {
 public:
  struct Options {
    std::string dir;      // created 0700 when missing; heads.log is 0600
    bool syslog = true;   // also send each head (at most one a second) to syslog
  };
  // `private_pem` signs the heads; `key_id` is written beside each.
  Witness(const Clock& clock, const std::string& private_pem, std::string key_id, Options o);
  ~Witness();  // writes what is pending, then stops
  Witness(const Witness&) = delete;
  Witness& operator=(const Witness&) = delete;

  // Creates the directory and opens the file; the error names the path.
  Status Open();
  // Queues a committed head; returns at once.
  void Publish(int64_t seq, std::string hash, int64_t checkpoint_seq);
  // Waits until every head published so far is written and synced.
  void Flush();
  // Heads written and write failures since start (for /metrics).
  int64_t written() const;
  int64_t failures() const;
  const std::string& dir() const { return o_.dir; }

 private:
  void Run();
  bool WriteOne(int64_t seq, const std::string& hash, int64_t checkpoint_seq, bool final);

  const Clock& clock_;
  crypto::EcKey signer_;
  std::string key_id_;
  Options o_;
  int fd_ = -1;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  bool stopping_ = false;
  int64_t pending_seq_ = 0;       // newest head published and not yet written
  std::string pending_hash_;
  int64_t pending_cp_ = 0;
  int64_t published_ = 0;         // counts Publish calls
  int64_t completed_ = 0;         // Publish calls whose head (or a newer one) is written
  int64_t written_ = 0;
  int64_t failures_ = 0;
  int64_t last_seq_written_ = -1;
  int64_t last_cp_written_ = -1;
  int flush_waiters_ = 0;
  int64_t last_syslog_us_ = 0;
  std::thread thread_;
};

}  // namespace mamori::audit
