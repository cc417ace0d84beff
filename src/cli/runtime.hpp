// Opening a data directory: config, policy pack, keys, database (migrated) and the services.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/app.hpp"
#include "audit/operation_log.hpp"
#include "config/config.hpp"
#include "domain/env.hpp"
#include "policy/pack.hpp"
#include "storage/db.hpp"

namespace mamori::cli {

struct Runtime {
  config::Config cfg;
  policy::PolicyPack pack;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<audit::OperationLog> log;
  std::unique_ptr<audit::Witness> witness;  // null for read-only tools (log verify)
  std::unique_ptr<domain::Env> env;
  std::unique_ptr<api::App> app;
};

// `db_override` replaces the configured URL when not empty. `witness`: open the witness and
// write a signed head to it after every commit (every command that writes).
Result<std::unique_ptr<Runtime>> OpenRuntime(const std::string& data_dir, const std::string& db_override,
                                             bool witness = true);
// The same for `--data DIR` or `--config FILE` (config::Location).
Result<std::unique_ptr<Runtime>> OpenRuntime(const config::Location& where, const std::string& db_override,
                                             bool witness = true);

// Files and directories under `dir` (the data directory or the witness's) that anyone but the
// owner may read, write or enter: the data directory must be 0700 and every file 0600.
std::vector<std::string> LooseModes(const std::string& dir);
// Makes `dir` 0700 and everything in it owner-only (directories 0700, files 0600).
void TightenModes(const std::string& dir);

struct InitOptions {
  std::string data_dir;
  std::string admin_login;
  std::string db_url;       // "" = SQLite under data_dir
  std::string policy_file;  // "" = the Kobe pack shipped with mamori (DefaultPolicyPath)
  std::string admin_password;
  // Optional second person: holds the role that approves second-person grants (the pack's
  // role_assign request type names it, city scope), so the first administrator's grants of
  // such roles have someone to approve them.
  std::string approver_login;
  std::string approver_password;
  // A service config (`init --config FILE`): it names the data directory (data_dir is then
  // taken from it) and its keys apply from the first start, e.g. db and witness_dir.
  std::string config_file;
};

// Creates keys, the TLS certificate, config, database and the city root and the first
// administrator. Refuses a directory that is already initialised.
Status Init(const InitOptions& o);

// Assigns a role on behalf of the CLI (init, demo), logged as actor "system".
Status AssignAsSystem(storage::Connection& c, Runtime& rt, const std::string& user_id, const std::string& role,
                      const std::string& scope_type, const std::string& scope_id);

// The default pack shipped with mamori: SHARE/policy/kobe.yaml (install_paths.hpp).
std::string DefaultPolicyPath();

}  // namespace mamori::cli
