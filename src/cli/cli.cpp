#include "cli/cli.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <iostream>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "common/log.hpp"

#include "auth/password_rules.hpp"
#include "cli/backup_cmd.hpp"
#include "cli/demo.hpp"
#include "cli/install_paths.hpp"
#include "cli/keys_cmd.hpp"
#include "cli/runtime.hpp"
#include "cli/version.hpp"
#include "policy/coverage.hpp"
#include "common/crypto.hpp"
#include "domain/auth_service.hpp"
#include "domain/mailer.hpp"
#include "http/pipeline.hpp"
#include "common/net.hpp"
#include "http/server.hpp"

namespace mamori::cli {
namespace {

int Fail(const Error& e) {
  std::cerr << "mamori: " << e.detail << "\n";
  for (const auto& f : e.fields)
    if (e.detail.find(f.field) == std::string::npos) std::cerr << "  " << f.field << ": " << f.code << "\n";
  return 1;
}

int RunInit(InitOptions o) {
  auto data_dir = config::DataDirOf({.data_dir = o.data_dir, .file = o.config_file});
  if (!data_dir.ok()) return Fail(data_dir.error());
  auto pack = policy::LoadPackFile(o.policy_file.empty() ? DefaultPolicyPath() : o.policy_file);
  if (!pack.ok()) return Fail(pack.error());
  const auto rules = domain::RulesOf(pack->auth.password);
  bool generated = false;
  if (isatty(STDIN_FILENO)) {
    o.admin_password = auth::GenerateTemporaryPassword(rules, o.admin_login);
    generated = true;
  } else {
    std::getline(std::cin, o.admin_password);
    if (!o.admin_password.empty() && o.admin_password.back() == '\r') o.admin_password.pop_back();
    // Even a temporary password meets the pack's rules (kobe:8.2.6ウ).
    auto broken = auth::CheckPassword(rules, o.admin_password, o.admin_login, "");
    if (!broken.empty()) {
      Error e{ErrorCode::kPasswordRejected, "標準入力のパスワードが規則を満たしていません", {}, broken};
      return Fail(e);
    }
  }
  bool approver_generated = false;
  if (!o.approver_login.empty()) {
    if (generated) {
      o.approver_password = auth::GenerateTemporaryPassword(rules, o.approver_login);
      approver_generated = true;
    } else {
      // The second line of standard input.
      std::getline(std::cin, o.approver_password);
      if (!o.approver_password.empty() && o.approver_password.back() == '\r') o.approver_password.pop_back();
      auto broken = auth::CheckPassword(rules, o.approver_password, o.approver_login, "");
      if (!broken.empty()) {
        Error e{ErrorCode::kPasswordRejected, "標準入力（2行目）のパスワードが規則を満たしていません", {}, broken};
        return Fail(e);
      }
    }
  }
  if (auto st = Init(o); !st.ok()) return Fail(st.error());
  std::cout << "initialised " << std::filesystem::absolute(*data_dir).lexically_normal().string() << "\n"
            << "administrator: " << o.admin_login << " (infrastructure_manager, security_manager)\n";
  if (generated) std::cout << "temporary password: " << o.admin_password << "  (change it at first login)\n";
  std::ifstream pub(std::filesystem::path(*data_dir) / "keys/log_signing.pub.pem");
  std::stringstream pem;
  pem << pub.rdbuf();
  std::cout << "operation-log signing key: " << audit::KeyIdOf(pem.str()) << "\n"
            << "  fingerprint sha256:" << crypto::Sha256Hex(pem.str()) << "\n"
            << "  Keep this fingerprint (or a copy of keys/log_signing.pub.pem) off this server and verify with\n"
            << "  mamori log verify --key-id <fingerprint> (or --public-key <copy>).\n";
  if (!o.approver_login.empty()) {
    std::cout << "approver: " << o.approver_login << " (approves second-person role grants)\n";
    if (approver_generated)
      std::cout << "temporary password: " << o.approver_password << "  (change it at first login)\n";
  }
  return 0;
}

// Refuses a data or witness directory others may read or enter (0700, files 0600).
bool ModesAreTight(const std::vector<std::string>& dirs) {
  bool ok = true;
  for (const auto& d : dirs) {
    if (!std::filesystem::exists(d)) continue;
    for (const auto& loose : LooseModes(d)) {
      if (ok) std::cerr << "mamori: files of the data directory must be owner-only (directories 0700, files 0600):\n";
      std::cerr << "  " << loose << "\n";
      ok = false;
    }
  }
  if (!ok) std::cerr << "  fix: chmod -R go-rwx <dir>\n";
  return ok;
}

void PrintBroken(const audit::VerifyReport& rep) {
  std::cout << "TAMPERED: first bad seq " << rep.first_bad_seq << " (" << rep.reason << ")\n";
  if (rep.witness_read) std::cout << "last witnessed seq " << rep.last_witnessed_seq << "\n";
}

// notify (issue 9): the mail sender of `serve`, or null when no relay is configured.
Result<std::unique_ptr<domain::Mailer>> StartMailer(Runtime& r) {
  if (r.cfg.smtp_url.empty()) return std::unique_ptr<domain::Mailer>();
  domain::MailSettings s;
  s.smtp_url = r.cfg.smtp_url;
  s.from = r.cfg.smtp_from;
  s.user = r.cfg.smtp_user;
  s.tls = r.cfg.smtp_tls;
  s.retry_micros = r.cfg.smtp_retry_seconds * kMicrosPerSecond;
  if (!r.cfg.smtp_password_file.empty()) {
    std::ifstream in(r.cfg.smtp_password_file);
    if (!in || !std::getline(in, s.password))
      return Error::Validation("smtp_password_file", "unreadable",
                               "smtp_password_file を読み込めません: " + r.cfg.smtp_password_file);
    if (!s.password.empty() && s.password.back() == '\r') s.password.pop_back();
  }
  auto transport = domain::SmtpTransport(s);
  auto m = std::make_unique<domain::Mailer>(*r.db, r.env->clock, std::move(s), std::move(transport));
  m->Start();
  spdlog::info("mail: sending notifications through {}", r.cfg.smtp_url);
  return m;
}

int RunServe(const config::Location& where, const std::string& db, std::string listen, std::string web_dir,
             const std::string& accept_broken) {
  // Signals are taken by a dedicated thread with sigwait, so Stop() runs in normal context.
  // Blocked before any thread starts (the witness's, the verifier's), so all inherit it.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  {
    auto cfg = config::Load(where);
    if (!cfg.ok()) return Fail(cfg.error());
    if (!ModesAreTight({cfg->data_dir, cfg->WitnessDir()})) return 1;
    log::SetFormat(*log::ParseFormat(cfg->log_format));  // checked at load
  }
  auto rt = OpenRuntime(where, db);
  if (!rt.ok()) return Fail(rt.error());
  Runtime& r = **rt;
  // The chain since the newest checkpoint, and the witnessed head, before serving anything.
  {
    auto rep = r.app->logs.Check(/*tail_only=*/true);
    if (!rep.ok()) return Fail(rep.error());
    if (!rep->ok) {
      PrintBroken(*rep);
      if (accept_broken.empty()) {
        std::cerr << "mamori: the operation log is broken; not serving. Investigate with `mamori log verify`; to "
                     "serve anyway, give the reason: serve --accept-broken-log \"REASON\" (it is logged)\n";
        return 1;
      }
      if (auto st = r.app->logs.AcceptBroken(accept_broken, *rep); !st.ok()) return Fail(st.error());
      spdlog::warn("serving on a broken operation log (first bad seq {}): {}", rep->first_bad_seq, accept_broken);
    }
  }
  // notify (issue 9): the mail sender drains the outbox when smtp_url is set (docs/notifications.md).
  auto started = StartMailer(r);
  if (!started.ok()) return Fail(started.error());
  std::unique_ptr<domain::Mailer> mailer = std::move(*started);
  if (listen.empty()) listen = r.cfg.listen;
  auto hp = config::ParseListen(listen);
  if (!hp.ok()) return Fail(hp.error());
  if (web_dir.empty()) web_dir = DefaultWebDir();
  if (!web_dir.empty() && std::filesystem::exists(web_dir + "/index.html")) {
    r.app->web_dir = web_dir;
  } else {
    spdlog::warn("no built front end at '{}': serving the API only", web_dir);
  }
  std::vector<net::IpNetwork> proxies;
  for (const auto& p : r.cfg.trusted_proxies) proxies.push_back(*net::ParseNetwork(p));  // checked at load
  http::Router routes = http::ApiRoutes(&r.pack);
  r.app->openapi_json = http::OpenApiDocument(routes, &r.pack);
  const std::vector<std::string> upload_paths = http::UploadPaths(routes);
  http::Pipeline pipeline(*r.app, std::move(routes), std::move(proxies));
  http::ServerOptions opts;
  opts.host = hp->first;
  opts.port = hp->second;
  opts.cert_file = r.cfg.TlsCert();
  opts.key_file = r.cfg.TlsKey();
  opts.threads = r.cfg.threads;
  opts.max_body_bytes = static_cast<size_t>(r.cfg.max_body_kib) * 1024;
  opts.max_upload_bytes = static_cast<size_t>(r.cfg.max_upload_kib) * 1024;
  opts.upload_paths = upload_paths;
  http::Server server(opts, [&](api::Request& req) { return pipeline.Handle(req); });

