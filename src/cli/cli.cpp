#include "cli/cli.hpp"

#include <signal.h>
#include <unistd.h>

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

#include "auth/password_rules.hpp"
#include "cli/demo.hpp"
#include "cli/runtime.hpp"
#include "policy/coverage.hpp"
#include "common/crypto.hpp"
#include "domain/auth_service.hpp"
#include "http/pipeline.hpp"
#include "common/net.hpp"
#include "http/server.hpp"

#ifndef MAMORI_SOURCE_TREE
#define MAMORI_SOURCE_TREE "."
#endif
#ifndef MAMORI_WEB_DIR
#define MAMORI_WEB_DIR ""
#endif

namespace mamori::cli {
namespace {

int Fail(const Error& e) {
  std::cerr << "mamori: " << e.detail << "\n";
  for (const auto& f : e.fields)
    if (e.detail.find(f.field) == std::string::npos) std::cerr << "  " << f.field << ": " << f.code << "\n";
  return 1;
}

int RunInit(InitOptions o) {
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
  std::cout << "initialised " << std::filesystem::absolute(o.data_dir).lexically_normal().string() << "\n"
            << "administrator: " << o.admin_login << " (infrastructure_manager, security_manager)\n";
  if (generated) std::cout << "temporary password: " << o.admin_password << "  (change it at first login)\n";
  if (!o.approver_login.empty()) {
    std::cout << "approver: " << o.approver_login << " (approves second-person role grants)\n";
    if (approver_generated)
      std::cout << "temporary password: " << o.approver_password << "  (change it at first login)\n";
  }
  return 0;
}

int RunServe(const std::string& data_dir, const std::string& db, std::string listen, std::string web_dir) {
  auto rt = OpenRuntime(data_dir, db);
  if (!rt.ok()) return Fail(rt.error());
  Runtime& r = **rt;
  if (listen.empty()) listen = r.cfg.listen;
  auto hp = config::ParseListen(listen);
  if (!hp.ok()) return Fail(hp.error());
  if (web_dir.empty()) web_dir = MAMORI_WEB_DIR;
  if (!web_dir.empty() && std::filesystem::exists(web_dir + "/index.html")) {
    r.app->web_dir = web_dir;
  } else {
    spdlog::warn("no built front end at '{}': serving the API only", web_dir);
  }
  std::vector<net::IpNetwork> proxies;
  for (const auto& p : r.cfg.trusted_proxies) proxies.push_back(*net::ParseNetwork(p));  // checked at load
  http::Router routes = http::ApiRoutes();
  r.app->openapi_json = http::OpenApiDocument(routes);
  http::Pipeline pipeline(*r.app, std::move(routes), std::move(proxies));
  http::ServerOptions opts;
  opts.host = hp->first;
  opts.port = hp->second;
  opts.cert_file = r.cfg.TlsCert();
  opts.key_file = r.cfg.TlsKey();
  opts.threads = r.cfg.threads;
  opts.max_body_bytes = static_cast<size_t>(r.cfg.max_body_kib) * 1024;
  opts.max_upload_bytes = static_cast<size_t>(r.cfg.max_upload_kib) * 1024;
  opts.upload_paths = http::UploadPaths();
  http::Server server(opts, [&](api::Request& req) { return pipeline.Handle(req); });

  // Signals are taken by a dedicated thread with sigwait, so Stop() runs in normal context.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
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
    do {
      lock.unlock();
      if (std::chrono::steady_clock::now() >= next_expiry) {
        if (auto n = r.app->requests.ExpireDue(); n.ok() && *n > 0) spdlog::info("{} requests expired", *n);
        next_expiry = std::chrono::steady_clock::now() + std::chrono::minutes(10);
      }
      if (auto n = r.app->refusals.Flush(); !n.ok()) spdlog::error("refusal counts not written: {}", n.error().detail);
      lock.lock();
    } while (!sweep_cv.wait_for(lock, std::chrono::seconds(5), [&] { return stopping; }));
  });
  server.Run();
  {
    std::lock_guard lock(sweep_mu);
    stopping = true;
  }
  sweep_cv.notify_all();
  sweeper.join();
  // Refusals still being counted are written before the log is sealed.
  if (auto n = r.app->refusals.Flush(true); !n.ok()) spdlog::error("refusal counts not written: {}", n.error().detail);
  // Seal the log head so the last entries are covered by a signature.
  (void)r.db->Write([&](storage::Connection& c) { return r.log->Checkpoint(c); });
  if (waiter.joinable()) {
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
  }
  return 0;
}

