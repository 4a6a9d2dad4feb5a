// LZF encoder and decoder (format described in lzf.h). The encoder is a greedy single-pass
// matcher: a hash of the next three bytes finds the last position that started with the same
// hash, and a match is taken if those bytes really are equal and within the 8 KB window.
#include "petrel/persistence/lzf.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace petrel::persistence {
namespace {

constexpr size_t kMaxLiteralRun = 32;
constexpr size_t kMaxDistance = 8192;  // 13-bit offset, stored minus one
constexpr size_t kMinMatch = 3;
constexpr size_t kMaxMatch = 264;  // 7 + 255 + 2
constexpr int kHashLog = 14;
constexpr int kSkipShift = 5;
constexpr size_t kMaxSkip = 16;

using Byte = unsigned char;

inline uint32_t Load3(const Byte* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16;
}

inline uint32_t Hash(uint32_t three_bytes) {
  return (three_bytes * 2654435761u) >> (32 - kHashLog);
}

// The match table, kept between calls so that small values do not pay for clearing it: a slot
// holds `base + position` of the call that wrote it, and slots below the current base are
// stale. It is cleared only when the bases would wrap.
struct MatchTable {
  uint32_t slots[size_t{1} << kHashLog] = {};
  uint32_t next_base = 1;

  // Starts a call over `len` bytes; returns its base.
  uint32_t Begin(size_t len) {
    if (uint64_t{next_base} + len + 1 > UINT32_MAX) {
      std::memset(slots, 0, sizeof(slots));
      next_base = 1;
    }
    const uint32_t base = next_base;
    next_base += static_cast<uint32_t>(len) + 1;
    return base;
  }
};

// Number of equal bytes at a and b, at most `limit`. a < b; the ranges may overlap.
inline size_t CommonLength(const Byte* a, const Byte* b, size_t limit) {
  size_t n = 0;
  while (n + 8 <= limit) {
    uint64_t x, y;
    std::memcpy(&x, a + n, 8);
    std::memcpy(&y, b + n, 8);
    if (x != y) {
      const uint64_t diff = x ^ y;
      // The first differing byte is the lowest one in memory order.
      if constexpr (std::endian::native == std::endian::little) {
        return n + static_cast<size_t>(std::countr_zero(diff)) / 8;
      } else {
        return n + static_cast<size_t>(std::countl_zero(diff)) / 8;
      }
    }
    n += 8;
  }
  while (n < limit && a[n] == b[n]) ++n;
  return n;
}

// Output cursor that refuses to pass the capacity.
class Writer {
 public:
  Writer(Byte* out, size_t cap) : out_(out), cap_(cap) {}

  // Appends in[0, n) as literal runs of at most 32 bytes.
  bool Literals(const Byte* in, size_t n) {
    while (n > 0) {
      const size_t run = std::min(n, kMaxLiteralRun);
      if (cap_ - pos_ < run + 1) return false;
      out_[pos_++] = static_cast<Byte>(run - 1);
      std::memcpy(out_ + pos_, in, run);
      pos_ += run;
      in += run;
      n -= run;
    }
    return true;
  }

  // Appends a back reference: `len` (3..264) bytes from `distance` (1..8192) bytes back.
  bool Reference(size_t len, size_t distance) {
    const size_t l = len - 2;
    const size_t o = distance - 1;
    if (l < 7) {
      if (cap_ - pos_ < 2) return false;
      out_[pos_++] = static_cast<Byte>(l << 5 | o >> 8);
    } else {
      if (cap_ - pos_ < 3) return false;
      out_[pos_++] = static_cast<Byte>(7 << 5 | o >> 8);
      out_[pos_++] = static_cast<Byte>(l - 7);
    }
    out_[pos_++] = static_cast<Byte>(o & 0xff);
    return true;
  }

  size_t size() const { return pos_; }

 private:
  Byte* out_;
  size_t cap_;
  size_t pos_ = 0;
};

}  // namespace

