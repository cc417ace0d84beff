// mamori_bench: measures mamori against this machine's own limits, all in one run, and prints
// the ratios (DESIGN.md "Quality bar"). Every figure is paired with a limit measured minutes
// apart on the same machine, because absolute numbers on a shared, noisy box mean little:
//
//   logins/s through the real server      vs  raw Argon2id verifications/s at the pack's cost
//   durable operation-log appends/s       vs  raw fdatasync/s and raw SQLite inserts/s
//   operation-log verification entries/s  vs  raw SHA-256/s of the same message size
//   authenticated API GET/s               vs  nginx serving a static file over the same TLS
//
// It always exits 0: benchmarks inform, they never gate. `--micro` runs Google Benchmark
// micro-benchmarks of the primitives instead. See bench/README.md.
#include <utility>  // before anything that may pull in Asio (DESIGN.md stack note)

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <curl/curl.h>
#include <nlohmann/json.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "audit/operation_log.hpp"
#include "auth/password_hash.hpp"
#include "common/crypto.hpp"
#include "common/table_file.hpp"
#include "common/time.hpp"
#include "domain/asset_service.hpp"
#include "policy/pack.hpp"
#include "storage/db.hpp"
#include "storage/migrations.hpp"
#include "storage/repos.hpp"
#include "kit/https_client.hpp"
#include "kit/server_launcher.hpp"

#ifndef MAMORI_SOURCE_DIR
#define MAMORI_SOURCE_DIR "."
#endif
#ifndef MAMORI_BINARY
#define MAMORI_BINARY "build/mamori"
#endif

namespace fs = std::filesystem;
using namespace mamori;

namespace {

using SteadyClock = std::chrono::steady_clock;

double Since(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  std::string mamori = MAMORI_BINARY;
  std::string source_dir = MAMORI_SOURCE_DIR;
  std::string work;              // scratch directory; a fresh one under /tmp by default
  double cpu_seconds = 5;        // each raw Argon2id run
  int http_seconds = 10;         // each wrk run
  double append_seconds = 5;     // each append run
  int64_t verify_entries = 1000000;
  int append_threads = 32;      // concurrent writers, as a busy server has them
  int login_connections = 8;
  int get_connections = 32;
  int org_units = 510;           // added for the GET scaling diagnostic; 0 = none
  int64_t assets = 1000000;      // the register the asset list and import run against
  std::string only;              // one section (logins, appends, verify, get, assets); "" = all
  bool keep = false;
  bool skip_http = false;
  bool skip_nginx = false;
};

void Usage() {
  std::cout <<
      "usage: mamori_bench [options]\n"
      "  --mamori PATH          server binary (default " MAMORI_BINARY ")\n"
      "  --source DIR           source tree, for policy/kobe.yaml (default " MAMORI_SOURCE_DIR ")\n"
      "  --work DIR             scratch directory (default: a new one under /tmp, removed after)\n"
      "  --keep                 keep the scratch directory\n"
      "  --http-seconds N       length of each wrk run (default 10)\n"
      "  --cpu-seconds N        length of each raw Argon2id run (default 5)\n"
      "  --append-seconds N     length of each append run (default 5)\n"
      "  --verify-entries N     operation-log entries written, then verified (default 1000000)\n"
      "  --append-threads N     writer threads for one-append-per-transaction (default 32)\n"
      "  --login-connections N  wrk connections for logins (default 8)\n"
      "  --get-connections N    wrk connections for GET (default 32)\n"
      "  --org-units N          org units added for the GET scaling diagnostic (default 510, 0 = none)\n"
      "  --assets N             assets in the register for the list and import figures (default 1000000)\n"
      "  --only SECTION         run one section: logins, appends, verify, get or assets\n"
      "  --quick                short runs (3 s, 200000 entries, 100000 assets) for a smoke test\n"
      "  --skip-http            no server, wrk or nginx figures\n"
      "  --skip-nginx           no authenticated-GET vs nginx figure\n"
      "  --micro [gbench args]  run the Google Benchmark micro-benchmarks instead\n";
}

// ---------------------------------------------------------------------------------------------
// Output: progress lines as we go, the table at the end.

void Say(const std::string& s) { std::cout << "  " << s << std::endl; }

std::string Thousands(double v, int decimals = 0) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v));
  std::string s(buf);
  const size_t dot = s.find('.');
  std::string whole = s.substr(0, dot), frac = dot == std::string::npos ? "" : s.substr(dot);
  std::string out;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i && (whole.size() - i) % 3 == 0) out += ',';
    out += whole[i];
  }
  return (v < 0 ? "-" : "") + out + frac;
}

std::string Rate(double v) {
  if (!std::isfinite(v)) return "-";
  return Thousands(v, v < 100 ? 1 : 0) + "/s";
}

struct Row {
  std::string name;
  double value = NAN;
  double limit = NAN;
  std::string limit_name;
  // kRatio: the target is value/limit >= target. kAbsolute: value >= target. kAtMost: a
  // latency in milliseconds, value <= target (no limit: nothing to divide by).
  enum class Kind { kRatio, kAbsolute, kAtMost } kind = Kind::kAbsolute;
  double target = 0;
  std::string note;  // why a row was skipped, or what it measured exactly
};

std::vector<Row> g_rows;

void PrintTable() {
  std::cout << "\n=== mamori benchmark: figures against this machine's limits (same run) ===\n\n";
  const char* fmt = "%-44s %16s  %-48s %7s  %-16s %s\n";
  std::printf(fmt, "measure", "value", "limit measured in this run", "ratio", "target", "result");
  std::printf("%s\n", std::string(44 + 1 + 16 + 2 + 48 + 1 + 7 + 2 + 16 + 1 + 6, '-').c_str());
  for (const auto& r : g_rows) {
    const bool have = std::isfinite(r.value);
    const double ratio = have && std::isfinite(r.limit) && r.limit > 0 ? r.value / r.limit : NAN;
    const bool ms = r.kind == Row::Kind::kAtMost;
    auto show = [&](double v) { return ms ? Thousands(v, 1) + " ms" : Rate(v); };
    std::string limit = std::isfinite(r.limit) ? show(r.limit) + " " + r.limit_name : r.limit_name;
    char rbuf[32] = "-";
    if (std::isfinite(ratio)) std::snprintf(rbuf, sizeof rbuf, "%.2f", ratio);
    std::string target, verdict;
    if (r.kind == Row::Kind::kRatio) {
      char t[32];
      std::snprintf(t, sizeof t, "ratio >= %.2f", r.target);
      target = t;
      verdict = !std::isfinite(ratio) ? "SKIP" : ratio >= r.target ? "PASS" : "BELOW";
    } else if (ms) {
      target = "<= " + show(r.target);
      verdict = !have ? "SKIP" : r.value <= r.target ? "PASS" : "ABOVE";
    } else {
      target = ">= " + Rate(r.target);
      verdict = !have ? "SKIP" : r.value >= r.target ? "PASS" : "BELOW";
    }
    std::printf(fmt, r.name.c_str(), have ? show(r.value).c_str() : "-", limit.c_str(), rbuf, target.c_str(),
                verdict.c_str());
    if (!r.note.empty()) std::printf("    %s\n", r.note.c_str());
  }
  std::printf("\nratio = value / limit. PASS/BELOW compares the ratio for ratio targets and the value for\n"
              "absolute targets (PASS/ABOVE for latencies). Benchmarks inform; this program exits 0 whatever\n"
              "the figures.\n");
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string Tail(const std::string& path, size_t n = 1500) {
  std::string t = ReadText(path);
  return t.size() > n ? "..." + t.substr(t.size() - n) : t;
}

std::string LoadAverage() {
  std::string t = ReadText("/proc/loadavg");
  std::istringstream in(t);
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto p = line.find(':');
      if (p != std::string::npos) return line.substr(p + 2);
    }
  }
  return "unknown CPU";
}

// ---------------------------------------------------------------------------------------------
// Child processes (the server, wrk, nginx). Only processes started here are ever signalled.