  auto port = server.Start();
  if (!port.ok()) return Fail(port.error());
  std::cout << "mamori serving " << r.pack.title << " (" << r.pack.pack << " " << r.pack.version << ") at https://"
            << (opts.host.find(':') != std::string::npos ? "[" + opts.host + "]" : opts.host) << ":" << *port << "/"
            << std::endl;
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    spdlog::info("signal {}: stopping", sig);
    server.Stop();
  });
  // Background work: approved requests past their date expire (at start and every ten
  // minutes); the counts of refusal windows that have closed are written (every five seconds).
  std::mutex sweep_mu;
  std::condition_variable sweep_cv;
  bool stopping = false;
  std::thread sweeper([&] {
    std::unique_lock lock(sweep_mu);
    auto next_expiry = std::chrono::steady_clock::now();
    auto next_deadlines = next_expiry;
    do {
      lock.unlock();
      if (std::chrono::steady_clock::now() >= next_expiry) {
        if (auto n = r.app->requests.ExpireDue(); n.ok() && *n > 0) spdlog::info("{} requests expired", *n);
        next_expiry = std::chrono::steady_clock::now() + std::chrono::minutes(10);
      }
      if (std::chrono::steady_clock::now() >= next_deadlines) {
        // Workflow deadlines of the registers: each passed one handled once (docs/registers.md).
        if (auto n = r.app->registers.RunDeadlines(); !n.ok()) spdlog::error("deadlines: {}", n.error().detail);
        else if (*n > 0) spdlog::info("{} register deadlines handled", *n);
        next_deadlines = std::chrono::steady_clock::now() + std::chrono::seconds(r.cfg.deadline_check_seconds);
      }
      if (auto n = r.app->refusals.Flush(); !n.ok()) spdlog::error("refusal counts not written: {}", n.error().detail);
      lock.lock();
    } while (!sweep_cv.wait_for(lock, std::chrono::seconds(std::min(5, r.cfg.deadline_check_seconds)),
                                [&] { return stopping; }));
  });
  // The whole chain, in the background: at start and every hour; /readyz and /metrics report it.
  std::thread verifier([&] {
    std::unique_lock lock(sweep_mu);
    do {
      lock.unlock();
      auto rep = r.app->logs.Check(/*tail_only=*/false);
      if (!rep.ok()) spdlog::error("operation log check: {}", rep.error().detail);
      else if (!rep->ok) spdlog::error("operation log broken: first bad seq {} ({})", rep->first_bad_seq, rep->reason);
      else spdlog::info("operation log intact: {} entries", rep->entries);
      lock.lock();
    } while (!sweep_cv.wait_for(lock, std::chrono::hours(1), [&] { return stopping; }));
  });
  auto backups = StartScheduledBackups(r.cfg, db);  // backup_dir of the config (docs/backup.md)
  server.Run();
  if (mailer) mailer->Stop();
  backups->Stop();
  {
    std::lock_guard lock(sweep_mu);
    stopping = true;
  }
  sweep_cv.notify_all();
  sweeper.join();
  verifier.join();
  // Refusals still being counted are written before the log is sealed.
  if (auto n = r.app->refusals.Flush(true); !n.ok()) spdlog::error("refusal counts not written: {}", n.error().detail);
  // Seal the log head so the last entries are covered by a signature.
  (void)r.db->Write([&](storage::Connection& c) { return r.log->Checkpoint(c); });
  r.witness->Flush();
  if (waiter.joinable()) {
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
  }
  return 0;
}

