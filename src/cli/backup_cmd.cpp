#include "cli/backup_cmd.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "backup/backup.hpp"
#include "backup/sealed_stream.hpp"

namespace mamori::cli {

struct BackupCommands {
  CLI::App* backup = nullptr;
  CLI::App* restore = nullptr;
  backup::BackupOptions bo;
  config::Location where;  // backup: --data DIR or --config FILE
  backup::RestoreOptions ro;
  bool new_key = false;
};

namespace {

int Fail(const Error& e) {
  std::cerr << "mamori: " << e.detail << "\n";
  return 1;
}

std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

// A database URL for the terminal: no password, no query (options may carry secrets too).
std::string Shown(const std::string& url) {
  std::string u = url.substr(0, url.find('?'));
  const size_t scheme = u.find("://"), at = u.find('@');
  if (scheme != std::string::npos && at != std::string::npos && at > scheme) {
    const size_t colon = u.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) u = u.substr(0, colon) + ":***" + u.substr(at);
  }
  return u;
}

int RunBackup(backup::BackupOptions o, const config::Location& where, bool new_key) {
  auto data_dir = config::DataDirOf(where);
  if (!data_dir.ok()) return Fail(data_dir.error());
  o.data_dir = *data_dir;
  if (o.key_file.empty()) {
    auto cfg = config::Load(where);
    if (!cfg.ok()) return Fail(cfg.error());
    o.key_file = cfg->backup_key_file;
  }
  if (new_key) {
    if (o.key_file.empty()) return Fail(Error::Validation("key", "required", "--new-key には --key FILE が必要です"));
    if (auto st = backup::CreateKeyFile(o.key_file); !st.ok()) return Fail(st.error());
    std::cout << "new backup key: " << o.key_file << "\n"
              << "  Keep a copy OFF this server: without it no backup can be restored.\n";
  }
  auto sum = backup::CreateBackup(o);
  if (!sum.ok()) return Fail(sum.error());
  std::cout << "backup written: " << sum->file << "\n"
            << "  engine " << sum->engine << ", schema version " << sum->schema_version << "\n"
            << "  operation log head: seq " << sum->head_seq << " " << sum->head_hash << "\n"
            << "  database " << Mib(sum->database_bytes) << ", file " << Mib(sum->file_bytes) << ", "
            << sum->seconds << " s\n";
  return 0;
}

int RunRestore(const backup::RestoreOptions& o) {
  auto sum = backup::RestoreBackup(o);
  if (!sum.ok()) {
    std::cerr << "mamori: 復元できません: " << sum.error().detail << "\n";
    return 1;
  }
  std::cout << "restored into " << sum->data_dir << " (" << sum->engine << ", " << Shown(sum->db_url)
            << ")\n"
            << "  backup taken at " << sum->created_at << "\n"
            << "  operation log verified: " << sum->entries << " entries, head seq " << sum->head_seq << " "
            << sum->head_hash << "\n";
  if (sum->witness_dir_reset)
    std::cout << "  note: witness_dir and backup_dir of the backed-up config were dropped: the restored witness is "
              << sum->data_dir << "/witness and no scheduled backups run. Set both again (fresh directories off this "
                 "disk) before serving in production.\n";
  if (sum->master_key_missing)
    std::cout << "  note: the data is sealed under a master key kept outside backups: put it at " << sum->data_dir
              << "/keys/master.key (owner-only) before serving, or restore with --master-key FILE.\n";
  std::cout << "  start it with: mamori serve --data " << sum->data_dir << "\n";
  return 0;
}

}  // namespace

std::shared_ptr<BackupCommands> AddBackupCommands(CLI::App& app) {
  auto cmds = std::make_shared<BackupCommands>();
  cmds->backup = app.add_subcommand("backup", "take an encrypted, consistent backup while the server runs");
  auto* data = cmds->backup->add_option("--data", cmds->where.data_dir, "data directory");
  auto* file = cmds->backup->add_option("--config", cmds->where.file,
                                        "service configuration naming the data directory (data_dir)");
  data->excludes(file);
  cmds->backup->add_option("--to", cmds->bo.to, "backup file to create (must not exist)")->required();
  cmds->backup->add_option("--key", cmds->bo.key_file, "backup key file (default: backup_key_file of the config)");
  cmds->backup->add_option("--db", cmds->bo.db_override, "override the configured database URL");
  cmds->backup->add_flag("--new-key", cmds->new_key, "create the key file first (refused if it exists)");
  cmds->restore = app.add_subcommand("restore", "restore a backup into an empty data directory, verified");
  cmds->restore->add_option("--from", cmds->ro.from, "backup file")->required();
  cmds->restore->add_option("--data", cmds->ro.data_dir, "new, empty data directory")->required();
  cmds->restore->add_option("--key", cmds->ro.key_file, "backup key file")->required();
  cmds->restore->add_option("--db", cmds->ro.db_url,
                            "PostgreSQL backups: the empty database to restore into (default: the backed-up URL)");
  cmds->restore->add_option("--master-key", cmds->ro.master_key_file,
                            "the master key file the data keys are wrapped by (checked; copied to keys/master.key "
                            "when the backed-up config used that default place)");
  cmds->restore->add_option("--log-key-id", cmds->ro.log_key_id,
                            "refuse unless the backup's log signing key has this fingerprint (printed by init)");
  return cmds;
}

int RunBackupCommands(const BackupCommands& cmds) {
  if (*cmds.backup) return RunBackup(cmds.bo, cmds.where, cmds.new_key);
  if (*cmds.restore) return RunRestore(cmds.ro);
  return -1;
}

std::unique_ptr<backup::Scheduler> StartScheduledBackups(const config::Config& cfg, const std::string& db_override) {
  auto s = std::make_unique<backup::Scheduler>(backup::ScheduleOptions{
      .data_dir = cfg.data_dir,
      .db_override = db_override,
      .dir = cfg.backup_dir,
      .key_file = cfg.backup_key_file,
      .interval_minutes = cfg.backup_interval_minutes,
      .keep = cfg.backup_keep,
  });
  s->Start();
  return s;
}

}  // namespace mamori::cli
