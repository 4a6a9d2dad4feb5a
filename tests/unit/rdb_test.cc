// RdbWriter and RdbLoader on well-formed data: the bytes Redis 7.0 writes, and round trips
// through a string read back in small pieces. kRedisDump was written by redis-server 7.0.15.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "petrel/persistence/rdb_reader.h"
#include "petrel/persistence/rdb_writer.h"
#include "petrel/util/clock.h"
#include "rdb_test_util.h"

namespace petrel::persistence::testing {
namespace {

using storage::Encoding;
using storage::Keyspace;

constexpr int64_t kNow = 1700000000000;
const size_t kReadSizes[] = {1, 7, 4096};

// redis-server 7.0.15, SAVE after: SET s1 hello; SET n1 12345; SET neg -100000;
// SET big 9223372036854775807; SET lz <"a" x 100>; HSET h f1 v1 f2 2;
// SET e1 v PXAT 4102444800000; SELECT 1; SET d1k d1v.
constexpr std::string_view kRedisDump =
    "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa0563"
    "74696d65c2e650026bfa08757365642d6d656dc238180f00fa08616f662d62617365c000fe00fb070100036e"
    "6567c26079feff000273310568656c6c6f00026c7ac3094064016161e0570001616100026e31c13930000362"
    "69671339323233333732303336383534373735383037fc00d8c32cbb03000000026531017610016815150000"
    "0004008266310382763103826632030201fffe01fb0100000364316b03643176ff8627a83a0f36b524";
// The AUX fields of that file end here; its ctime and used-mem values.
constexpr size_t kRedisHeaderSize = 0x50;
constexpr int64_t kRedisCtime = 0x6b0250e6;
constexpr int64_t kRedisUsedMem = 0x000f1838;

RdbLoadOptions LoadOptions() {
  RdbLoadOptions o;
  o.now_ms = kNow;
  return o;
}

// The bytes of the only key of db 0 in a file of one key: after "fe 00 fb <keys> <expires>",
// up to the EOF opcode and checksum.
std::string EntryBytes(const std::string& file) {
  const size_t db = file.find(std::string("\xfe\x00\xfb", 3));
  if (db == std::string::npos) return "<no db>";
  return file.substr(db + 5, file.size() - 9 - (db + 5));
}

// The encoding of one string value as the writer puts it in the file, in hex.
std::string ValueHex(std::string_view value, RdbOptions options = {}) {
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  PutString(ks, 0, "k", value);
  const std::string entry = EntryBytes(Save(ks, options));
  EXPECT_EQ(ToHex(entry.substr(0, 3)), "00016b");  // type string, key "k"
  return ToHex(entry.substr(3));
}

TEST(RdbWriter, IntegerStringsTakeTheSmallestIntegerEncoding) {
  EXPECT_EQ(ValueHex("0"), "c000");
  EXPECT_EQ(ValueHex("127"), "c07f");
  EXPECT_EQ(ValueHex("-128"), "c080");
  EXPECT_EQ(ValueHex("128"), "c18000");
  EXPECT_EQ(ValueHex("-129"), "c17fff");
  EXPECT_EQ(ValueHex("12345"), "c13930");  // as Redis wrote n1
  EXPECT_EQ(ValueHex("32767"), "c1ff7f");
  EXPECT_EQ(ValueHex("-32768"), "c10080");
  EXPECT_EQ(ValueHex("32768"), "c200800000");
  EXPECT_EQ(ValueHex("-32769"), "c2ff7fffff");
  EXPECT_EQ(ValueHex("-100000"), "c26079feff");  // as Redis wrote neg
  EXPECT_EQ(ValueHex("2147483647"), "c2ffffff7f");
  EXPECT_EQ(ValueHex("-2147483648"), "c200000080");  // 11 characters, still 32 bits
}

TEST(RdbWriter, OtherNumbersAreWrittenAsText) {
  // Past 32 bits (Redis int-encodes only 32-bit values in RDB files), even at 11 characters.
  EXPECT_EQ(ValueHex("2147483648"), "0a" + ToHex("2147483648"));
  EXPECT_EQ(ValueHex("-2147483649"), "0b" + ToHex("-2147483649"));
  EXPECT_EQ(ValueHex("12345678901"), "0b" + ToHex("12345678901"));
  EXPECT_EQ(ValueHex("123456789012"), "0c" + ToHex("123456789012"));
  // Held int-encoded in memory, written as Redis wrote big.
  EXPECT_EQ(ValueHex("9223372036854775807"), "13" + ToHex("9223372036854775807"));
  EXPECT_EQ(ValueHex("-9223372036854775808"), "14" + ToHex("-9223372036854775808"));
  // Not canonical: the bytes must come back as they were.
  EXPECT_EQ(ValueHex("007"), "03303037");
  EXPECT_EQ(ValueHex("-0"), "022d30");
  EXPECT_EQ(ValueHex("+1"), "022b31");
  EXPECT_EQ(ValueHex(" 1"), "022031");
  EXPECT_EQ(ValueHex(""), "00");
  EXPECT_EQ(ValueHex(std::string("a\0b", 3)), "03610062");
}

TEST(RdbWriter, StringsLongerThanTwentyBytesAreCompressedWhenThatSaves) {
  EXPECT_EQ(ValueHex(std::string(20, 'a')), "14" + ToHex(std::string(20, 'a')));
  // Redis wrote lz as c3 09 4064 016161e05700016161. Petrel's LZF may parse the run another
  // valid way, so only the framing is checked here (LoadsTheRedisDump reads Redis's form): the
  // LZF marker, the packed length, the plain length 100 as 40 64, and a real saving.
  const std::string a100 = ValueHex(std::string(100, 'a'));
  EXPECT_EQ(a100.substr(0, 2), "c3");
  EXPECT_EQ(a100.substr(4, 4), "4064");
  EXPECT_EQ(a100.size() / 2, 4 + std::stoul(a100.substr(2, 2), nullptr, 16));
  EXPECT_LE(a100.size(), std::string_view("c3094064016161e05700016161").size());
  EXPECT_EQ(ValueHex(std::string(21, 'a')).substr(0, 2), "c3");  // 21 > 20: offered to LZF
  // Random bytes do not compress: written plain, with a 14-bit length.
  std::mt19937_64 rng(7);
  std::string noise(1000, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  EXPECT_EQ(ValueHex(noise), "43e8" + ToHex(noise));
  // rdbcompression no.
  EXPECT_EQ(ValueHex(std::string(100, 'a'), RdbOptions{.compress = false}),
            "4064" + ToHex(std::string(100, 'a')));
}

TEST(RdbWriter, HeaderIsRedisBytesForTheSameAuxValues) {
  util::FakeClock clock(kNow);
  Keyspace empty(16, clock);
  RdbAux aux;
  aux.ctime = kRedisCtime;
  aux.used_mem = kRedisUsedMem;
  const std::string redis = FromHex(kRedisDump);
  std::string expected = redis.substr(0, kRedisHeaderSize) + "\xff";
  expected += LittleEndian64(Crc64(0, expected.data(), expected.size()));
  EXPECT_EQ(ToHex(Save(empty, {}, aux)), ToHex(expected));
}

// Each key of the Redis dump, written alone by Petrel, gives bytes found as such in the dump.
TEST(RdbWriter, EntriesAreRedisBytes) {
  const std::string redis = FromHex(kRedisDump);
  auto check = [&](auto fill, int db = 0) {
    util::FakeClock clock(kNow);
    Keyspace ks(16, clock);
    fill(ks);
    const std::string file = Save(ks);
    const size_t at = file.find(std::string("\xfe", 1) + static_cast<char>(db) + "\xfb");
    ASSERT_NE(at, std::string::npos);
    const std::string entry = file.substr(at + 5, file.size() - 9 - (at + 5));
    EXPECT_NE(redis.find(entry), std::string::npos) << ToHex(entry);
  };
  check([](Keyspace& ks) { PutString(ks, 0, "s1", "hello"); });
  check([](Keyspace& ks) { PutString(ks, 0, "n1", "12345"); });
  check([](Keyspace& ks) { PutString(ks, 0, "neg", "-100000"); });
  check([](Keyspace& ks) { PutString(ks, 0, "big", "9223372036854775807"); });
  // (lz is left out: the LZF output may differ, see above.)
  check([](Keyspace& ks) { PutHash(ks, 0, "h", {{"f1", "v1"}, {"f2", "2"}}); });
  check([](Keyspace& ks) { ks.SetExpire(0, PutString(ks, 0, "e1", "v"), 4102444800000); });
  check([](Keyspace& ks) { PutString(ks, 1, "d1k", "d1v"); }, 1);
  // A file of just "s1" -> "hello" holds exactly these bytes for it.
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  PutString(ks, 0, "s1", "hello");
  EXPECT_EQ(ToHex(EntryBytes(Save(ks))), "000273310568656c6c6f");
}

TEST(RdbLoader, LoadsTheRedisDump) {
  for (size_t chunk : kReadSizes) {
    util::FakeClock clock(kNow);
    Keyspace ks(16, clock);
    RdbLoadResult result;
    ASSERT_EQ(Load(FromHex(kRedisDump), ks, LoadOptions(), chunk, &result), std::nullopt);
    EXPECT_EQ(Dump(ks),
              "0 big string 9223372036854775807\n"
              "0 e1 string v px 4102444800000\n"
              "0 h hash {f1=v1,f2=2,}\n"
              "0 lz string " +
                  std::string(100, 'a') +
                  "\n"
                  "0 n1 string 12345\n"
                  "0 neg string -100000\n"
                  "0 s1 string hello\n"
                  "1 d1k string d1v\n");
    EXPECT_EQ(result.keys_loaded, 8u);
    EXPECT_EQ(result.keys_expired, 0u);
    EXPECT_EQ(result.version, 10);
    EXPECT_FALSE(result.aof_base);
    EXPECT_TRUE(result.checksum_checked);
    EXPECT_EQ(result.bytes, kRedisDump.size() / 2);
    EXPECT_EQ(ks.db(0).dict.Find("n1")->value_encoding(), Encoding::kInt);
    EXPECT_EQ(ks.db(0).dict.Find("h")->value_encoding(), Encoding::kListpack);
  }
}

// What older Redis versions (and Redis with an LRU/LFU policy) write: expire times in seconds,
// idle and frequency hints, hashes as ziplists; and an empty hash, which is skipped.
TEST(RdbLoader, OlderEncodingsAndOpcodes) {
  const std::string ziplist = FromHex("11000000 0d000000 0200 000166 030176 ff");  // f, v
  const std::string body = FromHex(
                               "fe00 fb0400"
                               "fd 00943577 00 0161 0178"  // a = x, expires at 2000000000 s
                               "f8 05 00 0162 0179"        // b = y, idle 5 s
                               "f9 07 0d 0168 11") +       // h: a ziplist of 17 bytes
                           ziplist +
                           FromHex("04 0165 00");  // e: a hash of no fields
  for (std::string_view version : {"0009", "0010"}) {
    util::FakeClock clock(kNow);
    Keyspace ks(16, clock);
    RdbLoadResult result;
    ASSERT_EQ(Load(MakeRdb(body, version), ks, LoadOptions(), 3, &result), std::nullopt);
    EXPECT_EQ(Dump(ks), "0 a string x px 2000000000000\n0 b string y\n0 h hash {f=v,}\n");
    EXPECT_EQ(result.keys_loaded, 3u);
    EXPECT_EQ(ks.db(0).dict.Find("h")->value_encoding(), Encoding::kListpack);
  }
}

TEST(RdbRoundTrip, StringsSurviveAnyReadSize) {
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  const std::vector<std::string> values = {"0",
                                           "127",
                                           "-128",
                                           "128",
                                           "-129",
                                           "32767",
                                           "32768",
                                           "-32768",
                                           "-32769",
                                           "2147483647",
                                           "2147483648",
                                           "-2147483648",
                                           "-2147483649",
                                           "12345678901",
                                           "123456789012",
                                           "9223372036854775807",
                                           "-9223372036854775808",
                                           "007",
                                           "-0",
                                           "+1",
                                           "",
                                           std::string(20, 'x'),
                                           std::string(21, 'x'),
                                           std::string(5000, 'y') + "tail",
                                           std::string("\0\r\n\xff", 4)};
  for (size_t i = 0; i < values.size(); ++i) PutString(ks, 0, "k" + std::to_string(i), values[i]);
  std::mt19937_64 rng(1);
  std::string noise(70000, '\0');  // spans the writer's 64 KB chunks
  for (char& c : noise) c = static_cast<char>(rng());
  PutString(ks, 0, "noise", noise);
  PutString(ks, 0, std::string("key\0with nul", 12), "v");
  const std::string file = Save(ks);
  for (size_t chunk : kReadSizes) {
    Keyspace back(16, clock);
    RdbLoadResult result;
    ASSERT_EQ(Load(file, back, LoadOptions(), chunk, &result), std::nullopt) << chunk;
    EXPECT_EQ(Dump(back), Dump(ks)) << chunk;
    EXPECT_EQ(result.keys_loaded, values.size() + 2);
    EXPECT_EQ(result.bytes, file.size());
    // Integers come back int-encoded, other text as text.
    EXPECT_EQ(back.db(0).dict.Find("k1")->value_encoding(), Encoding::kInt);
    EXPECT_EQ(back.db(0).dict.Find("k15")->value_encoding(), Encoding::kInt);
    EXPECT_NE(back.db(0).dict.Find("k17")->value_encoding(), Encoding::kInt);
  }
}

TEST(RdbRoundTrip, HashesInBothEncodings) {
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  PutHash(ks, 0, "small", {{"a", "1"}, {"b", "-5"}, {"007", "9223372036854775807"}, {"", ""}});
  std::map<std::string, std::string> many;
  for (int i = 0; i < 600; ++i) many["field" + std::to_string(i)] = std::to_string(i * 7);
  PutHash(ks, 0, "many", many);
  PutHash(ks, 0, "long", {{"f", std::string(100, 'v')}, {"g", "short"}});
  ASSERT_EQ(ks.db(0).dict.Find("many")->value_encoding(), Encoding::kHashtable);
  ASSERT_EQ(ks.db(0).dict.Find("long")->value_encoding(), Encoding::kHashtable);
  const std::string file = Save(ks);
  // Listpack (type 16) for the small one, a plain hash (type 4) with its length for the others.
  EXPECT_NE(file.find("\x10\x05small"), std::string::npos);
  EXPECT_NE(file.find("\x04\x04many\x42\x58"), std::string::npos);
  EXPECT_NE(file.find("\x04\x04long\x02"), std::string::npos);
  for (size_t chunk : kReadSizes) {
    Keyspace back(16, clock);
    ASSERT_EQ(Load(file, back, LoadOptions(), chunk), std::nullopt);
    EXPECT_EQ(Dump(back), Dump(ks));
    EXPECT_EQ(back.db(0).dict.Find("small")->value_encoding(), Encoding::kListpack);
    EXPECT_EQ(back.db(0).dict.Find("many")->value_encoding(), Encoding::kHashtable);
    EXPECT_EQ(back.db(0).dict.Find("long")->value_encoding(), Encoding::kHashtable);
  }
}

// The loading server's hash-max-listpack-* settings decide the encoding, not the file's type.
TEST(RdbRoundTrip, LoaderLimitsDecideTheHashEncoding) {
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  std::map<std::string, std::string> six;
  for (int i = 0; i < 6; ++i) six["f" + std::to_string(i)] = "v";
  PutHash(ks, 0, "six", six);                              // a listpack in the file
  PutHash(ks, 0, "long", {{"f", std::string(100, 'v')}});  // a plain hash in the file
  const std::string file = Save(ks);
  RdbLoadOptions small = LoadOptions();
  small.hash_limits = {4, 64};
  Keyspace a(16, clock);
  ASSERT_EQ(Load(file, a, small), std::nullopt);
  EXPECT_EQ(a.db(0).dict.Find("six")->value_encoding(), Encoding::kHashtable);
  EXPECT_EQ(a.db(0).dict.Find("long")->value_encoding(), Encoding::kHashtable);
  RdbLoadOptions large = LoadOptions();
  large.hash_limits = {512, 200};
  Keyspace b(16, clock);
  ASSERT_EQ(Load(file, b, large), std::nullopt);
  EXPECT_EQ(b.db(0).dict.Find("six")->value_encoding(), Encoding::kListpack);
  EXPECT_EQ(b.db(0).dict.Find("long")->value_encoding(), Encoding::kListpack);
  EXPECT_EQ(Dump(a), Dump(ks));
  EXPECT_EQ(Dump(b), Dump(ks));
}

TEST(RdbRoundTrip, ExpireTimes) {
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  ks.SetExpire(0, PutString(ks, 0, "future", "f"), kNow + 60000);
  ks.SetExpire(0, PutHash(ks, 0, "future_hash", {{"a", "b"}}), kNow + 1);
  PutString(ks, 0, "forever", "x");
  ks.SetExpire(0, PutString(ks, 0, "now", "n"), kNow);  // not yet past: Redis drops only < now
  // Written while live; the loader's clock has moved on past them.
  ks.SetExpire(0, PutString(ks, 0, "past", "p"), kNow - 1);
  ks.SetExpire(0, PutHash(ks, 0, "past_hash", {{"a", "b"}}), kNow - 1);
  const std::string file = Save(ks);
  EXPECT_NE(file.find("\xfc" + LittleEndian64(kNow + 60000) +
                      std::string("\x00\x06"
                                  "future",
                                  8)),
            std::string::npos);

  Keyspace dropped(16, clock);
  RdbLoadResult result;
  ASSERT_EQ(Load(file, dropped, LoadOptions(), 7, &result), std::nullopt);
  const std::string expected =
      "0 forever string x\n"
      "0 future string f px " +
      std::to_string(kNow + 60000) + "\n" + "0 future_hash hash {a=b,} px " +
      std::to_string(kNow + 1) + "\n" + "0 now string n px " + std::to_string(kNow) + "\n";
  EXPECT_EQ(Dump(dropped), expected);
  EXPECT_EQ(result.keys_loaded, 4u);
  EXPECT_EQ(result.keys_expired, 2u);

  // A replica keeps them: its primary will send the DELs.
  RdbLoadOptions keep = LoadOptions();
  keep.drop_expired = false;
  Keyspace kept(16, clock);
  RdbLoadResult kept_result;
  ASSERT_EQ(Load(file, kept, keep, 7, &kept_result), std::nullopt);
  EXPECT_EQ(Dump(kept), Dump(ks));
  EXPECT_EQ(kept_result.keys_loaded, 6u);
  EXPECT_EQ(kept_result.keys_expired, 0u);
}

TEST(RdbRoundTrip, SeveralDatabasesWithTheirSizes) {
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  PutString(ks, 0, "a", "0");
  ks.SetExpire(0, PutString(ks, 0, "b", "0"), kNow + 1000);
  PutString(ks, 3, "a", "3");
  PutHash(ks, 15, "a", {{"f", "15"}});
  const std::string file = Save(ks);
  // SELECTDB n, RESIZEDB <keys> <keys with an expire>; empty databases are left out.
  EXPECT_NE(file.find(FromHex("fe00fb0201")), std::string::npos);
  EXPECT_NE(file.find(FromHex("fe03fb0100")), std::string::npos);
  EXPECT_NE(file.find(FromHex("fe0ffb0100")), std::string::npos);
  EXPECT_EQ(file.find(FromHex("fe01fb")), std::string::npos);
  Keyspace back(16, clock);
  ASSERT_EQ(Load(file, back, LoadOptions()), std::nullopt);
  EXPECT_EQ(Dump(back), Dump(ks));
  EXPECT_EQ(Dump(back), "0 a string 0\n0 b string 0 px " + std::to_string(kNow + 1000) +
                            "\n3 a string 3\n15 a hash {f=15,}\n");
  // A server with fewer databases refuses the file.
  Keyspace few(4, clock);
  EXPECT_EQ(Load(file, few, LoadOptions()),
            "FATAL: Data file was created with a Redis server configured to handle more than 4 "
            "databases. Exiting");
}

TEST(RdbRoundTrip, WithoutCompressionOrChecksum) {
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  PutString(ks, 0, "long", std::string(300, 'z'));
  PutHash(ks, 0, "h", {{"f", std::string(200, 'q')}});

  const std::string checked = Save(ks);
  EXPECT_EQ(checked.substr(checked.size() - 8),
            LittleEndian64(Crc64(0, checked.data(), checked.size() - 8)));
  RdbLoadResult result;
  Keyspace a(16, clock);
  ASSERT_EQ(Load(checked, a, LoadOptions(), 4096, &result), std::nullopt);
  EXPECT_TRUE(result.checksum_checked);

  const std::string plain = Save(ks, RdbOptions{.compress = false, .checksum = false});
  EXPECT_NE(plain.find(std::string(300, 'z')), std::string::npos);
  EXPECT_NE(plain.find(std::string(200, 'q')), std::string::npos);
  EXPECT_EQ(checked.find(std::string(300, 'z')), std::string::npos);
  EXPECT_EQ(plain.substr(plain.size() - 8), std::string(8, '\0'));
  for (size_t chunk : kReadSizes) {
    Keyspace back(16, clock);
    RdbLoadResult plain_result;
    ASSERT_EQ(Load(plain, back, LoadOptions(), chunk, &plain_result), std::nullopt);
    EXPECT_FALSE(plain_result.checksum_checked);
    EXPECT_EQ(Dump(back), Dump(ks));
  }
}

TEST(RdbRoundTrip, AuxFieldsCarryReplicationStateAndAofBase) {
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  RdbAux aux;
  aux.aof_base = true;
  aux.repl_id = std::string(40, 'c');
  aux.repl_offset = 1234567890123;
  aux.repl_stream_db = 2;
  Keyspace back(16, clock);
  RdbLoadResult result;
  ASSERT_EQ(Load(Save(ks, {}, aux), back, LoadOptions(), 4096, &result), std::nullopt);
  EXPECT_TRUE(result.aof_base);
  EXPECT_EQ(result.repl_id, std::string(40, 'c'));
  EXPECT_EQ(result.repl_offset, 1234567890123);
  EXPECT_EQ(result.repl_stream_db, 2);
  EXPECT_EQ(result.keys_loaded, 0u);

  Keyspace again(16, clock);
  RdbLoadResult none;
  ASSERT_EQ(Load(Save(ks), again, LoadOptions(), 4096, &none), std::nullopt);
  EXPECT_FALSE(none.aof_base);
  EXPECT_EQ(none.repl_id, "");
  EXPECT_EQ(none.repl_offset, -1);
}

TEST(RdbWriter, CountsAndStopsWhenTheSinkFails) {
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  for (int i = 0; i < 3000; ++i)
    PutString(ks, i % 2, "key" + std::to_string(i), std::string(50, 'v'));
  size_t total = 0;
  RdbWriter ok(
      [&](std::string_view b) {
        total += b.size();
        return true;
      },
      RdbOptions{});
  ASSERT_TRUE(ok.Write(ks, {}));
  EXPECT_EQ(ok.keys_written(), 3000u);
  EXPECT_EQ(ok.bytes_written(), total);

  int calls = 0;
  RdbWriter failing([&](std::string_view) { return ++calls < 2; }, RdbOptions{.compress = false});
  EXPECT_FALSE(failing.Write(ks, {}));
  EXPECT_EQ(calls, 2);  // nothing more is offered once the sink said no
}

TEST(RdbFile, SaveRenamesIntoPlaceAndLoads) {
  char dir_template[] = "/tmp/petrel-rdb-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  util::FakeClock clock(kNow);
  Keyspace ks(16, clock);
  PutString(ks, 0, "k", "v");
  PutHash(ks, 2, "h", {{"f", "v"}});
  uint64_t written = 0;
  ASSERT_EQ(SaveRdbFile(ks, {}, {}, dir + "/dump.rdb", dir + "/temp.rdb", &written), std::nullopt);
  EXPECT_NE(::access((dir + "/dump.rdb").c_str(), F_OK), -1);
  EXPECT_EQ(::access((dir + "/temp.rdb").c_str(), F_OK), -1);
  Keyspace back(16, clock);
  RdbLoadResult result;
  ASSERT_EQ(LoadRdbFile(dir + "/dump.rdb", back, LoadOptions(), &result), std::nullopt);
  EXPECT_EQ(Dump(back), Dump(ks));
  EXPECT_EQ(result.bytes, written);
  auto missing = LoadRdbFile(dir + "/none.rdb", back, LoadOptions(), &result);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->rfind("Can't open " + dir + "/none.rdb", 0), 0u) << *missing;
  // A directory that does not exist: the error names the temporary file.
  auto failed = SaveRdbFile(ks, {}, {}, dir + "/no/dump.rdb", dir + "/no/temp.rdb");
  ASSERT_TRUE(failed);
  EXPECT_NE(failed->find("Failed opening the temp RDB file " + dir + "/no/temp.rdb"),
            std::string::npos);
  std::remove((dir + "/dump.rdb").c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace petrel::persistence::testing