int RunDemo(const config::Location& where) {
  auto dir = config::DataDirOf(where);
  if (!dir.ok()) return Fail(dir.error());
  const std::string& data_dir = *dir;
  if (!std::filesystem::exists(data_dir + "/mamori.yaml")) {
    InitOptions o;
    o.data_dir = data_dir;
    o.config_file = where.file;
    o.admin_login = "admin";
    auto pack = policy::LoadPackFile(DefaultPolicyPath());
    if (!pack.ok()) return Fail(pack.error());
    o.admin_password = auth::GenerateTemporaryPassword(domain::RulesOf(pack->auth.password), "admin");
    if (auto st = Init(o); !st.ok()) return Fail(st.error());
    std::cout << "initialised " << data_dir << "\n  admin  初期管理者  infrastructure_manager+security_manager  "
              << o.admin_password << "\n";
  }
  auto rt = OpenRuntime(where, "");
  if (!rt.ok()) return Fail(rt.error());
  auto logins = BuildDemoCity(**rt);
  if (!logins.ok()) return Fail(logins.error());
  // Seal what the demo wrote, so a fresh data directory verifies with a signed checkpoint.
  if (auto st = (*rt)->db->Write([&](storage::Connection& c) { return (*rt)->log->Checkpoint(c); }); !st.ok())
    return Fail(st.error());
  std::cout << "demo city created. Sign in with these IDs and temporary passwords; each must be changed at\n"
               "first login, and every account enrols an authenticator app (TOTP), as the pack requires.\n";
  for (const auto& l : *logins)
    std::cout << "  " << l.login_id << "  " << l.name << "  " << l.role << "  " << l.temporary_password << "\n";
  return 0;
}

