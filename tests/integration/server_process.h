// ServerProcess: runs one petrel-server (or, for checking the tests themselves, any redis-server
// compatible binary) on a free loopback port for the lifetime of the object.
//
// The binary is $PETREL_SERVER_BIN when that is set in the environment (so the same tests can be
// pointed at /usr/bin/redis-server to check that they expect what Redis does), otherwise the
// PETREL_SERVER_BIN compile definition that tests/CMakeLists.txt provides.
//
// Start-up: a fresh temporary directory becomes the server's working directory (its log is
// `server.log` there); the server is started with
//   [server.conf] --port P --bind 127.0.0.1 --save '' --appendonly no <extra args...>
// and the constructor returns once the process both listens on P and answers a PING (any reply
// counts, so -NOAUTH under requirepass is fine). Waiting is polling with a deadline, never a fixed
// sleep. If the port turns out to be taken (another test grabbed it first), a new one is tried.
//
// The destructor always stops the process: SIGTERM, a bounded wait, then SIGKILL. The child also
// gets SIGKILL if the test process itself dies. On a failed test the tail of the log is printed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace petrel::test {

struct ServerOptions {
  // Extra command-line arguments, appended after the standard ones, e.g. {"--maxclients", "2"}.
  std::vector<std::string> args;
  // If not empty, written to <dir>/server.conf and passed as the first argument.
  std::string config_text;
  // How long to wait for the server to answer PING after starting it.
  std::chrono::milliseconds start_timeout{15000};
};

// Options with only extra arguments: ServerProcess server(WithArgs({"--timeout", "1"})).
inline ServerOptions WithArgs(std::vector<std::string> args) {
  ServerOptions options;
  options.args = std::move(args);
  return options;
}

class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // The binary that is started: $PETREL_SERVER_BIN, else the compile-time PETREL_SERVER_BIN.
  static std::string BinaryPath();
  // A loopback TCP port that was free a moment ago.
  static int PickFreePort();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  std::string log_path() const { return dir_ + "/server.log"; }

  // Resident set size in bytes (VmRSS from /proc/<pid>/status); -1 if the process is gone.
  int64_t RssBytes() const;
  // True while the process has not exited (reaps it if it has).
  bool Running();
  // Waits up to `timeout` for the process to exit by itself. Returns its raw wait status
  // (see WIFEXITED and friends) or nullopt if it is still running at the deadline.
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout);
  // Sends `signal` and waits up to `timeout` for the exit; returns the wait status or nullopt.
  std::optional<int> Signal(int signal, std::chrono::milliseconds timeout);
  // The whole log written so far.
  std::string ReadLog() const;

 private:
  // Starts the process on `port_`; returns true once it answers, false if it exited first.
  bool Launch(const ServerOptions& options);
  bool ListensOnPort() const;
  bool AnswersPing() const;
  void KillAndReap();

  int port_ = 0;
  pid_t pid_ = -1;
  std::string dir_;
  std::optional<int> exit_status_;
};

}  // namespace petrel::test
