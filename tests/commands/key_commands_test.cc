#include <gtest/gtest.h>

#include <set>
#include <string>

#include "commands/harness.h"

namespace petrel::testing {
namespace {

TEST(ExpireCommands, ConditionsNxXxGtLt) {
  Harness h;
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(h.Run({"EXPIRE", "k", "100", "XX"}), ":0\r\n");
  EXPECT_EQ(h.Run({"EXPIRE", "k", "100", "GT"}), ":0\r\n");  // no TTL counts as infinite
  EXPECT_EQ(h.Run({"EXPIRE", "k", "100", "LT"}), ":1\r\n");
  EXPECT_EQ(h.Run({"EXPIRE", "k", "200", "NX"}), ":0\r\n");
  EXPECT_EQ(h.Run({"EXPIRE", "k", "200", "GT"}), ":1\r\n");
  EXPECT_EQ(h.Run({"EXPIRE", "k", "50", "GT"}), ":0\r\n");
  EXPECT_EQ(h.Run({"TTL", "k"}), ":200\r\n");
  EXPECT_EQ(h.Run({"EXPIRE", "k", "10", "NX", "XX"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(h.Run({"EXPIRE", "k", "10", "FOO"}), "-ERR Unsupported option FOO\r\n");
  EXPECT_EQ(h.Run({"EXPIRE", "missing", "10"}), ":0\r\n");
}

TEST(ExpireCommands, AbsoluteTimesAndRounding) {
  Harness h;
  const int64_t now = h.clock().NowMs();
  h.Run({"SET", "k", "v"});
  const std::string at = std::to_string(now + 10999);
  EXPECT_EQ(h.Run({"PEXPIREAT", "k", at}), ":1\r\n");
  EXPECT_EQ(h.Run({"PEXPIRETIME", "k"}), ":" + at + "\r\n");
  EXPECT_EQ(h.Run({"EXPIRETIME", "k"}), ":" + std::to_string((now + 10999 + 500) / 1000) + "\r\n");
  EXPECT_EQ(h.Run({"TTL", "k"}), ":11\r\n");  // 10.999 s rounds to 11
  EXPECT_EQ(h.Run({"PERSIST", "k"}), ":1\r\n");
  EXPECT_EQ(h.Run({"PERSIST", "k"}), ":0\r\n");
  EXPECT_EQ(h.Run({"EXPIRETIME", "k"}), ":-1\r\n");
  EXPECT_EQ(h.Run({"EXPIRETIME", "nokey"}), ":-2\r\n");
}

TEST(ExpireCommands, AnExpireInThePastDeletesTheKey) {
  Harness h;
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(h.Run({"EXPIRE", "k", "-1"}), ":1\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "k"}), ":0\r\n");
  EXPECT_EQ(h.Run({"DBSIZE"}), ":0\r\n");
}

TEST(KeyCommands, RenameKeepsTheTtlAndRenamenxRespectsTheTarget) {
  Harness h;
  h.Run({"SET", "a", "1", "EX", "100"});
  h.Run({"SET", "b", "2"});
  EXPECT_EQ(h.Run({"RENAMENX", "a", "b"}), ":0\r\n");
  EXPECT_EQ(h.Run({"RENAME", "a", "c"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"TTL", "c"}), ":100\r\n");
  EXPECT_EQ(h.Run({"RENAME", "a", "c"}), "-ERR no such key\r\n");
  EXPECT_EQ(h.Run({"RENAME", "c", "b"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"GET", "b"}), "$1\r\n1\r\n");
}

TEST(KeyCommands, CopyMoveAndSwapDb) {
  Harness h;
  h.Run({"SET", "src", "hello", "PX", "5000"});
  EXPECT_EQ(h.Run({"COPY", "src", "dst", "DB", "3"}), ":1\r\n");
  EXPECT_EQ(h.Run({"COPY", "src", "dst", "DB", "3"}), ":0\r\n");
  EXPECT_EQ(h.Run({"COPY", "src", "dst", "DB", "3", "REPLACE"}), ":1\r\n");
  EXPECT_EQ(h.Run({"COPY", "src", "src"}), "-ERR source and destination objects are the same\r\n");
  EXPECT_EQ(h.Run({"MOVE", "src", "1"}), ":1\r\n");
  EXPECT_EQ(h.Run({"EXISTS", "src"}), ":0\r\n");
  EXPECT_EQ(h.Run({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"PTTL", "src"}), ":5000\r\n");
  EXPECT_EQ(h.Run({"SWAPDB", "1", "3"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"GET", "dst"}), "$5\r\nhello\r\n");  // db 1 now holds what db 3 held
  EXPECT_EQ(h.Run({"SELECT", "16"}), "-ERR DB index is out of range\r\n");
}

TEST(KeyCommands, ObjectIdleTimeFollowsTheClock) {
  Harness h;
  h.Run({"SET", "k", "v"});
  h.AdvanceMs(5000);
  h.dispatcher().Cron();  // refreshes the cached access clock
  EXPECT_EQ(h.Run({"OBJECT", "IDLETIME", "k"}), ":5\r\n");
  h.Run({"GET", "k"});
  EXPECT_EQ(h.Run({"OBJECT", "IDLETIME", "k"}), ":0\r\n");
  EXPECT_EQ(h.Run({"OBJECT", "REFCOUNT", "k"}), ":1\r\n");
  h.Run({"SET", "n", "42"});
  EXPECT_EQ(h.Run({"OBJECT", "REFCOUNT", "n"}), ":2147483647\r\n");
}

TEST(KeyCommands, ScanVisitsEveryKeyOnceWithoutChanges) {
  Harness h;
  for (int i = 0; i < 1000; ++i) {
    h.Run(std::vector<std::string>{"SET", "k" + std::to_string(i), "v"});
  }
  std::set<std::string> keys;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::string reply = h.Run(std::vector<std::string>{"SCAN", cursor, "COUNT", "50"});
    // *2\r\n$<n>\r\n<cursor>\r\n*<m>\r\n($<len>\r\n<key>\r\n)*
    size_t p = reply.find("\r\n", 4) + 2;
    size_t e = reply.find("\r\n", p);
    cursor = reply.substr(p, e - p);
    p = reply.find("\r\n", e + 2) + 2;
    while (p < reply.size()) {
      size_t len_end = reply.find("\r\n", p);
      size_t len = std::stoul(reply.substr(p + 1, len_end - p - 1));
      keys.insert(reply.substr(len_end + 2, len));
      p = len_end + 2 + len + 2;
    }
    ++calls;
  } while (cursor != "0" && calls < 10000);
  EXPECT_EQ(keys.size(), 1000u);
  EXPECT_EQ(h.Run({"SCAN", "abc"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(h.Run({"SCAN", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
}

TEST(KeyCommands, ClientReplyOffAndSkip) {
  Harness h;
  EXPECT_EQ(h.Run({"CLIENT", "REPLY", "OFF"}), "");
  EXPECT_EQ(h.Run({"GET"}), "");  // even errors are silenced
  EXPECT_EQ(h.Run({"CLIENT", "REPLY", "ON"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"CLIENT", "REPLY", "SKIP"}), "");
  EXPECT_EQ(h.Run({"PING"}), "");
  EXPECT_EQ(h.Run({"PING"}), "+PONG\r\n");
}

}  // namespace
}  // namespace petrel::testing
