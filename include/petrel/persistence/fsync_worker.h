// A background thread for the fsyncs and closes of AOF files that must not stall the event
// loop (appendfsync everysec, and closing a file handed over after a rewrite).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace petrel::persistence {

class FsyncWorker {
 public:
  FsyncWorker();
  ~FsyncWorker();

  // Queues an fdatasync of `fd` (then a close, when `close_after`). Jobs run in order.
  void Submit(int fd, bool close_after);
  // Jobs queued or running.
  int pending() const { return pending_.load(); }
  // errno of the last failed fsync, 0 once one succeeds again.
  int last_error() const { return last_error_.load(); }
  // Waits for every queued job (shutdown).
  void Drain();

 private:
  struct Job {
    int fd;
    bool close_after;
  };
  void Run();

  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<Job> jobs_;
  std::atomic<int> pending_{0};
  std::atomic<int> last_error_{0};
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace petrel::persistence
