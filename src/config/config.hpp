// Typed configuration of one data directory (DIR/mamori.yaml); see src/config/config.example.yaml.
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"

namespace mamori::config {

struct Config {
  std::string data_dir;
  std::string db_url;        // "sqlite:DIR/mamori.db" unless init was given --db
  std::string policy_file;   // DIR/policy.yaml: the pack copied in at init
  std::string listen = "127.0.0.1:8443";
  int threads = 0;           // 0 = one per core, at least two
  int max_body_kib = 1024;
  int max_upload_kib = 8192;  // file uploads (CSV import) only
  int checkpoint_every = 256;  // operation-log entries between signed checkpoints
  int refusal_window_seconds = 60;  // identical refusals within this are counted in one entry
  // Registers and workflows (docs/registers.md): how often serve looks for passed deadlines.
  int deadline_check_seconds = 60;
  // Sign-in throttle per client address (across accounts): at most this many failed sign-ins
  // within the window; 0 = off.
  int login_throttle_failures = 50;
  int login_throttle_window_seconds = 900;
  // Peers (addresses or CIDR networks) whose X-Forwarded-For names the client; empty = none.
  std::vector<std::string> trusted_proxies;
  // The breached-password list (one password a line, Debian john-data); "" = none.
  std::string breached_passwords = "/usr/share/john/password.lst";
  int checkpoint_interval_seconds = 300;  // and at most this long between them while entries are written
  std::string witness_dir;     // where signed log heads are appended; "" = DIR/witness
  bool witness_syslog = true;  // also send the heads to syslog (the journal where one runs)
  std::string metrics_token;   // bearer token GET /metrics requires; "" = /metrics answers 404
  // Server log lines on standard output (the journal under systemd): "json", "text" or "auto"
  // (text on a terminal, JSON otherwise).
  std::string log_format = "auto";
  // --- package (issue 8, part 3): the service config, e.g. /etc/mamori/mamori.yaml ---
  // The `--config FILE` the configuration was read from ("" = DIR/mamori.yaml alone). Such a
  // file names the data directory with its key `data_dir`; that key is refused elsewhere.
  std::string service_file;
  // --- end package ---
  // --- backup (issue 8, part 1): scheduled backups in `mamori serve` ---
  std::string backup_dir;          // absolute; "" = no scheduled backups
  std::string backup_key_file;     // absolute; the backup key, kept apart from the backups
  int backup_interval_minutes = 1440;
  int backup_keep = 14;            // newest backups kept in backup_dir; older ones are deleted
  // --- end backup ---
  // --- sealing (issue 8 part 4; docs/sealing.md) ---
  // The master key that wraps the data keys: a file (absolute path; "" = DIR/keys/master.key,
  // the demo's default — production puts it elsewhere) or, when set, a KMS command that wraps
  // and unwraps through stdin/stdout (then no master key file is used).
  std::string master_key_file;
  std::string kms_command;
  std::string MasterKeyPath() const { return master_key_file.empty() ? data_dir + "/keys/master.key" : master_key_file; }
  // --- end sealing ---
  // --- notify (issue 9; docs/notifications.md): e-mail through an SMTP relay ---
  std::string smtp_url;            // smtp://HOST:PORT or smtps://HOST:PORT; "" = no e-mail (in-app only)
  std::string smtp_from;           // the sender address; required with smtp_url
  std::string smtp_user;           // SMTP AUTH user; "" = no AUTH
  std::string smtp_password_file;  // absolute; its first line is the password (required with smtp_user)
  bool smtp_tls = true;            // TLS required (STARTTLS on smtp://); false only for a relay on this host
  int smtp_retry_seconds = 60;     // first wait after a failed attempt; it doubles up to an hour
  std::string public_url;          // "https://mamori.city.example.jp": e-mailed links start with it
  // --- end notify ---

  std::string ConfigPath() const { return data_dir + "/mamori.yaml"; }
  std::string KeyDir() const { return data_dir + "/keys"; }
  std::string TlsCert() const { return data_dir + "/tls/cert.pem"; }
  std::string TlsKey() const { return data_dir + "/tls/key.pem"; }
  std::string WitnessDir() const { return witness_dir.empty() ? data_dir + "/witness" : witness_dir; }
};

// Reads DIR/mamori.yaml; unknown keys and bad values are errors naming the key.
Result<Config> Load(const std::string& data_dir);

// --- package (issue 8, part 3) ---
// Where a command finds its configuration: `--data DIR` (DIR/mamori.yaml), or `--config FILE`,
// a service config (the package's /etc/mamori/mamori.yaml) whose `data_dir` names the data
// directory. With a FILE, DIR/mamori.yaml (written by `mamori init`: database, pack, metrics
// token; `mamori init --config FILE` writes it) is read first, and every key FILE sets wins over
// it. Exactly one of the two is set; `data_dir` must be an absolute path.
struct Location {
  std::string data_dir;
  std::string file;
};
Result<Config> Load(const Location& where);
// The data directory a location names, without reading more than `data_dir` of FILE.
Result<std::string> DataDirOf(const Location& where);
// The service file alone, every key checked as Load checks it, before the data directory exists
// (init refuses a bad file before it writes anything, and writes the file's database into the
// data directory's configuration).
Result<Config> ReadServiceFile(const std::string& file);
// --- end package ---
Status Save(const Config& c);
// Splits "HOST:PORT" ("[::1]:8443" for IPv6).
Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen);

}  // namespace mamori::config
