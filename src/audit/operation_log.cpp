#include "audit/operation_log.hpp"

#include <cstdio>
#include <cstring>
#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "common/crypto.hpp"
#include "storage/repos.hpp"

namespace mamori::audit {
namespace {

void PutField(std::string& out, std::string_view v) {
  const uint32_t n = static_cast<uint32_t>(v.size());
  const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                       static_cast<char>(n)};
  out.append(len, 4);
  out.append(v);
}

}  // namespace

namespace {

void AppendCanonical(std::string& out, const storage::LogEntryRecord& e) {
  char num[24];
  auto put_int = [&](int64_t v) {
    const int n = std::snprintf(num, sizeof num, "%lld", static_cast<long long>(v));
    PutField(out, std::string_view(num, static_cast<size_t>(n)));
  };
  put_int(e.seq);
  put_int(e.at);
  PutField(out, e.actor);
  PutField(out, e.actor_login);
  PutField(out, e.session);
  PutField(out, e.address);
  PutField(out, e.action);
  PutField(out, e.target);
  PutField(out, e.result);
  PutField(out, e.clause);
  PutField(out, e.detail);
}

// 64 hex digits to 32 bytes; anything else becomes zeros (and then cannot match).
void PrevRaw(std::string_view hex, unsigned char out[32]) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::memset(out, 0, 32);
  if (hex.size() != 64) return;
  for (size_t i = 0; i < 32; ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      std::memset(out, 0, 32);
      return;
    }
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
}

}  // namespace

std::string CanonicalEncoding(const storage::LogEntryRecord& e) {
  std::string out;
  AppendCanonical(out, e);
  return out;
}

std::string EntryHash(const storage::LogEntryRecord& e) {
  // The verifier hashes every entry: one reused buffer and hasher per thread, no temporaries.
  thread_local crypto::Sha256Hasher hasher;
  thread_local std::string buf;
  unsigned char prev[32];
  PrevRaw(e.prev_hash, prev);
  buf.assign(reinterpret_cast<const char*>(prev), 32);
  AppendCanonical(buf, e);
  hasher.Update(buf);
  unsigned char digest[32];
  hasher.Final(digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(64, '0');
  for (size_t i = 0; i < 32; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 15];
  }
  return hex;
}

std::string CheckpointMessage(int64_t seq, const std::string& hash, int64_t prev_seq) {
  return "mamori-log-checkpoint-v2\n" + std::to_string(seq) + "\n" + hash + "\n" + std::to_string(prev_seq) + "\n";
}

std::string KeyIdOf(const std::string& public_pem) { return crypto::Sha256Hex(public_pem).substr(0, 16); }

OperationLog::OperationLog(const Clock& clock, SigningKey key, int64_t checkpoint_every, int64_t checkpoint_interval_s)
    : clock_(clock),
      key_(std::move(key)),
      checkpoint_every_(checkpoint_every),
      checkpoint_interval_us_(checkpoint_interval_s * 1'000'000) {
  if (key_.key_id.empty() && !key_.public_pem.empty()) key_.key_id = KeyIdOf(key_.public_pem);
  // A key that does not parse leaves the parsed form empty: signing then fails loudly and
  // verification reports every checkpoint as bad, rather than passing silently.
  if (!key_.private_pem.empty())
    if (auto k = crypto::EcKey::FromPrivatePem(key_.private_pem); k.ok()) signer_ = *k;
  if (auto k = crypto::EcKey::FromPublicPem(key_.public_pem); k.ok()) verifier_ = *k;
}

