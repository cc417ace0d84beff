// Scheduled backups inside `mamori serve`: every `interval_minutes` a backup into `dir` named by
// its UTC time, then the oldest beyond the newest `keep` are deleted. At start, a backup is taken
// at once when the newest in `dir` is older than the interval (or there is none), so a server
// that was down does not wait a whole interval. Failures are logged and retried next round.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "backup/backup.hpp"

namespace mamori::backup {

struct ScheduleOptions {
  std::string data_dir = {};
  std::string db_override = {};
  std::string dir = {};        // "" = no scheduled backups
  std::string key_file = {};
  int interval_minutes = 1440;
  int keep = 14;
};

class Scheduler {
 public:
  explicit Scheduler(ScheduleOptions o) : o_(std::move(o)) {}
  ~Scheduler() { Stop(); }
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Starts the background thread (nothing when no directory is configured).
  void Start();
  // Wakes and joins the thread; a backup under way finishes first.
  void Stop();
  // One round: a backup, then pruning. Used by the thread and by tests.
  Result<BackupSummary> RunOnce();
  // Micros until the next backup is due (0: now), from the newest file in dir.
  int64_t DueInMicros(int64_t now_micros) const;

 private:
  ScheduleOptions o_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace mamori::backup
