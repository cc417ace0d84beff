#include "cli/runtime.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "audit/actions.hpp"
#include "cli/install_paths.hpp"
#include "common/crypto.hpp"
#include "common/keyring.hpp"
#include "domain/directory_service.hpp"
#include "domain/key_service.hpp"
#include "storage/key_repo.hpp"
#include "storage/migrations.hpp"
#include "storage/repos.hpp"

namespace mamori::cli {
namespace fs = std::filesystem;
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Internal("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Secrets are written owner-only before any byte lands in them.
Status WriteSecret(const std::string& path, const std::string& data) {
  const mode_t old = umask(077);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  umask(old);
  if (!out) return Error::Internal("cannot write " + path);
  out << data;
  out.close();
  if (!out) return Error::Internal("cannot write " + path);
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  return Ok();
}

// The ring of an opened database (docs/sealing.md). A directory whose ring does not exist yet
// gets its master key file (unless a KMS wraps) and its first data key — the old raw
// keys/data.key when there is one, which is removed once the ring holds it.
Status OpenSealing(Runtime& rt, bool writes) {
  const config::Config& cfg = rt.cfg;
  const std::string legacy_path = cfg.KeyDir() + "/data.key";
  MAMORI_ASSIGN(int64_t stored, rt.db->Read([&](storage::Connection& c) -> Result<int64_t> {
    MAMORI_ASSIGN(auto keys, storage::DataKeyRepo(c).List());
    return static_cast<int64_t>(keys.size());
  }));
  std::shared_ptr<const crypto::MasterKey> master;
  if (!cfg.kms_command.empty()) {
    master = std::make_shared<crypto::CommandMasterKey>(cfg.kms_command);
  } else {
    const std::string path = cfg.MasterKeyPath();
    if (!fs::exists(path)) {
      // `log verify` (no writes) checks hashes and signatures only: it runs where the master key
      // is not, e.g. on a restored copy before the key is put back, and opens no sealed value.
      if (stored > 0 && !writes) return Ok();
      if (stored > 0)
        return Error::Internal("マスター鍵ファイルがありません: " + path +
                               "（データ鍵を開けません。設定 master_key_file または kms_command を確認してください）");
      if (!writes) return Ok();  // a read-only tool on a directory never started since sealing came
      MAMORI_TRY(crypto::FileMasterKey::Generate(path));
    }
    MAMORI_ASSIGN(auto key, crypto::FileMasterKey::Load(path));
    master = std::move(key);
  }
  rt.env->sealer = std::make_shared<domain::Sealer>(master);
  rt.env->sealer->ReloadFrom(rt.db.get());
  std::string legacy;
  if (stored == 0 && fs::exists(legacy_path)) {
    if (!writes) return Ok();
    MAMORI_ASSIGN(std::string b64, ReadFile(legacy_path));
    while (!b64.empty() && (b64.back() == '\n' || b64.back() == '\r')) b64.pop_back();
    auto raw = crypto::Base64Decode(b64);
    if (!raw || raw->size() != crypto::kAesKeySize) return Error::Internal("keys/data.key is damaged");
    legacy = std::move(*raw);
  }
  if (stored == 0 && !writes) return Ok();
  // Entry 1 of the log is system.init: `mamori init` makes the ring after writing it.
  MAMORI_ASSIGN(auto head, rt.db->Read([](storage::Connection& c) { return storage::AuditRepo(c).Head(); }));
  if (stored == 0 && head.first == 0) return Ok();
  domain::KeyService keys(*rt.env);
  auto opened = keys.Open(legacy);
  if (!opened.ok() && cfg.kms_command.empty() && fs::exists(cfg.MasterKeyPath() + ".new")) {
    // `keys rotate-master` re-wrapped the ring and stopped before renaming the new key file
    // into place: finish it.
    MAMORI_ASSIGN(auto next, crypto::FileMasterKey::Load(cfg.MasterKeyPath() + ".new"));
    std::shared_ptr<const crypto::MasterKey> next_master = std::move(next);
    rt.env->sealer = std::make_shared<domain::Sealer>(next_master);
    rt.env->sealer->ReloadFrom(rt.db.get());
    MAMORI_TRY(domain::KeyService(*rt.env).Open());
    fs::rename(cfg.MasterKeyPath() + ".new", cfg.MasterKeyPath());
    opened = Ok();
  }
  MAMORI_TRY(opened);
  // The raw key now lives only wrapped in the ring.
  if (writes && fs::exists(legacy_path)) fs::remove(legacy_path);
  return Ok();
}

}  // namespace

std::string DefaultPolicyPath() { return ShareDir() + "/policy/kobe.yaml"; }

std::vector<std::string> LooseModes(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  auto loose = [&](const fs::path& p) {
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0) return;
    if (st.st_mode & 077) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
      out.push_back(p.string() + " (" + mode + ")");
    }
  };
  loose(dir);
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (!it->is_symlink()) loose(it->path());
  return out;
}

