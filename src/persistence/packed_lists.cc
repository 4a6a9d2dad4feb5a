// Listpack and ziplist readers, and a listpack writer matching Redis 7.0's choice of encodings.
#include "petrel/persistence/packed_lists.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "petrel/util/numbers.h"

namespace petrel::persistence {
namespace {

using Byte = unsigned char;

constexpr size_t kListpackHeader = 6;
constexpr size_t kZiplistHeader = 10;
constexpr Byte kEnd = 0xff;
constexpr uint16_t kCountUnknown = 0xffff;

inline uint64_t LoadLe(const Byte* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

// Sign-extends the low `bits` bits of v.
inline int64_t SignExtend(uint64_t v, int bits) {
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

// Hands an integer entry to fn as text.
inline bool EmitInt(int64_t v, const PackedEntryFn& fn) {
  char buf[24];
  return fn(std::string_view(buf, util::FormatInt64(v, buf)));
}

// ---- listpack ----

// Bytes of the back-length that follows an entry of `len` bytes (encoding + data). The
// thresholds are Redis's (lpEncodeBacklen), one below the 7-bit group limits from two bytes on.
size_t BacklenSize(uint64_t len) {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

// Writes the back-length of an entry of `len` bytes: 7 bits a byte, most significant group
// first, every byte but the first flagged with 0x80, so it can be read from its last byte back.
size_t PutBacklen(uint64_t len, Byte* out) {
  const size_t n = BacklenSize(len);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t group = (len >> (7 * (n - 1 - i))) & 127;
    out[i] = static_cast<Byte>(i == 0 ? group : group | 128);
  }
  return n;
}

// One decoded entry encoding, listpack or ziplist: a string of str_len bytes after the header,
// or an integer.
struct Entry {
  size_t header = 0;  // encoding bytes (integers: encoding + value)
  size_t str_len = 0;
  bool is_int = false;
  int64_t value = 0;
};

// Decodes the entry encoding at p, with `avail` bytes before the terminator. False if unknown
// or truncated; the string bytes themselves are checked by the caller.
bool DecodeLpEncoding(const Byte* p, size_t avail, Entry* e) {
  const Byte b = p[0];
  auto need = [&](size_t n) { return avail >= n; };
  if (b < 0x80) {
    *e = {1, 0, true, b};
  } else if ((b & 0xc0) == 0x80) {
    *e = {1, static_cast<size_t>(b & 0x3f), false, 0};
  } else if ((b & 0xe0) == 0xc0) {
    if (!need(2)) return false;
    *e = {2, 0, true, SignExtend(static_cast<uint64_t>(b & 0x1f) << 8 | p[1], 13)};
  } else if ((b & 0xf0) == 0xe0) {
    if (!need(2)) return false;
    *e = {2, static_cast<size_t>(b & 0x0f) << 8 | p[1], false, 0};
  } else if (b == 0xf0) {
    if (!need(5)) return false;
    *e = {5, static_cast<size_t>(LoadLe(p + 1, 4)), false, 0};
  } else if (b >= 0xf1 && b <= 0xf4) {
    static constexpr int kWidth[] = {2, 3, 4, 8};
    const int width = kWidth[b - 0xf1];
    if (!need(1 + static_cast<size_t>(width))) return false;
    *e = {1 + static_cast<size_t>(width), 0, true, SignExtend(LoadLe(p + 1, width), width * 8)};
  } else {
    return false;  // 0xf5..0xfe are unused; 0xff here is a terminator before the end
  }
  return true;
}

void PutLe(std::string* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Appends one item without its back-length: the integer encoding and value, or the string
// encoding and bytes.
void AppendLpEncoding(std::string* out, std::string_view item) {
  std::optional<int64_t> num;
  if (item.size() <= 20) num = util::ParseInt64(item);
  if (num) {
    const int64_t v = *num;
    if (v >= 0 && v <= 127) {
      out->push_back(static_cast<char>(v));
    } else if (v >= -4096 && v <= 4095) {
      const auto u = static_cast<uint64_t>(v) & 0x1fff;
      out->push_back(static_cast<char>(0xc0 | u >> 8));
      out->push_back(static_cast<char>(u & 0xff));
    } else {
      int width = 8;
      if (v >= INT16_MIN && v <= INT16_MAX) {
        width = 2;
      } else if (v >= -(int64_t{1} << 23) && v < (int64_t{1} << 23)) {
        width = 3;
      } else if (v >= INT32_MIN && v <= INT32_MAX) {
        width = 4;
      }
      out->push_back(static_cast<char>(width == 8 ? 0xf4 : 0xf0 + width - 1));
      PutLe(out, static_cast<uint64_t>(v), width);
    }
    return;
  }
  const size_t len = item.size();
  if (len < 64) {
    out->push_back(static_cast<char>(0x80 | len));
  } else if (len < 4096) {
    out->push_back(static_cast<char>(0xe0 | len >> 8));
    out->push_back(static_cast<char>(len & 0xff));
  } else {
    if (len > UINT32_MAX) throw std::length_error("listpack entry over 4 GB");
    out->push_back(static_cast<char>(0xf0));
    PutLe(out, len, 4);
  }
  out->append(item);
}

// ---- ziplist ----

bool DecodeZlEncoding(const Byte* p, size_t avail, Entry* e) {
  const Byte b = p[0];
  auto need = [&](size_t n) { return avail >= n; };
  switch (b >> 6) {
    case 0:
      *e = {1, static_cast<size_t>(b & 0x3f), false, 0};
      return true;
    case 1:
      if (!need(2)) return false;
      *e = {2, static_cast<size_t>(b & 0x3f) << 8 | p[1], false, 0};
      return true;
    case 2:  // Redis ignores the low six bits here; so do we
      if (!need(5)) return false;
      *e = {5,
            static_cast<size_t>(uint32_t{p[1]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 8 |
                                p[4]),
            false, 0};
      return true;
    default:
      break;
  }
  // 1111xxxx with xxxx in 0001..1101: the value xxxx - 1 is in the encoding byte.
  if (b >= 0xf1 && b <= 0xfd) {
    *e = {1, 0, true, (b & 0x0f) - 1};
    return true;
  }
  // Little-endian signed integers: int8 0xfe, int16 0xc0, int24 0xf0, int32 0xd0, int64 0xe0.
  const int width = b == 0xfe   ? 1
                    : b == 0xc0 ? 2
                    : b == 0xf0 ? 3
                    : b == 0xd0 ? 4
                    : b == 0xe0 ? 8
                                : 0;
  if (width == 0) return false;
  if (!need(1 + static_cast<size_t>(width))) return false;
  *e = {1 + static_cast<size_t>(width), 0, true, SignExtend(LoadLe(p + 1, width), width * 8)};
  return true;
}

}  // namespace

bool ForEachListpackEntry(std::string_view blob, const PackedEntryFn& fn) {
  const auto* base = reinterpret_cast<const Byte*>(blob.data());
  const size_t size = blob.size();
  if (size < kListpackHeader + 1 || LoadLe(base, 4) != size || base[size - 1] != kEnd) {
    return false;
  }
  const auto declared = static_cast<uint16_t>(LoadLe(base + 4, 2));
  const size_t end = size - 1;
  size_t pos = kListpackHeader;
  size_t count = 0;
  while (pos < end) {
    const size_t avail = end - pos;
    Entry e;
    if (!DecodeLpEncoding(base + pos, avail, &e)) return false;
    if (e.str_len > avail - e.header) return false;
    const size_t entry_len = e.header + e.str_len;
    Byte backlen[5];
    const size_t backlen_size = PutBacklen(entry_len, backlen);
    if (backlen_size > avail - entry_len) return false;
    // A byte loop: these are 1-5 bytes, where a memcmp call costs more than the compare.
    for (size_t i = 0; i < backlen_size; ++i) {
      if (base[pos + entry_len + i] != backlen[i]) return false;
    }
    const bool ok = e.is_int ? EmitInt(e.value, fn) : fn(blob.substr(pos + e.header, e.str_len));
    if (!ok) return false;
    pos += entry_len + backlen_size;
    ++count;
  }
  return declared == kCountUnknown || declared == count;
}

bool ForEachZiplistEntry(std::string_view blob, const PackedEntryFn& fn) {
  const auto* base = reinterpret_cast<const Byte*>(blob.data());
  const size_t size = blob.size();
  if (size < kZiplistHeader + 1 || LoadLe(base, 4) != size || base[size - 1] != kEnd) {
    return false;
  }
  const uint64_t tail = LoadLe(base + 4, 4);
  const auto declared = static_cast<uint16_t>(LoadLe(base + 8, 2));
  const size_t end = size - 1;
  size_t pos = kZiplistHeader;
  size_t prev_len = 0;  // the first entry's prevlen is 0
  size_t last = kZiplistHeader;
  size_t count = 0;
  while (pos < end) {
    // prevlen: one byte below 254, else 0xfe and a u32 (Redis may use the long form for small
    // values too, to avoid cascading updates). 0xff would be the terminator.
    size_t prevlen_size = 1;
    uint64_t prevlen = base[pos];
    if (prevlen == kEnd) return false;
    if (prevlen == 0xfe) {
      if (end - pos < 5) return false;
      prevlen = LoadLe(base + pos + 1, 4);
      prevlen_size = 5;
    }
    if (prevlen != prev_len || prevlen_size >= end - pos) return false;
    const size_t avail = end - pos - prevlen_size;
    Entry e;
    if (!DecodeZlEncoding(base + pos + prevlen_size, avail, &e)) return false;
    if (e.str_len > avail - e.header) return false;
    const size_t data_at = pos + prevlen_size + e.header;
    const bool ok = e.is_int ? EmitInt(e.value, fn) : fn(blob.substr(data_at, e.str_len));
    if (!ok) return false;
    last = pos;
    prev_len = prevlen_size + e.header + e.str_len;
    pos += prev_len;
    ++count;
  }
  if (count > 0 ? tail != last : tail > end) return false;
  return declared == kCountUnknown || declared == count;
}

ListpackBuilder::ListpackBuilder() { buf_.assign(kListpackHeader, '\0'); }

void ListpackBuilder::Add(std::string_view item) {
  const size_t start = buf_.size();
  AppendLpEncoding(&buf_, item);
  Byte backlen[5];
  const size_t n = PutBacklen(buf_.size() - start, backlen);
  buf_.append(reinterpret_cast<const char*>(backlen), n);
  ++count_;
}

std::string ListpackBuilder::Finish() {
  buf_.push_back(static_cast<char>(kEnd));
  if (buf_.size() > UINT32_MAX) throw std::length_error("listpack over 4 GB");
  const uint64_t total = buf_.size();
  const uint64_t count = count_ < kCountUnknown ? count_ : kCountUnknown;
  for (int i = 0; i < 4; ++i) buf_[i] = static_cast<char>((total >> (8 * i)) & 0xff);
  for (int i = 0; i < 2; ++i) buf_[4 + i] = static_cast<char>((count >> (8 * i)) & 0xff);
  std::string done = std::move(buf_);
  buf_.assign(kListpackHeader, '\0');
  count_ = 0;
  return done;
}

std::string EncodeListpack(std::span<const std::string_view> items) {
  ListpackBuilder builder;
  for (std::string_view item : items) builder.Add(item);
  return builder.Finish();
}

}  // namespace petrel::persistence