pid_t Spawn(const std::vector<std::string>& argv, const std::string& stdin_path, const std::string& log_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::cout.flush();
  const pid_t pid = fork();
  if (pid == 0) {
    const int in = open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY);
    const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    // The child stays in our process group, so Ctrl-C stops it too, and it is told to stop
    // if this benchmark dies any other way: nothing is left running.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

using testkit::WaitExit;  // exit code, or -1 when the time passed first (left running)

// SIGTERM (or `sig`), SIGKILL after 20 s.
void Stop(pid_t pid, int sig = SIGTERM) { (void)testkit::StopProcess(pid, 20, sig); }

bool Alive(pid_t pid) {
  int st = 0;
  return waitpid(pid, &st, WNOHANG) == 0;
}

// CPU seconds (user + system, all threads) a live process has used, and its parent's pid.
// CPU time is what other load on the machine disturbs least, so each HTTP figure is also
// given as CPU per request beside the wall-clock rate.
bool ProcStat(pid_t pid, double* cpu, pid_t* ppid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = s.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream f(s.substr(close + 2));
  std::string field;
  std::vector<std::string> v;
  while (f >> field) v.push_back(field);
  if (v.size() < 13) return false;  // v[0] is field 3 (state): ppid is v[1], utime v[11], stime v[12]
  if (ppid) *ppid = static_cast<pid_t>(std::stol(v[1]));
  if (cpu) *cpu = static_cast<double>(std::stoll(v[11]) + std::stoll(v[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return true;
}

// A process and its direct children (nginx's master and workers).
double TreeCpuSeconds(pid_t root) {
  double total = 0, c = 0;
  if (ProcStat(root, &c, nullptr)) total += c;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator("/proc", ec)) {
    const std::string name = d.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    pid_t pp = 0;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid != root && ProcStat(pid, &c, &pp) && pp == root) total += c;
  }
  return total;
}

double SelfCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double ChildrenCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string Millis(double seconds) {
  char b[32];
  std::snprintf(b, sizeof b, seconds < 0.001 ? "%.0f us" : "%.1f ms", seconds < 0.001 ? seconds * 1e6 : seconds * 1e3);
  return b;
}

// The full path of a program on PATH or in /usr/sbin and /sbin (nginx lives there, and a
// non-root PATH may lack them); "" when there is none.
std::string Which(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = std::string(path ? path : "/usr/bin:/bin") + ":/usr/sbin:/sbin";
  std::istringstream in(dirs);
  std::string dir;
  while (std::getline(in, dir, ':'))
    if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0) return dir + "/" + name;
  return "";
}

bool OnPath(const std::string& name) { return !Which(name).empty(); }

// ---------------------------------------------------------------------------------------------
// A small HTTPS client for setting up sessions (the load itself comes from wrk).

struct Reply {
  long status = 0;
  std::string body;
  std::string session_token;  // from Set-Cookie, when present
  std::string error;
};

Reply Http(const std::string& method, const std::string& url, const std::string& body,
           const std::vector<std::string>& headers, const std::string& ca_file) {
  testkit::HttpsClient client(ca_file);  // the server's self-signed certificate
  const testkit::HttpReply h =
      client.Send(method, url, method == "GET" ? std::nullopt : std::optional<std::string>(body), headers);
  Reply r{.status = h.status, .body = h.body, .session_token = {}, .error = h.error};
  const std::string key = "__Host-mamori_session=";
  for (const auto& c : h.AllHeaders("set-cookie"))
    if (c.rfind(key, 0) == 0) r.session_token = c.substr(key.size(), c.find(';') - key.size());
  return r;
}

// ---------------------------------------------------------------------------------------------
// wrk

struct WrkResult {
  bool ok = false;
  int64_t requests = 0;
  int64_t non2xx = 0;
  int64_t socket_errors = 0;
  double seconds = 0;
  std::string latency;
  std::string output;
  double server_cpu = NAN;  // CPU seconds the server (process tree) used during the run
  double client_cpu = NAN;  // CPU seconds wrk used
  double GoodRate() const { return seconds > 0 ? static_cast<double>(requests - non2xx) / seconds : NAN; }
  // Server CPU per successful request.
  double CpuPerRequest() const {
    const int64_t good = requests - non2xx;
    return good > 0 ? server_cpu / static_cast<double>(good) : NAN;
  }
};

// Runs wrk against `url` while accounting the CPU of `server` (and its direct children).
WrkResult RunWrk(const std::string& url, int connections, int seconds, const std::string& lua,
                 const std::vector<std::string>& headers, const std::string& work, pid_t server) {
  WrkResult w;
  const int threads = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), connections));
  std::vector<std::string> argv = {Which("wrk"), "-t" + std::to_string(threads), "-c" + std::to_string(connections),
                                   "-d" + std::to_string(seconds) + "s", "--timeout", "30s"};
  if (!lua.empty()) argv.insert(argv.end(), {"-s", lua});
  for (const auto& h : headers) argv.insert(argv.end(), {"-H", h});
  argv.push_back(url);
  const std::string out = work + "/wrk.out";
  fs::remove(out);
  const double server0 = TreeCpuSeconds(server), client0 = ChildrenCpuSeconds();
  const pid_t pid = Spawn(argv, "", out);
  int rc = WaitExit(pid, seconds + 60);
  if (rc == -1) {
    Stop(pid);
    rc = -1;
  }
  w.server_cpu = TreeCpuSeconds(server) - server0;
  w.client_cpu = ChildrenCpuSeconds() - client0;
  w.output = ReadText(out);
  std::smatch m;
  if (std::regex_search(w.output, m, std::regex(R"((\d+) requests in ([\d.]+)(us|ms|s|m))"))) {
    w.requests = std::stoll(m[1]);
    double t = std::stod(m[2]);
    const std::string unit = m[3];
    if (unit == "us") t /= 1e6;
    else if (unit == "ms") t /= 1e3;
    else if (unit == "m") t *= 60;
    w.seconds = t;
    w.ok = rc == 0;
  }
  if (std::regex_search(w.output, m, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) w.non2xx = std::stoll(m[1]);
  if (std::regex_search(w.output, m, std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))")))
    w.socket_errors = std::stoll(m[1]) + std::stoll(m[2]) + std::stoll(m[3]) + std::stoll(m[4]);
  if (std::regex_search(w.output, m, std::regex(R"(Latency\s+(\S+)\s+(\S+)\s+(\S+))")))
    w.latency = "latency avg " + m[1].str() + ", stdev " + m[2].str() + ", max " + m[3].str();
  return w;
}

std::string Describe(const WrkResult& w) {
  std::string s = Thousands(static_cast<double>(w.requests)) + " requests in " + Thousands(w.seconds, 2) + " s";
  if (w.non2xx) s += ", " + Thousands(static_cast<double>(w.non2xx)) + " not 2xx";
  if (w.socket_errors) s += ", " + Thousands(static_cast<double>(w.socket_errors)) + " socket errors";
  if (!w.latency.empty()) s += ", " + w.latency;
  if (w.seconds > 0 && std::isfinite(w.server_cpu))
    s += "; server CPU " + Thousands(100 * w.server_cpu / w.seconds) + "% (" + Millis(w.CpuPerRequest()) +
         "/request), wrk CPU " + Thousands(100 * w.client_cpu / w.seconds) + "%";
  return s;
}

// ---------------------------------------------------------------------------------------------
// (a) Raw Argon2id: the limit for logins.

constexpr const char* kAdmin = "benchadmin";
constexpr const char* kTempPassword = "Kq7#Zt4!wXr9pL";
constexpr const char* kNewPassword = "Vb3$Lm8@Qe2&Nh6y";

struct RawRate {
  double rate = NAN;          // verifications per second, all threads
  double cpu_per_op = NAN;    // CPU seconds per verification
};

RawRate RawArgon2Rate(const std::string& phc, int threads, double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> total{0};
  std::atomic<bool> bad{false};
  const auto t0 = SteadyClock::now();
  const double cpu0 = SelfCpuSeconds();
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      int64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!auth::VerifyPassword(phc, kNewPassword)) bad = true;
        ++n;
      }
      total += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : pool) t.join();
  if (bad) Say("WARNING: raw VerifyPassword returned false");
  RawRate r;
  r.rate = static_cast<double>(total) / Since(t0);
  if (total > 0) r.cpu_per_op = (SelfCpuSeconds() - cpu0) / static_cast<double>(total);
  return r;
}

