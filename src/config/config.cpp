#include "config/config.hpp"

#include <filesystem>
#include <fstream>

#include <yaml-cpp/yaml.h>

#include "common/log.hpp"
#include "common/net.hpp"

namespace mamori::config {

namespace {

// Reads one YAML file; `missing` is the error for a file that cannot be read.
Result<YAML::Node> ReadYaml(const std::string& path, Error missing) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsNull() && !root.IsMap())
      return Error::Validation("config", "invalid", path + ": 設定はキーと値の対応（YAML のマップ）で書いてください");
    return root;
  } catch (const YAML::BadFile&) {
    return missing;
  } catch (const YAML::Exception& e) {
    return Error::Validation("config", "invalid", path + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

// Sets the keys of one file on `c`. `service`: a --config FILE, the one place `data_dir` belongs
// (it was read already, by DataDirOf).
Status Apply(Config& c, const YAML::Node& root, const std::string& path, bool service) {
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>("");
    try {
      if (key == "db") c.db_url = kv.second.as<std::string>();
      else if (key == "policy") c.policy_file = kv.second.as<std::string>();
      else if (key == "listen") c.listen = kv.second.as<std::string>();
      else if (key == "threads") c.threads = kv.second.as<int>();
      else if (key == "max_body_kib") c.max_body_kib = kv.second.as<int>();
      else if (key == "max_upload_kib") c.max_upload_kib = kv.second.as<int>();
      else if (key == "checkpoint_every") c.checkpoint_every = kv.second.as<int>();
      else if (key == "refusal_window_seconds") c.refusal_window_seconds = kv.second.as<int>();
      else if (key == "deadline_check_seconds") c.deadline_check_seconds = kv.second.as<int>();
      else if (key == "login_throttle_failures") c.login_throttle_failures = kv.second.as<int>();
      else if (key == "login_throttle_window_seconds") c.login_throttle_window_seconds = kv.second.as<int>();
      else if (key == "trusted_proxies") c.trusted_proxies = kv.second.as<std::vector<std::string>>();
      else if (key == "breached_passwords") c.breached_passwords = kv.second.as<std::string>();
      else if (key == "checkpoint_interval_seconds") c.checkpoint_interval_seconds = kv.second.as<int>();
      else if (key == "witness_dir") c.witness_dir = kv.second.as<std::string>();
      else if (key == "witness_syslog") c.witness_syslog = kv.second.as<bool>();
      else if (key == "metrics_token") c.metrics_token = kv.second.as<std::string>();
      else if (key == "log_format") c.log_format = kv.second.as<std::string>();
      // backup (issue 8, part 1)
      else if (key == "backup_dir") c.backup_dir = kv.second.as<std::string>();
      else if (key == "backup_key_file") c.backup_key_file = kv.second.as<std::string>();
      else if (key == "backup_interval_minutes") c.backup_interval_minutes = kv.second.as<int>();
      else if (key == "backup_keep") c.backup_keep = kv.second.as<int>();
      // sealing (issue 8 part 4)
      else if (key == "master_key_file") c.master_key_file = kv.second.as<std::string>();
      else if (key == "kms_command") c.kms_command = kv.second.as<std::string>();
      // notify (issue 9)
      else if (key == "smtp_url") c.smtp_url = kv.second.as<std::string>();
      else if (key == "smtp_from") c.smtp_from = kv.second.as<std::string>();
      else if (key == "smtp_user") c.smtp_user = kv.second.as<std::string>();
      else if (key == "smtp_password_file") c.smtp_password_file = kv.second.as<std::string>();
      else if (key == "smtp_tls") c.smtp_tls = kv.second.as<bool>();
      else if (key == "smtp_retry_seconds") c.smtp_retry_seconds = kv.second.as<int>();
      else if (key == "public_url") c.public_url = kv.second.as<std::string>();
      // --- package (issue 8, part 3): data_dir, in a service config only ---
      else if (key == "data_dir" && service) continue;
      else if (key == "data_dir")
        return Error::Validation(key, "not_here", path + ": data_dir はサービス設定（--config FILE）にだけ書けます");
      // --- end package ---
      else return Error::Validation(key, "unknown_key", path + ": 不明な設定 " + key);
    } catch (const YAML::Exception&) {
      return Error::Validation(key, "wrong_type", path + ": 設定 " + key + " の値が不正です");
    }
  }
  return Ok();
}

// Ranges and defaults, once every file has been applied.
Status Finish(Config& c) {
  const std::string path = c.service_file.empty() ? c.ConfigPath() : c.service_file;
  if (c.threads < 0 || c.threads > 256) return Error::Validation("threads", "out_of_range");
  if (c.max_body_kib < 1 || c.max_body_kib > 65536) return Error::Validation("max_body_kib", "out_of_range");
  if (c.max_upload_kib < 1 || c.max_upload_kib > 262144) return Error::Validation("max_upload_kib", "out_of_range");
  if (c.checkpoint_every < 1) return Error::Validation("checkpoint_every", "out_of_range");
  if (c.refusal_window_seconds < 1 || c.refusal_window_seconds > 3600)
    return Error::Validation("refusal_window_seconds", "out_of_range");
  if (c.deadline_check_seconds < 1 || c.deadline_check_seconds > 3600)
    return Error::Validation("deadline_check_seconds", "out_of_range");
  if (c.login_throttle_failures < 0 || c.login_throttle_failures > 1000000)
    return Error::Validation("login_throttle_failures", "out_of_range");
  if (c.login_throttle_window_seconds < 1 || c.login_throttle_window_seconds > 86400)
    return Error::Validation("login_throttle_window_seconds", "out_of_range");
  for (const auto& p : c.trusted_proxies)
    if (!net::ParseNetwork(p))
      return Error::Validation("trusted_proxies", "invalid_address",
                               path + ": trusted_proxies の " + p + " はアドレスでもネットワークでもありません");
  if (c.checkpoint_interval_seconds < 10 || c.checkpoint_interval_seconds > 86400)
    return Error::Validation("checkpoint_interval_seconds", "out_of_range");
  if (!c.witness_dir.empty() && c.witness_dir.front() != '/')
    return Error::Validation("witness_dir", "not_absolute", path + ": witness_dir は絶対パスで指定してください");
  if (!c.metrics_token.empty() && c.metrics_token.size() < 32)
    return Error::Validation("metrics_token", "too_short", path + ": metrics_token は 32 文字以上にしてください");
  if (auto f = log::ParseFormat(c.log_format); !f.ok()) return std::move(f).error();
  // backup (issue 8, part 1)
  if (!c.backup_dir.empty() && c.backup_dir.front() != '/')
    return Error::Validation("backup_dir", "not_absolute", path + ": backup_dir は絶対パスで指定してください");
  if (!c.backup_key_file.empty() && c.backup_key_file.front() != '/')
    return Error::Validation("backup_key_file", "not_absolute", path + ": backup_key_file は絶対パスで指定してください");
  if (!c.backup_dir.empty() && c.backup_key_file.empty())
    return Error::Validation("backup_key_file", "required", path + ": backup_dir には backup_key_file が必要です");
  if (c.backup_interval_minutes < 1 || c.backup_interval_minutes > 10080)
    return Error::Validation("backup_interval_minutes", "out_of_range");
  if (c.backup_keep < 1 || c.backup_keep > 1000) return Error::Validation("backup_keep", "out_of_range");
  // sealing (issue 8 part 4)
  if (!c.master_key_file.empty() && c.master_key_file.front() != '/')
    return Error::Validation("master_key_file", "not_absolute", path + ": master_key_file は絶対パスで指定してください");
  // notify (issue 9)
  auto plain = [](const std::string& v) {
    return v.find_first_of(" \t\r\n<>\"") == std::string::npos;
  };
  if (!c.smtp_url.empty() && ((c.smtp_url.rfind("smtp://", 0) != 0 && c.smtp_url.rfind("smtps://", 0) != 0) ||
                              !plain(c.smtp_url) || c.smtp_url.size() < 9))
    return Error::Validation("smtp_url", "invalid", path + ": smtp_url は smtp://HOST:PORT か smtps://HOST:PORT です");
  if (!c.smtp_url.empty() && c.smtp_from.empty())
    return Error::Validation("smtp_from", "required", path + ": smtp_url には smtp_from（送信元アドレス）が必要です");
  if (!c.smtp_from.empty() && (!plain(c.smtp_from) || c.smtp_from.find('@') == std::string::npos ||
                               c.smtp_from.front() == '@' || c.smtp_from.back() == '@'))
    return Error::Validation("smtp_from", "invalid", path + ": smtp_from はメールアドレスです");
  if (!c.smtp_password_file.empty() && c.smtp_password_file.front() != '/')
    return Error::Validation("smtp_password_file", "not_absolute",
                             path + ": smtp_password_file は絶対パスで指定してください");
  if (!c.smtp_user.empty() && c.smtp_password_file.empty())
    return Error::Validation("smtp_password_file", "required", path + ": smtp_user には smtp_password_file が必要です");
  if (c.smtp_retry_seconds < 1 || c.smtp_retry_seconds > 86400)
    return Error::Validation("smtp_retry_seconds", "out_of_range");
  while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  if (!c.public_url.empty() && ((c.public_url.rfind("https://", 0) != 0 && c.public_url.rfind("http://", 0) != 0) ||
                                !plain(c.public_url)))
    return Error::Validation("public_url", "invalid", path + ": public_url は https://HOST[:PORT] です");
  if (c.db_url.empty()) c.db_url = "sqlite:" + c.data_dir + "/mamori.db";
  if (c.policy_file.empty()) c.policy_file = c.data_dir + "/policy.yaml";
  return Ok();
}

Error NotInitialized(const std::string& data_dir, const std::string& how) {
  return Error::Validation("data", "not_initialized",
                           data_dir + " は初期化されていません（mamori init " + how + " を実行してください）");
}

}  // namespace

