// Reading and writing the string value of an entry with Redis's encodings: int, embstr, raw.
#pragma once

#include <cstdint>
#include <string_view>

#include "petrel/storage/entry.h"

namespace petrel::storage {

// Redis keeps strings of up to 44 bytes as "embstr"; longer or modified ones are "raw".
inline constexpr size_t kEmbstrMax = 44;
// Redis stores canonical integers of up to 20 characters as "int".
inline constexpr size_t kIntEncodingMax = 20;
inline constexpr int64_t kMaxStringLength = 512LL * 1024 * 1024;

// Scratch space for the text of an integer-encoded value.
struct IntText {
  char buf[24];
};

// The value's bytes; for an int-encoded value the text is formatted into `scratch`.
std::string_view StringBytes(const Entry& e, IntText& scratch);
size_t StringLength(const Entry& e);
// Stores `value` as SET does: int encoding for canonical integers, else embstr or raw by length.
void StoreString(Entry* e, std::string_view value);
void StoreInteger(Entry* e, int64_t value);
// Stores `value` as text (embstr or raw), never as an integer (INCRBYFLOAT's result).
void StoreText(Entry* e, std::string_view value);
// Makes the value raw with room for `len` bytes, keeping its current bytes (the rest is zeroed),
// and returns the buffer to modify (APPEND, SETRANGE).
char* MutableString(Entry* e, size_t len);
// The integer value if the value is (or reads as) a canonical 64-bit integer.
bool StringAsInt(const Entry& e, int64_t* out);
// Bytes the value owns on the heap, for MEMORY USAGE and the dataset figures.
size_t StringHeapBytes(const Entry& e);

}  // namespace petrel::storage
