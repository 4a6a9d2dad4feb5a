// SLOWLOG: the most recent commands that ran longer than slowlog-log-slower-than.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace petrel::command {

struct SlowlogEntry {
  uint64_t id;
  int64_t unix_seconds;
  int64_t duration_us;
  std::vector<std::string> args;  // at most 32, each cut to 128 bytes as Redis does
  std::string client_addr;
  std::string client_name;
};

class Slowlog {
 public:
  void Record(std::span<const std::string_view> args, int64_t unix_seconds, int64_t duration_us,
              const std::string& addr, const std::string& name, size_t max_len);
  const std::deque<SlowlogEntry>& entries() const { return entries_; }  // newest first
  void Reset() { entries_.clear(); }

 private:
  std::deque<SlowlogEntry> entries_;
  uint64_t next_id_ = 0;
};

}  // namespace petrel::command