Result<Config> Load(const std::string& data_dir) {
  Config c;
  c.data_dir = data_dir;
  MAMORI_ASSIGN(YAML::Node root, ReadYaml(c.ConfigPath(), NotInitialized(data_dir, "--data " + data_dir)));
  MAMORI_TRY(Apply(c, root, c.ConfigPath(), /*service=*/false));
  MAMORI_TRY(Finish(c));
  return c;
}

// --- package (issue 8, part 3) ---
Result<std::string> DataDirOf(const Location& where) {
  if (where.file.empty() == where.data_dir.empty())
    return Error::Validation("data", "required", "--data DIR か --config FILE のどちらか一方を指定してください");
  if (where.file.empty()) return where.data_dir;
  MAMORI_ASSIGN(YAML::Node root, ReadYaml(where.file, Error::Validation("config", "unreadable",
                                                                       where.file + " を読めません")));
  const YAML::Node dir = root["data_dir"];
  std::string data_dir;
  try {
    if (dir) data_dir = dir.as<std::string>();
  } catch (const YAML::Exception&) {
    return Error::Validation("data_dir", "wrong_type", where.file + ": 設定 data_dir の値が不正です");
  }
  if (data_dir.empty())
    return Error::Validation("data_dir", "required", where.file + ": data_dir（データディレクトリ）がありません");
  if (data_dir.front() != '/')
    return Error::Validation("data_dir", "not_absolute", where.file + ": data_dir は絶対パスで指定してください");
  return data_dir;
}

