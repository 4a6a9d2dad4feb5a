#include "petrel/storage/entry.h"

#include <cstdlib>
#include <new>

#include "petrel/storage/hash.h"

namespace petrel::storage {

Entry* NewEntry(std::string_view key) {
  void* mem = std::malloc(sizeof(Entry) + key.size());
  if (mem == nullptr) throw std::bad_alloc();
  Entry* e = static_cast<Entry*>(mem);
  e->next = nullptr;
  e->key_len = static_cast<uint32_t>(key.size());
  e->lru = 0;
  e->type = static_cast<uint32_t>(ValueType::kString);
  e->encoding = static_cast<uint32_t>(Encoding::kEmbstr);
  e->inline_str = 1;
  e->has_ttl = 0;
  e->spare = 0;
  e->v.small.len = 0;
  if (!key.empty()) std::memcpy(e + 1, key.data(), key.size());
  return e;
}

void ClearValue(Entry* e) {
  if (e->value_type() == ValueType::kHash) {
    hash::Free(e);
  } else if (!e->inline_str && e->value_encoding() != Encoding::kInt) {
    std::free(e->v.heap.data);
  }
  e->type = static_cast<uint32_t>(ValueType::kString);
  e->encoding = static_cast<uint32_t>(Encoding::kEmbstr);
  e->inline_str = 1;
  e->v.small.len = 0;
}

void FreeEntry(Entry* e) {
  ClearValue(e);
  std::free(e);
}

}  // namespace petrel::storage
