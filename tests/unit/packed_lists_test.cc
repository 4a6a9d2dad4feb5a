// Tests for petrel/persistence/packed_lists.h. Listpack vectors come from redis-server 7.0.15
// (HSET then SAVE, blobs cut out of dump.rdb); Redis 7 never writes ziplists, so those blobs are
// built by hand from the format.
#include "petrel/persistence/packed_lists.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "petrel/persistence/lzf.h"

namespace petrel::persistence {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string ToHex(std::string_view s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// Walks `blob` from an exact-size heap copy (so ASan sees overruns); nullopt if it fails.
template <typename Walk>
std::optional<std::vector<std::string>> Entries(Walk walk, std::string_view blob) {
  const std::vector<char> copy(blob.begin(), blob.end());
  std::vector<std::string> items;
  const bool ok = walk(std::string_view(copy.data(), copy.size()), [&](std::string_view item) {
    items.emplace_back(item);
    return true;
  });
  if (!ok) return std::nullopt;
  return items;
}

std::optional<std::vector<std::string>> ListpackEntries(std::string_view blob) {
  return Entries(ForEachListpackEntry, blob);
}
std::optional<std::vector<std::string>> ZiplistEntries(std::string_view blob) {
  return Entries(ForEachZiplistEntry, blob);
}

std::string Encode(const std::vector<std::string>& items) {
  std::vector<std::string_view> views(items.begin(), items.end());
  return EncodeListpack(views);
}

std::string Unlzf(std::string_view hex, size_t clen, size_t ulen) {
  const std::string in = FromHex(hex);
  EXPECT_EQ(in.size(), clen);
  std::string out(ulen, '\0');
  EXPECT_EQ(LzfDecompress(in.data(), in.size(), out.data(), ulen), ulen);
  return out;
}

// ---- listpack ----

// HSET h f1 v1 f2 22.
const std::string kRedisHash = FromHex("1500000004008266310382763103826632031601ff");

TEST(RedisListpackTest, DecodesRealRedisHash) {
  const auto items = ListpackEntries(kRedisHash);
  ASSERT_TRUE(items);
  EXPECT_EQ(*items, (std::vector<std::string>{"f1", "v1", "f2", "22"}));
}

TEST(RedisListpackTest, EncodesRealRedisHashExactly) {
  EXPECT_EQ(ToHex(Encode({"f1", "v1", "f2", "22"})), ToHex(kRedisHash));
}

TEST(RedisListpackTest, RealRedisIntegerWidths) {
  // HSET ints a 0 b 127 c 128 ... (every integer encoding and near-integers), LZF-compressed in
  // the dump: clen 173, ulen 178.
  const std::string blob = Unlzf(
      "1fb20000002c0081610200018162027f01816302c08002816402dfff02816502d0050002816602cf200b1f6702f1"
      "ff7f03816802f1008003816902f2ffff7f04816a02f200008004816b0201f3ff20100405816c02f3205105800581"
      "6d02f420084000058009816e02f4201e4000197f09816f028330303704817002822d3003817102822b3103817220"
      "580310038173206603ef038174404604800005817560460080404706098176028001ff",
      173, 178);
  const std::vector<std::string> expected = {"a", "0",
                                             "b", "127",
                                             "c", "128",
                                             "d", "-1",
                                             "e", "-4096",
                                             "f", "4095",
                                             "g", "32767",
                                             "h", "-32768",
                                             "i", "8388607",
                                             "j", "-8388608",
                                             "k", "2147483647",
                                             "l", "-2147483648",
                                             "m", "-9223372036854775808",
                                             "n", "9223372036854775807",
                                             "o", "007",
                                             "p", "-0",
                                             "q", "+1",
                                             "r", "4096",
                                             "s", "-4097",
                                             "t", "8388608",
                                             "u", "2147483648",
                                             "v", ""};
  const auto items = ListpackEntries(blob);
  ASSERT_TRUE(items);
  EXPECT_EQ(*items, expected);
  EXPECT_EQ(ToHex(Encode(expected)), ToHex(blob));
}

TEST(RedisListpackTest, RealRedisStringLengths) {
  // HSET strs s63 <y x 63> s64 <y x 64> (clen 34, ulen 149) and, with hash-max-listpack-value
  // raised, HSET big s4095 <x x 4095> s4096 <x x 4096> (clen 131, ulen 8223).
  const std::string strs =
      Unlzf("0c9500000004008373363304bf79e0350000402045033404e040e0354503797942ff", 34, 149);
  const std::vector<std::string> strs_items = {"s63", std::string(63, 'y'), "s64",
                                               std::string(64, 'y')};
  EXPECT_EQ(ListpackEntries(strs), strs_items);
  EXPECT_EQ(Encode(strs_items), strs);

  const std::string big = Unlzf(
      "0f1f200000040085733430393506efff78e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff"
      "00e0ff00e0ff00e0ff00e0ff00e0ff00e07d000120817009063606f000100000e07d93e0ff00e0ff00e0ff00e0ff"
      "00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00e0ff00300d0185ff",
      131, 8223);
  const std::vector<std::string> big_items = {"s4095", std::string(4095, 'x'), "s4096",
                                              std::string(4096, 'x')};
  EXPECT_TRUE(ListpackEntries(big) == big_items);  // (not printed: 8 KB each)
  EXPECT_TRUE(Encode(big_items) == big);
}

TEST(RedisListpackTest, IntegerEncodingsRoundTrip) {
  struct Case {
    std::string text;
    size_t entry_bytes;  // encoding + value + back-length
  };
  const std::vector<Case> cases = {
      {"0", 2},
      {"127", 2},
      {"128", 3},
      {"-1", 3},
      {"-4096", 3},
      {"4095", 3},
      {"4096", 4},
      {"-4097", 4},
      {"32767", 4},
      {"-32768", 4},
      {"32768", 5},
      {"8388607", 5},
      {"-8388608", 5},
      {"8388608", 6},
      {"2147483647", 6},
      {"-2147483648", 6},
      {"2147483648", 10},
      {"-9223372036854775808", 10},
      {"9223372036854775807", 10},
  };
  for (const Case& c : cases) {
    const std::string blob = Encode({c.text});
    EXPECT_EQ(blob.size(), 6 + c.entry_bytes + 1) << c.text;
    const auto items = ListpackEntries(blob);
    ASSERT_TRUE(items) << c.text;
    EXPECT_EQ(*items, std::vector<std::string>{c.text});
  }
}

TEST(RedisListpackTest, NonCanonicalIntegersStayStrings) {
  for (std::string s : {"007", "-0", "+1", " 1", "1 ", "", "12a", "9223372036854775808",
                        "-9223372036854775809", "0x10", "1.5"}) {
    const std::string blob = Encode({s});
    // 6-bit string encoding: 0x80 | length, then the bytes.
    ASSERT_EQ(static_cast<unsigned char>(blob[6]), 0x80 | s.size()) << s;
    EXPECT_EQ(ListpackEntries(blob), std::vector<std::string>{s});
  }
}

TEST(RedisListpackTest, StringEncodingsAndBacklenSizes) {
  struct Case {
    size_t len;
    unsigned first_byte;
    size_t header;
    size_t backlen;
  };
  // Entry length = header + len; the back-length takes 1 byte up to 127, 2 below 16383, 3 below
  // 2097151 (Redis's thresholds: 16383 itself takes 3).
  const std::vector<Case> cases = {
      {0, 0x80, 1, 1},     {63, 0xbf, 1, 1},     {64, 0xe0, 2, 1},      {125, 0xe0, 2, 1},
      {126, 0xe0, 2, 2},   {4095, 0xef, 2, 2},   {4096, 0xf0, 5, 2},    {16377, 0xf0, 5, 2},
      {16378, 0xf0, 5, 3}, {100000, 0xf0, 5, 3}, {2097145, 0xf0, 5, 3}, {2097146, 0xf0, 5, 4},
  };
  for (const Case& c : cases) {
    const std::string item(c.len, 'z');
    const std::string blob = Encode({item});
    EXPECT_EQ(static_cast<unsigned char>(blob[6]), c.first_byte) << c.len;
    EXPECT_EQ(blob.size(), 6 + c.header + c.len + c.backlen + 1) << c.len;
    const auto items = ListpackEntries(blob);
    ASSERT_TRUE(items) << c.len;
    ASSERT_EQ(items->size(), 1u);
    EXPECT_EQ((*items)[0], item);
  }
}

TEST(RedisListpackTest, EmptyAndUnknownCount) {
  EXPECT_EQ(ToHex(Encode({})),
            "0700000000"
            "00ff");
  EXPECT_EQ(ListpackEntries(Encode({})), std::vector<std::string>{});

  std::vector<std::string> many(65534, "x");
  std::string blob = Encode(many);
  EXPECT_EQ(ToHex(blob.substr(4, 2)), "feff");
  EXPECT_EQ(ListpackEntries(blob)->size(), 65534u);

  many.push_back("y");
  blob = Encode(many);
  EXPECT_EQ(ToHex(blob.substr(4, 2)), "ffff");  // 65535 entries: the count is "unknown"
  EXPECT_EQ(ListpackEntries(blob)->size(), 65535u);
  many.push_back("z");
  EXPECT_EQ(ListpackEntries(Encode(many))->size(), 65536u);
}

TEST(RedisListpackTest, BuilderIsReusable) {
  ListpackBuilder b;
  b.Add("f1");
  b.Add("v1");
  b.Add("f2");
  b.Add("22");
  EXPECT_EQ(b.count(), 4u);
  EXPECT_EQ(b.Finish(), kRedisHash);
  EXPECT_EQ(b.count(), 0u);
  EXPECT_EQ(b.Finish(), Encode({}));
}

TEST(RedisListpackTest, RejectsMalformedBlobs) {
  const std::string good = kRedisHash;
  auto with = [&](size_t at, int byte) {
    std::string s = good;
    s[at] = static_cast<char>(byte);
    return s;
  };
  EXPECT_FALSE(ListpackEntries(""));
  EXPECT_FALSE(ListpackEntries(good.substr(0, 6)));
  EXPECT_FALSE(ListpackEntries(good.substr(0, 20)));  // shorter than its total-bytes
  EXPECT_FALSE(ListpackEntries(good + '\xff'));       // longer than its total-bytes
  EXPECT_FALSE(ListpackEntries(with(20, 0x00)));      // no terminator
  EXPECT_FALSE(ListpackEntries(with(4, 3)));          // count 3, 4 entries
  EXPECT_TRUE(ListpackEntries(with(4, 0xff).replace(5, 1, "\xff")));  // unknown count is fine
  EXPECT_FALSE(ListpackEntries(with(9, 0x04)));                       // wrong back-length
  EXPECT_FALSE(ListpackEntries(with(6, 0xf5)));                       // unused encoding
  EXPECT_FALSE(ListpackEntries(with(6, 0xff)));                       // terminator inside
  EXPECT_FALSE(ListpackEntries(with(6, 0x85)));  // string running into the next entry
  EXPECT_FALSE(ListpackEntries(with(6, 0xf0)));  // 32-bit length past the end
  // An entry cut off right before the terminator: 22 without its back-length.
  EXPECT_FALSE(
      ListpackEntries(FromHex("080000000100"
                              "16ff")));
}

TEST(RedisListpackTest, CallbackCanStopTheWalk) {
  int seen = 0;
  EXPECT_FALSE(ForEachListpackEntry(kRedisHash, [&](std::string_view) { return ++seen < 2; }));
  EXPECT_EQ(seen, 2);
}

// Random mutations of valid blobs: the walk may fail or succeed but must stay inside the blob
// (checked by ASan in the sanitizer build) and only produce entries that fit in it.
template <typename Walk>
void FuzzWalk(Walk walk, const std::vector<std::string>& seeds, uint64_t seed) {
  std::mt19937_64 rng(seed);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string blob = seeds[rng() % seeds.size()];
    const int kind = static_cast<int>(rng() % 4);
    if (kind == 0 || blob.size() < 2) {
      for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n; ++i) {
        blob[rng() % blob.size()] = static_cast<char>(rng());
      }
    } else if (kind == 1) {
      blob.resize(rng() % blob.size());
    } else if (kind == 2) {
      // A byte after the size and count fields: gets past the first checks more often.
      blob[6 + rng() % (blob.size() - 6)] = static_cast<char>(rng());
    } else {
      blob.insert(blob.begin() + static_cast<long>(6 + rng() % (blob.size() - 6)),
                  static_cast<char>(rng()));
      const auto n = static_cast<uint32_t>(blob.size());
      for (int i = 0; i < 4; ++i) blob[i] = static_cast<char>(n >> (8 * i));
    }
    const auto items = Entries(walk, blob);
    if (items) {
      ++accepted;
      size_t bytes = 0;
      for (const auto& item : *items) bytes += item.size();
      ASSERT_LE(bytes, blob.size() * 20);  // integers may print longer than they are stored
    }
  }
  EXPECT_GT(accepted, 0);
}

