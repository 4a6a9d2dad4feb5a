#include "petrel/replication/backlog.h"

#include <algorithm>
#include <cstring>

namespace petrel::replication {

Backlog::Backlog(size_t capacity) : buf_(std::max<size_t>(capacity, 1), '\0') {}

void Backlog::Reset(int64_t offset) {
  head_ = 0;
  histlen_ = 0;
  end_offset_ = offset;
}

void Backlog::Append(std::string_view bytes) {
  end_offset_ += static_cast<int64_t>(bytes.size());
  const size_t cap = buf_.size();
  if (bytes.size() >= cap) bytes = bytes.substr(bytes.size() - cap);
  while (!bytes.empty()) {
    const size_t n = std::min(bytes.size(), cap - head_);
    std::memcpy(buf_.data() + head_, bytes.data(), n);
    head_ = (head_ + n) % cap;
    bytes.remove_prefix(n);
    histlen_ = std::min(cap, histlen_ + n);
  }
}

bool Backlog::CopyFrom(int64_t from, std::string& out) const {
  if (from < first_offset() || from > end_offset_ + 1) return false;
  const size_t count = static_cast<size_t>(end_offset_ + 1 - from);
  const size_t cap = buf_.size();
  size_t start = (head_ + cap - count) % cap;
  out.reserve(out.size() + count);
  for (size_t left = count; left > 0;) {
    const size_t n = std::min(left, cap - start);
    out.append(buf_.data() + start, n);
    start = (start + n) % cap;
    left -= n;
  }
  return true;
}

void Backlog::Resize(size_t capacity) {
  capacity = std::max<size_t>(capacity, 1);
  if (capacity == buf_.size()) return;
  std::string kept;
  CopyFrom(end_offset_ + 1 - static_cast<int64_t>(std::min(histlen_, capacity)), kept);
  buf_.assign(capacity, '\0');
  const int64_t end = end_offset_;
  Reset(end - static_cast<int64_t>(kept.size()));
  Append(kept);
}

}  // namespace petrel::replication
