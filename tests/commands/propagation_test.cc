// What the write log (AOF, replicas) receives for each command: writes verbatim or in the
// deterministic form Redis 7.0 propagates them in, nothing for reads and failed writes, one
// call's several commands inside MULTI/EXEC, and DEL for keys found expired.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "commands/harness.h"
#include "petrel/replication/propagator.h"

namespace petrel::testing {
namespace {

constexpr int64_t kStart = 1700000000000;  // the fake clock's start

// Keeps each appended command as "<db> ARG ARG ...", checking it is well-formed RESP.
class CapturingSink final : public replication::CommandLogSink {
 public:
  void Append(int db, std::string_view command) override {
    raw.emplace_back(command);
    std::vector<std::string> args;
    size_t pos = 0;
    auto number = [&](char kind) {
      EXPECT_EQ(command[pos], kind);
      const size_t end = command.find("\r\n", pos);
      int64_t n = -1;
      std::from_chars(command.data() + pos + 1, command.data() + end, n);
      pos = end + 2;
      return n;
    };
    const int64_t argc = number('*');
    for (int64_t i = 0; i < argc; ++i) {
      const int64_t len = number('$');
      args.emplace_back(command.substr(pos, len));
      EXPECT_EQ(command.substr(pos + len, 2), "\r\n");
      pos += len + 2;
    }
    EXPECT_EQ(pos, command.size()) << "one command per Append";
    std::string line = std::to_string(db);
    for (const std::string& a : args) line += " " + a;
    lines.push_back(line);
  }
  // The lines since the last call.
  std::vector<std::string> Take() { return std::exchange(lines, {}); }

  std::vector<std::string> lines;
  std::vector<std::string> raw;
};

using Lines = std::vector<std::string>;

class PropagationTest : public ::testing::Test {
 protected:
  PropagationTest() { h_.dispatcher().propagator().AddSink(&sink_); }
  ~PropagationTest() override { h_.dispatcher().propagator().RemoveSink(&sink_); }

  // Runs a command and returns what it propagated.
  Lines Propagated(std::initializer_list<std::string_view> args) {
    sink_.Take();
    h_.Run(args);
    return sink_.Take();
  }

