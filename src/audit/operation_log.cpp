#include "audit/operation_log.hpp"

#include <cstdio>
#include <cstring>
#include <algorithm>
#include <future>
#include <map>
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

std::string CheckpointMessage(int64_t seq, const std::string& hash) {
  return "mamori-log-checkpoint-v1\n" + std::to_string(seq) + "\n" + hash + "\n";
}

std::string KeyIdOf(const std::string& public_pem) { return crypto::Sha256Hex(public_pem).substr(0, 16); }

OperationLog::OperationLog(const Clock& clock, SigningKey key, int64_t checkpoint_every)
    : clock_(clock), key_(std::move(key)), checkpoint_every_(checkpoint_every) {
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
  if (checkpoint_every_ > 0 && e.seq % checkpoint_every_ == 0) MAMORI_TRY(WriteCheckpoint(c, e.seq, e.hash));
  return e.seq;
}

Status OperationLog::Record(storage::Connection& c, const Event& e) {
  auto r = Append(c, e);
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Status OperationLog::WriteCheckpoint(storage::Connection& c, int64_t seq, const std::string& hash) {
  if (key_.private_pem.empty()) return Ok();
  MAMORI_ASSIGN(std::string sig, signer_.Sign(CheckpointMessage(seq, hash)));
  storage::CheckpointRecord cp{seq, hash, clock_.NowMicros(), key_.key_id, crypto::Base64Encode(sig)};
  return storage::AuditRepo(c).InsertCheckpoint(cp);
}

Status OperationLog::Checkpoint(storage::Connection& c) {
  storage::AuditRepo repo(c);
  MAMORI_ASSIGN(auto head, repo.Head());
  if (head.first == 0) return Ok();
  MAMORI_ASSIGN(auto cps, repo.Checkpoints());
  if (!cps.empty() && cps.back().seq == head.first) return Ok();
  return WriteCheckpoint(c, head.first, head.second);
}

Result<VerifyReport> OperationLog::Verify(storage::Connection& c) const {
  storage::AuditRepo repo(c);
  VerifyReport rep;
  auto fail = [&](int64_t seq, std::string reason) {
    if (rep.ok || seq < rep.first_bad_seq) {
      rep.ok = false;
      rep.first_bad_seq = seq;
      rep.reason = std::move(reason);
    }
  };

  MAMORI_ASSIGN(auto checkpoints, repo.Checkpoints());
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
          valid[i] = cp.key_id == key_.key_id && sig && verifier_.Verify(CheckpointMessage(cp.seq, cp.hash), *sig);
        }
      }));
    }
  }
  // Every exit below waits for the checkers first: they read `checkpoints` and write `valid`.
  auto signatures = [&] {
    for (auto& f : checkers) f.get();
    checkers.clear();
    // A bad signature means the checkpoint itself was forged or altered: everything after the
    // checkpoint before it is unproven.
    for (size_t i = 0; i < checkpoints.size(); ++i)
      if (!valid[i])
        fail(i == 0 ? 1 : checkpoints[i - 1].seq + 1,
             "checkpoint " + std::to_string(checkpoints[i].seq) + " has an invalid signature");
  };
  struct Join {
    std::vector<std::future<void>>& f;
    ~Join() {
      for (auto& x : f)
        if (x.valid()) x.wait();
    }
  } join{checkers};

  int64_t expected = 1;
  std::string prev_hash = kGenesisHash;
  int64_t last_good_cp = 0;
  // One batch's checks, in seq order, with its hashes already computed.
  auto check = [&](const std::vector<storage::LogEntryRecord>& batch, const std::vector<std::string>& hashes) {
    for (size_t i = 0; i < batch.size() && rep.ok; ++i) {
      const storage::LogEntryRecord& e = batch[i];
      const std::string& h = hashes[i];
      if (e.seq != expected) {
        fail(expected, e.seq > expected ? "entry missing" : "entries out of order");
        return;
      }
      if (e.prev_hash != prev_hash) {
        fail(e.seq, "prev_hash does not match the previous entry");
        return;
      }
      if (h != e.hash) {
        fail(e.seq, "hash does not match the entry's contents");
        return;
      }
      if (auto it = by_seq.find(e.seq); it != by_seq.end()) {
        if (it->second->hash != h) {
          // The chain was rewritten consistently after the last good checkpoint.
          fail(last_good_cp + 1, "chain differs from signed checkpoint " + std::to_string(e.seq));
          return;
        }
        last_good_cp = e.seq;
        ++rep.checkpoints;
      }
      prev_hash = h;
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
  int64_t scan_from = 1;
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
  if (!rep.ok) return rep;

  MAMORI_ASSIGN(auto head, repo.Head());
  if (head.first != rep.entries || head.second != prev_hash) {
    fail(std::min(head.first, rep.entries) + 1, "log head does not match the last entry (entries removed?)");
  }
  if (!checkpoints.empty() && checkpoints.back().seq > rep.entries) {
    fail(std::min(rep.entries + 1, checkpoints.back().seq), "entries covered by a signed checkpoint are missing");
  }
  rep.head = prev_hash;
  return rep;
}

}  // namespace mamori::audit
