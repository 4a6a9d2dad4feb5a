// One key and its value in a single allocation: the bucket chain link, the access clock, the
// value (integer, a short string inline, or a pointer to a larger one), then the key's bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace petrel::storage {

enum class ValueType : uint8_t { kString = 0, kHash = 1 };
// What OBJECT ENCODING reports.
enum class Encoding : uint8_t { kInt = 0, kEmbstr = 1, kRaw = 2, kListpack = 3, kHashtable = 4 };

// Strings of up to this many bytes live inside the entry.
inline constexpr size_t kInlineStringMax = 15;

struct Entry {
  Entry* next;
  uint32_t key_len;
  uint32_t lru : 24;       // last access, seconds on a 24-bit clock as Redis's LRU clock
  uint32_t type : 2;       // ValueType
  uint32_t encoding : 3;   // Encoding
  uint32_t inline_str : 1; // the string is in v.small
  uint32_t has_ttl : 1;    // an expire time is recorded in the database's ExpireTable
  uint32_t spare : 1;
  union {
    int64_t integer;
    struct {
      char data[kInlineStringMax];
      uint8_t len;
    } small;
    struct {
      char* data;
      uint32_t len;
      uint32_t cap;
    } heap;
    void* hash;  // a listpack buffer or a hash::FieldTable, as `encoding` says
  } v;

  std::string_view key() const {
    return {reinterpret_cast<const char*>(this + 1), key_len};
  }
  ValueType value_type() const { return static_cast<ValueType>(type); }
  Encoding value_encoding() const { return static_cast<Encoding>(encoding); }
};
static_assert(sizeof(Entry) == 32);

// Allocates an entry holding a copy of `key`, with an empty string value.
Entry* NewEntry(std::string_view key);
// Frees the entry and whatever its value owns.
void FreeEntry(Entry* e);
// Releases the value (leaving an empty inline string) so a new one can be stored.
void ClearValue(Entry* e);

}  // namespace petrel::storage
