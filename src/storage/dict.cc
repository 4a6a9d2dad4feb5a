#include "petrel/storage/dict.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace petrel::storage {
namespace {

constexpr size_t kMinBuckets = 4;

// A per-process seed so clients cannot choose keys that collide.
uint64_t Seed() {
  static const uint64_t seed = std::random_device{}() * 0x9E3779B97F4A7C15ULL ^ 0x2545F4914F6CDD1DULL;
  return seed;
}

inline uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

uint64_t HashKey(std::string_view key) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(key.data());
  size_t n = key.size();
  uint64_t h = Seed() ^ (n * 0x9E3779B97F4A7C15ULL);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ Mix(w)) * 0x9E3779B97F4A7C15ULL;
    h = (h << 29) | (h >> 35);
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h ^= Mix(tail + n);
  return Mix(h);
}

Dict::Dict(Dict&& other) noexcept
    : buckets_(std::move(other.buckets_)), size_(std::exchange(other.size_, 0)) {
  other.buckets_.clear();
}

Dict& Dict::operator=(Dict&& other) noexcept {
  if (this != &other) {
    Clear();
    buckets_ = std::move(other.buckets_);
    size_ = std::exchange(other.size_, 0);
    other.buckets_.clear();
  }
  return *this;
}

Entry* Dict::Find(std::string_view key) const {
  if (size_ == 0) return nullptr;
  for (Entry* e = buckets_[Slot(key)]; e != nullptr; e = e->next) {
    if (e->key_len == key.size() && std::memcmp(e + 1, key.data(), key.size()) == 0) return e;
  }
  return nullptr;
}

Entry* Dict::Insert(std::string_view key) {
  if (size_ >= buckets_.size()) Resize(buckets_.empty() ? kMinBuckets : buckets_.size() * 2);
  Entry* e = NewEntry(key);
  Entry*& head = buckets_[Slot(key)];
  e->next = head;
  head = e;
  ++size_;
  return e;
}

Entry* Dict::TryInsert(std::string_view key) {
  if (size_ >= buckets_.size()) Resize(buckets_.empty() ? kMinBuckets : buckets_.size() * 2);
  Entry*& head = buckets_[Slot(key)];
  for (Entry* e = head; e != nullptr; e = e->next) {
    if (e->key_len == key.size() && std::memcmp(e + 1, key.data(), key.size()) == 0) {
      return nullptr;
    }
  }
  Entry* e = NewEntry(key);
  e->next = head;
  head = e;
  ++size_;
  return e;
}

Entry* Dict::Detach(std::string_view key) {
  if (size_ == 0) return nullptr;
  for (Entry** link = &buckets_[Slot(key)]; *link != nullptr; link = &(*link)->next) {
    Entry* e = *link;
    if (e->key_len == key.size() && std::memcmp(e + 1, key.data(), key.size()) == 0) {
      *link = e->next;
      e->next = nullptr;
      --size_;
      return e;
    }
  }
  return nullptr;
}

void Dict::Clear() {
  for (Entry* head : buckets_) {
    while (head != nullptr) {
      Entry* next = head->next;
      FreeEntry(head);
      head = next;
    }
  }
  buckets_.clear();
  buckets_.shrink_to_fit();
  size_ = 0;
}

Entry* Dict::Random(std::mt19937_64& rng) const {
  if (size_ == 0) return nullptr;
  const uint64_t mask = buckets_.size() - 1;
  Entry* head;
  do {
    head = buckets_[rng() & mask];
  } while (head == nullptr);
  size_t chain = 0;
  for (Entry* e = head; e != nullptr; e = e->next) ++chain;
  size_t pick = rng() % chain;
  while (pick-- > 0) head = head->next;
  return head;
}

void Dict::MaybeShrink() {
  // Keep at least 1/8 of the buckets in use, as a sparse table wastes memory and slows SCAN.
  if (buckets_.size() > kMinBuckets && size_ * 8 < buckets_.size()) {
    size_t target = kMinBuckets;
    while (target < size_) target *= 2;
    Resize(target);
  }
}

void Dict::Reserve(size_t count) {
  size_t target = std::max(buckets_.size(), kMinBuckets);
  while (target < count && target < (size_t{1} << 40)) target *= 2;
  if (target != buckets_.size()) Resize(target);
}

void Dict::Resize(size_t count) {
  std::vector<Entry*> fresh(count, nullptr);
  const uint64_t mask = count - 1;
  for (Entry* head : buckets_) {
    while (head != nullptr) {
      Entry* next = head->next;
      Entry*& slot = fresh[HashKey(head->key()) & mask];
      head->next = slot;
      slot = head;
      head = next;
    }
  }
  buckets_.swap(fresh);
}

}  // namespace petrel::storage
