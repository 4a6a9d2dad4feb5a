// The replication backlog: the newest bytes of the replication stream, so a replica that lost
// its link can continue from where it stopped instead of loading a full snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace petrel::replication {

class Backlog {
 public:
  explicit Backlog(size_t capacity);

  // Changes the capacity, keeping as many of the newest bytes as fit.
  void Resize(size_t capacity);
  // Appends stream bytes; `end_offset` is the stream offset after them.
  void Append(std::string_view bytes);

  size_t capacity() const { return buf_.size(); }
  size_t histlen() const { return histlen_; }
  // Stream offset of the oldest byte held (Redis's repl_backlog_first_byte_offset): bytes are
  // numbered from 1, so the stream's byte N is held when first_offset() <= N < end + 1.
  int64_t first_offset() const { return end_offset_ - static_cast<int64_t>(histlen_) + 1; }
  int64_t end_offset() const { return end_offset_; }
  // Starts numbering at `offset` (the stream offset before the next byte appended), dropping
  // what is held.
  void Reset(int64_t offset);
  // Whether byte `from` (1-based) and all after it are held, and copies them into `out`.
  bool CopyFrom(int64_t from, std::string& out) const;

 private:
  std::string buf_;
  size_t head_ = 0;  // where the next byte goes
  size_t histlen_ = 0;
  int64_t end_offset_ = 0;
};

}  // namespace petrel::replication
