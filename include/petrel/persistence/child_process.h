// A forked child that writes a snapshot (BGSAVE) or an AOF base (BGREWRITEAOF) from the
// parent's memory as it was at the fork: copy-on-write gives it a consistent view for free while
// the event loop goes on serving clients. The parent polls for its end from the cron.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace petrel::persistence {

struct ChildResult {
  bool ok = false;        // exited with status 0
  int exit_status = -1;   // when it exited
  int signal = 0;         // when a signal killed it
  int64_t cow_bytes = 0;  // memory the child had to copy (its private dirty pages)
  std::string error;      // what the child reported going wrong
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // Forks. The child closes every inherited descriptor (listening sockets, clients, the AOF),
  // runs `work` (which returns an error text, empty on success) and exits without running
  // destructors. False (errno set) if fork failed.
  bool Start(const std::function<std::string()>& work, std::vector<int> keep_fds = {});
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // The result once the child has exited; nullopt while it runs.
  std::optional<ChildResult> Poll();
  // Kills the child and reaps it (FLUSHALL, SHUTDOWN, appendonly turned off).
  void Kill();

 private:
  pid_t pid_ = -1;
  int report_fd_ = -1;  // the child writes its copy-on-write figure here
};

}  // namespace petrel::persistence
