#include "audit/witness.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

namespace mamori::audit {
namespace fs = std::filesystem;

std::string HeadMessage(int64_t seq, const std::string& hash, int64_t at, int64_t checkpoint_seq) {
  return "mamori-log-head-v1\n" + std::to_string(seq) + "\n" + hash + "\n" + std::to_string(at) + "\n" +
         std::to_string(checkpoint_seq) + "\n";
}

namespace {

constexpr char kLineTag[] = "mamori-head-v1";
constexpr std::chrono::milliseconds kMinGap{5};

bool ParseInt(const std::string& s, int64_t& out) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoll(s);
  return true;
}

}  // namespace

Result<WitnessFile> ReadWitness(const std::string& dir) {
  WitnessFile out;
  const std::string path = dir + "/" + kWitnessFile;
  std::error_code ec;
  if (!fs::exists(path, ec)) return out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Internal("cannot read the witness " + path);
  out.exists = true;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const bool complete = !in.eof();  // the last line without its newline may be torn
    std::istringstream ss(line);
    std::string tag, seq, hash, at, cp, key_id, sig, extra;
    WitnessedHead h;
    if (!complete || !(ss >> tag >> seq >> hash >> at >> cp >> key_id >> sig) || (ss >> extra) || tag != kLineTag ||
        !ParseInt(seq, h.seq) || !ParseInt(at, h.at) || !ParseInt(cp, h.checkpoint_seq) || hash.size() != 64) {
      ++out.skipped;
      continue;
    }
    h.hash = hash;
    h.key_id = key_id;
    h.signature = sig;
    h.line = n;
    out.heads.push_back(std::move(h));
  }
  return out;
}

Witness::Witness(const Clock& clock, const std::string& private_pem, std::string key_id, Options o)
    : clock_(clock), key_id_(std::move(key_id)), o_(std::move(o)) {
  if (auto k = crypto::EcKey::FromPrivatePem(private_pem); k.ok()) signer_ = *k;
}

Witness::~Witness() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
}

Status Witness::Open() {
  if (!signer_.valid()) return Error::Internal("the witness has no signing key");
  std::error_code ec;
  fs::create_directories(o_.dir, ec);
  if (ec) return Error::Internal("cannot create the witness directory " + o_.dir + ": " + ec.message());
  fs::permissions(o_.dir, fs::perms::owner_all, ec);
  const std::string path = o_.dir + "/" + kWitnessFile;
  fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return Error::Internal("cannot open the witness " + path + ": " + std::strerror(errno));
  fchmod(fd_, 0600);
  if (o_.syslog) openlog("mamori", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
  thread_ = std::thread([this] { Run(); });
  return Ok();
}

void Witness::Publish(int64_t seq, std::string hash, int64_t checkpoint_seq) {
  {
    std::lock_guard lock(mu_);
    if (fd_ < 0) return;
    if (seq >= pending_seq_) {
      pending_seq_ = seq;
      pending_hash_ = std::move(hash);
      pending_cp_ = checkpoint_seq;
    }
    ++published_;
  }
  cv_.notify_one();
}

void Witness::Flush() {
  std::unique_lock lock(mu_);
  const int64_t target = published_;
  ++flush_waiters_;
  cv_.notify_all();
  done_cv_.wait(lock, [&] { return completed_ >= target || thread_.get_id() == std::thread::id(); });
  --flush_waiters_;
}

int64_t Witness::written() const {
  std::lock_guard lock(mu_);
  return written_;
}

int64_t Witness::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

bool Witness::WriteOne(int64_t seq, const std::string& hash, int64_t checkpoint_seq, bool final) {
  const int64_t at = clock_.NowMicros();
  auto sig = signer_.Sign(HeadMessage(seq, hash, at, checkpoint_seq));
  if (!sig.ok()) return false;
  const std::string b64 = crypto::Base64Encode(*sig);
  const std::string line = std::string(kLineTag) + " " + std::to_string(seq) + " " + hash + " " + std::to_string(at) +
                           " " + std::to_string(checkpoint_seq) + " " + key_id_ + " " + b64 + "\n";
  // One write(2) of a short line to an O_APPEND file: lines never interleave.
  if (write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return false;
  if (fdatasync(fd_) != 0) return false;
  if (o_.syslog && (at - last_syslog_us_ >= 1'000'000 || final)) {
    syslog(LOG_NOTICE, "MAMORI_LOG_HEAD seq=%lld hash=%s at=%lld checkpoint_seq=%lld key_id=%s sig=%s",
           static_cast<long long>(seq), hash.c_str(), static_cast<long long>(at),
           static_cast<long long>(checkpoint_seq), key_id_.c_str(), b64.c_str());
    last_syslog_us_ = at;
  }
  return true;
}

void Witness::Run() {
  // Signals belong to the program's own threads (serve takes SIGTERM with sigwait).
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || completed_ < published_; });
    if (completed_ >= published_ && stopping_) break;
    const int64_t upto = published_;
    const int64_t seq = pending_seq_;
    const std::string hash = pending_hash_;
    const int64_t cp = pending_cp_;
    const bool final = stopping_;
    lock.unlock();
    // A head already written is not written again, unless it now names a newer checkpoint.
    const bool fresh = seq != last_seq_written_ || cp != last_cp_written_;
    bool ok = true;
    if (fresh) ok = WriteOne(seq, hash, cp, final);
    lock.lock();
    if (ok) {
      if (fresh) ++written_;
      last_seq_written_ = seq;
      last_cp_written_ = cp;
    } else {
      ++failures_;
      spdlog::error("witness: cannot write the log head to {}/{}: {}", o_.dir, kWitnessFile, std::strerror(errno));
    }
    completed_ = upto;
    done_cv_.notify_all();
    // At most one head every kMinGap: under load a line (a signature and a sync) per 5 ms covers
    // every commit in between and leaves the cores to the writers. Flush() and stopping wake it.
    if (fresh && !stopping_) cv_.wait_for(lock, kMinGap, [&] { return stopping_ || flush_waiters_ > 0; });
  }
  done_cv_.notify_all();
}

}  // namespace mamori::audit