void TightenModes(const std::string& dir) {
  std::error_code ec;
  fs::permissions(dir, fs::perms::owner_all, ec);
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_symlink()) continue;
    std::error_code e2;
    fs::permissions(it->path(),
                    it->is_directory() ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_write, e2);
  }
}

Result<std::unique_ptr<Runtime>> OpenRuntime(const std::string& data_dir, const std::string& db_override,
                                             bool witness) {
  return OpenRuntime(config::Location{.data_dir = data_dir, .file = ""}, db_override, witness);
}

Result<std::unique_ptr<Runtime>> OpenRuntime(const config::Location& where, const std::string& db_override,
                                             bool witness) {
  auto rt = std::make_unique<Runtime>();
  MAMORI_ASSIGN(rt->cfg, config::Load(where));
  if (!db_override.empty()) rt->cfg.db_url = db_override;
  MAMORI_ASSIGN(rt->pack, policy::LoadPackFile(rt->cfg.policy_file));
  audit::SigningKey key;
  MAMORI_ASSIGN(key.private_pem, ReadFile(rt->cfg.KeyDir() + "/log_signing.pem"));
  MAMORI_ASSIGN(key.public_pem, ReadFile(rt->cfg.KeyDir() + "/log_signing.pub.pem"));
  key.key_id = audit::KeyIdOf(key.public_pem);
  MAMORI_ASSIGN(rt->db, storage::Database::Open(rt->cfg.db_url, 32));
  MAMORI_TRY(storage::Migrate(*rt->db));
  rt->log = std::make_unique<audit::OperationLog>(SystemClock::Instance(), std::move(key), rt->cfg.checkpoint_every,
                                                 rt->cfg.checkpoint_interval_seconds);
  if (witness) {
    rt->witness = std::make_unique<audit::Witness>(SystemClock::Instance(), rt->log->key().private_pem,
                                                   rt->log->key().key_id,
                                                   audit::Witness::Options{rt->cfg.WitnessDir(), rt->cfg.witness_syslog});
    MAMORI_TRY(rt->witness->Open());
    rt->log->Attach(*rt->db, rt->witness.get());
  }
  rt->env = std::make_unique<domain::Env>(
      domain::Env{*rt->db, rt->pack, *rt->log, SystemClock::Instance(), std::make_shared<domain::Sealer>()});
  MAMORI_TRY(OpenSealing(*rt, witness));
  rt->env->sign_in.throttle_failures = rt->cfg.login_throttle_failures;
  rt->env->sign_in.throttle_window_seconds = rt->cfg.login_throttle_window_seconds;
  if (!rt->cfg.breached_passwords.empty()) {
    MAMORI_ASSIGN(rt->env->sign_in.breached, auth::BreachedPasswords::Load(rt->cfg.breached_passwords));
  }
  // notify (issue 9): outbox rows are written only when there is a relay to send them.
  rt->env->notify.mail = !rt->cfg.smtp_url.empty();
  rt->env->notify.public_url = rt->cfg.public_url;
  if (const size_t at = rt->cfg.smtp_from.rfind('@'); at != std::string::npos)
    rt->env->notify.mail_domain = rt->cfg.smtp_from.substr(at + 1);
  rt->app = std::make_unique<api::App>(*rt->env, rt->cfg.refusal_window_seconds * kMicrosPerSecond);
  rt->app->logs.SetWitness(rt->cfg.WitnessDir(), rt->witness.get());
  // Each register of the pack has its table, created or extended to the pack's fields.
  MAMORI_TRY(rt->app->registers.EnsureTables());
  rt->app->metrics_token = rt->cfg.metrics_token;
  return rt;
}

Status AssignAsSystem(storage::Connection& c, Runtime& rt, const std::string& user_id, const std::string& role,
                      const std::string& scope_type, const std::string& scope_id) {
  storage::RoleAssignmentRecord r{domain::NewId(), user_id, role, scope_type, scope_id, "", "", "",
                                  rt.env->clock.NowMicros(), "system", 0, ""};
  MAMORI_TRY(storage::RoleRepo(c).Insert(r));
  audit::Event e;
  e.actor = "system";
  e.actor_login = "system";
  e.action = audit::action::kRoleAssign;
  e.target = "user:" + user_id;
  e.detail = {{"assignment_id", r.id}, {"role", role}, {"scope_type", scope_type}, {"scope_id", scope_id}};
  return rt.log->Record(c, e);
}

