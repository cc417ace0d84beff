// The one launcher of `mamori` processes for the test and benchmark programs: run a command to
// completion (init, log verify…), and start `mamori serve` on a free loopback port, waiting
// until /healthz answers — retrying on another port when one was taken meanwhile — and stop it.
// Only processes started here are ever signalled.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mamori::testkit {

// A loopback TCP port that was free a moment ago (0 when none could be bound).
uint16_t FreePort();

struct ProcResult {
  int exit_code = -1;   // exit status, or 128+signal
  std::string output;   // stdout and stderr, interleaved
};
// Runs `argv` to completion, feeding `stdin_data` on standard input (a pipe, so never a
// terminal).
ProcResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_data = "");

// Waits for a child: its exit code (128+signal), or -1 when `timeout_seconds` passed first
// (it is left running).
int WaitExit(pid_t pid, double timeout_seconds);
// SIGTERM (or `sig`), then SIGKILL when it has not ended within `timeout_seconds`: its exit
// code (128+signal) when it ended by itself, -1 when it had to be killed.
int StopProcess(pid_t pid, double timeout_seconds = 20, int sig = 15 /* SIGTERM */);

struct ServeOptions {
  std::string binary;             // the mamori executable
  std::vector<std::string> args;  // after `serve`: --data DIR or --config FILE, and any others
  // 0: a free loopback port is chosen and `--listen 127.0.0.1:PORT` added (another is tried
  // when one was taken meanwhile); otherwise the port the server's configuration listens on.
  uint16_t port = 0;
  std::string log_path;           // stdout and stderr are appended here
  std::string ca_file;            // trusted when probing /healthz; "" = not checked
  double timeout_seconds = 30;    // to answer /healthz
  int port_attempts = 5;
  // The server gets SIGTERM when the thread that started it ends (a benchmark killed midway
  // leaves nothing running).
  bool die_with_parent = false;
};

struct ServedProcess {
  pid_t pid = -1;        // > 0 when it answers
  uint16_t port = 0;
  std::string base_url;  // https://127.0.0.1:PORT
  std::string error;     // why it did not start, with the tail of its log
  bool ok() const { return pid > 0; }
};
ServedProcess LaunchServe(const ServeOptions& options);

}  // namespace mamori::testkit
