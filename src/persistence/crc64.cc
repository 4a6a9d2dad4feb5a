// Table-driven CRC-64 (slicing-by-16). The reflected algorithm shifts right, so the reflected
// polynomial is used and each input byte enters at the low end of the register.
#include "petrel/persistence/crc64.h"

#include <array>
#include <bit>
#include <cstring>

namespace petrel::persistence {
namespace {

// 0xad93d23594c935a9 with its 64 bits reversed.
constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ULL;
constexpr int kSlices = 16;

using Tables = std::array<std::array<uint64_t, 256>, kSlices>;

// tables[0][b] is the CRC of the single byte b; tables[k][b] is the CRC of b followed by k zero
// bytes, so 16 input bytes can be folded with 16 independent look-ups.
constexpr Tables MakeTables() {
  Tables t{};
  for (uint64_t b = 0; b < 256; ++b) {
    uint64_t crc = b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ kReflectedPoly : crc >> 1;
    t[0][b] = crc;
  }
  for (int k = 1; k < kSlices; ++k) {
    for (int b = 0; b < 256; ++b) {
      const uint64_t prev = t[k - 1][b];
      t[k][b] = (prev >> 8) ^ t[0][prev & 0xff];
    }
  }
  return t;
}

constexpr Tables kTables = MakeTables();

inline uint64_t LoadLe64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

}  // namespace

uint64_t Crc64(uint64_t crc, const void* data, size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
  const auto& t = kTables;
  while (len >= 16) {
    // The register absorbs the first 8 bytes; those 8 are then 15..8 bytes from the end of the
    // block, the next 8 (taken as is) are 7..0 bytes from it.
    const uint64_t a = crc ^ LoadLe64(p);
    const uint64_t b = LoadLe64(p + 8);
    crc = t[15][a & 0xff] ^ t[14][(a >> 8) & 0xff] ^ t[13][(a >> 16) & 0xff] ^
          t[12][(a >> 24) & 0xff] ^ t[11][(a >> 32) & 0xff] ^ t[10][(a >> 40) & 0xff] ^
          t[9][(a >> 48) & 0xff] ^ t[8][a >> 56] ^ t[7][b & 0xff] ^ t[6][(b >> 8) & 0xff] ^
          t[5][(b >> 16) & 0xff] ^ t[4][(b >> 24) & 0xff] ^ t[3][(b >> 32) & 0xff] ^
          t[2][(b >> 40) & 0xff] ^ t[1][(b >> 48) & 0xff] ^ t[0][b >> 56];
    p += 16;
    len -= 16;
  }
  while (len-- > 0) crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace petrel::persistence