std::string Describe(const RawRate& r) { return Rate(r.rate) + " (" + Millis(r.cpu_per_op) + " CPU each)"; }

// ---------------------------------------------------------------------------------------------
// The real server, started from a fresh data directory.

struct ServerProc {
  pid_t pid = -1;
  int port = 0;
  std::string dir;
  std::string log;
  std::string Url(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(port) + path; }
  std::string Ca() const { return dir + "/tls/cert.pem"; }
};

bool InitDataDir(const Options& o, const std::string& dir, const std::string& pack_file) {
  const testkit::ProcResult r = testkit::RunProcess({o.mamori, "init", "--data", dir, "--admin", kAdmin, "--policy", pack_file},
                                                    std::string(kTempPassword) + "\n");
  if (r.exit_code != 0) {
    Say("mamori init failed (exit " + std::to_string(r.exit_code) + "): " + r.output.substr(r.output.size() > 1500 ? r.output.size() - 1500 : 0));
    return false;
  }
  return true;
}

bool StartServer(const Options& o, const std::string& dir, ServerProc& s) {
  s.dir = dir;
  s.log = dir + ".serve.log";
  testkit::ServeOptions so;
  so.binary = o.mamori;
  so.args = {"--data", dir};
  so.log_path = s.log;
  so.ca_file = s.Ca();
  so.timeout_seconds = 60;
  so.die_with_parent = true;
  const testkit::ServedProcess served = testkit::LaunchServe(so);
  if (!served.ok()) {
    Say(served.error.substr(0, 1500));
    s.pid = -1;
    return false;
  }
  s.pid = served.pid;
  s.port = served.port;
  return true;
}

std::string LoginBody(const std::string& password) {
  return nlohmann::json{{"login_id", kAdmin}, {"password", password}}.dump();
}

Reply Login(const ServerProc& s, const std::string& password) {
  return Http("POST", s.Url("/api/v1/session"), LoginBody(password), {"Content-Type: application/json"}, s.Ca());
}

std::string ProblemType(const Reply& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("type")) return j["type"].get<std::string>();
  return "HTTP " + std::to_string(r.status) + (r.error.empty() ? "" : " (" + r.error + ")");
}

// Logs in with the temporary password and changes it, as a real user does at first login.
// Returns the password that now works, or "" when even the first login failed.
std::string FirstLogin(const ServerProc& s, std::string& note) {
  Reply r = Login(s, kTempPassword);
  if (r.status != 200) {
    note = "first login failed: " + ProblemType(r);
    return "";
  }
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  const std::string csrf = j.is_object() ? j.value("csrf_token", "") : "";
  Reply c = Http("PUT", s.Url("/api/v1/me/password"),
                 nlohmann::json{{"current_password", kTempPassword}, {"new_password", kNewPassword}}.dump(),
                 {"Content-Type: application/json", "X-CSRF-Token: " + csrf,
                  "Cookie: __Host-mamori_session=" + r.session_token},
                 s.Ca());
  if (c.status == 204 || c.status == 200) return kNewPassword;
  note = "password change refused (" + ProblemType(c) + "), so the temporary password is used";
  return kTempPassword;
}

// ---------------------------------------------------------------------------------------------
// (a)+(b) logins through the server against raw Argon2id.

void BenchLogins(const Options& o, const policy::PolicyPack& pack, const std::string& pack_file) {
  std::cout << "\n[logins] Argon2id at the pack's cost: m=" << pack.auth.password.argon2_memory_kib
            << " KiB, t=" << pack.auth.password.argon2_iterations << ", p=1" << std::endl;
  const auth::Argon2Params params{pack.auth.password.argon2_memory_kib, pack.auth.password.argon2_iterations};
  auto phc = auth::HashPassword(kNewPassword, params);
  if (!phc.ok()) {
    Say("cannot hash at the pack's cost: " + phc.error().detail);
    return;
  }
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const RawRate raw1 = RawArgon2Rate(*phc, threads, o.cpu_seconds);
  Say("raw Argon2id verify, " + std::to_string(threads) + " threads (before): " + Describe(raw1));

  Row row;
  row.name = "logins/s (POST /api/v1/session, wrk)";
  row.kind = Row::Kind::kRatio;
  row.target = 0.90;
  row.limit_name = "raw Argon2id verify, " + std::to_string(threads) + " thr";
  row.limit = raw1.rate;

  if (o.skip_http || !OnPath("wrk")) {
    row.note = o.skip_http ? "skipped (--skip-http)" : "skipped: wrk not installed (apt-get install -y wrk)";
    g_rows.push_back(row);
    return;
  }
  const std::string dir = o.work + "/kobe";
  ServerProc s;
  if (!InitDataDir(o, dir, pack_file) || !StartServer(o, dir, s)) {
    row.note = "skipped: the server did not start";
    g_rows.push_back(row);
    return;
  }
  std::string note;
  double login_cpu = NAN, login_busy = NAN;
  const std::string password = FirstLogin(s, note);
  if (!note.empty()) Say(note);
  if (!password.empty()) {
    Reply check = Login(s, password);
    auto j = nlohmann::json::parse(check.body, nullptr, false);
    if (check.status == 200 && j.is_object())
      Say("a login answers 200 (must_change_password=" + j.value("must_change_password", nlohmann::json()).dump() +
          ", mfa_enrollment_required=" + j.value("mfa_enrollment_required", nlohmann::json()).dump() + ")");
    const std::string lua = o.work + "/login.lua";
    WriteText(lua, "wrk.method = \"POST\"\n"
                   "wrk.body = '" + LoginBody(password) + "'\n"
                   "wrk.headers[\"Content-Type\"] = \"application/json\"\n");
    WrkResult w = RunWrk(s.Url("/api/v1/session"), o.login_connections, o.http_seconds, lua, {}, o.work, s.pid);
    if (w.ok) {
      row.value = w.GoodRate();
      login_cpu = w.CpuPerRequest();
      login_busy = w.server_cpu / w.seconds;
      Say("server logins, " + std::to_string(o.login_connections) + " connections: " + Describe(w));
      if (w.non2xx) row.note += "wrk saw " + std::to_string(w.non2xx) + " non-2xx answers (not counted). ";
    } else {
      Say("wrk failed: " + w.output);
      row.note = "wrk failed";
    }
  } else {
    row.note = note;
  }
  Stop(s.pid);
  // Measuring the limit again after the load and averaging cancels slow drift in the
  // machine's other load (other engineers' compiles).
  const RawRate raw2 = RawArgon2Rate(*phc, threads, o.cpu_seconds);
  Say("raw Argon2id verify, " + std::to_string(threads) + " threads (after): " + Describe(raw2));
  row.limit = (raw1.rate + raw2.rate) / 2;
  if (std::isfinite(login_cpu)) {
    // CPU per login against CPU per raw hash: what the server spends beyond the hash itself,
    // independent of how busy the machine was.
    const double raw_cpu = (raw1.cpu_per_op + raw2.cpu_per_op) / 2;
    char b[200];
    std::snprintf(b, sizeof b, "CPU per login %s vs %s per raw hash (CPU-normalised ratio %.2f); server busy %.2f of %d cores. ",
                  Millis(login_cpu).c_str(), Millis(raw_cpu).c_str(), raw_cpu / login_cpu, login_busy, threads);
    row.note += b;
    Say(b);
  }
  if (!note.empty()) row.note += note;
  g_rows.push_back(row);
}

// ---------------------------------------------------------------------------------------------
// (e) authenticated GET against nginx serving a static file.