Result<Config> ReadServiceFile(const std::string& file) {
  Config c;
  MAMORI_ASSIGN(c.data_dir, DataDirOf(Location{.data_dir = "", .file = file}));
  c.service_file = file;
  MAMORI_ASSIGN(YAML::Node root, ReadYaml(file, Error::Validation("config", "unreadable", file + " を読めません")));
  MAMORI_TRY(Apply(c, root, file, /*service=*/true));
  MAMORI_TRY(Finish(c));
  return c;
}

Result<Config> Load(const Location& where) {
  MAMORI_ASSIGN(std::string data_dir, DataDirOf(where));
  if (where.file.empty()) return Load(data_dir);
  Config c;
  c.data_dir = data_dir;
  c.service_file = where.file;
  // What init wrote into the data directory, then the service file over it.
  MAMORI_ASSIGN(YAML::Node base, ReadYaml(c.ConfigPath(), NotInitialized(data_dir, "--config " + where.file)));
  MAMORI_TRY(Apply(c, base, c.ConfigPath(), /*service=*/false));
  MAMORI_ASSIGN(YAML::Node root, ReadYaml(where.file, Error::Validation("config", "unreadable", where.file + " を読めません")));
  MAMORI_TRY(Apply(c, root, where.file, /*service=*/true));
  MAMORI_TRY(Finish(c));
  return c;
}
// --- end package ---

