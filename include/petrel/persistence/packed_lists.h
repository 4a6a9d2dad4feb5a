// Redis's two packed list blobs, as RDB files store small hashes in them: the listpack
// (RDB_TYPE_HASH_LISTPACK, Redis 7) and the ziplist (RDB_TYPE_HASH_ZIPLIST, older files).
// Both are read from untrusted bytes, so every reader here checks bounds and structure.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace petrel::persistence {

// Receives one entry of a packed list. Integer entries arrive as their decimal text (the view is
// valid only during the call). Return false to stop the walk; the walk then fails.
using PackedEntryFn = std::function<bool(std::string_view)>;

// Walks a Redis listpack: total-bytes u32 LE, count u16 LE (65535 = not known), entries of
// encoding + data + back-length, then 0xFF. Returns true if the whole blob is well formed and fn
// accepted every entry; false on any malformation (size mismatch, missing or early terminator,
// unknown encoding, wrong back-length, count mismatch) or when fn returns false. fn may have been
// called for the entries before the fault.
bool ForEachListpackEntry(std::string_view blob, const PackedEntryFn& fn);

// Walks a Redis ziplist: zlbytes u32 LE, zltail u32 LE, zllen u16 LE (65535 = not known),
// entries of prevlen + encoding + data, then 0xFF. Same contract as ForEachListpackEntry; also
// checks each prevlen against the previous entry and zltail against the last entry.
bool ForEachZiplistEntry(std::string_view blob, const PackedEntryFn& fn);

// Builds a listpack byte for byte as Redis 7.0 would for the same items in the same order:
// an item that is a canonical int64 (Redis's string2ll rules: "12", "-7"; not "007", "+1", "-0")
// takes the smallest integer encoding, any other item the smallest string encoding.
// The blob must stay under 4 GB (its size field is 32-bit); Finish throws std::length_error if not.
class ListpackBuilder {
 public:
  ListpackBuilder();

  void Add(std::string_view item);
  size_t count() const { return count_; }
  // The finished blob. The builder is left empty (ready to start again).
  std::string Finish();

 private:
  std::string buf_;
  size_t count_ = 0;
};

// ListpackBuilder over all `items`.
std::string EncodeListpack(std::span<const std::string_view> items);

}  // namespace petrel::persistence