struct VerifyOptions {
  config::Location where;
  std::string db, public_key_file, key_id, witness_dir;
};

// Reads the data directory's log with the trusted key: the pinned one (--public-key or
// --key-id) or, with a warning, the one beside the database.
int RunVerify(const VerifyOptions& o) {
  auto rt = OpenRuntime(o.where, o.db, /*witness=*/false);
  if (!rt.ok()) return Fail(rt.error());
  Runtime& r = **rt;
  if (!ModesAreTight({r.cfg.data_dir})) std::cerr << "mamori: warning: loose file modes (see above)\n";
  audit::SigningKey trusted{"", "", r.log->key().public_pem};
  std::string how;
  if (!o.public_key_file.empty()) {
    std::ifstream in(o.public_key_file, std::ios::binary);
    if (!in) return Fail(Error::Validation("public-key", "unreadable", "cannot read " + o.public_key_file));
    std::stringstream ss;
    ss << in.rdbuf();
    trusted.public_pem = ss.str();
    if (!crypto::EcKey::FromPublicPem(trusted.public_pem).ok())
      return Fail(Error::Validation("public-key", "invalid", o.public_key_file + " is not an EC public key (PEM)"));
    how = "pinned by --public-key " + o.public_key_file;
  } else if (!o.key_id.empty()) {
    std::string want = o.key_id;
    if (want.rfind("sha256:", 0) == 0) want = want.substr(7);
    std::transform(want.begin(), want.end(), want.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (want.size() < 16 || want.size() > 64 || want.find_first_not_of("0123456789abcdef") != std::string::npos)
      return Fail(Error::Validation("key-id", "invalid", "--key-id は鍵の指紋（16〜64 桁の16進数）です"));
    const std::string have = crypto::Sha256Hex(trusted.public_pem);
    if (have.compare(0, want.size(), want) != 0) {
      std::cout << "TAMPERED: first bad seq 1 (the data directory's signing key " << audit::KeyIdOf(trusted.public_pem)
                << " is not the pinned key " << want.substr(0, 16) << ": nothing it signed can be trusted)\n";
      return 1;
    }
    how = "pinned by --key-id";
  } else {
    std::cerr << "mamori: warning: trusting the key beside the database (keys/log_signing.pub.pem); anyone who can "
                 "write the data directory can replace it. Pin it: --public-key FILE or --key-id FINGERPRINT\n";
    how = "NOT pinned: read from the data directory";
  }
  trusted.key_id = audit::KeyIdOf(trusted.public_pem);
  audit::OperationLog verifier(SystemClock::Instance(), trusted, r.cfg.checkpoint_every,
                               r.cfg.checkpoint_interval_seconds);
  const std::string witness_dir = o.witness_dir.empty() ? r.cfg.WitnessDir() : o.witness_dir;
  auto witness = audit::ReadWitness(witness_dir);
  if (!witness.ok()) return Fail(witness.error());
  if (!witness->exists)
    std::cerr << "mamori: warning: no witness at " << witness_dir << "/" << audit::kWitnessFile
              << ": entries cut off after the newest checkpoint cannot be seen\n";
  audit::VerifyInput in;
  in.witness = &*witness;
  auto rep = r.db->Read([&](storage::Connection& c) { return verifier.Verify(c, in); });
  if (!rep.ok()) return Fail(rep.error());
  std::cout << "trusted key " << rep->key_id << " (" << how << ")\n";
  if (rep->witness_ignored > 0)
    std::cerr << "mamori: warning: " << rep->witness_ignored << " witness line(s) torn or not signed by the trusted key: ignored\n";
  if (rep->ok) {
    std::cout << "ok: " << rep->entries << " entries, " << rep->checkpoints << " signed checkpoints, head "
              << rep->head << "\n";
    if (witness->exists)
      std::cout << "witness " << witness_dir << "/" << audit::kWitnessFile << ": last witnessed seq "
                << rep->last_witnessed_seq << "\n";
    return 0;
  }
  PrintBroken(*rep);
  return 1;
}

// Test sources under the source tree, for the coverage report.
std::map<std::string, std::string> TestFiles(const std::string& root) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> out;
  for (const char* dir : {"src", "tests"}) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(fs::path(root) / dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      const std::string path = it->path().string();
      if (path.find("node_modules") != std::string::npos || !it->is_regular_file()) continue;
      const std::string name = it->path().filename().string();
      const bool test = name.ends_with("_test.cpp") || (std::string(dir) == "tests" &&
                                                        (name.ends_with(".cpp") || name.ends_with(".mjs")));
      if (!test) continue;
      std::ifstream in(path);
      std::stringstream ss;
      ss << in.rdbuf();
      out[fs::relative(it->path(), root).string()] = ss.str();
    }
  }
  return out;
}

