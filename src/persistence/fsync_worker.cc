#include "petrel/persistence/fsync_worker.h"

#include <unistd.h>

#include <cerrno>

namespace petrel::persistence {

FsyncWorker::FsyncWorker() : thread_([this] { Run(); }) {}

FsyncWorker::~FsyncWorker() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void FsyncWorker::Submit(int fd, bool close_after) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back({fd, close_after});
    ++pending_;
  }
  wake_.notify_one();
}

void FsyncWorker::Drain() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return pending_.load() == 0; });
}

void FsyncWorker::Run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping with nothing left
    const Job job = jobs_.front();
    jobs_.pop_front();
    lock.unlock();
    if (::fdatasync(job.fd) != 0 && errno != EBADF && errno != EINVAL) {
      last_error_ = errno;
    } else {
      last_error_ = 0;
    }
    if (job.close_after) ::close(job.fd);
    lock.lock();
    if (--pending_ == 0) idle_.notify_all();
  }
}

}  // namespace petrel::persistence