int RunDemo(const std::string& data_dir) {
  if (!std::filesystem::exists(data_dir + "/mamori.yaml")) {
    InitOptions o;
    o.data_dir = data_dir;
    o.admin_login = "admin";
    auto pack = policy::LoadPackFile(DefaultPolicyPath());
    if (!pack.ok()) return Fail(pack.error());
    o.admin_password = auth::GenerateTemporaryPassword(domain::RulesOf(pack->auth.password), "admin");
    if (auto st = Init(o); !st.ok()) return Fail(st.error());
    std::cout << "initialised " << data_dir << "\n  admin  初期管理者  infrastructure_manager+security_manager  "
              << o.admin_password << "\n";
  }
  auto rt = OpenRuntime(data_dir, "");
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

int RunVerify(const std::string& data_dir, const std::string& db) {
  auto rt = OpenRuntime(data_dir, db);
  if (!rt.ok()) return Fail(rt.error());
  auto rep = (*rt)->db->Read([&](storage::Connection& c) { return (*rt)->log->Verify(c); });
  if (!rep.ok()) return Fail(rep.error());
  if (rep->ok) {
    std::cout << "ok: " << rep->entries << " entries, " << rep->checkpoints << " signed checkpoints, head "
              << rep->head << "\n";
    return 0;
  }
  std::cout << "TAMPERED: first bad seq " << rep->first_bad_seq << " (" << rep->reason << ")\n";
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

}  // namespace

int Main(int argc, char** argv) {
  crypto::EnsureInitialized();
  CLI::App app{"mamori — 情報セキュリティポリシー運用基盤"};
  app.require_subcommand(1);
  std::string data_dir, db, admin, policy_file, listen, web_dir, file;

  auto* init = app.add_subcommand("init", "create the database, keys, certificate and first administrator");
  init->add_option("--data", data_dir, "data directory")->required();
  init->add_option("--admin", admin, "login ID of the first administrator")->required();
  init->add_option("--db", db, "sqlite:PATH or postgresql:// URL (default: SQLite under --data)");
  init->add_option("--policy", policy_file, "policy pack (default: policy/kobe.yaml)");
  std::string approver;
  init->add_option("--approver", approver,
                   "login ID of a second person who approves grants of second-person roles (optional)");

  auto* serve = app.add_subcommand("serve", "serve the API and web UI over HTTPS");
  serve->add_option("--data", data_dir, "data directory")->required();
  serve->add_option("--listen", listen, "HOST:PORT (default 127.0.0.1:8443)");
  serve->add_option("--db", db, "override the configured database URL");
  serve->add_option("--web", web_dir, "built front end directory (default: web/dist of the source tree)");

  auto* demo = app.add_subcommand("demo", "create a fictional city with people in every role");
  demo->add_option("--data", data_dir, "data directory")->required();

  auto* log = app.add_subcommand("log", "operation log tools");
  log->require_subcommand(1);
  auto* verify = log->add_subcommand("verify", "verify the hash chain and signed checkpoints");
  verify->add_option("--data", data_dir, "data directory")->required();
  verify->add_option("--db", db, "override the configured database URL");

  auto* pol = app.add_subcommand("policy", "policy pack tools");
  pol->require_subcommand(1);
  auto* check = pol->add_subcommand("check", "validate a policy pack");
  check->add_option("FILE", file, "pack file")->required();

  auto* coverage = pol->add_subcommand("coverage", "list every clause of a pack, how mamori handles it and which tests cite it");
  std::string coverage_file = DefaultPolicyPath(), source_dir = MAMORI_SOURCE_TREE;
  coverage->add_option("FILE", coverage_file, "pack file (default: policy/kobe.yaml)");
  coverage->add_option("--source", source_dir, "source tree whose tests are searched");

  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::info);
  if (*init) return RunInit({data_dir, admin, db, policy_file, "", approver, ""});
  if (*serve) return RunServe(data_dir, db, listen, web_dir);
  if (*demo) return RunDemo(data_dir);
  if (*verify) return RunVerify(data_dir, db);
  if (*check) return RunPolicyCheck(file);
  if (*coverage) return RunPolicyCoverage(coverage_file, source_dir);
  return 2;
}

}  // namespace mamori::cli
