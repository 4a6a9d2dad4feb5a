// The hash value type, stored behind Entry::v.hash in one of two encodings, as Redis does:
//  - listpack: one flat buffer of field/value strings in insertion order, for small hashes;
//  - hashtable: chained buckets of field entries, past hash-max-listpack-entries fields or when
//    a field or value is longer than hash-max-listpack-value bytes.
// Entry::encoding says which; a hash never goes back from hashtable to listpack.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <random>
#include <span>
#include <string_view>
#include <utility>

#include "petrel/storage/entry.h"

namespace petrel::storage {

namespace hash {

struct Limits {
  size_t max_listpack_entries = 512;
  size_t max_listpack_value = 64;
};

using Pair = std::pair<std::string_view, std::string_view>;

// Turns `e` (a new entry) into an empty listpack hash.
void Init(Entry* e);
// Init for a hash about to receive `fields` pairs (loading a file): a hashtable at once when
// that many would not stay a listpack.
void InitForSize(Entry* e, size_t fields, const Limits& limits);
// Turns `e` (a new entry) into a hash of `pairs` at once, in the encoding the limits call for
// (loading a file). False, with `e` left an empty hash, if a field appears twice.
bool InitFromPairs(Entry* e, std::span<const Pair> pairs, const Limits& limits);
void Free(Entry* e);

size_t Length(const Entry& e);
std::optional<std::string_view> Get(const Entry& e, std::string_view field);
// Sets a field; true when the field is new. Converts to a hashtable when the limits say so.
bool Set(Entry* e, std::string_view field, std::string_view value, const Limits& limits);
// Overwrites a value just read with Get by one of the same length, where it lies, sparing a
// second search (HINCRBY's usual case). `current` must come from Get on this hash, unchanged since.
inline void OverwriteSameLength(std::string_view current, std::string_view value) {
  std::copy(value.begin(), value.end(), const_cast<char*>(current.data()));
}
// True when the field existed.
bool Delete(Entry* e, std::string_view field);
// Converts up front when any of these lengths exceed the listpack limit (HSET's check over all
// its arguments before it writes any).
void ConvertForLengths(Entry* e, std::initializer_list<size_t> lengths, const Limits& limits);

// Calls fn(field, value) for every pair, in the encoding's order (insertion order for listpack).
void ForEach(const Entry& e, const std::function<void(std::string_view, std::string_view)>& fn);
// HSCAN over a hashtable: the pairs of one bucket position per step; returns the next cursor.
// Listpacks are returned whole by the caller.
uint64_t ScanStep(const Entry& e, uint64_t cursor,
                  const std::function<void(std::string_view, std::string_view)>& fn);
// A uniformly random pair (the hash must not be empty).
Pair Random(const Entry& e, std::mt19937_64& rng);
// Heap bytes the hash holds, for MEMORY USAGE.
size_t MemoryBytes(const Entry& e);

}  // namespace hash
}  // namespace petrel::storage
