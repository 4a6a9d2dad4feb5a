#include "petrel/storage/expire_table.h"

#include <utility>

namespace petrel::storage {

size_t ExpireTable::Home(const Entry* e) const {
  uint64_t h = reinterpret_cast<uintptr_t>(e);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 29;
  return h & (slots_.size() - 1);
}

int64_t ExpireTable::Get(const Entry* e) const {
  if (size_ == 0) return -1;
  const size_t mask = slots_.size() - 1;
  for (size_t i = Home(e);; i = (i + 1) & mask) {
    if (slots_[i].entry == e) return slots_[i].when_ms;
    if (slots_[i].entry == nullptr) return -1;
  }
}

void ExpireTable::Set(Entry* e, int64_t when_ms) {
  // Keep the load under 3/4 so probe sequences stay short.
  if ((size_ + 1) * 4 > slots_.size() * 3) Rebuild(slots_.empty() ? 8 : slots_.size() * 2);
  const size_t mask = slots_.size() - 1;
  for (size_t i = Home(e);; i = (i + 1) & mask) {
    if (slots_[i].entry == e) {
      slots_[i].when_ms = when_ms;
      return;
    }
    if (slots_[i].entry == nullptr) {
      slots_[i] = {e, when_ms};
      ++size_;
      return;
    }
  }
}

bool ExpireTable::Erase(const Entry* e) {
  if (size_ == 0) return false;
  const size_t mask = slots_.size() - 1;
  size_t i = Home(e);
  while (slots_[i].entry != e) {
    if (slots_[i].entry == nullptr) return false;
    i = (i + 1) & mask;
  }
  // Backward-shift deletion: pull later members of the probe run into the gap.
  size_t gap = i;
  for (size_t j = (gap + 1) & mask; slots_[j].entry != nullptr; j = (j + 1) & mask) {
    size_t home = Home(slots_[j].entry);
    // Move j into the gap unless its home lies cyclically in (gap, j].
    bool home_after_gap = gap <= j ? (home > gap && home <= j) : (home > gap || home <= j);
    if (!home_after_gap) {
      slots_[gap] = slots_[j];
      gap = j;
    }
  }
  slots_[gap] = Slot{};
  --size_;
  return true;
}

void ExpireTable::Clear() {
  slots_.clear();
  slots_.shrink_to_fit();
  size_ = 0;
}

void ExpireTable::MaybeShrink() {
  if (slots_.size() > 8 && size_ * 16 < slots_.size()) {
    size_t target = 8;
    while (target * 3 < size_ * 4 * 2) target *= 2;
    Rebuild(target);
  }
}

void ExpireTable::Rebuild(size_t capacity) {
  std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(capacity));
  size_ = 0;
  const size_t mask = capacity - 1;
  for (const Slot& s : old) {
    if (s.entry == nullptr) continue;
    size_t i = Home(s.entry);
    while (slots_[i].entry != nullptr) i = (i + 1) & mask;
    slots_[i] = s;
    ++size_;
  }
}

}  // namespace petrel::storage