int RunPolicyCoverage(const std::string& file, const std::string& source) {
  auto pack = policy::LoadPackFile(file);
  if (!pack.ok()) {
    std::cerr << pack.error().detail << "\n";
    return 1;
  }
  const auto rep = policy::Coverage(*pack, TestFiles(source));
  // The documents cited, each with its prefix and how many of its clauses the pack accounts for.
  auto count = [&](const std::string& prefix) {
    auto it = rep.by_source.find(prefix);
    return it == rep.by_source.end() ? 0 : it->second;
  };
  std::cout << "source\ttitle\tclauses\n" << pack->pack << "\t" << pack->title << "\t" << count(pack->pack) << "\n";
  for (const auto& s : pack->sources) std::cout << s.prefix << "\t" << s.title << "\t" << count(s.prefix) << "\n";
  std::cout << "\nclause\thandling\tused by\ttests\n";
  for (const auto& c : rep.clauses) {
    std::string used, tests;
    for (const auto& s : c.sources) used += (used.empty() ? "" : ", ") + s;
    for (const auto& t : c.tests) tests += (tests.empty() ? "" : ", ") + t;
    std::cout << c.citation << "\t" << c.handling << "\t" << used << "\t" << (tests.empty() ? "-" : tests) << "\n";
  }
  std::cout << "\n" << rep.clauses.size() << " clauses:";
  for (const auto& [h, n] : rep.by_handling) std::cout << " " << h << " " << n << ";";
  std::cout << " cited by tests " << rep.with_tests << "\n";
  return 0;
}

int RunPolicyCheck(const std::string& file) {
  auto pack = policy::LoadPackFile(file);
  if (!pack.ok()) {
    std::cerr << pack.error().detail << "\n";
    return 1;
  }
  std::cout << file << ": ok (" << pack->pack << " " << pack->version << ", " << pack->roles.size() << " roles)\n";
  return 0;
}

