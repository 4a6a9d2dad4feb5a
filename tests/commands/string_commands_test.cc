#include <gtest/gtest.h>

#include "commands/harness.h"

namespace petrel::testing {
namespace {

TEST(StringCommands, SetAndGetAnItem) {
  Harness h;
  EXPECT_EQ(h.Run({"SET", "foo", "bar"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"GET", "foo"}), "$3\r\nbar\r\n");
  EXPECT_EQ(h.Run({"GET", "missing"}), "$-1\r\n");
}

TEST(StringCommands, SetNxXxAndGet) {
  Harness h;
  EXPECT_EQ(h.Run({"SET", "k", "1", "XX"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "1", "NX"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "2", "NX"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "3", "NX", "GET"}), "$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "4", "XX", "GET"}), "$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"GET", "k"}), "$1\r\n4\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "5", "NX", "XX"}), "-ERR syntax error\r\n");
}

TEST(StringCommands, SetExpiryOptionsValidateTheirValues) {
  Harness h;
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "0"}), "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "PX", "-5"}), "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "abc"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX", "10", "PX", "10"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "EX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v", "KEEPTTL", "EX", "1"}), "-ERR syntax error\r\n");
}

TEST(StringCommands, KeysExpireLazilyWithTheClock) {
  Harness h;
  EXPECT_EQ(h.Run({"SET", "k", "v", "PX", "100"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"PTTL", "k"}), ":100\r\n");
  h.AdvanceMs(99);
  EXPECT_EQ(h.Run({"GET", "k"}), "$1\r\nv\r\n");
  h.AdvanceMs(1);
  EXPECT_EQ(h.Run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"DBSIZE"}), ":0\r\n");
}

TEST(StringCommands, KeepTtlKeepsTheExpireTime) {
  Harness h;
  h.Run({"SET", "k", "v", "EX", "100"});
  h.Run({"SET", "k", "w", "KEEPTTL"});
  EXPECT_EQ(h.Run({"TTL", "k"}), ":100\r\n");
  h.Run({"SET", "k", "x"});
  EXPECT_EQ(h.Run({"TTL", "k"}), ":-1\r\n");
}

TEST(StringCommands, IncrAndDecrFamily) {
  Harness h;
  EXPECT_EQ(h.Run({"INCR", "n"}), ":1\r\n");
  EXPECT_EQ(h.Run({"INCRBY", "n", "41"}), ":42\r\n");
  EXPECT_EQ(h.Run({"DECRBY", "n", "2"}), ":40\r\n");
  EXPECT_EQ(h.Run({"DECR", "n"}), ":39\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "n"}), "$3\r\nint\r\n");
  h.Run({"SET", "n", "9223372036854775807"});
  EXPECT_EQ(h.Run({"INCR", "n"}), "-ERR increment or decrement would overflow\r\n");
  h.Run({"SET", "s", "abc"});
  EXPECT_EQ(h.Run({"INCR", "s"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"DECRBY", "n", "-9223372036854775808"}), "-ERR decrement would overflow\r\n");
}

TEST(StringCommands, IncrByFloatFormatsLikeRedis) {
  Harness h;
  h.Run({"SET", "f", "10.50"});
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "0.1"}), "$4\r\n10.6\r\n");
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "-10.6"}), "$1\r\n0\r\n");
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "inf"}),
            "-ERR increment would produce NaN or Infinity\r\n");
  EXPECT_EQ(h.Run({"INCRBYFLOAT", "f", "x"}), "-ERR value is not a valid float\r\n");
}

TEST(StringCommands, AppendSetRangeAndGetRange) {
  Harness h;
  EXPECT_EQ(h.Run({"APPEND", "s", "Hello"}), ":5\r\n");
  EXPECT_EQ(h.Run({"APPEND", "s", " World"}), ":11\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "s"}), "$3\r\nraw\r\n");
  EXPECT_EQ(h.Run({"GETRANGE", "s", "0", "4"}), "$5\r\nHello\r\n");
  EXPECT_EQ(h.Run({"GETRANGE", "s", "-5", "-1"}), "$5\r\nWorld\r\n");
  EXPECT_EQ(h.Run({"GETRANGE", "s", "5", "1"}), "$0\r\n\r\n");
  EXPECT_EQ(h.Run({"SETRANGE", "s", "6", "Redis"}), ":11\r\n");
  EXPECT_EQ(h.Run({"GET", "s"}), "$11\r\nHello Redis\r\n");
  EXPECT_EQ(h.Run({"SETRANGE", "z", "3", "x"}), ":4\r\n");
  EXPECT_EQ(h.Run({"GET", "z"}), std::string("$4\r\n\0\0\0x\r\n", 10));
  EXPECT_EQ(h.Run({"SETRANGE", "z", "-1", "x"}), "-ERR offset is out of range\r\n");
  EXPECT_EQ(h.Run({"SETRANGE", "z", "536870912", "x"}),
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
}

TEST(StringCommands, MsetRequiresPairs) {
  Harness h;
  EXPECT_EQ(h.Run({"MSET", "a", "1", "b"}),
            "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(h.Run({"MSET", "a", "1", "b", "2"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"MGET", "a", "b", "c"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n");
  EXPECT_EQ(h.Run({"MSETNX", "c", "3", "a", "9"}), ":0\r\n");
  EXPECT_EQ(h.Run({"MSETNX", "c", "3", "d", "4"}), ":1\r\n");
}

TEST(StringCommands, LcsFindsTheSubsequenceAndRanges) {
  Harness h;
  h.Run({"MSET", "key1", "ohmytext", "key2", "mynewtext"});
  EXPECT_EQ(h.Run({"LCS", "key1", "key2"}), "$6\r\nmytext\r\n");
  EXPECT_EQ(h.Run({"LCS", "key1", "key2", "LEN"}), ":6\r\n");
  EXPECT_EQ(h.Run({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}),
            "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
            "$3\r\nlen\r\n:6\r\n");
}

TEST(StringCommands, Resp3NullAndMap) {
  Harness h;
  h.client().resp = 3;
  EXPECT_EQ(h.Run({"GET", "missing"}), "_\r\n");
}

TEST(ExpiryCycle, ReclaimsExpiredKeysWithoutAccess) {
  Harness h;
  for (int i = 0; i < 20000; ++i) {
    h.Run(std::vector<std::string>{"SET", "k" + std::to_string(i), "v", "PX", "50"});
  }
  h.Run({"SET", "keep", "v"});
  h.AdvanceMs(100);
  for (int round = 0; round < 1000 && h.Run({"DBSIZE"}) != ":1\r\n"; ++round) {
    h.dispatcher().Cron();
  }
  EXPECT_EQ(h.Run({"DBSIZE"}), ":1\r\n");
  EXPECT_EQ(h.Run({"GET", "keep"}), "$1\r\nv\r\n");
}

}  // namespace
}  // namespace petrel::testing
