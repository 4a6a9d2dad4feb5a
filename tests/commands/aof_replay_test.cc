// ReplayAofFile: rebuilding the dataset from one AOF file (RESP commands, optionally after an RDB
// preamble), and what it does with a file cut short or damaged.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "commands/harness.h"
#include "petrel/persistence/aof_loader.h"
#include "petrel/persistence/rdb_writer.h"
#include "petrel/replication/propagator.h"
#include "petrel/storage/hash.h"
#include "petrel/storage/string_value.h"
#include "unit/returns_in_child.h"

namespace petrel::testing {
namespace {

using persistence::AofReplayResult;
using persistence::ReplayAofFile;

std::string Cmd(std::initializer_list<std::string_view> args) {
  std::string out;
  replication::EncodeCommand(std::span<const std::string_view>(args.begin(), args.size()), out);
  return out;
}

class AofReplayTest : public ::testing::Test {
 protected:
  AofReplayTest() {
    char dir[] = "/tmp/petrel-aof-test-XXXXXX";
    EXPECT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/appendonly.aof.1.incr.aof";
  }
  ~AofReplayTest() override {
    std::remove(path_.c_str());
    ::rmdir(dir_.c_str());
  }

  void Write(const std::string& bytes) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
  }
  int64_t FileSize() {
    struct stat st {};
    return ::stat(path_.c_str(), &st) == 0 ? st.st_size : -1;
  }
  // Replays as start-up does: with the keyspace in loading mode.
  std::optional<std::string> Replay(bool allow_truncated, AofReplayResult* result) {
    h_.dispatcher().keyspace().set_loading(true);
    auto error = ReplayAofFile(h_.dispatcher(), path_, allow_truncated, result);
    h_.dispatcher().keyspace().set_loading(false);
    return error;
  }