// `--data DIR` or `--config FILE` (exactly one; config::DataDirOf says which is missing).
void AddLocation(CLI::App* cmd, config::Location& where) {
  auto* data = cmd->add_option("--data", where.data_dir, "data directory (its mamori.yaml is the configuration)");
  auto* file = cmd->add_option("--config", where.file,
                               "service configuration naming the data directory (data_dir), e.g. /etc/mamori/mamori.yaml");
  data->excludes(file);
}

}  // namespace

int Main(int argc, char** argv) {
  crypto::EnsureInitialized();
  // Everything mamori creates (database, WAL, keys, witness) is owner-only whatever the umask.
  umask(077);
  CLI::App app{"mamori — 情報セキュリティポリシー運用基盤"};
  app.set_version_flag("--version", "mamori " + Version());
  app.require_subcommand(1);
  std::string db, admin, policy_file, listen, web_dir, file;
  // --data DIR or --config FILE of the command run (AddLocation). `data_dir` is for a command
  // that takes only --data; give new commands AddLocation instead.
  config::Location where;
  std::string data_dir;

  auto* init = app.add_subcommand("init", "create the database, keys, certificate and first administrator");
  AddLocation(init, where);
  init->add_option("--admin", admin, "login ID of the first administrator")->required();
  init->add_option("--db", db, "sqlite:PATH or postgresql:// URL (default: SQLite under --data)");
  init->add_option("--policy", policy_file, "policy pack (default: the Kobe pack installed with mamori)");
  std::string approver;
  init->add_option("--approver", approver,
                   "login ID of a second person who approves grants of second-person roles (optional)");

  std::string accept_broken;
  VerifyOptions vo;
  auto* serve = app.add_subcommand("serve", "serve the API and web UI over HTTPS");
  AddLocation(serve, where);
  serve->add_option("--listen", listen, "HOST:PORT (default 127.0.0.1:8443)");
  serve->add_option("--db", db, "override the configured database URL");
  serve->add_option("--web", web_dir, "built front end directory (default: share/mamori/web beside the binary)");
  serve->add_option("--accept-broken-log", accept_broken,
                    "serve although the operation log fails its start check; the reason is logged");

  auto* demo = app.add_subcommand("demo", "create a fictional city with people in every role");
  AddLocation(demo, where);

  auto* log = app.add_subcommand("log", "operation log tools");
  log->require_subcommand(1);
  auto* verify = log->add_subcommand("verify", "verify the hash chain and signed checkpoints");
  AddLocation(verify, where);
  verify->add_option("--db", db, "override the configured database URL");
  auto* pk = verify->add_option("--public-key", vo.public_key_file, "trust only this public key (PEM), kept off the server");
  verify->add_option("--key-id", vo.key_id, "trust only the key with this fingerprint (printed by init)")->excludes(pk);
  verify->add_option("--witness", vo.witness_dir, "witness directory (default: witness_dir of the config)");

  auto* pol = app.add_subcommand("policy", "policy pack tools");
  pol->require_subcommand(1);
  auto* check = pol->add_subcommand("check", "validate a policy pack");
  check->add_option("FILE", file, "pack file")->required();

  auto* coverage = pol->add_subcommand("coverage", "list every clause of a pack, how mamori handles it and which tests cite it");
  std::string coverage_file = DefaultPolicyPath(), source_dir = ".";
  coverage->add_option("FILE", coverage_file, "pack file (default: the Kobe pack installed with mamori)");
  coverage->add_option("--source", source_dir, "source tree whose tests are searched (default: the current directory)");

  auto backup_cmds = AddBackupCommands(app);

  auto run_keys = AddKeysCommand(app);

  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::info);
  log::SetFormat(*log::ParseFormat("auto"));
  if (int rc = RunBackupCommands(*backup_cmds); rc >= 0) return rc;
  if (const int rc = run_keys(); rc >= 0) return rc;
  if (*init)
    return RunInit({.data_dir = where.data_dir, .admin_login = admin, .db_url = db, .policy_file = policy_file,
                    .admin_password = "", .approver_login = approver, .approver_password = "",
                    .config_file = where.file});
  if (*serve) return RunServe(where, db, listen, web_dir, accept_broken);
  if (*demo) return RunDemo(where);
  if (*verify) {
    vo.where = where;
    vo.db = db;
    return RunVerify(vo);
  }
  if (*check) return RunPolicyCheck(file);
  if (*coverage) return RunPolicyCoverage(coverage_file, source_dir);
  return 2;
}

}  // namespace mamori::cli