TEST(RedisListpackTest, RandomMutationsNeverCrash) {
  std::vector<std::string> seeds = {kRedisHash};
  seeds.push_back(Encode({"a", "0", "b", "-1", "c", "300", "d", "70000", "e", "5000000000",
                          std::string(70, 'q'), std::string(5000, 'r'), "", "-4096"}));
  seeds.push_back(Encode({"x", "1", "y", "2"}));
  FuzzWalk(ForEachListpackEntry, seeds, 21);
}

// ---- ziplist ----

// Wraps raw entries (encoding + data) into a ziplist: prevlens (1 byte below 254, else 5),
// zlbytes, zltail, zllen and the terminator. force_long_prevlen uses 5 bytes for every prevlen
// after the first entry, as Redis may do to avoid cascading updates.
std::string MakeZiplist(const std::vector<std::string>& raw, bool force_long_prevlen = false) {
  std::string body;
  size_t prev = 0;
  size_t tail = 10;
  for (size_t i = 0; i < raw.size(); ++i) {
    tail = 10 + body.size();
    std::string prevlen;
    if (prev < 254 && !(force_long_prevlen && i > 0)) {
      prevlen.push_back(static_cast<char>(prev));
    } else {
      prevlen.push_back('\xfe');
      for (int b = 0; b < 4; ++b) prevlen.push_back(static_cast<char>(prev >> (8 * b)));
    }
    body += prevlen + raw[i];
    prev = prevlen.size() + raw[i].size();
  }
  std::string zl;
  const size_t total = 10 + body.size() + 1;
  for (int b = 0; b < 4; ++b) zl.push_back(static_cast<char>(total >> (8 * b)));
  for (int b = 0; b < 4; ++b) zl.push_back(static_cast<char>(tail >> (8 * b)));
  for (int b = 0; b < 2; ++b) zl.push_back(static_cast<char>(raw.size() >> (8 * b)));
  return zl + body + '\xff';
}