// Creates about `n` org units (bureaus of 50 sections under the city) through the API with the
// admin's session. Returns how many were created.
int AddOrgUnits(const ServerProc& s, const Reply& login, int n) {
  auto session = nlohmann::json::parse(login.body, nullptr, false);
  const std::string csrf = session.is_object() ? session.value("csrf_token", "") : "";
  const std::vector<std::string> hdr = {"Content-Type: application/json", "X-CSRF-Token: " + csrf,
                                        "Cookie: __Host-mamori_session=" + login.session_token};
  Reply list = Http("GET", s.Url("/api/v1/org-units"), "", hdr, s.Ca());
  auto j = nlohmann::json::parse(list.body, nullptr, false);
  std::string city;
  if (j.is_object() && j.contains("items"))
    for (const auto& u : j["items"])
      if (u.value("kind", "") == "city") city = u.value("id", "");
  if (city.empty()) {
    Say("cannot find the city org unit (" + ProblemType(list) + "): org-unit diagnostic skipped");
    return 0;
  }
  int created = 0;
  std::string bureau;
  for (int i = 0; created < n; ++i) {
    const bool new_bureau = i % 51 == 0;
    nlohmann::json body = {{"code", (new_bureau ? "B" : "S") + std::to_string(i)},
                           {"name", (new_bureau ? "ベンチ局" : "ベンチ課") + std::to_string(i)},
                           {"kind", new_bureau ? "bureau" : "section"},
                           {"parent_id", new_bureau ? city : bureau}};
    Reply r = Http("POST", s.Url("/api/v1/org-units"), body.dump(), hdr, s.Ca());
    if (r.status != 201) {
      Say("creating an org unit failed (" + ProblemType(r) + ") after " + std::to_string(created));
      break;
    }
    if (new_bureau) bureau = nlohmann::json::parse(r.body, nullptr, false).value("id", "");
    ++created;
  }
  return created;
}

void BenchGet(const Options& o, const std::string& kobe_pack) {
  std::cout << "\n[api GET] authenticated GET /api/v1/session against nginx serving a static file" << std::endl;
  Row row;
  row.name = "authenticated GET/s (/api/v1/session)";
  row.kind = Row::Kind::kRatio;
  row.target = 0.5;
  row.limit_name = "nginx static file, same TLS cert";
  auto skip = [&](const std::string& why) {
    row.note = "skipped: " + why;
    Say(row.note);
    g_rows.push_back(row);
  };
  if (o.skip_http || o.skip_nginx) return skip("--skip-http / --skip-nginx");
  if (!OnPath("wrk")) return skip("wrk not installed (apt-get install -y wrk)");
  if (!OnPath("nginx")) return skip("nginx not installed (apt-get install -y nginx-light)");

  // A copy of the Kobe pack that needs no MFA, so one password login yields a full session.
  std::string text = ReadText(kobe_pack);
  const std::string from = "required_for: all", to = "required_for: none";
  const size_t at = text.find(from);
  if (at == std::string::npos) return skip("could not find 'required_for: all' in the pack to relax MFA");
  text.replace(at, from.size(), to);
  const std::string pack_file = o.work + "/nomfa.yaml";
  WriteText(pack_file, text);

  const std::string dir = o.work + "/nomfa";
  ServerProc s;
  if (!InitDataDir(o, dir, pack_file) || !StartServer(o, dir, s)) return skip("the server did not start");
  std::string note;
  const std::string password = FirstLogin(s, note);
  Reply login = password.empty() ? Reply{} : Login(s, password);
  Reply probe;
  if (login.status == 200)
    probe = Http("GET", s.Url("/api/v1/session"), "", {"Cookie: __Host-mamori_session=" + login.session_token}, s.Ca());
  if (probe.status != 200) {
    Stop(s.pid);
    return skip("no working session (" + (note.empty() ? ProblemType(login.status == 200 ? probe : login) : note) + ")");
  }
  Say("session works; response body " + std::to_string(probe.body.size()) + " bytes");

  // nginx: same certificate, same body bytes, the same security headers mamori sends.
  const std::string ng = o.work + "/nginx";
  fs::create_directories(ng + "/www");
  fs::create_directories(ng + "/tmp");
  WriteText(ng + "/www/session.json", probe.body);
  const int nport = testkit::FreePort();
  const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  std::ostringstream conf;
  if (geteuid() == 0) conf << "user root;\n";  // the scratch directory is 0700
  conf << "worker_processes " << workers << ";\n"
       << "daemon off;\nmaster_process on;\npid " << ng << "/nginx.pid;\n"
       << "error_log " << ng << "/error.log warn;\n"
       << "events { worker_connections 4096; }\n"
       << "http {\n  access_log off;\n  default_type application/json;\n"
       << "  client_body_temp_path " << ng << "/tmp/body;\n  proxy_temp_path " << ng << "/tmp/proxy;\n"
       << "  fastcgi_temp_path " << ng << "/tmp/fastcgi;\n  uwsgi_temp_path " << ng << "/tmp/uwsgi;\n"
       << "  scgi_temp_path " << ng << "/tmp/scgi;\n"
       << "  keepalive_requests 10000000;\n  keepalive_timeout 120s;\n"
       << "  server {\n    listen 127.0.0.1:" << nport << " ssl;\n"
       << "    ssl_certificate " << s.dir << "/tls/cert.pem;\n    ssl_certificate_key " << s.dir << "/tls/key.pem;\n"
       << "    ssl_protocols TLSv1.2 TLSv1.3;\n    root " << ng << "/www;\n"
       << "    location / {\n"
       << "      add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" always;\n"
       << "      add_header Content-Security-Policy \"default-src 'self'; script-src 'self'; style-src 'self'; "
          "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'\" always;\n"
       << "      add_header X-Content-Type-Options nosniff always;\n      add_header X-Frame-Options DENY always;\n"
       << "      add_header Referrer-Policy no-referrer always;\n"
       << "      add_header Cross-Origin-Opener-Policy same-origin always;\n"
       << "      add_header Cache-Control no-store always;\n    }\n  }\n}\n";
  WriteText(ng + "/nginx.conf", conf.str());
  const std::string nlog = ng + "/stderr.log";
  const pid_t npid = Spawn({Which("nginx"), "-e", ng + "/error.log", "-p", ng, "-c", ng + "/nginx.conf"}, "", nlog);
  const std::string nurl = "https://127.0.0.1:" + std::to_string(nport) + "/session.json";
  bool up = false;
  for (int i = 0; i < 100 && Alive(npid); ++i) {
    if (Http("GET", nurl, "", {}, s.Ca()).status == 200) {
      up = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!up) {
    Say("nginx did not start: " + Tail(nlog) + Tail(ng + "/error.log"));
    Stop(npid, SIGQUIT);
    Stop(s.pid);
    return skip("nginx did not start");
  }

  const std::vector<std::string> cookie = {"Cookie: __Host-mamori_session=" + login.session_token};
  // nginx, mamori, nginx: the limit is the mean of the two runs around the measured one.
  WrkResult n1 = RunWrk(nurl, o.get_connections, o.http_seconds, "", {}, o.work, npid);
  Say("nginx static (before): " + Describe(n1));
  WrkResult m = RunWrk(s.Url("/api/v1/session"), o.get_connections, o.http_seconds, "", cookie, o.work, s.pid);
  Say("mamori GET /api/v1/session: " + Describe(m));
  WrkResult n2 = RunWrk(nurl, o.get_connections, o.http_seconds, "", {}, o.work, npid);
  Say("nginx static (after): " + Describe(n2));
  // Diagnostic: the same server answering /healthz (no session, no database, a tiny body)
  // separates the cost of TLS, Beast and the pipeline from authentication and the handler.
  WrkResult hz = RunWrk(s.Url("/healthz"), o.get_connections, std::max(1, o.http_seconds / 2), "", {}, o.work, s.pid);
  Say("diagnostic, mamori GET /healthz (no session): " + Describe(hz));
  if (m.ok && n1.ok && n2.ok) {
    const double ncpu = (n1.CpuPerRequest() + n2.CpuPerRequest()) / 2;
    char b[200];
    std::snprintf(b, sizeof b, "server CPU per request %s vs nginx %s (CPU-normalised ratio %.2f); /healthz %s. ",
                  Millis(m.CpuPerRequest()).c_str(), Millis(ncpu).c_str(), ncpu / m.CpuPerRequest(),
                  hz.ok ? Millis(hz.CpuPerRequest()).c_str() : "-");
    row.note += b;
    Say(b);
  }
  Stop(npid, SIGQUIT);

  // Diagnostic: a city has hundreds of sections. Add 10 bureaus of 50 sections each and
  // measure the same GET again, to see whether a request's cost grows with the org tree.
  if (o.org_units > 0) {
    const int added = AddOrgUnits(s, login, o.org_units);
    if (added > 0) {
      WrkResult big = RunWrk(s.Url("/api/v1/session"), o.get_connections, std::max(1, o.http_seconds / 2), "", cookie,
                             o.work, s.pid);
      Say("diagnostic, GET /api/v1/session with " + std::to_string(added) + " more org units: " + Describe(big));
      if (big.ok) {
        char b[200];
        std::snprintf(b, sizeof b, "With %d more org units: %s (%s CPU/request). ", added, Rate(big.GoodRate()).c_str(),
                      Millis(big.CpuPerRequest()).c_str());
        row.note += b;
      }
    }
  }
  Stop(s.pid);
  if (m.ok) row.value = m.GoodRate();
  if (n1.ok && n2.ok) row.limit = (n1.GoodRate() + n2.GoodRate()) / 2;
  else if (n1.ok) row.limit = n1.GoodRate();
  if (m.non2xx) row.note += "wrk saw " + std::to_string(m.non2xx) + " non-2xx answers from mamori (not counted)";
  g_rows.push_back(row);
}

// ---------------------------------------------------------------------------------------------
// Operation log: durable appends and verification.

audit::Event SampleEvent(int64_t i) {
  audit::Event e;
  e.actor = "01J9Z3K6Q8W2N4T5V7X9Y0A1B2";
  e.actor_login = "k.tanaka";
  e.session = "3f9a1c2b7d4e";
  e.address = "10.20.30." + std::to_string(i % 250);
  e.action = "auth.login";
  e.target = "user:01J9Z3K6Q8W2N4T5V7X9Y0A1B2";
  e.result = "success";
  e.clause = "kobe:8.2.5";
  e.detail = {{"mfa_pending", false}, {"must_change_password", false}};
  if (i == 0) {  // a log starts with the init entry (docs/operation_log.md)
    e.actor = e.actor_login = "system";
    e.action = "system.init";
  }
  return e;
}

struct LogDb {
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<audit::OperationLog> log;
};

// A fresh SQLite database opened exactly as the server opens it (Database::Open: WAL,
// synchronous=FULL), migrated, with an operation log that signs a checkpoint every 256
// entries (the config default).
bool OpenLogDb(const std::string& path, const audit::SigningKey& key, LogDb& out) {
  auto db = storage::Database::Open("sqlite:" + path, 32);
  if (!db.ok()) {
    Say("cannot open " + path + ": " + db.error().detail);
    return false;
  }
  if (auto st = storage::Migrate(**db); !st.ok()) {
    Say("cannot migrate " + path + ": " + st.error().detail);
    return false;
  }
  out.db = std::move(*db);
  out.log = std::make_unique<audit::OperationLog>(SystemClock::Instance(), key, 256);
  return true;
}

// fdatasync/s of a 4 KiB overwrite in the scratch directory: the most durable commits per
// second this disk allows one writer (a WAL commit with synchronous=FULL needs one).
double RawFsyncRate(const std::string& dir, double seconds) {
  const std::string path = dir + "/fsync.probe";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return NAN;
  std::string block(4096, 'x');
  const int kBlocks = 1024;
  for (int i = 0; i < kBlocks; ++i)
    if (pwrite(fd, block.data(), block.size(), static_cast<off_t>(i) * 4096) < 0) break;
  fsync(fd);
  int64_t n = 0;
  const auto t0 = SteadyClock::now();
  while (Since(t0) < seconds) {
    if (pwrite(fd, block.data(), block.size(), static_cast<off_t>(n % kBlocks) * 4096) < 0) break;
    fdatasync(fd);
    ++n;
  }
  const double rate = static_cast<double>(n) / Since(t0);
  close(fd);
  fs::remove(path);
  return rate;
}

// Rows of the same size inserted through the same Connection in batches of `batch`, without
// the hash chain: what SQLite itself can take on this disk.
double RawInsertRate(const std::string& path, const audit::SigningKey& key, int batch, double seconds) {
  LogDb l;
  if (!OpenLogDb(path, key, l)) return NAN;
  audit::Event ev = SampleEvent(7);
  storage::LogEntryRecord rec{0, SystemClock::Instance().NowMicros(), ev.actor, ev.actor_login, ev.session,
                              ev.address, ev.action, ev.target, ev.result, ev.clause, ev.detail.dump(),
                              std::string(64, 'a'), std::string(64, 'b')};
  int64_t seq = 0;
  const auto t0 = SteadyClock::now();
  while (Since(t0) < seconds) {
    auto st = l.db->Write([&](storage::Connection& c) -> Status {
      storage::AuditRepo repo(c);
      for (int i = 0; i < batch; ++i) {
        rec.seq = ++seq;
        MAMORI_TRY(repo.Insert(rec));
      }
      return Ok();
    });
    if (!st.ok()) {
      Say("raw insert failed: " + st.error().detail);
      return NAN;
    }
  }
  return static_cast<double>(seq) / Since(t0);
}

// One Append per Database::Write transaction, from `threads` threads.
double AppendPerTransaction(LogDb& l, int threads, double seconds, int64_t* errors) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> total{0}, failed{0};
  const auto t0 = SteadyClock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const audit::Event ev = SampleEvent(t);
      int64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        auto st = l.db->Write([&](storage::Connection& c) -> Status { return l.log->Record(c, ev); });
        if (st.ok()) ++n;
        else ++failed;
      }
      total += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  if (errors) *errors = failed;
  return static_cast<double>(total) / Since(t0);
}