size_t LzfCompress(const char* in_chars, size_t in_len, char* out_chars, size_t out_cap) {
  // Positions are stored as uint32_t; Redis values are at most 512 MB anyway.
  if (in_len == 0 || in_len > UINT32_MAX / 2) return 0;
  const auto* in = reinterpret_cast<const Byte*>(in_chars);
  Writer out(reinterpret_cast<Byte*>(out_chars), out_cap);

  thread_local MatchTable matches;
  uint32_t* const table = matches.slots;
  const uint32_t base = matches.Begin(in_len);

  size_t pos = 0;
  size_t literal_start = 0;
  size_t misses = 0;  // positions tried since the last match
  while (pos + kMinMatch <= in_len) {
    const uint32_t h = Hash(Load3(in + pos));
    const uint32_t slot = table[h];
    table[h] = base + static_cast<uint32_t>(pos);
    const size_t candidate = slot - base;  // meaningful only when slot >= base
    if (slot < base || candidate >= pos || pos - candidate > kMaxDistance ||
        Load3(in + candidate) != Load3(in + pos)) {
      // Incompressible stretches are crossed with growing steps (as LZ4 does): after 32 misses
      // every other position is tried, after 64 every third, up to every 17th. Random data is
      // stored the same; compressible data rarely misses that often, and the cap bounds what a
      // long random stretch can hide of the repeats after it.
      pos += 1 + std::min(misses++ >> kSkipShift, kMaxSkip);
      continue;
    }
    misses = 0;
    const size_t limit = std::min(kMaxMatch, in_len - pos);
    const size_t len = kMinMatch + CommonLength(in + candidate + kMinMatch, in + pos + kMinMatch,
                                                limit - kMinMatch);
    if (!out.Literals(in + literal_start, pos - literal_start)) return 0;
    if (!out.Reference(len, pos - candidate)) return 0;
    pos += len;
    literal_start = pos;
    // Index the last two positions of the match so that a following repeat is found; indexing
    // every position would improve the ratio a little at a large cost in speed.
    for (size_t p = pos - 2; p < pos && p + kMinMatch <= in_len; ++p) {
      table[Hash(Load3(in + p))] = base + static_cast<uint32_t>(p);
    }
  }
  if (!out.Literals(in + literal_start, in_len - literal_start)) return 0;
  return out.size();
}

size_t LzfDecompress(const char* in_chars, size_t in_len, char* out_chars, size_t out_len) {
  const auto* ip = reinterpret_cast<const Byte*>(in_chars);
  const Byte* const in_end = ip + in_len;
  auto* const out = reinterpret_cast<Byte*>(out_chars);
  Byte* op = out;
  Byte* const out_end = out + out_len;

  while (ip < in_end) {
    const size_t ctrl = *ip++;
    if (ctrl < kMaxLiteralRun) {
      const size_t run = ctrl + 1;
      if (static_cast<size_t>(in_end - ip) < run || static_cast<size_t>(out_end - op) < run) {
        return 0;
      }
      std::memcpy(op, ip, run);
      ip += run;
      op += run;
      continue;
    }
    size_t len = ctrl >> 5;
    if (len == 7) {
      if (ip == in_end) return 0;
      len += *ip++;
    }
    len += 2;
    if (ip == in_end) return 0;
    const size_t distance = ((ctrl & 0x1f) << 8 | *ip++) + 1;
    if (distance > static_cast<size_t>(op - out) || static_cast<size_t>(out_end - op) < len) {
      return 0;
    }
    // When distance < len the reference overlaps its own output: a pattern of `distance` bytes
    // repeats. Copying in pieces no longer than the gap between op and ref never overlaps, and
    // each piece doubles that gap.
    const Byte* ref = op - distance;
    while (len > 0) {
      const size_t piece = std::min(len, static_cast<size_t>(op - ref));
      std::memcpy(op, ref, piece);
      op += piece;
      len -= piece;
    }
  }
  return static_cast<size_t>(op - out);
}

}  // namespace petrel::persistence