Status Save(const Config& c) {
  // The file holds the metrics token: owner-only whatever the umask.
  std::ofstream out(c.ConfigPath());
  std::error_code ec;
  std::filesystem::permissions(c.ConfigPath(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  if (!out) return Error::Internal("cannot write " + c.ConfigPath());
  out << "# mamori data directory configuration; see src/config/config.example.yaml\n";
  YAML::Emitter e;
  e << YAML::BeginMap << YAML::Key << "db" << YAML::Value << c.db_url << YAML::Key << "policy" << YAML::Value
    << c.policy_file << YAML::Key << "listen" << YAML::Value << c.listen << YAML::Key << "threads" << YAML::Value
    << c.threads << YAML::Key << "max_body_kib" << YAML::Value << c.max_body_kib << YAML::Key << "max_upload_kib" << YAML::Value << c.max_upload_kib << YAML::Key << "checkpoint_every"
    << YAML::Value << c.checkpoint_every << YAML::Key << "refusal_window_seconds" << YAML::Value
    << c.refusal_window_seconds << YAML::Key << "checkpoint_interval_seconds" << YAML::Value
    << c.checkpoint_interval_seconds;
  if (!c.witness_dir.empty()) e << YAML::Key << "witness_dir" << YAML::Value << c.witness_dir;
  e << YAML::Key << "witness_syslog" << YAML::Value << c.witness_syslog;
  if (!c.metrics_token.empty()) e << YAML::Key << "metrics_token" << YAML::Value << c.metrics_token;
  // backup (issue 8, part 1)
  if (!c.backup_dir.empty())
    e << YAML::Key << "backup_dir" << YAML::Value << c.backup_dir << YAML::Key << "backup_key_file" << YAML::Value
      << c.backup_key_file << YAML::Key << "backup_interval_minutes" << YAML::Value << c.backup_interval_minutes
      << YAML::Key << "backup_keep" << YAML::Value << c.backup_keep;
  // sealing (issue 8 part 4)
  if (!c.master_key_file.empty()) e << YAML::Key << "master_key_file" << YAML::Value << c.master_key_file;
  if (!c.kms_command.empty()) e << YAML::Key << "kms_command" << YAML::Value << c.kms_command;
  // notify (issue 9)
  if (!c.smtp_url.empty())
    e << YAML::Key << "smtp_url" << YAML::Value << c.smtp_url << YAML::Key << "smtp_from" << YAML::Value
      << c.smtp_from << YAML::Key << "smtp_tls" << YAML::Value << c.smtp_tls << YAML::Key << "smtp_retry_seconds"
      << YAML::Value << c.smtp_retry_seconds;
  if (!c.smtp_user.empty())
    e << YAML::Key << "smtp_user" << YAML::Value << c.smtp_user << YAML::Key << "smtp_password_file" << YAML::Value
      << c.smtp_password_file;
  if (!c.public_url.empty()) e << YAML::Key << "public_url" << YAML::Value << c.public_url;
  e << YAML::EndMap;
  out << e.c_str() << "\n";
  if (!out) return Error::Internal("cannot write " + c.ConfigPath());
  return Ok();
}

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Error::Validation("listen", "invalid", "--listen は HOST:PORT です");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    return Error::Validation("listen", "invalid_port", "ポート番号が不正です");
  const int p = std::stoi(port);
  if (p > 65535) return Error::Validation("listen", "invalid_port", "ポート番号が不正です");
  return std::make_pair(host, static_cast<uint16_t>(p));
}

}  // namespace mamori::config
