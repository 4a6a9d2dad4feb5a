#include <cstdlib>
#include <cstring>
#include <new>

#include "hash_encodings.h"
#include "petrel/storage/dict.h"

namespace petrel::storage::hash {

struct FieldTable::FieldEntry {
  FieldEntry* next;
  uint32_t field_len;
  uint32_t value_len;
  // field bytes, then value bytes

  char* bytes() { return reinterpret_cast<char*>(this + 1); }
  const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view field() const { return {bytes(), field_len}; }
  std::string_view value() const { return {bytes() + field_len, value_len}; }

  static FieldEntry* Make(std::string_view f, std::string_view v, FieldEntry* next) {
    auto* e = static_cast<FieldEntry*>(std::malloc(sizeof(FieldEntry) + f.size() + v.size()));
    if (e == nullptr) throw std::bad_alloc();
    e->next = next;
    e->field_len = static_cast<uint32_t>(f.size());
    e->value_len = static_cast<uint32_t>(v.size());
    if (!f.empty()) std::memcpy(e->bytes(), f.data(), f.size());
    if (!v.empty()) std::memcpy(e->bytes() + f.size(), v.data(), v.size());
    return e;
  }
};

FieldTable::~FieldTable() {
  for (size_t i = 0; i < bucket_count_; ++i) {
    for (FieldEntry* e = buckets_[i]; e != nullptr;) {
      FieldEntry* next = e->next;
      std::free(e);
      e = next;
    }
  }
  std::free(buckets_);
}

FieldTable::FieldEntry** FieldTable::Find(std::string_view field) const {
  if (bucket_count_ == 0) return nullptr;
  FieldEntry** link = &buckets_[HashKey(field) & (bucket_count_ - 1)];
  for (; *link != nullptr; link = &(*link)->next) {
    if ((*link)->field() == field) return link;
  }
  return link;  // the empty link at the end of the chain
}

std::optional<std::string_view> FieldTable::Get(std::string_view field) const {
  FieldEntry** link = Find(field);
  if (link == nullptr || *link == nullptr) return std::nullopt;
  return (*link)->value();
}

bool FieldTable::Set(std::string_view field, std::string_view value) {
  FieldEntry** link = Find(field);
  if (link != nullptr && *link != nullptr) {
    // Rebuild the entry with the new value, keeping its place in the chain.
    FieldEntry* old = *link;
    *link = FieldEntry::Make(field, value, old->next);
    std::free(old);
    return false;
  }
  if (size_ >= bucket_count_) {
    Resize(bucket_count_ == 0 ? 4 : bucket_count_ * 2);
    link = Find(field);
  }
  *link = FieldEntry::Make(field, value, nullptr);
  ++size_;
  return true;
}

bool FieldTable::Delete(std::string_view field) {
  FieldEntry** link = Find(field);
  if (link == nullptr || *link == nullptr) return false;
  FieldEntry* e = *link;
  *link = e->next;
  std::free(e);
  --size_;
  // Shrink when fewer than 1/8 of the buckets are used, as a sparse table wastes memory.
  if (bucket_count_ > 4 && size_ * 8 < bucket_count_) {
    size_t target = 4;
    while (target < size_) target *= 2;
    Resize(target);
  }
  return true;
}

void FieldTable::Resize(size_t buckets) {
  auto** fresh = static_cast<FieldEntry**>(std::calloc(buckets, sizeof(FieldEntry*)));
  if (fresh == nullptr) throw std::bad_alloc();
  for (size_t i = 0; i < bucket_count_; ++i) {
    for (FieldEntry* e = buckets_[i]; e != nullptr;) {
      FieldEntry* next = e->next;
      FieldEntry*& slot = fresh[HashKey(e->field()) & (buckets - 1)];
      e->next = slot;
      slot = e;
      e = next;
    }
  }
  std::free(buckets_);
  buckets_ = fresh;
  bucket_count_ = buckets;
}

void FieldTable::ForEach(const Visitor& fn) const {
  for (size_t i = 0; i < bucket_count_; ++i) {
    for (const FieldEntry* e = buckets_[i]; e != nullptr; e = e->next) fn(e->field(), e->value());
  }
}

uint64_t FieldTable::ScanStep(uint64_t cursor, const Visitor& fn) const {
  if (bucket_count_ == 0) return 0;
  const uint64_t mask = bucket_count_ - 1;
  for (const FieldEntry* e = buckets_[cursor & mask]; e != nullptr; e = e->next) {
    fn(e->field(), e->value());
  }
  cursor |= ~mask;
  return ReverseBits(ReverseBits(cursor) + 1);
}

std::pair<std::string_view, std::string_view> FieldTable::Random(std::mt19937_64& rng) const {
  const FieldEntry* head;
  do {
    head = buckets_[rng() & (bucket_count_ - 1)];
  } while (head == nullptr);
  size_t chain = 0;
  for (const FieldEntry* e = head; e != nullptr; e = e->next) ++chain;
  for (size_t pick = rng() % chain; pick > 0; --pick) head = head->next;
  return {head->field(), head->value()};
}

size_t FieldTable::Bytes() const {
  size_t bytes = sizeof(*this) + bucket_count_ * sizeof(FieldEntry*);
  ForEach([&](std::string_view f, std::string_view v) {
    bytes += sizeof(FieldEntry) + f.size() + v.size();
  });
  return bytes;
}

}  // namespace petrel::storage::hash