Status Init(const InitOptions& o) {
  config::Config cfg;
  const config::Location where{.data_dir = o.config_file.empty() ? o.data_dir : "", .file = o.config_file};
  MAMORI_ASSIGN(const std::string data_dir, config::DataDirOf(where));
  std::string service_db;  // the database the service file names (or its default)
  if (!o.config_file.empty()) {
    MAMORI_ASSIGN(const config::Config service, config::ReadServiceFile(o.config_file));  // before anything is written
    service_db = service.db_url;
  }
  cfg.data_dir = fs::absolute(data_dir).lexically_normal().string();
  if (fs::exists(cfg.ConfigPath()))
    return Error::Conflict(cfg.data_dir + " は既に初期化されています");
  const std::string policy_src = o.policy_file.empty() ? DefaultPolicyPath() : o.policy_file;
  MAMORI_ASSIGN(policy::PolicyPack pack, policy::LoadPackFile(policy_src));
  std::error_code ec;
  fs::create_directories(cfg.data_dir + "/keys", ec);
  fs::create_directories(cfg.data_dir + "/tls", ec);
  if (ec) return Error::Internal("cannot create " + cfg.data_dir + ": " + ec.message());
  fs::permissions(cfg.data_dir + "/keys", fs::perms::owner_all, ec);
  cfg.policy_file = cfg.data_dir + "/policy.yaml";
  // --db, else the service file's database, so that --data DIR finds the same one.
  cfg.db_url = !o.db_url.empty() ? o.db_url : !service_db.empty() ? service_db : "sqlite:" + cfg.data_dir + "/mamori.db";
  cfg.metrics_token = crypto::Base64UrlEncode(crypto::RandomBytes(32));
  fs::copy_file(policy_src, cfg.policy_file, fs::copy_options::overwrite_existing, ec);
  if (ec) return Error::Internal("cannot copy the policy pack: " + ec.message());

  MAMORI_ASSIGN(auto kp, crypto::GenerateEcP256());
  MAMORI_TRY(WriteSecret(cfg.KeyDir() + "/log_signing.pem", kp.private_pem));
  {
    std::ofstream pub(cfg.KeyDir() + "/log_signing.pub.pem");
    pub << kp.public_pem;
  }
  MAMORI_TRY(crypto::WriteSelfSignedCertificate(cfg.TlsKey(), cfg.TlsCert(), "localhost", 825));
  MAMORI_TRY(config::Save(cfg));

  MAMORI_ASSIGN(auto rt, OpenRuntime(o.config_file.empty() ? config::Location{.data_dir = cfg.data_dir, .file = ""}
                                                           : config::Location{.data_dir = "", .file = o.config_file},
                                     o.db_url));
  domain::DirectoryService dir(*rt->env);
  MAMORI_TRY(rt->db->Write([&](storage::Connection& c) -> Status {
    MAMORI_ASSIGN(auto existing, storage::OrgRepo(c).FindByCode("city"));
    if (existing) return Error::Conflict("このデータベースは既に初期化されています");
    const int64_t now = rt->env->clock.NowMicros();
    storage::OrgUnitRecord city{domain::NewId(), "city", pack.municipality, "city", "", "", "", now};
    MAMORI_TRY(storage::OrgRepo(c).Insert(city));
    audit::Event e;
    e.actor = "system";
    e.actor_login = "system";
    e.action = audit::action::kSystemInit;
    e.target = "org_unit:" + city.id;
    e.detail = {{"pack", pack.pack}, {"pack_version", pack.version}, {"key_id", rt->log->key().key_id}};
    MAMORI_TRY(rt->log->Record(c, e));
    MAMORI_ASSIGN(auto admin, dir.CreateUserAsSystem(c, {o.admin_login, "初期管理者", city.id, "regular", ""},
                                                     o.admin_password));
    for (const char* role : {"infrastructure_manager", "security_manager"})
      MAMORI_TRY(AssignAsSystem(c, *rt, admin.user.id, role, "city", ""));
    if (!o.approver_login.empty()) {
      const policy::RequestType* grants = pack.FindEffect("role_assign");
      if (!grants || grants->approver.scope != "city")
        return Error::Validation("approver", "not_applicable", "このポリシーには市全体で役割付与を承認する役割がありません");
      MAMORI_ASSIGN(auto approver, dir.CreateUserAsSystem(c, {o.approver_login, "初期承認者", city.id, "regular", ""},
                                                          o.approver_password));
      MAMORI_TRY(AssignAsSystem(c, *rt, approver.user.id, grants->approver.role, "city", ""));
    }
    return Ok();
  }));
  MAMORI_TRY(domain::KeyService(*rt->env).Open());
  // Sealed at once, so even a fresh log has a signed checkpoint and a witnessed head.
  MAMORI_TRY(rt->db->Write([&](storage::Connection& c) { return rt->log->Checkpoint(c); }));
  rt->witness->Flush();
  TightenModes(cfg.data_dir);
  return Ok();
}

}  // namespace mamori::cli
