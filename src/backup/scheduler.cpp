#include "backup/scheduler.hpp"

#include <sys/stat.h>

#include <filesystem>

#include <spdlog/spdlog.h>

#include "common/time.hpp"

namespace mamori::backup {

Result<BackupSummary> Scheduler::RunOnce() {
  std::error_code ec;
  std::filesystem::create_directories(o_.dir, ec);
  std::filesystem::permissions(o_.dir, std::filesystem::perms::owner_all, ec);
  const int64_t now = SystemClock::Instance().NowMicros();
  BackupOptions bo{o_.data_dir, o_.dir + "/" + BackupFileName(now), o_.key_file, o_.db_override};
  MAMORI_ASSIGN(BackupSummary sum, CreateBackup(bo));
  for (const auto& gone : PruneBackups(o_.dir, o_.keep)) spdlog::info("backup retention: deleted {}", gone);
  return sum;
}

int64_t Scheduler::DueInMicros(int64_t now_micros) const {
  const auto all = ListBackups(o_.dir);
  if (all.empty()) return 0;
  struct stat st {};
  if (::stat(all.back().c_str(), &st) != 0) return 0;
  const int64_t last = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000;
  const int64_t due = last + static_cast<int64_t>(o_.interval_minutes) * 60 * 1000000;
  return due > now_micros ? due - now_micros : 0;
}

void Scheduler::Start() {
  if (o_.dir.empty() || thread_.joinable()) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    for (;;) {
      const int64_t wait = DueInMicros(SystemClock::Instance().NowMicros());
      if (wait > 0 && cv_.wait_for(lock, std::chrono::microseconds(wait), [&] { return stopping_; })) return;
      if (stopping_) return;
      lock.unlock();
      auto sum = RunOnce();
      if (sum.ok())
        spdlog::info("backup written: {} ({} bytes, log head seq {}, {:.1f} s)", sum->file, sum->file_bytes,
                     sum->head_seq, sum->seconds);
      else
        spdlog::error("scheduled backup failed: {}", sum.error().detail);
      lock.lock();
      // After a failure, try again in a tenth of the interval rather than at once.
      if (!sum.ok() && cv_.wait_for(lock, std::chrono::minutes(std::max(1, o_.interval_minutes / 10)),
                                    [&] { return stopping_; }))
        return;
    }
  });
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace mamori::backup
