#include "server_launcher.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "https_client.hpp"

namespace mamori::testkit {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

ProcResult RunProcess(const std::vector<std::string>& args, const std::string& stdin_data) {
  ProcResult r;
  std::vector<std::string> all = args;
  std::vector<char*> argv = Argv(all);
  std::string out_path = (fs::temp_directory_path() / "mamori-kit-out-XXXXXX").string();
  const int out = mkstemp(out_path.data());
  int in[2];
  if (out < 0 || pipe(in) != 0) {
    r.output = "cannot make the child's pipes";
    return r;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out, 1);
    dup2(out, 2);
    close(in[0]);
    close(in[1]);
    close(out);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out);
  size_t off = 0;
  while (pid > 0 && off < stdin_data.size()) {
    const ssize_t w = write(in[1], stdin_data.data() + off, stdin_data.size() - off);
    if (w <= 0) break;  // the child stopped reading
    off += static_cast<size_t>(w);
  }
  close(in[1]);
  int status = 0;
  if (pid > 0 && waitpid(pid, &status, 0) == pid)
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.output = ReadAll(out_path);
  unlink(out_path.c_str());
  return r;
}

int WaitExit(pid_t pid, double timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -2;
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(20ms);
  }
}

int StopProcess(pid_t pid, double timeout_seconds, int sig) {
  if (pid <= 0) return 0;
  kill(pid, sig);
  const int code = WaitExit(pid, timeout_seconds);
  if (code != -1) return code;
  kill(pid, SIGKILL);
  WaitExit(pid, 5);
  return -1;
}

ServedProcess LaunchServe(const ServeOptions& o) {
  ServedProcess s;
  for (int attempt = 0; attempt < o.port_attempts; ++attempt) {
    const uint16_t port = o.port != 0 ? o.port : FreePort();
    std::vector<std::string> args{o.binary, "serve"};
    args.insert(args.end(), o.args.begin(), o.args.end());
    if (o.port == 0) args.insert(args.end(), {"--listen", "127.0.0.1:" + std::to_string(port)});
    std::vector<char*> argv = Argv(args);
    const int log = open(o.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (log < 0) {
      s.error = "cannot open " + o.log_path;
      return s;
    }
    const size_t log_before = ReadAll(o.log_path).size();
    const pid_t pid = fork();
    if (pid == 0) {
      const int devnull = open("/dev/null", O_RDONLY);
      dup2(devnull, 0);
      dup2(log, 1);
      dup2(log, 2);
      if (o.die_with_parent) prctl(PR_SET_PDEATHSIG, SIGTERM);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(log);
    if (pid < 0) {
      s.error = "fork failed";
      return s;
    }
    const std::string base_url = "https://127.0.0.1:" + std::to_string(port);
    HttpsClient probe(o.ca_file);
    probe.timeout_seconds = 10;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.timeout_seconds);
    bool died = false;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        died = true;
        break;
      }
      if (probe.Send("GET", base_url + "/healthz", std::nullopt).status == 200) {
        s.pid = pid;
        s.port = port;
        s.base_url = base_url;
        return s;
      }
      std::this_thread::sleep_for(50ms);
    }
    const std::string log_text = ReadAll(o.log_path).substr(log_before);
    if (!died) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      s.error = "mamori serve did not answer /healthz in time: " + log_text;
      return s;
    }
    // Someone took the port between our probe and the server's bind: try another.
    if (o.port != 0 || log_text.find("in use") == std::string::npos) {
      s.error = "mamori serve exited: " + log_text;
      return s;
    }
  }
  s.error = "mamori serve: no free port after " + std::to_string(o.port_attempts) + " attempts";
  return s;
}

}  // namespace mamori::testkit
