#include "petrel/storage/string_value.h"

#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <new>

#include "petrel/util/numbers.h"

namespace petrel::storage {
namespace {

void SetEncoding(Entry* e, Encoding enc) { e->encoding = static_cast<uint32_t>(enc); }

// Stores bytes verbatim, inline when short, with the given logical encoding.
void StoreBytes(Entry* e, std::string_view value, Encoding enc) {
  ClearValue(e);
  if (value.size() <= kInlineStringMax) {
    e->inline_str = 1;
    if (!value.empty()) std::memcpy(e->v.small.data, value.data(), value.size());
    e->v.small.len = static_cast<uint8_t>(value.size());
  } else {
    char* data = static_cast<char*>(std::malloc(value.size()));
    if (data == nullptr) throw std::bad_alloc();
    std::memcpy(data, value.data(), value.size());
    e->inline_str = 0;
    e->v.heap.data = data;
    e->v.heap.len = static_cast<uint32_t>(value.size());
    e->v.heap.cap = static_cast<uint32_t>(value.size());
  }
  SetEncoding(e, enc);
}

}  // namespace

std::string_view StringBytes(const Entry& e, IntText& scratch) {
  if (e.value_encoding() == Encoding::kInt) {
    return {scratch.buf, util::FormatInt64(e.v.integer, scratch.buf)};
  }
  if (e.inline_str) return {e.v.small.data, e.v.small.len};
  return {e.v.heap.data, e.v.heap.len};
}

size_t StringLength(const Entry& e) {
  if (e.value_encoding() == Encoding::kInt) {
    char buf[24];
    return util::FormatInt64(e.v.integer, buf);
  }
  return e.inline_str ? e.v.small.len : e.v.heap.len;
}

void StoreString(Entry* e, std::string_view value) {
  if (value.size() <= kIntEncodingMax) {
    if (auto n = util::ParseInt64(value)) {
      StoreInteger(e, *n);
      return;
    }
  }
  StoreBytes(e, value, value.size() <= kEmbstrMax ? Encoding::kEmbstr : Encoding::kRaw);
}

void StoreText(Entry* e, std::string_view value) {
  StoreBytes(e, value, value.size() <= kEmbstrMax ? Encoding::kEmbstr : Encoding::kRaw);
}

void StoreInteger(Entry* e, int64_t value) {
  ClearValue(e);
  e->inline_str = 0;
  e->v.integer = value;
  SetEncoding(e, Encoding::kInt);
}

char* MutableString(Entry* e, size_t len) {
  if (e->value_encoding() == Encoding::kInt || e->inline_str) {
    // Move the short value out of the entry into a heap buffer.
    IntText scratch;
    std::string_view old = StringBytes(*e, scratch);
    char saved[24];
    size_t saved_len = old.size();
    std::memcpy(saved, old.data(), saved_len);
    ClearValue(e);
    e->inline_str = 0;
    e->v.heap.data = nullptr;
    e->v.heap.len = 0;
    e->v.heap.cap = 0;
    if (saved_len > 0) {
      MutableString(e, saved_len);
      std::memcpy(e->v.heap.data, saved, saved_len);
    }
  }
  SetEncoding(e, Encoding::kRaw);
  if (len > e->v.heap.cap) {
    // Grow geometrically below 1 MB, then by 1 MB, as appends usually come in series.
    size_t cap = len < (1u << 20) ? len * 2 : len + (1u << 20);
    if (cap > static_cast<size_t>(kMaxStringLength)) {
      cap = std::max<size_t>(len, static_cast<size_t>(kMaxStringLength));
    }
    char* data = static_cast<char*>(std::realloc(e->v.heap.data, cap == 0 ? 1 : cap));
    if (data == nullptr) throw std::bad_alloc();
    e->v.heap.data = data;
    e->v.heap.cap = static_cast<uint32_t>(cap);
  }
  if (len > e->v.heap.len) std::memset(e->v.heap.data + e->v.heap.len, 0, len - e->v.heap.len);
  e->v.heap.len = static_cast<uint32_t>(len);
  return e->v.heap.data;
}

bool StringAsInt(const Entry& e, int64_t* out) {
  if (e.value_encoding() == Encoding::kInt) {
    *out = e.v.integer;
    return true;
  }
  IntText scratch;
  std::string_view bytes = StringBytes(e, scratch);
  if (bytes.size() > kIntEncodingMax) return false;
  auto n = util::ParseInt64(bytes);
  if (!n) return false;
  *out = *n;
  return true;
}

size_t StringHeapBytes(const Entry& e) {
  if (e.value_encoding() == Encoding::kInt || e.inline_str) return 0;
  return e.v.heap.cap;
}

}  // namespace petrel::storage