// A hash {a: 1, bb: hello, n: 300} as Redis 6 stored it, written out byte by byte.
const std::string kZiplistHash = FromHex(
    "22000000"
    "1d000000"
    "0600"            // zlbytes 34, zltail 29, zllen 6
    "000161"          // "a"
    "03f2"            // 1, immediate (0xf1 + 1)
    "02026262"        // "bb"
    "040568656c6c6f"  // "hello"
    "07016e"          // "n"
    "03c02c01"        // 300 as int16
    "ff");

TEST(ZiplistTest, DecodesHandBuiltHash) {
  EXPECT_EQ(ZiplistEntries(kZiplistHash),
            (std::vector<std::string>{"a", "1", "bb", "hello", "n", "300"}));
  EXPECT_EQ(MakeZiplist({FromHex("0161"), FromHex("f2"), FromHex("026262"), FromHex("0568656c6c6f"),
                         FromHex("016e"), FromHex("c02c01")}),
            kZiplistHash);
}

TEST(ZiplistTest, EveryIntegerEncoding) {
  std::vector<std::string> raw;
  std::vector<std::string> expected;
  for (int v = 0; v <= 12; ++v) {
    raw.push_back(std::string(1, static_cast<char>(0xf1 + v)));
    expected.push_back(std::to_string(v));
  }
  raw.push_back(FromHex("fe80"));  // int8 -128
  expected.push_back("-128");
  raw.push_back(FromHex("fe7f"));  // int8 127
  expected.push_back("127");
  raw.push_back(FromHex("c00080"));  // int16 -32768
  expected.push_back("-32768");
  raw.push_back(FromHex("f0ffff7f"));  // int24 8388607
  expected.push_back("8388607");
  raw.push_back(FromHex("f0000080"));  // int24 -8388608
  expected.push_back("-8388608");
  raw.push_back(FromHex("d0ffffff7f"));  // int32 2147483647
  expected.push_back("2147483647");
  raw.push_back(FromHex("d000000080"));  // int32 -2147483648
  expected.push_back("-2147483648");
  raw.push_back(FromHex("e00000000000000080"));  // int64 min
  expected.push_back("-9223372036854775808");
  raw.push_back(FromHex("e0ffffffffffffff7f"));  // int64 max
  expected.push_back("9223372036854775807");
  raw.push_back(FromHex("e0feffffffffffffff"));  // int64 -2
  expected.push_back("-2");
  EXPECT_EQ(ZiplistEntries(MakeZiplist(raw)), expected);
  EXPECT_EQ(ZiplistEntries(MakeZiplist(raw, true)), expected);
}