// `batch` Appends per transaction, one writer (a bulk import).
double AppendBatched(LogDb& l, int batch, double seconds, int64_t limit_entries = 0) {
  int64_t n = 0;
  const auto t0 = SteadyClock::now();
  while (limit_entries > 0 ? n < limit_entries : Since(t0) < seconds) {
    const int this_batch = limit_entries > 0 ? static_cast<int>(std::min<int64_t>(batch, limit_entries - n)) : batch;
    auto st = l.db->Write([&](storage::Connection& c) -> Status {
      for (int i = 0; i < this_batch; ++i) MAMORI_TRY(l.log->Record(c, SampleEvent(n + i)));
      return Ok();
    });
    if (!st.ok()) {
      Say("batched append failed: " + st.error().detail);
      return NAN;
    }
    n += this_batch;
  }
  return static_cast<double>(n) / Since(t0);
}

void RemoveDb(const std::string& path) {
  for (const char* sfx : {"", "-wal", "-shm"}) fs::remove(path + sfx);
}

void BenchAppends(const Options& o, const audit::SigningKey& key) {
  std::cout << "\n[appends] durable operation-log appends on SQLite (WAL, synchronous=FULL)" << std::endl;
  const double fsyncs = RawFsyncRate(o.work, 2);
  Say("raw fdatasync of 4 KiB, 1 thread: " + Rate(fsyncs));

  Row per_tx;
  per_tx.name = "appends/s, 1 per transaction, " + std::to_string(o.append_threads) + " threads";
  per_tx.limit = fsyncs;
  per_tx.limit_name = "raw fdatasync, 1 thread";
  per_tx.target = 20000;
  {
    const std::string path = o.work + "/append1.db";
    LogDb l;
    if (OpenLogDb(path, key, l)) {
      int64_t err1 = 0, errn = 0, err0 = 0;
      const double one = AppendPerTransaction(l, 1, o.append_seconds / 2, &err1);
      Say("1 append per transaction, 1 thread: " + Rate(one));
      // Without the witness first (the database alone), then as the server runs: with the
      // commit hook and the witness of signed heads (audit/witness.hpp).
      const double bare = AppendPerTransaction(l, o.append_threads, o.append_seconds, &err0);
      Say("1 append per transaction, " + std::to_string(o.append_threads) + " threads, no witness: " + Rate(bare));
      audit::Witness witness(SystemClock::Instance(), key.private_pem, audit::KeyIdOf(key.public_pem),
                             {o.work + "/witness", false});
      if (auto st = witness.Open(); !st.ok()) Say("witness: " + st.error().detail);
      l.log->Attach(*l.db, &witness);
      per_tx.value = AppendPerTransaction(l, o.append_threads, o.append_seconds, &errn);
      witness.Flush();
      l.db->SetCommitHook({});
      Say("1 append per transaction, " + std::to_string(o.append_threads) + " threads, with the witness: " +
          Rate(per_tx.value) + " (" + std::to_string(witness.written()) + " signed heads written)" +
          (errn ? " (" + std::to_string(errn) + " failed)" : ""));
      if (err1 + errn + err0) per_tx.note = std::to_string(err1 + errn + err0) + " transactions failed (busy?)";
      per_tx.note += (per_tx.note.empty() ? "" : "; ") + std::string("1 thread: ") + Rate(one) +
                     "; without the witness: " + Rate(bare);
    }
    RemoveDb(path);
  }
  g_rows.push_back(per_tx);

  Row batched;
  const int kBatch = 1000;
  batched.name = "appends/s, " + std::to_string(kBatch) + " per transaction (bulk)";
  batched.target = 20000;
  batched.limit_name = "raw SQLite insert, same rows, no chain";
  {
    const std::string raw = o.work + "/raw.db";
    batched.limit = RawInsertRate(raw, key, kBatch, o.append_seconds / 2);
    RemoveDb(raw);
    Say("raw SQLite insert of the same rows, " + std::to_string(kBatch) + " per transaction: " + Rate(batched.limit));
    const std::string path = o.work + "/appendn.db";
    LogDb l;
    if (OpenLogDb(path, key, l)) {
      batched.value = AppendBatched(l, kBatch, o.append_seconds);
      Say("OperationLog::Append, " + std::to_string(kBatch) + " per transaction: " + Rate(batched.value));
    }
    RemoveDb(path);
  }
  g_rows.push_back(batched);
}

