// RdbLoader on damaged and unsupported files: every failure is an error returned (the server
// then exits with it), never a crash, a hang or a file half-accepted as whole.
#include <gtest/gtest.h>

#include <string>

#include "petrel/persistence/rdb_reader.h"
#include "petrel/persistence/rdb_writer.h"
#include "petrel/util/clock.h"
#include "rdb_test_util.h"
#include "returns_in_child.h"

namespace petrel::persistence::testing {
namespace {

using petrel::testing::ReturnsInChild;
using storage::Keyspace;

constexpr int64_t kNow = 1700000000000;

RdbLoadOptions LoadOptions() {
  RdbLoadOptions o;
  o.now_ms = kNow;
  return o;
}

// A small file with each kind of item: strings (int, LZF, plain), a listpack hash, a plain
// hash, an expire, two databases.
std::string SmallFile(RdbOptions options = {}) {
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  PutString(ks, 0, "int", "12345");
  PutString(ks, 0, "lzf", std::string(40, 'a') + std::string(40, 'b'));
  ks.SetExpire(0, PutString(ks, 0, "plain", "hello"), kNow + 5000);
  PutHash(ks, 0, "lp", {{"f", "v"}, {"n", "7"}});
  PutHash(ks, 1, "table", {{"f", std::string(70, 'x')}});
  return Save(ks, options);
}

std::optional<std::string> LoadBytes(const std::string& bytes,
                                     RdbLoadOptions options = LoadOptions(), size_t chunk = 4096) {
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  return Load(bytes, ks, options, chunk);
}

TEST(RdbCorruption, EveryTruncationFails) {
  for (const std::string& file : {SmallFile(), SmallFile({.compress = false, .checksum = false})}) {
    ASSERT_EQ(LoadBytes(file), std::nullopt);
    for (size_t cut = 0; cut < file.size(); ++cut) {
      for (size_t chunk : {size_t{1}, size_t{4096}}) {
        auto error = LoadBytes(file.substr(0, cut), LoadOptions(), chunk);
        ASSERT_TRUE(error) << "cut at " << cut;
        // Mostly a short read; a cut inside a compressed string or listpack may read as a bad one.
        EXPECT_FALSE(error->empty());
      }
    }
  }
}

// CRC-64 detects every change of a single byte, wherever it is.
TEST(RdbCorruption, EverySingleByteChangeIsRefused) {
  const std::string file = SmallFile();
  for (size_t at = 0; at < file.size(); ++at) {
    for (int mask : {0x01, 0x80, 0xff}) {
      std::string bad = file;
      bad[at] = static_cast<char>(bad[at] ^ mask);
      ASSERT_TRUE(LoadBytes(bad)) << "byte " << at << " ^ " << mask;
    }
  }
}

// Without a checksum a change may load, but must not crash or hang.
TEST(RdbCorruption, SingleByteChangesWithoutChecksumEndCleanly) {
  const std::string file = SmallFile({.checksum = false});
  size_t loaded = 0;
  for (size_t at = 0; at < file.size() - 8; ++at) {
    for (int mask : {0x01, 0x02, 0x10, 0x40, 0x80, 0xff}) {
      std::string bad = file;
      bad[at] = static_cast<char>(bad[at] ^ mask);
      if (!LoadBytes(bad)) ++loaded;
    }
  }
  // Changes inside values and AUX text load; changes to the structure do not.
  EXPECT_GT(loaded, 0u);
  EXPECT_LT(loaded, (file.size() - 8) * 6);
}

TEST(RdbCorruption, WrongChecksum) {
  std::string file = SmallFile();
  file[file.size() - 3] ^= 0x10;
  auto error = LoadBytes(file);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->rfind("Wrong RDB checksum expected: (", 0), 0u) << *error;
  EXPECT_NE(error->find(". Aborting now."), std::string::npos);
  // rdbchecksum no: not checked.
  RdbLoadOptions unchecked = LoadOptions();
  unchecked.verify_checksum = false;
  EXPECT_EQ(LoadBytes(file, unchecked), std::nullopt);
}

TEST(RdbCorruption, SignatureAndVersion) {
  const std::string body = FromHex("fe00fb010000016b0176");  // db 0: k -> v
  EXPECT_EQ(LoadBytes(MakeRdb(body)), std::nullopt);
  EXPECT_EQ(LoadBytes(MakeRdb(body, "0009")), std::nullopt);
  EXPECT_EQ(LoadBytes(MakeRdb(body, "0011")), "Can't handle RDB format version 0011");
  EXPECT_EQ(LoadBytes(MakeRdb(body, "0000")), "Can't handle RDB format version 0000");
  EXPECT_EQ(LoadBytes(MakeRdb(body, "00x9")), "Can't handle RDB format version 00x9");
  std::string wrong = MakeRdb(body);
  wrong[4] = 'X';
  EXPECT_EQ(LoadBytes(wrong), "Wrong signature trying to load DB from file");
  EXPECT_EQ(LoadBytes(""), "Short read or OOM loading DB. Unrecoverable error, aborting now.");
}

TEST(RdbCorruption, UnsupportedTypesAreNamed) {
  const std::pair<int, std::string> types[] = {{1, "list"},
                                               {2, "set"},
                                               {3, "zset"},
                                               {5, "zset"},
                                               {11, "set (intset)"},
                                               {14, "list (quicklist)"},
                                               {15, "stream"},
                                               {17, "zset (listpack)"},
                                               {18, "list (quicklist)"},
                                               {19, "stream"},
                                               {42, "unknown"}};
  for (const auto& [type, name] : types) {
    // The value after the key does not matter: the type is refused first.
    const std::string body = FromHex("fe00fb0100") + static_cast<char>(type) + "\x03key\x01x";
    auto error = LoadBytes(MakeRdb(body));
    ASSERT_TRUE(error) << type;
    EXPECT_EQ(*error, "Unsupported RDB value type " + std::to_string(type) + " (" + name +
                          ") for key 'key' in db 0: Petrel does not support this type yet");
  }
}

TEST(RdbCorruption, ModulesAndFunctionsAreRefused) {
  EXPECT_EQ(LoadBytes(MakeRdb("\xf7")),
            "The RDB file holds module data (opcode 0xF7): Petrel does not support modules");
  EXPECT_EQ(LoadBytes(MakeRdb("\xf5")),
            "The RDB file holds functions (opcode 245): Petrel does not support functions yet");
}

TEST(RdbCorruption, DuplicatedKey) {
  const std::string body = FromHex("fe00fb0200 00016b0176 00016b0177");
  EXPECT_EQ(LoadBytes(MakeRdb(body)), "Duplicated key 'k' found in RDB file");
  // The same key in two databases is fine.
  EXPECT_EQ(LoadBytes(MakeRdb(FromHex("fe00 00016b0176 fe01 00016b0177"))), std::nullopt);
}

TEST(RdbCorruption, DuplicateHashFields) {
  // Plain hash (type 4) of two pairs with field "f" twice.
  EXPECT_EQ(LoadBytes(MakeRdb(FromHex("fe00 0401680201660131016601 32"))),
            "Duplicate hash fields detected");
  // A listpack f,1,f,2 (as a Redis listpack: 4 entries of one byte).
  const std::string lp = FromHex("11000000 0400 816602 0101 816602 0201 ff");
  ASSERT_EQ(lp.size(), 0x11u);
  EXPECT_EQ(LoadBytes(MakeRdb(FromHex("fe00 100168 11") + lp)), "Duplicate hash fields detected");
}

TEST(RdbCorruption, BrokenListpackAndLengths) {
  // A listpack with an odd number of entries (a field without its value).
  const std::string lp = FromHex("0a000000 0100 816602 ff");
  EXPECT_EQ(LoadBytes(MakeRdb(FromHex("fe00 100168") + static_cast<char>(lp.size()) + lp)),
            "Hash listpack integrity check failed for key 'h'");
  // A string claiming 2^40 bytes, an LZF string claiming to expand 1000 times: refused at once.
  EXPECT_EQ(LoadBytes(MakeRdb(FromHex("fe00 00016b 810000010000000000 76"))),
            "Short read or OOM loading DB. Unrecoverable error, aborting now.");
  EXPECT_EQ(LoadBytes(MakeRdb(FromHex("fe00 00016b c3 02 80000003e8 0161"))),
            "Invalid LZF compressed string");
  // An unknown string encoding (11 000100).
  EXPECT_EQ(LoadBytes(MakeRdb(FromHex("fe00 00016b c4"))), "Unknown RDB string encoding type 4");
}

// A RESIZEDB announcing far more keys than the file holds (a corrupt length) must not hang the
// loader, abort it, or allocate what it claims: the load returns (the one key, or an error).
TEST(RdbCorruption, HugeResizeDbHintReturns) {
  for (std::string_view sizes : {
           "80ffffffff 00",          // 2^32: more than the child may allocate
           "810000000100000000 00",  // the same in 64 bits
           "811000000000000000 00",  // 2^60: past std::vector's max_size
           "8180000000000000ff 00",  // past 2^63: doubling a table size never reaches it
           "81ffffffffffffffff 00",
       }) {
    const std::string file = MakeRdb(FromHex("fe00fb") + FromHex(sizes) + FromHex("00016b0176"));
    EXPECT_TRUE(ReturnsInChild([&] { LoadBytes(file); }, 5)) << "RESIZEDB " << sizes;
  }
}

}  // namespace
}  // namespace petrel::persistence::testing
