#include "petrel/persistence/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace petrel::persistence {
namespace {

// The child's private dirty memory: pages it (or the parent, since the fork) wrote.
int64_t PrivateDirtyBytes() {
  FILE* f = std::fopen("/proc/self/smaps_rollup", "r");
  if (f == nullptr) return 0;
  char line[256];
  int64_t kb = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    long long v = 0;
    if (std::sscanf(line, "Private_Dirty: %lld kB", &v) == 1) kb += v;
  }
  std::fclose(f);
  return kb * 1024;
}

// Listening sockets must not outlive the parent in a child; nor must clients or files. Only the
// descriptors in `keep` (sorted) stay open.
void CloseInheritedExcept(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned from = 3;
  for (int fd : keep) {
    if (fd < 3) continue;
    if (static_cast<unsigned>(fd) > from) {
      ::syscall(SYS_close_range, from, static_cast<unsigned>(fd - 1), 0u);
    }
    from = static_cast<unsigned>(fd) + 1;
  }
  ::syscall(SYS_close_range, from, ~0u, 0u);
}

}  // namespace

ChildProcess::~ChildProcess() { Kill(); }

bool ChildProcess::Start(const std::function<std::string()>& work, std::vector<int> keep_fds) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGUSR1, SIG_DFL);
    ::close(fds[0]);
    keep_fds.push_back(fds[1]);
    CloseInheritedExcept(std::move(keep_fds));
    const std::string error = work();
    std::string report(sizeof(int64_t), '\0');
    const int64_t cow = PrivateDirtyBytes();
    std::memcpy(report.data(), &cow, sizeof(cow));
    report += error;
    [[maybe_unused]] ssize_t n = ::write(fds[1], report.data(), report.size());
    ::_exit(error.empty() ? 0 : 1);
  }
  ::close(fds[1]);
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  pid_ = pid;
  report_fd_ = fds[0];
  return true;
}

std::optional<ChildResult> ChildProcess::Poll() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == 0) return std::nullopt;
  ChildResult r;
  if (done == pid_) {
    if (WIFEXITED(status)) {
      r.exit_status = WEXITSTATUS(status);
      r.ok = r.exit_status == 0;
    } else if (WIFSIGNALED(status)) {
      r.signal = WTERMSIG(status);
    }
  }
  char report[4096];
  const ssize_t n = ::read(report_fd_, report, sizeof(report));
  if (n >= static_cast<ssize_t>(sizeof(int64_t))) {
    std::memcpy(&r.cow_bytes, report, sizeof(int64_t));
    r.error.assign(report + sizeof(int64_t), static_cast<size_t>(n) - sizeof(int64_t));
  }
  ::close(report_fd_);
  report_fd_ = -1;
  pid_ = -1;
  return r;
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGUSR1);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  ::close(report_fd_);
  report_fd_ = -1;
  pid_ = -1;
}

}  // namespace petrel::persistence