// Rows per second SQLite itself yields for the verifier's query (every column touched), with
// the C API and no copies: the storage limit under Verify.
double RawSqliteScanRate(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close_v2(db);
    return NAN;
  }
  sqlite3_stmt* stmt = nullptr;
  const char* sql =
      "SELECT seq, at, actor, actor_login, session, address, action, target, result, clause, detail, prev_hash, hash "
      "FROM audit_log WHERE seq >= 1 ORDER BY seq";
  int64_t n = 0;
  size_t bytes = 0;
  const auto t0 = SteadyClock::now();
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      bytes += static_cast<size_t>(sqlite3_column_int64(stmt, 0) + sqlite3_column_int64(stmt, 1));
      for (int c = 2; c < 13; ++c) {
        const unsigned char* t = sqlite3_column_text(stmt, c);
        bytes += static_cast<size_t>(sqlite3_column_bytes(stmt, c)) + (t ? t[0] : 0);
      }
      ++n;
    }
  }
  const double rate = static_cast<double>(n) / Since(t0);
  benchmark::DoNotOptimize(bytes);
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
  return rate;
}

void BenchVerify(const Options& o, const audit::SigningKey& key) {
  std::cout << "\n[verify] OperationLog::Verify over " << Thousands(static_cast<double>(o.verify_entries))
            << " entries" << std::endl;
  Row row;
  row.name = "log verification entries/s";
  row.target = 1000000;
  const std::string path = o.work + "/verify.db";
  LogDb l;
  if (!OpenLogDb(path, key, l)) {
    row.note = "skipped: cannot open the database";
    g_rows.push_back(row);
    return;
  }
  const auto tf = SteadyClock::now();
  const double fill = AppendBatched(l, 10000, 0, o.verify_entries);
  Say("written in transactions of 10,000 at " + Rate(fill) + " (" + Thousands(Since(tf), 1) + " s)");

  // The message the verifier hashes per entry: raw(prev_hash) || CanonicalEncoding(entry).
  storage::LogEntryRecord sample;
  (void)l.db->Read([&](storage::Connection& c) -> Status {
    return storage::AuditRepo(c).Scan(o.verify_entries / 2, 1, [&](const storage::LogEntryRecord& e) { sample = e; });
  });
  const size_t msg_size = crypto::kSha256Size + audit::CanonicalEncoding(sample).size();

  // Raw SHA-256 on one core (Verify is single-threaded), messages of exactly that size.
  double sha_rate = NAN;
  {
    crypto::Sha256Hasher h;
    std::string msg(msg_size, 'm');
    unsigned char out[32];
    int64_t n = 0;
    const auto t0 = SteadyClock::now();
    while (Since(t0) < 2) {
      for (int i = 0; i < 4096; ++i) {
        msg[0] = static_cast<char>(n + i);
        h.Update(msg);
        h.Final(out);
      }
      n += 4096;
    }
    benchmark::DoNotOptimize(out);
    sha_rate = static_cast<double>(n) / Since(t0);
  }
  Say("raw SHA-256 (Sha256Hasher) of " + std::to_string(msg_size) + "-byte messages, 1 thread: " + Rate(sha_rate));
  row.limit = sha_rate;
  row.limit_name = "raw SHA-256, " + std::to_string(msg_size) + " B, 1 thread";

  const auto tv = SteadyClock::now();
  auto rep = l.db->Read([&](storage::Connection& c) { return l.log->Verify(c); });
  const double secs = Since(tv);
  if (!rep.ok()) {
    row.note = "Verify failed: " + rep.error().detail;
  } else if (!rep->ok || rep->entries != o.verify_entries) {
    row.note = "Verify reported a bad log: seq " + std::to_string(rep->first_bad_seq) + " " + rep->reason;
  } else {
    row.value = static_cast<double>(rep->entries) / secs;
    Say("Verify: " + Thousands(static_cast<double>(rep->entries)) + " entries, " +
        Thousands(static_cast<double>(rep->checkpoints)) + " signed checkpoints, " + Thousands(secs, 2) + " s: " +
        Rate(row.value));
  }

  // Where the time goes: SQLite's own row reads, the repository scan, and the hashing alone.
  {
    const double raw_scan = RawSqliteScanRate(path);
    int64_t n = 0;
    const auto t0 = SteadyClock::now();
    auto st = l.db->Read([&](storage::Connection& c) -> Status {
      return storage::AuditRepo(c).Scan(1, 0, [&](const storage::LogEntryRecord& e) {
        benchmark::DoNotOptimize(e.hash.data());
        ++n;
      });
    });
    const double scan = static_cast<double>(n) / Since(t0);
    std::vector<storage::LogEntryRecord> keep;
    (void)l.db->Read([&](storage::Connection& c) -> Status {
      return storage::AuditRepo(c).Scan(1, 100000, [&](const storage::LogEntryRecord& e) { keep.push_back(e); });
    });
    int64_t m = 0;
    const auto t1 = SteadyClock::now();
    while (Since(t1) < 1.5 && !keep.empty()) {
      for (const auto& e : keep) benchmark::DoNotOptimize(audit::EntryHash(e));
      m += static_cast<int64_t>(keep.size());
    }
    const double hash = static_cast<double>(m) / Since(t1);
    // The signed checkpoints Verify checks, with the public key parsed once as Verify does (its
    // checks run on other threads while the chain is walked, so this is CPU, not wall time).
    double cp_seconds = NAN;
    if (rep.ok() && rep->checkpoints > 0) {
      const std::string msg = audit::CheckpointMessage(256, std::string(64, 'a'), 0);
      auto sig = crypto::SignEcdsaSha256(key.private_pem, msg);
      if (sig.ok()) {
        const int kTimes = 200;
        const auto t2 = SteadyClock::now();
        auto verifier = crypto::EcKey::FromPublicPem(key.public_pem);
        for (int i = 0; i < kTimes && verifier.ok(); ++i) benchmark::DoNotOptimize(verifier->Verify(msg, *sig));
        cp_seconds = Since(t2) / kTimes * static_cast<double>(rep->checkpoints);
      }
    }
    if (st.ok()) {
      row.note = "alone: raw sqlite3_step " + Rate(raw_scan) + ", AuditRepo::Scan " + Rate(scan) + ", EntryHash " +
                 Rate(hash);
      std::string cps;
      if (std::isfinite(cp_seconds)) {
        cps = ", checkpoint signature checks " + Thousands(cp_seconds, 2) + " s CPU (on other threads) beside the " +
              Thousands(secs, 2) + " s";
        row.note += cps;
      }
      Say("breakdown, each alone: raw sqlite3_step over the same rows " + Rate(raw_scan) + ", AuditRepo::Scan " +
          Rate(scan) + ", EntryHash " + Rate(hash) + cps);
    }
  }
  l = LogDb{};
  RemoveDb(path);
  g_rows.push_back(row);
}

