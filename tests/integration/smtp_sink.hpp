// A real local SMTP server for the integration tests: Debian's python3-aiosmtpd running
// tests/integration/smtp_sink.py, which writes each accepted message as one JSON file.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"

namespace mamori::itest {

// The SMTP server of tests/integration/smtp_sink.py: each accepted message one JSON file.
class SmtpSink {
 public:
  explicit SmtpSink(std::string dir) : dir_(std::move(dir)) { std::filesystem::create_directories(dir_ + "/mail"); }
  ~SmtpSink() {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Starts on `port`, or on the first free port of the range when 0; the port.
  int Start(int port = 0) {
    Require(pid_ <= 0, "smtp sink already running");
    const std::string port_file = dir_ + "/port";
    std::filesystem::remove(port_file);
    // The two engines' runs may overlap: each takes its half of the range.
    const int first = Engine() == "postgres" ? 43150 : 43100;
    const std::string ports = port ? std::to_string(port) + "-" + std::to_string(port)
                                   : std::to_string(first) + "-" + std::to_string(first + 49);
    const std::string script = SourceDir() + "/tests/integration/smtp_sink.py";
    pid_ = fork();
    Require(pid_ >= 0, "fork failed");
    if (pid_ == 0) {
      const std::string log = dir_ + "/sink.log";
      FILE* f = freopen(log.c_str(), "a", stderr);
      (void)f;
      execl("/usr/bin/python3", "python3", script.c_str(), "--dir", (dir_ + "/mail").c_str(), "--ports",
            ports.c_str(), "--port-file", port_file.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 300; ++i) {
      std::ifstream in(port_file);
      int p = 0;
      if (in >> p && p > 0) return port_ = p;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream log(dir_ + "/sink.log");
    std::stringstream ss;
    ss << log.rdbuf();
    throw std::runtime_error("the SMTP sink did not start (python3-aiosmtpd installed?): " + ss.str());
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  int port() const { return port_; }

  // Every message received so far.
  std::vector<json> Messages() const {
    std::vector<json> out;
    for (const auto& e : std::filesystem::directory_iterator(dir_ + "/mail")) {
      if (e.path().extension() != ".json" || e.path().filename().string()[0] == '.') continue;
      std::ifstream in(e.path());
      out.push_back(json::parse(in, nullptr, false));
    }
    return out;
  }

  // The messages to `address` whose body links each request of `ids`, waiting until every one
  // has come (or 30 s): all messages to `address` that link any of them.
  // `path` is the app's path the links start with ("/requests/", "/r/lending/").
  std::vector<json> WaitForLinks(const std::string& address, const std::vector<std::string>& ids,
                                 const std::string& path = "/requests/", int tenths = 300) const {
    std::vector<json> got;
    for (int i = 0; i < tenths; ++i) {
      got.clear();
      std::set<std::string> linked;
      for (auto& m : Messages()) {
        if (m.value("to", "") != address) continue;
        bool mine = false;
        for (const auto& id : ids)
          if (m.value("body", "").find(path + id) != std::string::npos) {
            linked.insert(id);
            mine = true;
          }
        if (mine) got.push_back(m);
      }
      if (linked.size() == ids.size()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return got;
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// For a suite of a second town that sends mail: a new temporary DIR (tagged `tag`) in `dir`,
// DIR/town.yaml written from the source tree's pack `pack` with the line `from` replaced by `to`
// (throws naming `what` when the line is not there), and a started SmtpSink in DIR/smtp in `sink`.
inline void PrepareMailTown(const std::string& tag, const std::string& pack, const std::string& from,
                            const std::string& to, const std::string& what, std::string& dir, SmtpSink*& sink) {
  dir = MakeTempDir(tag);
  std::ifstream in(SourceDir() + "/" + pack);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  Require(text.find(from) != std::string::npos, what + " is not where the test expects it");
  text.replace(text.find(from), from.size(), to);
  std::ofstream(dir + "/town.yaml") << text;
  sink = new SmtpSink(dir + "/smtp");
  sink->Start();
}

// The mamori.yaml lines (for Reconfigure) that send mail through the SmtpSink on `port`, retry
// every second, check deadlines every second and link to https://mamori.town.example.jp.
inline std::string TownMailSettings(int port) {
  return "smtp_url: smtp://127.0.0.1:" + std::to_string(port) +
         "\nsmtp_from: mamori@town.example.jp\nsmtp_tls: false\nsmtp_retry_seconds: 1\n"
         "deadline_check_seconds: 1\npublic_url: https://mamori.town.example.jp\n";
}

// Runs one step of a suite's set-up: anything `step` throws is kept in `error` and reported as a
// failure of the set-up. Whether the step ran through.
inline bool SetUpStep(std::string& error, const std::function<void()>& step) {
  try {
    step();
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    ADD_FAILURE() << "suite set-up failed: " << e.what();
    return false;
  }
}

// Undoes PrepareMailTown: stops and deletes the sink, removes DIR.
inline void RemoveMailTown(std::string& dir, SmtpSink*& sink) {
  delete sink;
  sink = nullptr;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace mamori::itest
