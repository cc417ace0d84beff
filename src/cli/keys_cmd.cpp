#include "cli/keys_cmd.hpp"

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/runtime.hpp"
#include "common/keyring.hpp"
#include "domain/key_service.hpp"

namespace mamori::cli {
namespace fs = std::filesystem;
namespace {

struct KeysOptions {
  config::Location where;  // --data DIR or --config FILE
  std::string db;
  int64_t batch = 500;
  bool reseal = false;
  std::string kms_command;  // rotate-master: move the ring to this KMS command
};

int Fail(const Error& e) {
  std::cerr << "mamori: " << e.detail << "\n";
  return 1;
}

std::string Rfc3339(int64_t micros) { return FormatRfc3339(micros); }

int ShowStatus(const KeysOptions& o) {
  auto rt = OpenRuntime(o.where, o.db);
  if (!rt.ok()) return Fail(rt.error());
  domain::KeyService keys(*(*rt)->env);
  auto list = keys.Keys();
  if (!list.ok()) return Fail(list.error());
  const auto& master = (*rt)->env->sealer->master();
  std::cout << "マスター鍵: " << (master ? master->id() : "-")
            << ((*rt)->cfg.kms_command.empty() ? "（ファイル " + (*rt)->cfg.MasterKeyPath() + "）" : "（KMS コマンド）")
            << "\n";
  const std::string current = (*rt)->env->sealer->ring().current();
  for (const auto& k : *list)
    std::cout << "データ鍵 " << k.id << "  作成 " << Rfc3339(k.created_at) << "  ラップ " << k.master_id
              << (k.id == current ? "  （現在の鍵）" : "") << "\n";
  return 0;
}

int RotateData(const KeysOptions& o) {
  auto rt = OpenRuntime(o.where, o.db);
  if (!rt.ok()) return Fail(rt.error());
  domain::KeyService keys(*(*rt)->env);
  auto id = keys.RotateData();
  if (!id.ok()) return Fail(id.error());
  std::cout << "新しいデータ鍵 " << *id << " を追加しました。以後の暗号化はこの鍵で行います（古い鍵で暗号化した値も読めます）。\n";
  if (o.reseal) {
    auto r = keys.Reseal(o.batch);
    if (!r.ok()) return Fail(r.error());
    std::cout << "再暗号化: 情報資産 " << r->assets_rewritten << " 件 / " << r->assets_checked << " 件、TOTP 秘密鍵 "
              << r->secrets_rewritten << " 件\n";
  }
  (*rt)->witness->Flush();
  return 0;
}

int RotateMaster(const KeysOptions& o) {
  auto rt = OpenRuntime(o.where, o.db);
  if (!rt.ok()) return Fail(rt.error());
  const config::Config& cfg = (*rt)->cfg;
  domain::KeyService keys(*(*rt)->env);
  if (!o.kms_command.empty()) {
    // From the key file (or another command) to a KMS: every data key re-wrapped through the
    // command in one transaction, then the config names the command and the old key file goes.
    crypto::CommandMasterKey kms(o.kms_command);
    auto n = keys.RotateMaster(kms);
    if (!n.ok()) return Fail(n.error());
    // The file as written (not the --db override of this run).
    auto data_dir = config::DataDirOf(o.where);
    if (!data_dir.ok()) return Fail(data_dir.error());
    auto next = config::Load(*data_dir);
    if (!next.ok()) return Fail(next.error());
    next->kms_command = o.kms_command;
    if (auto st = config::Save(*next); !st.ok()) return Fail(st.error());
    std::error_code ec;
    if (cfg.kms_command.empty()) fs::remove(cfg.MasterKeyPath(), ec);
    std::cout << "データ鍵 " << *n << " 個を KMS コマンドで再ラップし、設定 kms_command に登録しました"
              << (cfg.kms_command.empty() ? "（マスター鍵ファイル " + cfg.MasterKeyPath() + " は削除しました）" : "")
              << "。稼働中のサーバは再起動してください。\n";
    (*rt)->witness->Flush();
    return 0;
  }
  if (!cfg.kms_command.empty()) {
    // The KMS rotates its own key; re-wrapping through it moves every data key to its newest.
    crypto::CommandMasterKey kms(cfg.kms_command);
    auto n = keys.RotateMaster(kms);
    if (!n.ok()) return Fail(n.error());
    std::cout << "データ鍵 " << *n << " 個を KMS で再ラップしました。\n";
    (*rt)->witness->Flush();
    return 0;
  }
  // New key file beside the old one; the ring is re-wrapped in one transaction; then the new
  // file replaces the old by a rename. A crash between the two is finished at the next start.
  const std::string path = cfg.MasterKeyPath(), next_path = path + ".new";
  std::error_code ec;
  fs::remove(next_path, ec);
  if (auto st = crypto::FileMasterKey::Generate(next_path); !st.ok()) return Fail(st.error());
  auto next = crypto::FileMasterKey::Load(next_path);
  if (!next.ok()) return Fail(next.error());
  auto n = keys.RotateMaster(**next);
  if (!n.ok()) {
    fs::remove(next_path, ec);
    return Fail(n.error());
  }
  fs::rename(next_path, path, ec);
  if (ec) return Fail(Error::Internal("新しいマスター鍵を " + path + " に置けません: " + ec.message()));
  std::cout << "データ鍵 " << *n << " 個を新しいマスター鍵 " << (*next)->id() << " で再ラップし、" << path
            << " を置き換えました。古いマスター鍵はもう使われません（その複製も破棄してください）。\n";
  (*rt)->witness->Flush();
  return 0;
}

int Reseal(const KeysOptions& o) {
  auto rt = OpenRuntime(o.where, o.db);
  if (!rt.ok()) return Fail(rt.error());
  domain::KeyService keys(*(*rt)->env);
  auto r = keys.Reseal(o.batch);
  if (!r.ok()) return Fail(r.error());
  std::cout << "再暗号化（データ鍵 " << r->key_id << "）: 情報資産 " << r->assets_rewritten << " 件 / 確認 "
            << r->assets_checked << " 件、TOTP 秘密鍵 " << r->secrets_rewritten << " 件\n";
  (*rt)->witness->Flush();
  return 0;
}

}  // namespace

std::function<int()> AddKeysCommand(CLI::App& app) {
  auto o = std::make_shared<KeysOptions>();
  auto* keys = app.add_subcommand("keys", "sealing keys: status, rotate-data, rotate-master, reseal (docs/sealing.md)");
  keys->require_subcommand(1);
  auto add = [&](const char* name, const char* help) {
    auto* sub = keys->add_subcommand(name, help);
    auto* data = sub->add_option("--data", o->where.data_dir, "data directory");
    auto* file = sub->add_option("--config", o->where.file,
                                 "service configuration naming the data directory (data_dir)");
    data->excludes(file);
    sub->add_option("--db", o->db, "override the configured database URL");
    return sub;
  };
  auto* status = add("status", "show the master key and the data keys");
  auto* rotate_data = add("rotate-data", "add a new current data key (old values stay readable)");
  rotate_data->add_flag("--reseal", o->reseal, "then re-seal every sealed value under the new key");
  rotate_data->add_option("--batch", o->batch, "assets per transaction of the re-seal");
  auto* rotate_master = add("rotate-master", "re-wrap every data key under a new master key, without downtime");
  rotate_master->add_option("--kms-command", o->kms_command,
                            "move the ring to this KMS command (wrap/unwrap via stdin/stdout) and name it in the config");
  auto* reseal = add("reseal", "re-seal every value under the current key and the pack's present rules");
  reseal->add_option("--batch", o->batch, "assets per transaction");
  return [=]() -> int {
    if (status->parsed()) return ShowStatus(*o);
    if (rotate_data->parsed()) return RotateData(*o);
    if (rotate_master->parsed()) return RotateMaster(*o);
    if (reseal->parsed()) return Reseal(*o);
    return -1;
  };
}

}  // namespace mamori::cli
