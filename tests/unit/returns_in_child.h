// ReturnsInChild: runs a piece of a test in a forked child with bounded memory and time, for
// inputs that could hang or abort the process (a hang then fails one test, not the whole run).
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <exception>
#include <functional>
#include <typeinfo>

namespace petrel::testing {

// Runs `fn` in a child process limited to `max_mb` of address space (not under ASan); true when it returns within
// `seconds` (false when it hangs, crashes or runs out of memory). A hang then fails the test
// instead of stopping the whole run.
inline bool ReturnsInChild(const std::function<void()>& fn, int seconds, size_t max_mb = 1024) {
  const pid_t pid = ::fork();
  if (pid == 0) {
#if !defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer reserves terabytes of address space for its shadow memory, so the
    // limit would stop it at start-up; under it, its own allocator limits catch runaway sizes.
    const rlimit limit{max_mb << 20, max_mb << 20};
    ::setrlimit(RLIMIT_AS, &limit);
#endif
    // An exception must end the child here, not reach the test runner it is a copy of.
    try {
      fn();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: uncaught %s: %s\n", typeid(e).name(), e.what());
      ::_exit(3);
    }
    ::_exit(0);
  }
  for (int waited_ms = 0; waited_ms < seconds * 1000; waited_ms += 10) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    ::usleep(10000);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return false;
}

}  // namespace petrel::testing