  Harness h_;
  std::string dir_, path_;
};

TEST_F(AofReplayTest, CommandsRebuildTheData) {
  Write(Cmd({"SET", "a", "1"}) + Cmd({"INCR", "a"}) + Cmd({"SELECT", "2"}) +
        Cmd({"HSET", "h", "f", "v", "g", "w"}) +
        Cmd({"SET", "bin", std::string_view("x\0\r\ny", 5)}) +
        Cmd({"PEXPIREAT", "h", "1800000000000"}) + Cmd({"SET", "gone", "v"}) +
        Cmd({"DEL", "gone"}));
  AofReplayResult result;
  ASSERT_EQ(Replay(false, &result), std::nullopt);
  EXPECT_EQ(result.commands, 8u);
  EXPECT_FALSE(result.truncated);
  EXPECT_FALSE(result.empty);
  EXPECT_EQ(h_.Run({"GET", "a"}), "$1\r\n2\r\n");
  EXPECT_EQ(h_.client().db, 0);  // the file's SELECT was the replaying client's own
  h_.Run({"SELECT", "2"});
  EXPECT_EQ(h_.Run({"HGET", "h", "g"}), "$1\r\nw\r\n");
  EXPECT_EQ(h_.Run({"PEXPIRETIME", "h"}), ":1800000000000\r\n");
  EXPECT_EQ(h_.Run({"GET", "bin"}), "$5\r\nx" + std::string(1, '\0') + "\r\ny\r\n");
  EXPECT_EQ(h_.Run({"EXISTS", "gone"}), ":0\r\n");
  h_.Run({"SELECT", "0"});
  EXPECT_EQ(h_.Run({"DBSIZE"}), ":1\r\n");
}

TEST_F(AofReplayTest, TimestampAnnotationsAreSkipped) {
  Write("#TS:1700000000\r\n" + Cmd({"SET", "a", "1"}) + "#TS:1700000001\r\n" +
        Cmd({"SET", "b", "2"}) + "#TS:1700000002\r\n");
  AofReplayResult result;
  ASSERT_EQ(Replay(false, &result), std::nullopt);
  EXPECT_EQ(result.commands, 2u);
  EXPECT_EQ(h_.Run({"MGET", "a", "b"}), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
}

TEST_F(AofReplayTest, PastExpireTimesInTheLogKeepTheKeyUntilLoaded) {
  Write(Cmd({"SET", "k", "v"}) + Cmd({"PEXPIREAT", "k", "1000"}) + Cmd({"SET", "k2", "v"}));
  AofReplayResult result;
  ASSERT_EQ(Replay(false, &result), std::nullopt);
  // Expired now that loading is over, not deleted (and not logged) by the replay itself.
  EXPECT_EQ(h_.dispatcher().keyspace().db(0).dict.size(), 2u);
  EXPECT_EQ(h_.Run({"EXISTS", "k", "k2"}), ":1\r\n");
}

TEST_F(AofReplayTest, EmptyAndMissingFiles) {
  Write("");
  AofReplayResult result;
  ASSERT_EQ(Replay(false, &result), std::nullopt);
  EXPECT_TRUE(result.empty);
  EXPECT_EQ(result.commands, 0u);
  std::remove(path_.c_str());
  auto error = Replay(false, &result);
  ASSERT_TRUE(error);
  EXPECT_EQ(
      error->rfind("Fatal error: can't open the append log file " + path_ + " for reading", 0), 0u)
      << *error;
}

// Every cut inside the last command: with aof-load-truncated the whole commands load and the
// file is cut back to them; without it, the load fails and the file is left alone.
TEST_F(AofReplayTest, TruncatedLastCommand) {
  const std::string whole = Cmd({"SET", "a", "1"}) + "#TS:1\r\n" + Cmd({"SET", "b", "2"});
  const std::string last = Cmd({"SET", "c", "3"});
  for (size_t cut = 1; cut < last.size(); ++cut) {
    SCOPED_TRACE("cut " + std::to_string(cut));
    Write(whole + last.substr(0, cut));
    h_.Run({"FLUSHALL"});
    AofReplayResult refused;
    auto error = Replay(false, &refused);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->rfind("Unexpected end of file reading the append only file " + path_, 0), 0u)
        << *error;
    EXPECT_EQ(FileSize(), static_cast<int64_t>(whole.size() + cut));

    h_.Run({"FLUSHALL"});
    AofReplayResult result;
    ASSERT_EQ(Replay(true, &result), std::nullopt);
    EXPECT_TRUE(result.truncated);
    EXPECT_EQ(result.commands, 2u);
    EXPECT_EQ(FileSize(), static_cast<int64_t>(whole.size()));
    EXPECT_EQ(h_.Run({"MGET", "a", "b", "c"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n");
  }
  // Cut where a command ends: nothing to truncate.
  Write(whole);
  AofReplayResult result;
  ASSERT_EQ(Replay(false, &result), std::nullopt);
  EXPECT_FALSE(result.truncated);
}

TEST_F(AofReplayTest, TransactionWithoutExecIsReverted) {
  const std::string before = Cmd({"SET", "a", "1"});
  const std::string tx = Cmd({"MULTI"}) + Cmd({"SET", "b", "2"}) + Cmd({"INCR", "a"});
  Write(before + tx);
  AofReplayResult refused;
  auto error = Replay(false, &refused);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->rfind("Unexpected end of file reading the append only file", 0), 0u) << *error;

  h_.Run({"FLUSHALL"});
  AofReplayResult result;
  ASSERT_EQ(Replay(true, &result), std::nullopt);
  EXPECT_TRUE(result.truncated);
  EXPECT_EQ(h_.Run({"MGET", "a", "b"}), "*2\r\n$1\r\n1\r\n$-1\r\n");
  EXPECT_EQ(FileSize(), static_cast<int64_t>(before.size()));
  // A whole transaction is applied.
  Write(before + tx + Cmd({"EXEC"}));
  h_.Run({"FLUSHALL"});
  ASSERT_EQ(Replay(false, &result), std::nullopt);
  EXPECT_EQ(h_.Run({"MGET", "a", "b"}), "*2\r\n$1\r\n2\r\n$1\r\n2\r\n");
}

// Cut inside a command of a transaction: the file must be cut back to before MULTI. Cut after
// a queued command instead (as Redis 7.0 does), it ends in a dangling MULTI that swallows, and
// on the next start reverts, every write appended after the repair.
TEST_F(AofReplayTest, CutInsideATransactionIsCutBackToBeforeMulti) {
  const std::string before = Cmd({"SET", "a", "1"});
  const std::string tx = Cmd({"MULTI"}) + Cmd({"SET", "b", "2"});
  const std::string cut = Cmd({"INCR", "a"}).substr(0, 9);
  Write(before + tx + cut);
  AofReplayResult result;
  ASSERT_EQ(Replay(true, &result), std::nullopt);
  EXPECT_TRUE(result.truncated);
  EXPECT_EQ(h_.Run({"MGET", "a", "b"}), "*2\r\n$1\r\n1\r\n$-1\r\n");
  EXPECT_EQ(FileSize(), static_cast<int64_t>(before.size()));
  // A write logged after the repair survives the next start.
  std::ofstream(path_, std::ios::binary | std::ios::app) << Cmd({"SET", "later", "x"});
  h_.Run({"FLUSHALL"});
  AofReplayResult again;
  ASSERT_EQ(Replay(true, &again), std::nullopt);
  EXPECT_FALSE(again.truncated);
  EXPECT_EQ(h_.Run({"GET", "later"}), "$1\r\nx\r\n");
}

TEST_F(AofReplayTest, DamageIsABadFormat) {
  const std::string good = Cmd({"SET", "a", "1"});
  const std::string bad_cases[] = {
      "garbage\r\n",                    // not a command
      "*1\r\n$3\r\nPING\r\n" + good,    // $3 then 4 bytes: no CRLF after the bulk
      "*1\n$4\r\nPING\r\n",             // LF without CR
      "*0\r\n",                         // no arguments
      "*x\r\n",                         // not a number
      "*1\r\n+PING\r\n",                // not a bulk string
      "*1\r\n$-1\r\n",                  // negative length
      std::string(2000, 'x') + "\r\n",  // a header line of 2000 bytes
  };
  for (const std::string& bad : bad_cases) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    Write(good + bad + good);
    AofReplayResult result;
    auto error = Replay(true, &result);  // even with aof-load-truncated
    ASSERT_TRUE(error);
    EXPECT_EQ(*error, "Bad file format reading the append only file " + path_ +
                          ": make a backup of your AOF file, then use ./redis-check-aof --fix "
                          "<filename.manifest>");
  }
}

TEST_F(AofReplayTest, UnknownCommand) {
  Write(Cmd({"SET", "a", "1"}) + Cmd({"NOSUCH", "x"}));
  AofReplayResult result;
  EXPECT_EQ(Replay(true, &result),
            "Unknown command 'NOSUCH' reading the append only file " + path_);
}

// A base written with aof-use-rdb-preamble: the RDB snapshot, then commands.
TEST_F(AofReplayTest, RdbPreambleThenCommands) {
  util::FakeClock clock;
  storage::Keyspace snapshot(16, clock);
  storage::StoreString(snapshot.Add(0, "s"), "from rdb");
  storage::Entry* h = snapshot.Add(3, "h");
  storage::hash::Init(h);
  storage::hash::Set(h, "f", "v", {});
  storage::Entry* old = snapshot.Add(0, "old");
  storage::StoreString(old, "x");
  snapshot.SetExpire(0, old, 1000);  // long past: kept while loading, as Redis keeps it
  std::string rdb;
  persistence::RdbAux aux;
  aux.aof_base = true;
  persistence::RdbWriter writer(
      [&](std::string_view b) {
        rdb += b;
        return true;
      },
      {});
  ASSERT_TRUE(writer.Write(snapshot, aux));
  const std::string commands = Cmd({"SET", "after", "1"}) + Cmd({"APPEND", "s", "!"});
  Write(rdb + commands);
  AofReplayResult result;
  ASSERT_EQ(Replay(false, &result), std::nullopt);
  EXPECT_EQ(result.rdb_keys, 3u);
  EXPECT_EQ(result.commands, 2u);
  EXPECT_EQ(h_.dispatcher().keyspace().db(0).dict.size(), 3u);
  EXPECT_EQ(h_.Run({"GET", "s"}), "$9\r\nfrom rdb!\r\n");
  EXPECT_EQ(h_.Run({"GET", "after"}), "$1\r\n1\r\n");
  EXPECT_EQ(h_.Run({"EXISTS", "old"}), ":0\r\n");
  h_.Run({"SELECT", "3"});
  EXPECT_EQ(h_.Run({"HGET", "h", "f"}), "$1\r\nv\r\n");

  // A cut-short command after the preamble: truncated to the preamble plus the whole commands.
  Write(rdb + commands + Cmd({"SET", "x", "y"}).substr(0, 10));
  h_.Run({"FLUSHALL"});
  ASSERT_EQ(Replay(true, &result), std::nullopt);
  EXPECT_TRUE(result.truncated);
  EXPECT_EQ(FileSize(), static_cast<int64_t>(rdb.size() + commands.size()));

  // Only the preamble.
  Write(rdb);
  h_.Run({"FLUSHALL"});
  AofReplayResult only;
  ASSERT_EQ(Replay(false, &only), std::nullopt);
  EXPECT_EQ(only.rdb_keys, 3u);
  EXPECT_EQ(only.commands, 0u);

  // A damaged preamble is a bad file, with the RDB reason.
  std::string bad = rdb;
  bad[rdb.size() - 2] ^= 1;  // the checksum
  Write(bad + commands);
  h_.Run({"FLUSHALL"});
  auto error = Replay(true, &result);
  ASSERT_TRUE(error);
  EXPECT_EQ(
      error->rfind("Bad file format reading the append only file " + path_ + ": Wrong RDB checksum",
                   0),
      0u)
      << *error;
}

// Files larger than the reader's 1 MB buffer, with values spanning its end: offsets stay exact.
TEST_F(AofReplayTest, LongFiles) {
  std::string file;
  const std::string value(1000, 'v');
  for (int i = 0; i < 3000; ++i) file += Cmd({"SET", "k" + std::to_string(i), value});
  const std::string big(3 << 20, 'b');  // one value longer than the buffer
  file += Cmd({"SET", "big", big});
  const std::string tail = Cmd({"SET", "tail", "t"});
  Write(file + tail.substr(0, tail.size() - 1));
  AofReplayResult result;
  ASSERT_EQ(Replay(true, &result), std::nullopt);
  EXPECT_EQ(result.commands, 3001u);
  EXPECT_TRUE(result.truncated);
  EXPECT_EQ(FileSize(), static_cast<int64_t>(file.size()));
  EXPECT_EQ(h_.Run({"DBSIZE"}), ":3001\r\n");
  EXPECT_EQ(h_.Run({"STRLEN", "big"}), ":" + std::to_string(big.size()) + "\r\n");
  EXPECT_EQ(h_.Run({"GET", "k2999"}), "$1000\r\n" + value + "\r\n");
}

// A damaged length far beyond the end of the file is the end of the file (or a bad format),
// reported as such; it must not take the process down trying to allocate it.
TEST_F(AofReplayTest, HugeBulkLengthIsAnErrorNotACrash) {
  for (std::string_view length : {"99999999999", "9223372036854775807"}) {
    Write(Cmd({"SET", "a", "1"}) + "*1\r\n$" + std::string(length) + "\r\nPING\r\n");
    EXPECT_TRUE(ReturnsInChild(
        [&] {
          AofReplayResult result;
          Replay(false, &result);
        },
        10))
        << "$" << length;
  }
}

}  // namespace
}  // namespace petrel::testing