Result<int64_t> OperationLog::Append(storage::Connection& c, const Event& ev) {
  storage::AuditRepo repo(c);
  MAMORI_ASSIGN(auto head, repo.Head());
  storage::LogEntryRecord e;
  e.seq = head.first + 1;
  e.at = clock_.NowMicros();
  e.actor = ev.actor;
  e.actor_login = ev.actor_login;
  e.session = ev.session;
  e.address = ev.address;
  e.action = ev.action;
  e.target = ev.target;
  e.result = ev.result;
  e.clause = ev.clause;
  e.detail = ev.detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  e.prev_hash = head.second;
  e.hash = EntryHash(e);
  MAMORI_TRY(repo.Insert(e));
  MAMORI_TRY(repo.SetHead(e.seq, e.hash));
  bool due = checkpoint_every_ > 0 && e.seq % checkpoint_every_ == 0;
  if (!due && checkpoint_interval_us_ > 0) {
    // The time rule: the reference is the entry the newest checkpoint seals, or entry 1.
    int64_t ref = last_checkpoint_at_.load();
    if (ref < 0) {
      MAMORI_ASSIGN(auto last, repo.LastCheckpoint());
      if (last.first > 0) {
        ref = last.second;
      } else {
        MAMORI_ASSIGN(ref, repo.EntryTime(1));
      }
      last_checkpoint_at_.store(ref);
    }
    if (e.seq == 1) last_checkpoint_at_.store(ref = e.at);
    due = e.at - ref >= checkpoint_interval_us_;
  }
  if (due) {
    MAMORI_TRY(WriteCheckpoint(c, e.seq, e.hash));
    last_checkpoint_at_.store(e.at);
  }
  return e.seq;
}