TEST(ZiplistTest, StringEncodingsAndLongPrevlen) {
  const std::string s63(63, 'a'), s64(64, 'b'), s300(300, 'c'), s16383(16383, 'd'),
      s16384(16384, 'e');
  std::vector<std::string> raw = {
      std::string(1, '\x3f') + s63,    // 6-bit length
      FromHex("4040") + s64,           // 14-bit length, big-endian
      FromHex("412c") + s300,          // next entry's prevlen takes 5 bytes
      std::string(1, '\0'),            // the empty string
      FromHex("7fff") + s16383,        // largest 14-bit length
      FromHex("8000004000") + s16384,  // 32-bit big-endian length
      FromHex("fe05"),
  };
  const std::string blob = MakeZiplist(raw);
  EXPECT_EQ(static_cast<unsigned char>(blob[10 + 1 + 64 + 1 + 66 + 1 + 302]), 0xfe);
  EXPECT_EQ(ZiplistEntries(blob),
            (std::vector<std::string>{s63, s64, s300, "", s16383, s16384, "5"}));
}

TEST(ZiplistTest, EmptyAndUnknownCount) {
  EXPECT_EQ(ZiplistEntries(FromHex("0b0000000a0000000000ff")), std::vector<std::string>{});
  std::string blob = kZiplistHash;
  blob[8] = blob[9] = '\xff';
  EXPECT_EQ(ZiplistEntries(blob)->size(), 6u);
}

