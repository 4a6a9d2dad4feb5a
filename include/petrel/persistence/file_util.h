// Small file-system helpers shared by the RDB and AOF code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace petrel::persistence {

// Writes all of `bytes`, retrying short writes and EINTR; false with errno set on failure.
bool WriteAll(int fd, std::string_view bytes);
// fsyncs a file being written every 4 MB, so the kernel does not build up a burst of dirty
// pages to write at the end (Redis's rdb-save-incremental-fsync).
class IncrementalSync {
 public:
  IncrementalSync(int fd, bool enabled) : fd_(fd), enabled_(enabled) {}
  // Counts `n` more bytes written; false (errno set) if a due fsync failed.
  bool Wrote(size_t n);

 private:
  int fd_;
  bool enabled_;
  size_t unsynced_ = 0;
};

// fsyncs the directory holding `path`, so a rename or a new file in it is durable.
void SyncDirectoryOf(const std::string& path);
// The working directory (error messages name it, as Redis's do).
std::string CurrentDirectory();
// Size of the file at `path`, or -1 if it cannot be read.
int64_t FileSize(const std::string& path);
bool FileExists(const std::string& path);
// `dir` + "/" + `name`.
std::string JoinPath(std::string_view dir, std::string_view name);

}  // namespace petrel::persistence