// The asset register at scale: a page of the list out of o.assets assets (DESIGN.md: 50 of
// 1,000,000 under 20 ms) as the service serves it, and a 10,000-row CSV import into that
// register against the raw insert rate of the same rows.

// The median of `runs` timings of `fn`, in milliseconds.
template <typename Fn>
double MedianMillis(int runs, Fn fn) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = SteadyClock::now();
    fn();
    t.push_back(Since(t0) * 1000);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void BenchAssets(const Options& o, const policy::PolicyPack& pack, const audit::SigningKey& key) {
  std::cout << "\n[assets] the register with " << Thousands(static_cast<double>(o.assets))
            << " assets on SQLite: list pages and a CSV import" << std::endl;
  const std::string path = o.work + "/assets.db";
  LogDb l;
  if (!OpenLogDb(path, key, l)) return;
  const std::string data_key = crypto::RandomBytes(32);
  domain::Env env{*l.db, pack, *l.log, SystemClock::Instance(), domain::Sealer::WithKey(data_key)};
  domain::AssetService assets(env);

  // 10 bureaus of 20 sections; assets spread over the sections, a tenth of them 機密性3.
  std::vector<storage::OrgUnitRecord> sections;
  auto st = l.db->Write([&](storage::Connection& c) -> Status {
    storage::OrgRepo org(c);
    const int64_t now = SystemClock::Instance().NowMicros();
    MAMORI_TRY(org.Insert({"city", "city", "ベンチ市", "city", "", "", "", now}));
    for (int b = 0; b < 10; ++b) {
      const std::string bid = "bureau" + std::to_string(b);
      MAMORI_TRY(org.Insert({bid, "B" + std::to_string(b), "局" + std::to_string(b), "bureau", "city", "", "", now}));
      for (int s = 0; s < 20; ++s) {
        storage::OrgUnitRecord u{bid + "s" + std::to_string(s), "S" + std::to_string(b * 100 + s),
                                 "課" + std::to_string(b * 100 + s), "section", bid, "", "", now};
        MAMORI_TRY(org.Insert(u));
        sections.push_back(u);
      }
    }
    return Ok();
  });
  if (!st.ok()) {
    Say("cannot build the org tree: " + st.error().detail);
    return;
  }
  const char* kinds[] = {"electronic_data", "paper_document", "removable_medium", "terminal"};
  auto make = [&](int64_t i) {
    storage::AssetRecord r;
    r.id = domain::NewId();
    r.name = "資産" + std::to_string(i) + (i % 7 == 0 ? " 住民記録" : " 文書");
    r.kind = kinds[i % 4];
    r.owner_org_unit_id = sections[static_cast<size_t>(i) % sections.size()].id;
    r.confidentiality = i % 10 == 0 ? 3 : 1 + i % 2;
    r.integrity = 1 + i % 2;
    r.availability = 1 + i % 2;
    r.handling = {"複製禁止"};
    r.location = "書庫";
    r.state = "in_use";
    r.created_by = "bench";
    r.created_at = r.updated_at = SystemClock::Instance().NowMicros();
    return r;
  };
  // The fill is also the limit for the import: AssetRepo::Insert, 10,000 per transaction, no
  // validation and no log.
  const auto fill0 = SteadyClock::now();
  for (int64_t done = 0; done < o.assets;) {
    const int64_t n = std::min<int64_t>(10000, o.assets - done);
    st = l.db->Write([&](storage::Connection& c) -> Status {
      storage::AssetRepo repo(c);
      for (int64_t i = 0; i < n; ++i) MAMORI_TRY(repo.Insert(make(done + i)));
      return Ok();
    });
    if (!st.ok()) {
      Say("fill failed: " + st.error().detail);
      RemoveDb(path);
      return;
    }
    done += n;
  }
  const double raw_rate = static_cast<double>(o.assets) / Since(fill0);
  Say("raw AssetRepo::Insert, 10,000 per transaction: " + Rate(raw_rate));

  // A city-wide reader who may see 機密性3 (the CISO) and a section's staff member.
  domain::Actor ciso, staff;
  ciso.user_id = "bench-ciso";
  ciso.roles.push_back({"r1", ciso.user_id, "ciso", "city", "", "", "", "", 1, "bench", 0, ""});
  staff.user_id = "bench-staff";
  staff.roles.push_back({"r2", staff.user_id, "staff", "org_unit", sections[3].id, "", "", "", 1, "bench", 0, ""});
  struct Case {
    std::string name;
    const domain::Actor* actor;
    domain::AssetQuery q;
  };
  std::vector<Case> cases;
  cases.push_back({"first page, whole city", &ciso, {}});
  domain::AssetQuery deep;
  deep.page = {200, 50};
  cases.push_back({"page 200, whole city", &ciso, deep});
  domain::AssetQuery own;
  own.owner_org_unit_id = sections[3].id;
  cases.push_back({"one section, as its staff", &staff, own});
  domain::AssetQuery secret;
  secret.min_confidentiality = 3;
  cases.push_back({"機密性3 only", &ciso, secret});
  domain::AssetQuery search;
  search.q = "住民記録";
  cases.push_back({"name search", &ciso, search});
  double first_page = NAN;
  for (const auto& c : cases) {
    bool ok = true;
    int64_t total = 0;
    const double ms = MedianMillis(15, [&] {
      auto r = assets.List(*c.actor, c.q);
      ok = ok && r.ok();
      if (r.ok()) total = r->total;
    });
    Say("List " + c.name + ": " + Thousands(ms, 1) + " ms (median of 15; " + Thousands(static_cast<double>(total)) +
        " match)" + (ok ? "" : " FAILED"));
    if (c.name == cases.front().name && ok) first_page = ms;
  }
  Row page;
  page.name = "asset list page of 50 out of " + Thousands(static_cast<double>(o.assets));
  page.kind = Row::Kind::kAtMost;
  page.value = first_page;
  page.target = 20;
  page.note = "AssetService::List with the total, median of 15; the other queries are in the lines above";
  g_rows.push_back(page);

  // A 10,000-row register file, as Excel saves it, imported whole into the register above.
  const int64_t kRows = 10000;
  std::string csv = std::string(kUtf8Bom) + "名称,種別,所管課コード,機密性,完全性,可用性,取扱制限,保管場所\r\n";
  for (int64_t i = 0; i < kRows; ++i)
    csv += "取込資産" + std::to_string(i) + ",電子データ," + sections[static_cast<size_t>(i) % sections.size()].code +
           ",機密性2,1,1,複製禁止、持出禁止,書庫\r\n";
  Row import;
  import.name = "CSV import rows/s (10,000 rows, all or nothing)";
  import.kind = Row::Kind::kRatio;
  import.limit = raw_rate;
  import.limit_name = "raw asset inserts, no checks, no log";
  import.target = 0.25;
  {
    const auto t0 = SteadyClock::now();
    auto text = DecodeText(csv, TextEncoding::kAuto);
    auto table = text.ok() ? ParseCsv(text->text) : Result<CsvTable>(text.error());
    const double parse_s = Since(t0);
    if (!table.ok()) {
      import.note = "parse failed: " + table.error().detail;
    } else {
      domain::Actor manager = ciso;
      manager.roles.push_back({"r3", ciso.user_id, "information_manager", "city", "", "", "", "", 1, "bench", 0, ""});
      auto r = assets.Import(manager, *table, {});
      const double s = Since(t0);
      if (r.ok()) {
        import.value = static_cast<double>(r->rows) / s;
        import.note = "the file parsed in " + Thousands(parse_s * 1000, 0) + " ms; import " + Thousands(s, 2) +
                      " s with " + Thousands(static_cast<double>(kRows + 1)) + " log entries in one transaction";
      } else {
        import.note = "import failed: " + r.error().detail;
      }
    }
    Say("CSV import of 10,000 rows: " + (std::isfinite(import.value) ? Rate(import.value) : import.note));
  }
  g_rows.push_back(import);
  l = LogDb{};
  RemoveDb(path);
}