TEST(ZiplistTest, RejectsMalformedBlobs) {
  const std::string good = kZiplistHash;
  auto with = [&](size_t at, int byte) {
    std::string s = good;
    s[at] = static_cast<char>(byte);
    return s;
  };
  EXPECT_TRUE(ZiplistEntries(good));
  EXPECT_FALSE(ZiplistEntries(""));
  EXPECT_FALSE(ZiplistEntries(good.substr(0, 10)));
  EXPECT_FALSE(ZiplistEntries(good.substr(0, 33)));
  EXPECT_FALSE(ZiplistEntries(good + '\xff'));
  EXPECT_FALSE(ZiplistEntries(with(33, 0x00)));  // no terminator
  EXPECT_FALSE(ZiplistEntries(with(4, 25)));     // zltail not at the last entry
  EXPECT_FALSE(ZiplistEntries(with(8, 5)));      // zllen 5, 6 entries
  EXPECT_FALSE(ZiplistEntries(with(10, 1)));     // first prevlen not 0
  EXPECT_FALSE(ZiplistEntries(with(13, 2)));     // prevlen of "1" should be 3
  EXPECT_FALSE(ZiplistEntries(with(14, 0xc1)));  // unknown encoding
  EXPECT_FALSE(ZiplistEntries(with(14, 0xff)));  // 0xff as an encoding
  EXPECT_FALSE(ZiplistEntries(with(13, 0xff)));  // terminator where an entry starts
  EXPECT_FALSE(ZiplistEntries(with(11, 0x3f)));  // string past the end
  EXPECT_FALSE(ZiplistEntries(with(11, 0x80)));  // 32-bit length past the end
  EXPECT_FALSE(ZiplistEntries(with(30, 0xe0)));  // int64 past the end
  EXPECT_FALSE(ZiplistEntries(with(29, 0xfe)));  // long prevlen running into the terminator
}

TEST(ZiplistTest, CallbackCanStopTheWalk) {
  int seen = 0;
  EXPECT_FALSE(ForEachZiplistEntry(kZiplistHash, [&](std::string_view) { return ++seen < 3; }));
  EXPECT_EQ(seen, 3);
}

TEST(ZiplistTest, RandomMutationsNeverCrash) {
  std::vector<std::string> seeds = {kZiplistHash};
  seeds.push_back(MakeZiplist({FromHex("0161"), FromHex("412c") + std::string(300, 'c'),
                               FromHex("e0ffffffffffffff7f"), FromHex("f0000080"), FromHex("fe05")},
                              true));
  seeds.push_back(MakeZiplist({FromHex("0178"), FromHex("d0ffffff7f"), FromHex("c00080")}));
  FuzzWalk(ForEachZiplistEntry, seeds, 22);
}

}  // namespace
}  // namespace petrel::persistence