Status OperationLog::Record(storage::Connection& c, const Event& e) {
  auto r = Append(c, e);
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Status OperationLog::WriteCheckpoint(storage::Connection& c, int64_t seq, const std::string& hash) {
  if (key_.private_pem.empty()) return Ok();
  storage::AuditRepo repo(c);
  MAMORI_ASSIGN(auto last, repo.LastCheckpoint());
  MAMORI_ASSIGN(std::string sig, signer_.Sign(CheckpointMessage(seq, hash, last.first)));
  storage::CheckpointRecord cp{seq, hash, clock_.NowMicros(), key_.key_id, crypto::Base64Encode(sig), last.first};
  return repo.InsertCheckpoint(cp);
}

Status OperationLog::Checkpoint(storage::Connection& c) {
  storage::AuditRepo repo(c);
  MAMORI_ASSIGN(auto head, repo.Head());
  if (head.first == 0) return Ok();
  MAMORI_ASSIGN(auto last, repo.LastCheckpoint());
  if (last.first == head.first) return Ok();
  return WriteCheckpoint(c, head.first, head.second);
}

void OperationLog::Attach(storage::Database& db, Witness* witness) {
  db.SetCommitHook([this, witness](storage::Connection& c) -> std::function<void()> {
    storage::AuditRepo repo(c);
    auto head = repo.Head();
    auto last = repo.LastCheckpoint();
    if (!head.ok() || !last.ok()) return {};
    return [this, witness, head = std::move(*head), last = *last] {
      // The committed truth replaces what Append assumed (a savepoint may have rolled back a
      // checkpoint it wrote).
      if (last.first > 0) last_checkpoint_at_.store(last.second);
      if (witness && head.first > 0) witness->Publish(head.first, head.second, last.first);
    };
  });
}

Result<VerifyReport> OperationLog::Verify(storage::Connection& c, const VerifyInput& in) const {
  storage::AuditRepo repo(c);
  VerifyReport rep;
  rep.key_id = key_.key_id;
  auto fail = [&](int64_t seq, std::string reason) {
    if (rep.ok || seq < rep.first_bad_seq) {
      rep.ok = false;
      rep.first_bad_seq = seq;
      rep.reason = std::move(reason);
    }
  };

  MAMORI_ASSIGN(auto all_checkpoints, repo.Checkpoints());
  // A tail check starts at the newest checkpoint: its signature, then the entries after it.
  std::vector<storage::CheckpointRecord> checkpoints;
  if (in.tail_only && !all_checkpoints.empty()) {
    checkpoints.push_back(all_checkpoints.back());
    rep.from_seq = checkpoints.back().seq;
  } else {
    checkpoints = std::move(all_checkpoints);
  }
  const bool full = rep.from_seq == 1;
  std::map<int64_t, const storage::CheckpointRecord*> by_seq;
  for (const auto& cp : checkpoints) by_seq[cp.seq] = &cp;
  // The signatures are checked on other threads while this one walks the chain: they are
  // independent, and together they are most of the work (about 4,000 signatures per million
  // entries). valid[i] is checkpoint i's result.
  std::vector<char> valid(checkpoints.size(), 0);
  std::vector<std::future<void>> checkers;
  {
    const size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
    const size_t chunk = (checkpoints.size() + threads - 1) / std::max<size_t>(threads, 1);
    for (size_t from = 0; from < checkpoints.size(); from += chunk) {
      const size_t to = std::min(checkpoints.size(), from + chunk);
      checkers.push_back(std::async(std::launch::async, [&, from, to] {
        for (size_t i = from; i < to; ++i) {
          const auto& cp = checkpoints[i];
          auto sig = crypto::Base64Decode(cp.signature);
          valid[i] = cp.key_id == key_.key_id && sig &&
                     verifier_.Verify(CheckpointMessage(cp.seq, cp.hash, cp.prev_seq), *sig);
        }
      }));
    }
  }
  // Every exit below waits for the checkers first: they read `checkpoints` and write `valid`.
  auto signatures = [&] {
    for (auto& f : checkers) f.get();
    checkers.clear();
    for (size_t i = 0; i < checkpoints.size(); ++i) {
      const auto& cp = checkpoints[i];
      const int64_t before = i == 0 ? (full ? 0 : cp.prev_seq) : checkpoints[i - 1].seq;
      if (!valid[i]) {
        // A bad signature means the checkpoint itself was forged or altered (or signed by a
        // key other than the trusted one): everything after the checkpoint before it is unproven.
        fail(before + 1, "checkpoint " + std::to_string(cp.seq) + " has an invalid signature for key " +
                             key_.key_id);
        continue;
      }
      // Each checkpoint signed the seq of the one before it: a gap in that chain is a
      // checkpoint removed.
      if (cp.prev_seq > before)
        fail(cp.prev_seq, "signed checkpoint at seq " + std::to_string(cp.prev_seq) + " is missing (checkpoint " +
                              std::to_string(cp.seq) + " names it)");
      else if (cp.prev_seq < before)
        fail(before, "checkpoint " + std::to_string(before) + " is not the one checkpoint " + std::to_string(cp.seq) +
                         " signed as its predecessor");
      // The spacing: at most checkpoint_every entries between two checkpoints.
      if (full && checkpoint_every_ > 0 && cp.seq - before > checkpoint_every_)
        fail(before + checkpoint_every_, "no signed checkpoint between seq " + std::to_string(before + 1) +
                                             " and " + std::to_string(cp.seq) + " (one is due every " +
                                             std::to_string(checkpoint_every_) + " entries)");
    }
  };
  struct Join {
    std::vector<std::future<void>>& f;
    ~Join() {
      for (auto& x : f)
        if (x.valid()) x.wait();
    }
  } join{checkers};

  // Witnessed heads by seq; their signatures are checked only where they matter (a head the
  // chain disagrees with, or the newest), so a long witness costs string compares.
  std::map<int64_t, std::vector<const WitnessedHead*>> witnessed;
  if (in.witness) {
    rep.witness_read = true;
    for (const auto& h : in.witness->heads) {
      if (h.key_id != key_.key_id) {
        ++rep.witness_ignored;
        continue;
      }
      witnessed[h.seq].push_back(&h);
    }
    rep.witness_ignored += in.witness->skipped;
  }
  auto signed_ok = [&](const WitnessedHead& h) {
    auto sig = crypto::Base64Decode(h.signature);
    return sig && verifier_.Verify(HeadMessage(h.seq, h.hash, h.at, h.checkpoint_seq), *sig);
  };
  int64_t last_good_witness = 0;                      // newest witnessed head the chain matches
  std::vector<std::pair<const WitnessedHead*, int64_t>> disagreeing;  // head, last good before it

  int64_t expected = rep.from_seq;
  std::string prev_hash = kGenesisHash;
  int64_t last_good_cp = 0;
  int64_t last_cp_at = -1;   // time of the entry the newest checkpoint so far seals
  // Entries may run past the interval by this much (a checkpoint rolled back with its
  // savepoint is rewritten by the next write group).
  constexpr int64_t kIntervalGrace = 10'000'000;
  // One batch's checks, in seq order, with its hashes already computed.
  auto check = [&](const std::vector<storage::LogEntryRecord>& batch, const std::vector<std::string>& hashes) {
    for (size_t i = 0; i < batch.size() && rep.ok; ++i) {
      const storage::LogEntryRecord& e = batch[i];
      const std::string& h = hashes[i];
      if (e.seq != expected) {
        fail(expected, e.seq > expected ? "entry missing" : "entries out of order");
        return;
      }
      if (full && e.seq == 1 && (e.action != "system.init" || e.actor != "system")) {
        fail(1, "entry 1 is not the init entry (system.init by system)");
        return;
      }
      if (!full && e.seq == rep.from_seq) prev_hash = e.prev_hash;  // anchored by the checkpoint below
      if (e.prev_hash != prev_hash) {
        fail(e.seq, "prev_hash does not match the previous entry");
        return;
      }
      if (h != e.hash) {
        fail(e.seq, "hash does not match the entry's contents");
        return;
      }
      if (auto w = witnessed.find(e.seq); w != witnessed.end()) {
        bool agrees = true;
        for (const WitnessedHead* wh : w->second)
          if (wh->hash != h) {
            agrees = false;
            disagreeing.emplace_back(wh, std::max(last_good_witness, last_good_cp));
          }
        if (agrees) {
          last_good_witness = e.seq;
          rep.witnessed_heads += static_cast<int64_t>(w->second.size());
        }
      }
      const auto cp = by_seq.find(e.seq);
      if (cp != by_seq.end()) {
        if (cp->second->hash != h) {
          // The chain was rewritten consistently after the last good checkpoint.
          fail(last_good_cp + 1, "chain differs from signed checkpoint " + std::to_string(e.seq));
          return;
        }
        last_good_cp = e.seq;
        last_cp_at = e.at;
        ++rep.checkpoints;
      } else if (checkpoint_interval_us_ > 0) {
        if (last_cp_at < 0) last_cp_at = e.at;  // before the first checkpoint: from entry 1
        if (e.at - last_cp_at >= checkpoint_interval_us_ + kIntervalGrace) {
          fail(e.seq, "no signed checkpoint within " + std::to_string(checkpoint_interval_us_ / 1'000'000) +
                          " s after seq " + std::to_string(last_good_cp));
          return;
        }
      }
      prev_hash = h;
      rep.head_seq = e.seq;
      ++rep.entries;
      ++expected;
    }
  };
  // A pipeline: this thread reads batch k+1 from the database while another hashes batch k;
  // the checks themselves are string comparisons. (`pending` outlives `hashing`, whose
  // destructor waits, on every way out.)
  const int64_t kBatch = 50000;
  std::vector<storage::LogEntryRecord> pending;
  std::future<std::vector<std::string>> hashing;
  int64_t scan_from = rep.from_seq;
  for (;;) {
    std::vector<storage::LogEntryRecord> next;
    next.reserve(static_cast<size_t>(kBatch));
    MAMORI_TRY(repo.Scan(scan_from, kBatch, [&](storage::LogEntryRecord&& e) { next.push_back(std::move(e)); }));
    if (hashing.valid()) {
      check(pending, hashing.get());
      if (!rep.ok) break;
    }
    if (next.empty()) break;
    scan_from = next.back().seq + 1;
    const bool last = static_cast<int64_t>(next.size()) < kBatch;
    pending = std::move(next);
    hashing = std::async(std::launch::async, [&pending] {
      std::vector<std::string> out;
      out.reserve(pending.size());
      for (const auto& e : pending) out.push_back(EntryHash(e));
      return out;
    });
    if (last) {
      check(pending, hashing.get());
      break;
    }
  }
  signatures();
  const int64_t last_seq = rep.from_seq + rep.entries - 1;  // the last entry that checked out
  if (full && rep.ok && rep.entries == 0) fail(1, "the log is empty: entry 1 (system.init) is missing");

  // The witness: a head the chain disagrees with (a rewrite), heads beyond the chain's end (a
  // truncation), and the checkpoints the witnessed heads name.
  if (in.witness) {
    // In seq order: the first one signed by the trusted key is the evidence.
    for (const auto& [wh, good_before] : disagreeing) {
      if (!signed_ok(*wh)) {
        ++rep.witness_ignored;
        continue;
      }
      fail(good_before + 1, "chain differs from the head witnessed at seq " + std::to_string(wh->seq) + " (" +
                                kWitnessFile + " line " + std::to_string(wh->line) + ")");
      break;
    }
    std::set<int64_t> cp_seqs;
    for (const auto& cp : checkpoints) cp_seqs.insert(cp.seq);
    // The newest head with a valid signature, then every head beyond the chain.
    for (auto it = witnessed.rbegin(); it != witnessed.rend(); ++it) {
      const WitnessedHead* newest = nullptr;
      for (const WitnessedHead* wh : it->second)
        if (signed_ok(*wh)) newest = wh;
        else ++rep.witness_ignored;
      if (!newest) continue;
      if (rep.last_witnessed_seq == 0) rep.last_witnessed_seq = newest->seq;
      if (newest->seq > last_seq && rep.ok)
        fail(last_seq + 1, "the log ends at seq " + std::to_string(last_seq) + " but the witness saw seq " +
                               std::to_string(newest->seq) + " at " + FormatRfc3339(newest->at) + " (" +
                               kWitnessFile + " line " + std::to_string(newest->line) + ")");
      if (newest->checkpoint_seq >= rep.from_seq && newest->checkpoint_seq > 0 &&
          !cp_seqs.count(newest->checkpoint_seq))
        fail(newest->checkpoint_seq, "signed checkpoint at seq " + std::to_string(newest->checkpoint_seq) +
                                         ", witnessed in " + kWitnessFile + " line " + std::to_string(newest->line) +
                                         ", is missing");
      if (newest->seq <= last_seq) break;  // older heads lie within the chain: compared above
    }
  }
  if (!rep.ok) return rep;

  auto head = repo.Head();
  if (!head.ok()) {
    if (head.error().code != ErrorCode::kUnavailable) return std::move(head).error();
    fail(last_seq + 1, "the log_head row is missing");
    return rep;
  }
  if (head->first != last_seq || head->second != prev_hash) {
    fail(std::min(head->first, last_seq) + 1, "log head does not match the last entry (entries removed?)");
  }
  if (!checkpoints.empty() && checkpoints.back().seq > last_seq) {
    fail(std::min(last_seq + 1, checkpoints.back().seq), "entries covered by a signed checkpoint are missing");
  }
  if (full && checkpoint_every_ > 0) {
    const int64_t newest_cp = checkpoints.empty() ? 0 : checkpoints.back().seq;
    if (last_seq - newest_cp >= checkpoint_every_)
      fail(newest_cp + checkpoint_every_, "no signed checkpoint after seq " + std::to_string(newest_cp) +
                                              " although one is due every " + std::to_string(checkpoint_every_) +
                                              " entries");
  }
  rep.head = prev_hash;
  return rep;
}

}  // namespace mamori::audit