// ---------------------------------------------------------------------------------------------
// --micro: Google Benchmark micro-benchmarks of the primitives behind the table.

storage::LogEntryRecord MicroRecord() {
  audit::Event ev = SampleEvent(1);
  return {123456, 1735689600000000, ev.actor, ev.actor_login, ev.session, ev.address, ev.action, ev.target,
          ev.result, ev.clause, ev.detail.dump(), std::string(64, 'a'), ""};
}

void BM_Sha256Hasher(benchmark::State& state) {
  crypto::Sha256Hasher h;
  std::string msg(static_cast<size_t>(state.range(0)), 'x');
  unsigned char out[32];
  for (auto _ : state) {
    h.Update(msg);
    h.Final(out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Sha256Hasher)->Arg(64)->Arg(256)->Arg(1024);

void BM_CanonicalEncoding(benchmark::State& state) {
  const auto rec = MicroRecord();
  for (auto _ : state) benchmark::DoNotOptimize(audit::CanonicalEncoding(rec));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CanonicalEncoding);

void BM_EntryHash(benchmark::State& state) {
  const auto rec = MicroRecord();
  for (auto _ : state) benchmark::DoNotOptimize(audit::EntryHash(rec));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EntryHash);

// A checkpoint signature and its check, as OperationLog does them (from the PEM text each time).
void BM_CheckpointSign(benchmark::State& state) {
  const auto kp = crypto::GenerateEcP256();
  const std::string msg = audit::CheckpointMessage(256, std::string(64, 'a'), 0);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::SignEcdsaSha256(kp->private_pem, msg));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckpointSign);

void BM_CheckpointVerify(benchmark::State& state) {
  const auto kp = crypto::GenerateEcP256();
  const std::string msg = audit::CheckpointMessage(256, std::string(64, 'a'), 0);
  const auto sig = crypto::SignEcdsaSha256(kp->private_pem, msg);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::VerifyEcdsaSha256(kp->public_pem, msg, *sig));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckpointVerify);

void BM_Argon2idVerify(benchmark::State& state) {
  const auth::Argon2Params p{19456, 2};
  const auto phc = auth::HashPassword(kNewPassword, p);
  for (auto _ : state) benchmark::DoNotOptimize(auth::VerifyPassword(*phc, kNewPassword));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Argon2idVerify)->Unit(benchmark::kMillisecond)->UseRealTime();

int RunMicro(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--micro") {
      // Hand the rest to Google Benchmark (e.g. --benchmark_filter=EntryHash).
      std::vector<char*> rest = {argv[0]};
      for (int j = 1; j < argc; ++j)
        if (j != i) rest.push_back(argv[j]);
      int n = static_cast<int>(rest.size());
      crypto::EnsureInitialized();
      return RunMicro(n, rest.data());
    }
  }

  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "mamori_bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      Usage();
      return 0;
    } else if (a == "--mamori") o.mamori = next();
    else if (a == "--source") o.source_dir = next();
    else if (a == "--work") o.work = next();
    else if (a == "--keep") o.keep = true;
    else if (a == "--http-seconds") o.http_seconds = std::max(1, std::stoi(next()));
    else if (a == "--cpu-seconds") o.cpu_seconds = std::max(0.5, std::stod(next()));
    else if (a == "--append-seconds") o.append_seconds = std::max(0.5, std::stod(next()));
    else if (a == "--verify-entries") o.verify_entries = std::max<int64_t>(1000, std::stoll(next()));
    else if (a == "--append-threads") o.append_threads = std::max(1, std::stoi(next()));
    else if (a == "--login-connections") o.login_connections = std::max(1, std::stoi(next()));
    else if (a == "--get-connections") o.get_connections = std::max(1, std::stoi(next()));
    else if (a == "--org-units") o.org_units = std::max(0, std::stoi(next()));
    else if (a == "--only") o.only = next();
    else if (a == "--assets") o.assets = std::max<int64_t>(10000, std::stoll(next()));
    else if (a == "--quick") {
      o.http_seconds = 3;
      o.cpu_seconds = 2;
      o.append_seconds = 2;
      o.verify_entries = 200000;
      o.assets = 100000;
    } else if (a == "--skip-http") o.skip_http = true;
    else if (a == "--skip-nginx") o.skip_nginx = true;
    else {
      std::cerr << "mamori_bench: unknown option " << a << "\n";
      Usage();
      return 2;
    }
  }

  signal(SIGPIPE, SIG_IGN);
  crypto::EnsureInitialized();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  spdlog::set_level(spdlog::level::warn);

  bool own_work = false;
  if (o.work.empty()) {
    char tmpl[] = "/tmp/mamori-bench-XXXXXX";
    if (!mkdtemp(tmpl)) {
      std::perror("mkdtemp");
      return 0;
    }
    o.work = tmpl;
    own_work = true;
  } else {
    fs::create_directories(o.work);
  }
  o.work = fs::absolute(o.work).lexically_normal().string();
  o.mamori = fs::absolute(o.mamori).lexically_normal().string();

  std::cout << "mamori_bench: " << CpuModel() << ", " << std::thread::hardware_concurrency() << " hardware threads\n"
            << "  load average at start: " << LoadAverage() << "  (other work on the machine lowers every figure;\n"
            << "  each ratio's limit is measured in this run for that reason)\n"
            << "  SQLite " << sqlite3_libversion() << ", libsodium " << sodium_version_string() << ", "
            << curl_version() << "\n"
            << "  server: " << o.mamori << "\n  scratch: " << o.work << std::endl;

  const std::string kobe = o.source_dir + "/policy/kobe.yaml";
  auto pack = policy::LoadPackFile(kobe);
  if (!pack.ok()) {
    std::cout << "cannot load " << kobe << ": " << pack.error().detail << "\n";
    return 0;
  }
  if (!o.skip_http && access(o.mamori.c_str(), X_OK) != 0) {
    std::cout << "no server binary at " << o.mamori << ": HTTP figures skipped\n";
    o.skip_http = true;
  }

  auto kp = crypto::GenerateEcP256();
  if (!kp.ok()) {
    std::cout << "cannot make a signing key: " << kp.error().detail << "\n";
    return 0;
  }
  const audit::SigningKey key{"", kp->private_pem, kp->public_pem};
  const audit::SigningKey signing{audit::KeyIdOf(key.public_pem), key.private_pem, key.public_pem};

  const auto t0 = SteadyClock::now();
  auto run = [&](const char* section) { return o.only.empty() || o.only == section; };
  if (run("logins")) BenchLogins(o, *pack, kobe);
  if (run("appends")) BenchAppends(o, signing);
  if (run("verify")) BenchVerify(o, signing);
  if (run("get")) BenchGet(o, kobe);
  if (run("assets")) BenchAssets(o, *pack, signing);

  PrintTable();
  std::cout << "\nload average at end: " << LoadAverage() << "; total " << Thousands(Since(t0), 0) << " s\n";
  if (o.keep || !own_work) {
    std::cout << "scratch kept at " << o.work << "\n";
  } else {
    std::error_code ec;
    fs::remove_all(o.work, ec);
  }
  curl_global_cleanup();
  return 0;
}
