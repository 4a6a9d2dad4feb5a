// Tests for petrel/persistence/lzf.h. The "real" streams were written by redis-server 7.0.15
// (SAVE with rdbcompression yes) and cut out of its dump.rdb.
#include "petrel/persistence/lzf.h"

#include <gtest/gtest.h>

#include <cstdio>
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

// Decompresses into a heap buffer of exactly `out_len` bytes, so that ASan sees any overrun;
// the input is copied to its own exact-size buffer for the same reason.
std::string Decompress(const std::string& in, size_t out_len, size_t* produced) {
  std::vector<char> src(in.begin(), in.end());
  std::vector<char> dst(out_len);
  *produced = LzfDecompress(src.data(), src.size(), dst.data(), dst.size());
  return std::string(dst.data(), std::min(*produced, out_len));
}

// Compresses with room for the worst case (one control byte per 32 literals).
std::string Compress(const std::string& in) {
  std::vector<char> out(in.size() + in.size() / 32 + 1);
  const size_t n = LzfCompress(in.data(), in.size(), out.data(), out.size());
  return std::string(out.data(), n);
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Inputs of several characters: random, one byte repeated, a short pattern repeated, English-like
// words, and random stretches mixed with copies of earlier stretches.
std::string Sample(int kind, size_t n, std::mt19937_64& rng) {
  std::string s;
  switch (kind) {
    case 0:
      return RandomBytes(rng, n);
    case 1:
      return std::string(n, 'a');
    case 2:
      while (s.size() < n) s += "abcdefg";
      break;
    case 3: {
      static const char* kWords[] = {"the ",  "quick ", "brown ", "fox ",   "jumps ",
                                     "over ", "lazy ",  "dog ",   "redis ", "petrel "};
      while (s.size() < n) s += kWords[rng() % 10];
      break;
    }
    default:
      while (s.size() < n) {
        if (s.size() > 16 && rng() % 2) {
          const size_t from = rng() % s.size();
          s += s.substr(from, 1 + rng() % 300);
        } else {
          s += RandomBytes(rng, 1 + rng() % 50);
        }
      }
      break;
  }
  s.resize(n);
  return s;
}

const std::vector<size_t>& Sizes() {
  static const std::vector<size_t> sizes = [] {
    std::vector<size_t> v;
    for (size_t n = 0; n <= 70; ++n) v.push_back(n);
    for (size_t n : {100, 255, 256, 264, 265, 1000, 4096, 8191, 8192, 8193, 8200, 16385, 65536,
                     99999, 100000}) {
      v.push_back(n);
    }
    return v;
  }();
  return sizes;
}

TEST(LzfTest, RealRedisRepeatedByte) {
  // SET a100 <"a" x 100>; SAVE stores clen 9, ulen 100.
  const std::string stream = FromHex("016161e05700016161");
  size_t produced;
  const std::string out = Decompress(stream, 100, &produced);
  EXPECT_EQ(produced, 100u);
  EXPECT_EQ(out, std::string(100, 'a'));
}

TEST(LzfTest, RealRedisText) {
  std::string text;
  for (int i = 0; i < 20; ++i) {
    char phrase[64];
    std::snprintf(phrase, sizeof phrase, "%sthe quick brown fox %d jumps over the lazy dog",
                  i ? " " : "", i % 7);
    text += phrase;
  }
  ASSERT_EQ(text.size(), 919u);
  const std::string stream = FromHex(
      "1f74686520717569636b2062726f776e20666f782030206a756d7073206f7665720120742020076c617a792064"
      "6f67600ce0072d0031e0242d0032e0242d0033e0242d0034e0242d0035e0242d0036e0242de1ff41e20355e1ff"
      "41e10313e20e83016f67");
  ASSERT_EQ(stream.size(), 100u);
  size_t produced;
  EXPECT_EQ(Decompress(stream, 919, &produced), text);
  EXPECT_EQ(produced, 919u);
  // Ours compresses it at least as well as Redis does and reads back.
  const std::string ours = Compress(text);
  EXPECT_LE(ours.size(), 100u);
  EXPECT_EQ(Decompress(ours, 919, &produced), text);
}

TEST(LzfTest, RoundTripsManySizesAndKinds) {
  std::mt19937_64 rng(7);
  for (int kind = 0; kind < 5; ++kind) {
    for (size_t n : Sizes()) {
      const std::string in = Sample(kind, n, rng);
      const std::string packed = Compress(in);
      if (n == 0) {
        EXPECT_TRUE(packed.empty());
        continue;
      }
      ASSERT_FALSE(packed.empty()) << kind << " " << n;
      size_t produced;
      ASSERT_EQ(Decompress(packed, n, &produced), in) << kind << " " << n;
      ASSERT_EQ(produced, n);
      if (kind == 1 && n >= 300) {
        EXPECT_LT(packed.size(), n / 50 + 10) << n;
      }
    }
  }
}

TEST(LzfTest, RepetitiveDataFitsRedisBudget) {
  std::mt19937_64 rng(8);
  for (int kind = 1; kind < 4; ++kind) {
    for (size_t n : {30, 100, 1000, 100000}) {
      if (kind == 3 && n < 100) continue;  // a few random words need not repeat
      const std::string in = Sample(kind, n, rng);
      std::vector<char> out(n - 4);
      const size_t c = LzfCompress(in.data(), n, out.data(), out.size());
      ASSERT_GT(c, 0u) << kind << " " << n;
      EXPECT_LE(c, n - 4);
    }
  }
}

TEST(LzfTest, RandomDataDoesNotFitRedisBudget) {
  std::mt19937_64 rng(9);
  const std::string in = RandomBytes(rng, 5000);
  std::vector<char> out(in.size() - 4);
  EXPECT_EQ(LzfCompress(in.data(), in.size(), out.data(), out.size()), 0u);
}

TEST(LzfTest, RandomStretchDoesNotHideLaterRepeats) {
  // The encoder steps faster through data that does not match; it must still find the run.
  std::mt19937_64 rng(13);
  const std::string in = RandomBytes(rng, 50000) + std::string(50000, 'a') +
                         RandomBytes(rng, 30000) + Sample(2, 30000, rng);
  const std::string packed = Compress(in);
  // The random 80 KB as literals, plus well under 2 KB for the 80 KB of repeats.
  EXPECT_LT(packed.size(), 80000 + 80000 / 32 + 2000);
  size_t produced;
  EXPECT_EQ(Decompress(packed, in.size(), &produced), in);
}

TEST(LzfTest, CompressNeverWritesPastCapacity) {
  std::mt19937_64 rng(10);
  for (int kind = 0; kind < 5; ++kind) {
    const std::string in = Sample(kind, 3000, rng);
    const size_t full = Compress(in).size();
    for (size_t cap = 0; cap <= full + 2; cap += (cap < 64 || cap + 64 > full ? 1 : 37)) {
      std::vector<char> out(cap + 16, '\x5a');
      const size_t c = LzfCompress(in.data(), in.size(), out.data(), cap);
      ASSERT_LE(c, cap);
      ASSERT_EQ(c == 0, cap < full) << kind << " " << cap;
      for (size_t i = cap; i < out.size(); ++i) ASSERT_EQ(out[i], '\x5a') << cap;
      if (c > 0) {
        size_t produced;
        ASSERT_EQ(Decompress(std::string(out.data(), c), in.size(), &produced), in);
      }
    }
  }
}

TEST(LzfTest, CompressIsDeterministic) {
  std::mt19937_64 rng(11);
  const std::string a = Sample(4, 20000, rng);
  const std::string b = Sample(4, 20000, rng);
  const std::string first = Compress(a);
  Compress(b);  // leaves other positions in any reused state
  EXPECT_EQ(Compress(a), first);
}

TEST(LzfTest, DecompressRejectsMalformedStreams) {
  size_t produced;
  // A reference with no output before it.
  Decompress(FromHex("2000"), 10, &produced);
  EXPECT_EQ(produced, 0u);
  // A reference further back than the output so far.
  Decompress(FromHex("0061"
                     "2001"),
             10, &produced);
  EXPECT_EQ(produced, 0u);
  // A literal run longer than the input left.
  Decompress(FromHex("0561"), 10, &produced);
  EXPECT_EQ(produced, 0u);
  // A long reference missing its length byte, and one missing its offset byte.
  Decompress(FromHex("0061e0"), 300, &produced);
  EXPECT_EQ(produced, 0u);
  Decompress(FromHex("0061e005"), 300, &produced);
  EXPECT_EQ(produced, 0u);
  Decompress(FromHex("006120"), 300, &produced);
  EXPECT_EQ(produced, 0u);
  // Output larger than the buffer, by a literal and by a reference.
  Decompress(FromHex("016161016161"), 3, &produced);
  EXPECT_EQ(produced, 0u);
  Decompress(FromHex("0061e0ff00"), 200, &produced);
  EXPECT_EQ(produced, 0u);
}

TEST(LzfTest, DecompressLongestReference) {
  // One literal, then a reference of 7 + 255 + 2 bytes at distance 1.
  size_t produced;
  const std::string out = Decompress(FromHex("0061e0ff00"), 265, &produced);
  EXPECT_EQ(produced, 265u);
  EXPECT_EQ(out, std::string(265, 'a'));
}

TEST(LzfTest, DecompressSurvivesCorruption) {
  std::mt19937_64 rng(12);
  int accepted = 0;
  for (int round = 0; round < 4000; ++round) {
    const std::string in = Sample(static_cast<int>(round % 5), 1 + rng() % 3000, rng);
    std::string packed = Compress(in);
    switch (rng() % 4) {
      case 0:  // flip some bytes
        for (int i = 0, flips = 1 + static_cast<int>(rng() % 4); i < flips; ++i) {
          packed[rng() % packed.size()] = static_cast<char>(rng());
        }
        break;
      case 1:  // truncate
        packed.resize(rng() % packed.size());
        break;
      case 2:  // garbage appended
        packed += RandomBytes(rng, 1 + rng() % 20);
        break;
      default:  // pure noise
        packed = RandomBytes(rng, rng() % 200);
        break;
    }
    const size_t out_len = rng() % 2 ? in.size() : rng() % (in.size() + 100);
    size_t produced;
    Decompress(packed, out_len, &produced);
    ASSERT_LE(produced, out_len);
    accepted += produced > 0;
  }
  EXPECT_GT(accepted, 0);  // some corruptions stay decodable; that is for the caller's length check
}

}  // namespace
}  // namespace petrel::persistence
