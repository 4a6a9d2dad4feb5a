// Tests for petrel/persistence/crc64.h. The dump below was written by redis-server 7.0.15
// (SAVE after a few HSET/SET), so its trailer is Redis's own checksum.
#include "petrel/persistence/crc64.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace petrel::persistence {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// The one-bit-at-a-time definition, to check the tables against.
uint64_t BitwiseCrc64(uint64_t crc, const std::string& s) {
  for (unsigned char c : s) {
    crc ^= c;
    for (int i = 0; i < 8; ++i) crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
  }
  return crc;
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// dump.rdb of redis-server 7.0.15: REDIS0010, aux fields, hashes as listpacks (some LZF
// compressed), strings, EOF, then the CRC-64 of everything before it, little-endian.
constexpr std::string_view kRedisDumpHex =
    "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa056374696d"
    "65"
    "c2bf4d026bfa08757365642d6d656dc298450f00fa08616f662d62617365c000fe00fb0600000474657874c3406443"
    "97"
    "1f74686520717569636b2062726f776e20666f782030206a756d7073206f7665720120742020076c617a7920646f67"
    "60"
    "0ce0072d0031e0242d0032e0242d0033e0242d0034e0242d0035e0242d0036e0242de1ff41e20355e1ff41e10313e2"
    "0e"
    "83016f671004696e7473c340ad40b21fb20000002c0081610200018162027f01816302c08002816402dfff02816502"
    "d0"
    "050002816602cf200b1f6702f1ff7f03816802f1008003816902f2ffff7f04816a02f200008004816b0201f3ff2010"
    "04"
    "05816c02f32051058005816d02f420084000058009816e02f4201e4000197f09816f028330303704817002822d3003"
    "81"
    "7102822b3103817220580310038173206603ef038174404604800005817560460080404706098176028001ff000461"
    "31"
    "3030c3094064016161e05700016161100168151500000004008266310382763103826632031601ff100473747273c3"
    "22"
    "40950c9500000004008373363304bf79e0350000402045033404e040e0354503797942ff1003626967c34083601f0f"
    "1f"
    "200000040085733430393506efff78e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff"
    "00"
    "e0ff00e0ff00e0ff00e0ff00e07d000120817009063606f000100000e07d93e0ff00e0ff00e0ff00e0ff00e0ff00e0"
    "ff"
    "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00300d0185ffff388d2df588c925ae";

TEST(Crc64Test, CheckValue) { EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL); }

TEST(Crc64Test, EmptyInputKeepsTheRunningValue) {
  EXPECT_EQ(Crc64(0, "", 0), 0u);
  EXPECT_EQ(Crc64(0x1234, "", 0), 0x1234u);
}

TEST(Crc64Test, MatchesBitwiseDefinition) {
  std::mt19937_64 rng(1);
  for (size_t n = 0; n < 300; ++n) {
    const std::string s = RandomBytes(rng, n);
    const uint64_t seed = n % 3 == 0 ? 0 : rng();
    ASSERT_EQ(Crc64(seed, s.data(), s.size()), BitwiseCrc64(seed, s)) << n;
  }
}

TEST(Crc64Test, UnalignedStartsAgree) {
  std::mt19937_64 rng(2);
  const std::string s = RandomBytes(rng, 1000);
  for (size_t start = 0; start < 16; ++start) {
    const std::string tail = s.substr(start);
    ASSERT_EQ(Crc64(0, s.data() + start, s.size() - start), BitwiseCrc64(0, tail)) << start;
  }
}

TEST(Crc64Test, IncrementalEqualsOneShot) {
  std::mt19937_64 rng(3);
  const std::string s = RandomBytes(rng, 100000);
  const uint64_t whole = Crc64(0, s.data(), s.size());
  for (int round = 0; round < 50; ++round) {
    uint64_t crc = 0;
    size_t pos = 0;
    while (pos < s.size()) {
      const size_t piece = std::min<size_t>(s.size() - pos, rng() % (round < 25 ? 40 : 5000));
      crc = Crc64(crc, s.data() + pos, piece);
      pos += piece;
    }
    ASSERT_EQ(crc, whole) << round;
  }
}

TEST(Crc64Test, RealRedisDumpTrailer) {
  const std::string dump = FromHex(kRedisDumpHex);
  ASSERT_EQ(dump.size(), 618u);
  ASSERT_EQ(dump.substr(0, 9), "REDIS0010");
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i) stored = stored << 8 | static_cast<unsigned char>(dump[618 - 8 + i]);
  EXPECT_EQ(stored, 0xae25c988f52d8d38ULL);
  EXPECT_EQ(Crc64(0, dump.data(), dump.size() - 8), stored);
  // With no final xor, a message followed by its own CRC (little-endian) has CRC 0.
  EXPECT_EQ(Crc64(0, dump.data(), dump.size()), 0u);
  // One flipped bit changes the checksum.
  std::string flipped = dump;
  flipped[100] ^= 0x10;
  EXPECT_NE(Crc64(0, flipped.data(), flipped.size() - 8), stored);
}

}  // namespace
}  // namespace petrel::persistence
