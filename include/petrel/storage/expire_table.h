// Expire times of the keys that have one: an open-addressing map from entry to unix time in ms.
// Only keys with a TTL pay for it; an entry's has_ttl bit says whether to look here at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "petrel/storage/entry.h"

namespace petrel::storage {

class ExpireTable {
 public:
  struct Slot {
    Entry* entry = nullptr;
    int64_t when_ms = 0;
  };

  size_t size() const { return size_; }
  size_t capacity() const { return slots_.size(); }
  const Slot& slot(size_t i) const { return slots_[i]; }

  // -1 when the entry has no expire time.
  int64_t Get(const Entry* e) const;
  void Set(Entry* e, int64_t when_ms);
  bool Erase(const Entry* e);
  void Clear();
  void MaybeShrink();

 private:
  size_t Home(const Entry* e) const;
  void Rebuild(size_t capacity);

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace petrel::storage
