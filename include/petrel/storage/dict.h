// The key table of one database: chained buckets over entries that carry their own link.
// Power-of-two sizes and a reverse-binary SCAN cursor, so a key present for a whole scan is
// reported at least once even while the table grows or shrinks between calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "petrel/storage/entry.h"

namespace petrel::storage {

uint64_t HashKey(std::string_view key);

inline uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

class Dict {
 public:
  Dict() = default;
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&& other) noexcept;
  Dict& operator=(Dict&& other) noexcept;
  ~Dict() { Clear(); }

  size_t size() const { return size_; }
  size_t bucket_count() const { return buckets_.size(); }

  Entry* Find(std::string_view key) const;
  // Adds an entry for `key`, which must not be present.
  Entry* Insert(std::string_view key);
  // Adds an entry for `key` unless it is present (then nullptr): one lookup instead of two.
  Entry* TryInsert(std::string_view key);
  // Unlinks the entry of `key` and returns it (the caller frees it), or nullptr.
  Entry* Detach(std::string_view key);
  // Frees every entry.
  void Clear();

  // Calls fn(Entry*) for the entries of one bucket position (in every table size) and returns the
  // next cursor, 0 when the scan is complete.
  template <typename F>
  uint64_t Scan(uint64_t cursor, F&& fn) const;
  // A uniformly chosen bucket's random entry, or nullptr when empty.
  Entry* Random(std::mt19937_64& rng) const;
  template <typename F>
  void ForEach(F&& fn) const;
  // Shrinks the table if it became sparse (called from the cron, not on every delete).
  void MaybeShrink();
  // Grows the table for `count` entries at once (loading a file that announces its size).
  void Reserve(size_t count);

 private:
  void Resize(size_t buckets);
  size_t Slot(std::string_view key) const { return HashKey(key) & (buckets_.size() - 1); }

  std::vector<Entry*> buckets_;
  size_t size_ = 0;
};

template <typename F>
uint64_t Dict::Scan(uint64_t cursor, F&& fn) const {
  if (buckets_.empty()) return 0;
  const uint64_t mask = buckets_.size() - 1;
  for (Entry* e = buckets_[cursor & mask]; e != nullptr;) {
    Entry* next = e->next;
    fn(e);
    e = next;
  }
  // Increment the reversed cursor: high bits first, so buckets split or merged by a resize are
  // visited consistently.
  cursor |= ~mask;
  cursor = ReverseBits(ReverseBits(cursor) + 1);
  return cursor;
}

template <typename F>
void Dict::ForEach(F&& fn) const {
  for (Entry* head : buckets_) {
    for (Entry* e = head; e != nullptr;) {
      Entry* next = e->next;
      fn(e);
      e = next;
    }
  }
}

}  // namespace petrel::storage
