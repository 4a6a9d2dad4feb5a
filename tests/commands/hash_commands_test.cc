#include <gtest/gtest.h>

#include "commands/harness.h"

namespace petrel::testing {
namespace {

TEST(HashCommands, SetGetAndDeleteFields) {
  Harness h;
  EXPECT_EQ(h.Run({"HSET", "h", "a", "1", "b", "2"}), ":2\r\n");
  EXPECT_EQ(h.Run({"HSET", "h", "a", "10", "c", "3"}), ":1\r\n");
  EXPECT_EQ(h.Run({"HGET", "h", "a"}), "$2\r\n10\r\n");
  EXPECT_EQ(h.Run({"HGET", "h", "zz"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"HMGET", "h", "a", "zz", "c"}), "*3\r\n$2\r\n10\r\n$-1\r\n$1\r\n3\r\n");
  EXPECT_EQ(h.Run({"HLEN", "h"}), ":3\r\n");
  EXPECT_EQ(h.Run({"HGETALL", "h"}),
            "*6\r\n$1\r\na\r\n$2\r\n10\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
  EXPECT_EQ(h.Run({"HDEL", "h", "a", "b", "zz"}), ":2\r\n");
  EXPECT_EQ(h.Run({"HDEL", "h", "c"}), ":1\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "h"}), ":0\r\n");  // the last field took the key with it
}

TEST(HashCommands, ErrorsMatchRedis) {
  Harness h;
  EXPECT_EQ(h.Run({"HSET", "h", "a"}), "-ERR wrong number of arguments for 'hset' command\r\n");
  EXPECT_EQ(h.Run({"HSET", "h", "a", "1", "b"}),
            "-ERR wrong number of arguments for 'hset' command\r\n");
  h.Run({"SET", "s", "x"});
  EXPECT_EQ(h.Run({"HGET", "s", "a"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(h.Run({"GET", "h"}), "$-1\r\n");
  h.Run({"HSET", "h", "n", "abc", "f", "1.5"});
  EXPECT_EQ(h.Run({"GET", "h"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(h.Run({"HINCRBY", "h", "n", "1"}), "-ERR hash value is not an integer\r\n");
  EXPECT_EQ(h.Run({"HINCRBY", "h", "n", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "n", "1"}), "-ERR hash value is not a float\r\n");
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "f", "inf"}), "-ERR value is NaN or Infinity\r\n");
  EXPECT_EQ(h.Run({"HINCRBYFLOAT", "h", "f", "0.25"}), "$4\r\n1.75\r\n");
  h.Run({"HSET", "h", "big", "9223372036854775807"});
  EXPECT_EQ(h.Run({"HINCRBY", "h", "big", "1"}),
            "-ERR increment or decrement would overflow\r\n");
}

TEST(HashCommands, EncodingFollowsTheConfiguredLimits) {
  Harness h;
  h.Run({"CONFIG", "SET", "hash-max-listpack-entries", "2"});
  h.Run({"HSET", "h", "a", "1", "b", "2"});
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "h"}), "$8\r\nlistpack\r\n");
  h.Run({"HSET", "h", "c", "3"});
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "h"}), "$9\r\nhashtable\r\n");
  h.Run({"CONFIG", "SET", "hash-max-listpack-value", "3"});
  h.Run({"HSET", "v", "f", "abcd"});
  EXPECT_EQ(h.Run({"OBJECT", "ENCODING", "v"}), "$9\r\nhashtable\r\n");
}

TEST(HashCommands, Resp3GetAllIsAMap) {
  Harness h;
  h.client().resp = 3;
  h.Run({"HSET", "h", "a", "1"});
  EXPECT_EQ(h.Run({"HGETALL", "h"}), "%1\r\n$1\r\na\r\n$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"HGETALL", "missing"}), "%0\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "-2", "WITHVALUES"}),
            "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
}

TEST(HashCommands, RandFieldCountsAndErrors) {
  Harness h;
  h.Run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "5"}),
            "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");  // the whole hash, in order
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "0"}), "*0\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "missing", "3"}), "*0\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "missing"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "1", "FOO"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "-9223372036854775808"}),
            "-ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807\r\n");
  EXPECT_EQ(h.Run({"HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"}),
            "-ERR value is out of range\r\n");
}

TEST(HashCommands, ScanReturnsSmallHashesWhole) {
  Harness h;
  h.Run({"HSET", "h", "a1", "1", "b1", "2", "a2", "3"});
  EXPECT_EQ(h.Run({"HSCAN", "h", "0", "MATCH", "a*", "COUNT", "1"}),
            "*2\r\n$1\r\n0\r\n*4\r\n$2\r\na1\r\n$1\r\n1\r\n$2\r\na2\r\n$1\r\n3\r\n");
  EXPECT_EQ(h.Run({"HSCAN", "missing", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(h.Run({"HSCAN", "h", "x"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(h.Run({"HSCAN", "h", "0", "TYPE", "string"}), "-ERR syntax error\r\n");
}

}  // namespace
}  // namespace petrel::testing
