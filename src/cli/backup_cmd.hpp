// `mamori backup` and `mamori restore` (src/backup/, docs/backup.md), and the scheduled backups
// of `mamori serve`.
#pragma once

#include <memory>
#include <string>

#include "backup/scheduler.hpp"
#include "config/config.hpp"

namespace CLI {
class App;
}

namespace mamori::cli {

struct BackupCommands;

// Adds the two sub-commands to `app`; the returned object holds their parsed options.
std::shared_ptr<BackupCommands> AddBackupCommands(CLI::App& app);
// Runs the sub-command that was parsed: its exit code, or -1 when neither was given.
int RunBackupCommands(const BackupCommands& cmds);

// The scheduler `serve` runs, from the config's backup_* keys (nothing runs without backup_dir).
std::unique_ptr<backup::Scheduler> StartScheduledBackups(const config::Config& cfg, const std::string& db_override);

}  // namespace mamori::cli
