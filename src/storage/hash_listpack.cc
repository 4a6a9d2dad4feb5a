#include <cstdlib>
#include <cstring>
#include <new>

#include "hash_encodings.h"

namespace petrel::storage::hash {
namespace {

constexpr size_t kHeader = 8;

uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

void Store32(char* p, uint32_t v) { std::memcpy(p, &v, 4); }

// Little-endian base-128 length: 1 byte below 128, 2 below 16384, and so on.
size_t VarintSize(size_t n) {
  size_t size = 1;
  while (n >= 128) {
    n >>= 7;
    ++size;
  }
  return size;
}

char* PutVarint(char* p, size_t n) {
  while (n >= 128) {
    *p++ = static_cast<char>((n & 127) | 128);
    n >>= 7;
  }
  *p++ = static_cast<char>(n);
  return p;
}

const char* GetString(const char* p, std::string_view* out) {
  size_t n = 0;
  int shift = 0;
  unsigned char b;
  do {
    b = static_cast<unsigned char>(*p++);
    n |= static_cast<size_t>(b & 127) << shift;
    shift += 7;
  } while (b & 128);
  *out = {p, n};
  return p + n;
}

size_t Encoded(std::string_view s) { return VarintSize(s.size()) + s.size(); }

char* Resize(char* lp, size_t bytes) {
  char* fresh = static_cast<char*>(std::realloc(lp, bytes));
  if (fresh == nullptr) throw std::bad_alloc();
  return fresh;
}

// Finds `field`: the offset of its pair and the pair's total encoded size, or false.
bool Locate(const char* lp, std::string_view field, size_t* offset, size_t* size) {
  const char* p = lp + kHeader;
  const char* end = lp + Load32(lp);
  while (p < end) {
    std::string_view f, v;
    const char* value_at = GetString(p, &f);
    const char* next = GetString(value_at, &v);
    if (f == field) {
      *offset = static_cast<size_t>(p - lp);
      *size = static_cast<size_t>(next - p);
      return true;
    }
    p = next;
  }
  return false;
}

}  // namespace

char* Listpack::Create() {
  char* lp = Resize(nullptr, kHeader);
  Store32(lp, kHeader);
  Store32(lp + 4, 0);
  return lp;
}

char* Listpack::Build(std::span<const std::pair<std::string_view, std::string_view>> pairs) {
  size_t bytes = kHeader;
  for (const auto& [f, v] : pairs) bytes += Encoded(f) + Encoded(v);
  char* lp = Resize(nullptr, bytes);
  char* p = lp + kHeader;
  for (const auto& [f, v] : pairs) {
    p = PutVarint(p, f.size());
    if (!f.empty()) std::memcpy(p, f.data(), f.size());
    p = PutVarint(p + f.size(), v.size());
    if (!v.empty()) std::memcpy(p, v.data(), v.size());
    p += v.size();
  }
  Store32(lp, static_cast<uint32_t>(bytes));
  Store32(lp + 4, static_cast<uint32_t>(pairs.size()));
  return lp;
}

void Listpack::Destroy(char* lp) { std::free(lp); }

uint32_t Listpack::Pairs(const char* lp) { return Load32(lp + 4); }

size_t Listpack::Bytes(const char* lp) { return Load32(lp); }

std::optional<std::string_view> Listpack::Get(const char* lp, std::string_view field) {
  size_t offset, size;
  if (!Locate(lp, field, &offset, &size)) return std::nullopt;
  std::string_view f, v;
  GetString(GetString(lp + offset, &f), &v);
  return v;
}

char* Listpack::Set(char* lp, std::string_view field, std::string_view value, bool* added) {
  const size_t used = Load32(lp);
  const size_t pair = Encoded(field) + Encoded(value);
  size_t offset, old_size;
  if (Locate(lp, field, &offset, &old_size)) {
    *added = false;
    // Replace the pair in place, moving the tail when the size changes.
    const size_t new_used = used - old_size + pair;
    if (pair > old_size) lp = Resize(lp, new_used);
    std::memmove(lp + offset + pair, lp + offset + old_size, used - offset - old_size);
    if (pair < old_size) lp = Resize(lp, new_used);
    char* p = PutVarint(lp + offset, field.size());
    std::memcpy(p, field.data(), field.size());
    p = PutVarint(p + field.size(), value.size());
    std::memcpy(p, value.data(), value.size());
    Store32(lp, static_cast<uint32_t>(new_used));
    return lp;
  }
  *added = true;
  lp = Resize(lp, used + pair);
  char* p = PutVarint(lp + used, field.size());
  std::memcpy(p, field.data(), field.size());
  p = PutVarint(p + field.size(), value.size());
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  Store32(lp, static_cast<uint32_t>(used + pair));
  Store32(lp + 4, Pairs(lp) + 1);
  return lp;
}

char* Listpack::Delete(char* lp, std::string_view field, bool* deleted) {
  size_t offset, size;
  *deleted = Locate(lp, field, &offset, &size);
  if (!*deleted) return lp;
  const size_t used = Load32(lp);
  std::memmove(lp + offset, lp + offset + size, used - offset - size);
  lp = Resize(lp, used - size);
  Store32(lp, static_cast<uint32_t>(used - size));
  Store32(lp + 4, Pairs(lp) - 1);
  return lp;
}

void Listpack::ForEach(const char* lp, const Visitor& fn) {
  const char* p = lp + kHeader;
  const char* end = lp + Load32(lp);
  while (p < end) {
    std::string_view f, v;
    p = GetString(GetString(p, &f), &v);
    fn(f, v);
  }
}

std::pair<std::string_view, std::string_view> Listpack::At(const char* lp, uint32_t index) {
  const char* p = lp + kHeader;
  std::string_view f, v;
  for (uint32_t i = 0; i <= index; ++i) p = GetString(GetString(p, &f), &v);
  return {f, v};
}

}  // namespace petrel::storage::hash