  CapturingSink sink_;
  Harness h_;
};

TEST_F(PropagationTest, PlainWritesAreVerbatimAndEncodedAsResp) {
  EXPECT_EQ(Propagated({"SET", "k", "v"}), (Lines{"0 SET k v"}));
  EXPECT_EQ(sink_.raw.back(), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
  EXPECT_EQ(Propagated({"set", "k", std::string_view("a\0\r\nb", 5)}),
            (Lines{"0 set k " + std::string("a\0\r\nb", 5)}));
  EXPECT_EQ(Propagated({"SET", "k", "v", "KEEPTTL"}), (Lines{"0 SET k v KEEPTTL"}));
  EXPECT_EQ(Propagated({"HSET", "h", "f", "v"}), (Lines{"0 HSET h f v"}));
  EXPECT_EQ(Propagated({"INCR", "n"}), (Lines{"0 INCR n"}));
  EXPECT_EQ(Propagated({"DEL", "k", "missing"}), (Lines{"0 DEL k missing"}));
}

TEST_F(PropagationTest, RelativeAndSecondExpiriesBecomeSetPxat) {
  const std::string at = std::to_string(kStart + 100000);
  EXPECT_EQ(Propagated({"SET", "k", "v", "EX", "100"}), (Lines{"0 SET k v PXAT " + at}));
  EXPECT_EQ(Propagated({"SET", "k", "v", "PX", "100000"}), (Lines{"0 SET k v PXAT " + at}));
  EXPECT_EQ(Propagated({"SET", "k", "v", "EXAT", std::to_string(kStart / 1000 + 100)}),
            (Lines{"0 SET k v PXAT " + at}));
  EXPECT_EQ(Propagated({"SETEX", "k", "100", "v"}), (Lines{"0 SET k v PXAT " + at}));
  EXPECT_EQ(Propagated({"PSETEX", "k", "100000", "v"}), (Lines{"0 SET k v PXAT " + at}));
  // Options other than the expiry are dropped: what was written is what the replay must write.
  EXPECT_EQ(Propagated({"SET", "k", "w", "XX", "GET", "EX", "100"}),
            (Lines{"0 SET k w PXAT " + at}));
  // Already absolute: as it came.
  EXPECT_EQ(Propagated({"SET", "k", "v", "PXAT", at}), (Lines{"0 SET k v PXAT " + at}));
  // The time is the clock's at the command, not at the start.
  h_.AdvanceMs(5000);
  EXPECT_EQ(Propagated({"SETEX", "k", "1", "v"}),
            (Lines{"0 SET k v PXAT " + std::to_string(kStart + 6000)}));
}

TEST_F(PropagationTest, ExpireCommandsBecomePexpireat) {
  h_.Run({"SET", "k", "v"});
  EXPECT_EQ(Propagated({"EXPIRE", "k", "100"}),
            (Lines{"0 PEXPIREAT k " + std::to_string(kStart + 100000)}));
  EXPECT_EQ(Propagated({"PEXPIRE", "k", "2500"}),
            (Lines{"0 PEXPIREAT k " + std::to_string(kStart + 2500)}));
  EXPECT_EQ(Propagated({"EXPIREAT", "k", "1800000000"}), (Lines{"0 PEXPIREAT k 1800000000000"}));
  EXPECT_EQ(Propagated({"PEXPIREAT", "k", "1800000000123"}),
            (Lines{"0 PEXPIREAT k 1800000000123"}));
  EXPECT_EQ(Propagated({"EXPIRE", "k", "200", "LT"}),
            (Lines{"0 PEXPIREAT k " + std::to_string(kStart + 200000)}));
  // Conditions that leave the TTL as it is, and missing keys: nothing changed, nothing sent.
  EXPECT_EQ(Propagated({"EXPIRE", "k", "100", "NX"}), Lines{});
  EXPECT_EQ(Propagated({"PERSIST", "k"}), (Lines{"0 PERSIST k"}));
  EXPECT_EQ(Propagated({"PERSIST", "k"}), Lines{});
  EXPECT_EQ(Propagated({"EXPIRE", "k", "100", "XX"}), Lines{});
  EXPECT_EQ(Propagated({"EXPIRE", "missing", "100"}), Lines{});
  // A time already past deletes the key, and the log says so.
  EXPECT_EQ(Propagated({"EXPIRE", "k", "-1"}), (Lines{"0 DEL k"}));
  EXPECT_EQ(h_.Run({"EXISTS", "k"}), ":0\r\n");
  h_.Run({"SET", "k", "v"});
  EXPECT_EQ(Propagated({"PEXPIREAT", "k", std::to_string(kStart)}), (Lines{"0 DEL k"}));
}

TEST_F(PropagationTest, GetexAndGetdel) {
  h_.Run({"SET", "k", "v"});
  EXPECT_EQ(Propagated({"GETEX", "k"}), Lines{});
  EXPECT_EQ(Propagated({"GETEX", "k", "EX", "100"}),
            (Lines{"0 PEXPIREAT k " + std::to_string(kStart + 100000)}));
  EXPECT_EQ(Propagated({"GETEX", "k", "PERSIST"}), (Lines{"0 PERSIST k"}));
  EXPECT_EQ(Propagated({"GETEX", "k", "PERSIST"}), Lines{});  // had no TTL left
  EXPECT_EQ(Propagated({"GETEX", "k", "PXAT", "1"}), (Lines{"0 DEL k"}));
  h_.Run({"SET", "k", "v"});
  EXPECT_EQ(Propagated({"GETDEL", "k"}), (Lines{"0 DEL k"}));
  EXPECT_EQ(Propagated({"GETDEL", "k"}), Lines{});
}

TEST_F(PropagationTest, FloatIncrementsBecomeTheirResult) {
  h_.Run({"SET", "f", "10"});
  EXPECT_EQ(Propagated({"INCRBYFLOAT", "f", "0.5"}), (Lines{"0 SET f 10.5 KEEPTTL"}));
  EXPECT_EQ(Propagated({"INCRBYFLOAT", "new", "3.0e3"}), (Lines{"0 SET new 3000 KEEPTTL"}));
  EXPECT_EQ(Propagated({"HINCRBYFLOAT", "h", "x", "1.5"}), (Lines{"0 HSET h x 1.5"}));
  EXPECT_EQ(Propagated({"HINCRBYFLOAT", "h", "x", "-0.25"}), (Lines{"0 HSET h x 1.25"}));
}

TEST_F(PropagationTest, NothingForReadsNoOpsAndFailures) {
  h_.Run({"SET", "k", "v"});
  h_.Run({"HSET", "h", "f", "v"});
  EXPECT_EQ(Propagated({"GET", "k"}), Lines{});
  EXPECT_EQ(Propagated({"HGETALL", "h"}), Lines{});
  EXPECT_EQ(Propagated({"DEL", "missing"}), Lines{});
  EXPECT_EQ(Propagated({"HDEL", "h", "nofield"}), Lines{});
  EXPECT_EQ(Propagated({"SET", "k", "w", "NX"}), Lines{});
  EXPECT_EQ(Propagated({"INCR", "h"}), Lines{});             // WRONGTYPE
  EXPECT_EQ(Propagated({"INCR", "k"}), Lines{});             // not an integer
  EXPECT_EQ(Propagated({"SETEX", "k", "0", "v"}), Lines{});  // invalid expire time
  EXPECT_EQ(Propagated({"SET", "k"}), Lines{});              // wrong arity
  EXPECT_EQ(h_.Run({"GET", "k"}), "$1\r\nv\r\n");
}

TEST_F(PropagationTest, TransactionsAreWrappedInMultiExec) {
  EXPECT_EQ(Propagated({"MULTI"}), Lines{});
  EXPECT_EQ(Propagated({"SET", "a", "1"}), Lines{});  // queued
  EXPECT_EQ(Propagated({"GET", "a"}), Lines{});
  EXPECT_EQ(Propagated({"INCR", "b"}), Lines{});
  EXPECT_EQ(Propagated({"EXEC"}), (Lines{"-1 MULTI", "0 SET a 1", "0 INCR b", "-1 EXEC"}));
  // Each command was its own Append.
  EXPECT_EQ(sink_.raw[sink_.raw.size() - 4], "*1\r\n$5\r\nMULTI\r\n");
  EXPECT_EQ(sink_.raw.back(), "*1\r\n$4\r\nEXEC\r\n");
  // Rewritten forms inside, and commands that failed or wrote nothing left out.
  h_.Run({"MULTI"});
  h_.Run({"SETEX", "c", "10", "v"});
  h_.Run({"INCR", "c"});  // fails at EXEC time
  h_.Run({"DEL", "missing"});
  h_.Run({"INCRBYFLOAT", "b", "1.5"});
  EXPECT_EQ(Propagated({"EXEC"}),
            (Lines{"-1 MULTI", "0 SET c v PXAT " + std::to_string(kStart + 10000),
                   "0 SET b 2.5 KEEPTTL", "-1 EXEC"}));
}

TEST_F(PropagationTest, TransactionsOfOneWriteOrNoneAreNotWrapped) {
  h_.Run({"MULTI"});
  h_.Run({"SET", "a", "1"});
  h_.Run({"GET", "a"});
  EXPECT_EQ(Propagated({"EXEC"}), (Lines{"0 SET a 1"}));
  h_.Run({"MULTI"});
  h_.Run({"GET", "a"});
  EXPECT_EQ(Propagated({"EXEC"}), Lines{});
  h_.Run({"MULTI"});
  h_.Run({"SET", "a", "2"});
  EXPECT_EQ(Propagated({"DISCARD"}), Lines{});
  // Aborted by WATCH: only the other client's write.
  auto other = h_.Connect("127.0.0.1:40001");
  h_.Run({"WATCH", "a"});
  other->Run({"SET", "a", "3"});
  EXPECT_EQ(sink_.Take(), (Lines{"0 SET a 3"}));
  h_.Run({"MULTI"});
  h_.Run({"SET", "a", "4"});
  EXPECT_EQ(Propagated({"EXEC"}), Lines{});
  // Refused while queuing (EXECABORT).
  h_.Run({"MULTI"});
  h_.Run({"SET", "a"});
  h_.Run({"SET", "b", "5"});
  EXPECT_EQ(Propagated({"EXEC"}), Lines{});
}

TEST_F(PropagationTest, TheSinkIsToldTheDatabase) {
  h_.Run({"SELECT", "3"});
  EXPECT_EQ(Propagated({"SET", "k", "v"}), (Lines{"3 SET k v"}));
  // SELECT inside a transaction: each command keeps the database it ran in.
  h_.Run({"MULTI"});
  h_.Run({"SET", "x", "1"});
  h_.Run({"SELECT", "5"});
  h_.Run({"SET", "y", "2"});
  EXPECT_EQ(Propagated({"EXEC"}), (Lines{"-1 MULTI", "3 SET x 1", "5 SET y 2", "-1 EXEC"}));
}

TEST_F(PropagationTest, KeysFoundExpiredAreDeletedInTheLog) {
  h_.Run({"SET", "k", "v", "PX", "100"});
  h_.Run({"SELECT", "2"});
  h_.Run({"SET", "k2", "v", "PX", "100"});
  h_.AdvanceMs(100);
  // A read sends the DEL although the read itself is not logged.
  EXPECT_EQ(Propagated({"GET", "k2"}), (Lines{"2 DEL k2"}));
  EXPECT_EQ(Propagated({"GET", "k2"}), Lines{});
  // A write to the expired key: the DEL first, then the write.
  h_.Run({"SELECT", "0"});
  EXPECT_EQ(Propagated({"APPEND", "k", "x"}), (Lines{"0 DEL k", "0 APPEND k x"}));
}

// A key written by one command of a transaction and found expired by a later one: the log must
// delete it after writing it (Redis 7.0: MULTI, SET, DEL, EXEC), or a replica keeps the key.
TEST_F(PropagationTest, ExpiryInsideATransactionComesAfterTheWriteBeforeIt) {
  h_.Run({"MULTI"});
  h_.Run({"SET", "k", "v", "PXAT", "1"});  // valid, and already past
  h_.Run({"GET", "k"});
  const Lines lines = Propagated({"EXEC"});
  const auto set = std::find(lines.begin(), lines.end(), "0 SET k v PXAT 1");
  const auto del = std::find(lines.begin(), lines.end(), "0 DEL k");
  ASSERT_NE(set, lines.end()) << ::testing::PrintToString(lines);
  ASSERT_NE(del, lines.end()) << ::testing::PrintToString(lines);
  EXPECT_LT(set - lines.begin(), del - lines.begin()) << ::testing::PrintToString(lines);
}

// While a file is loaded no key is expired: a replayed EXPIRE with a time since passed sets
// the expire time (the key then expires as usual) instead of deleting the key at once.
TEST_F(PropagationTest, LoadingKeepsKeysWithPastExpireTimes) {
  h_.Run({"SET", "k", "v"});
  h_.dispatcher().keyspace().set_loading(true);
  EXPECT_EQ(h_.Run({"PEXPIREAT", "k", "1000"}), ":1\r\n");
  EXPECT_EQ(h_.Run({"EXISTS", "k"}), ":1\r\n");
  EXPECT_EQ(h_.Run({"GET", "k"}), "$1\r\nv\r\n");
  sink_.Take();
  h_.dispatcher().keyspace().set_loading(false);
  EXPECT_EQ(Propagated({"GET", "k"}), (Lines{"0 DEL k"}));
  EXPECT_EQ(h_.Run({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(PropagationTest, RemovedSinkGetsNothing) {
  CapturingSink other;
  h_.dispatcher().propagator().AddSink(&other);
  h_.Run({"SET", "a", "1"});
  h_.dispatcher().propagator().RemoveSink(&other);
  h_.Run({"SET", "b", "2"});
  EXPECT_EQ(other.Take(), (Lines{"0 SET a 1"}));
  EXPECT_EQ(sink_.Take(), (Lines{"0 SET a 1", "0 SET b 2"}));
}

}  // namespace
}  // namespace petrel::testing
