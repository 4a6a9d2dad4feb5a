// MULTI/EXEC/DISCARD/WATCH/UNWATCH. Expected bytes are redis-server 7.0.15's.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "commands/harness.h"

namespace petrel::testing {
namespace {

constexpr std::string_view kOk = "+OK\r\n";
constexpr std::string_view kQueued = "+QUEUED\r\n";
constexpr std::string_view kExecAbort =
    "-EXECABORT Transaction discarded because of previous errors.\r\n";
constexpr std::string_view kNullArray = "*-1\r\n";

// The value of `field` in the CLIENT LIST line of client `id`, as `observer` sees it.
std::string InfoField(TestClient& observer, uint64_t id, std::string_view field) {
  const std::string list = observer.Run({"CLIENT", "LIST"});
  const std::string line_start = "id=" + std::to_string(id) + " ";
  const size_t line = list.find(line_start);
  const size_t at = list.find(" " + std::string(field) + "=", line);
  const size_t begin = at + field.size() + 2;
  return list.substr(begin, list.find(' ', begin) - begin);
}

TEST(Transactions, QueuedCommandsRunAtExecAndErrorsFailOnlyTheirCommand) {
  Harness h;
  EXPECT_EQ(h.Run({"MULTI"}), kOk);
  EXPECT_EQ(h.Run({"SET", "k", "v"}), kQueued);
  EXPECT_EQ(h.Run({"INCR", "k"}), kQueued);
  EXPECT_EQ(h.Run({"GET", "k"}), kQueued);
  EXPECT_EQ(h.Run({"GET", "missing"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}),
            "*4\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\nv\r\n$-1\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST(Transactions, QueuedArgumentsAreCopies) {
  Harness h;
  h.Run({"MULTI"});
  std::vector<std::string> args = {"SET", "key", "value"};
  EXPECT_EQ(h.Run(args), kQueued);
  args = {"XXX", "yyy", "zzzzz"};  // the buffer the command came from is reused
  EXPECT_EQ(h.Run({"GET", "key"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}), "*2\r\n+OK\r\n$5\r\nvalue\r\n");
}

TEST(Transactions, EmptyTransactionAndResp3) {
  Harness h;
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"EXEC"}), "*0\r\n");
  h.client().resp = 3;
  h.Run({"WATCH", "k"});
  h.Run({"SET", "k", "x"});
  h.Run({"MULTI"});
  h.Run({"GET", "k"});
  EXPECT_EQ(h.Run({"EXEC"}), "_\r\n");
}

TEST(Transactions, ErrorsOfTheTransactionCommands) {
  Harness h;
  EXPECT_EQ(h.Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(h.Run({"DISCARD"}), "-ERR DISCARD without MULTI\r\n");
  EXPECT_EQ(h.Run({"MULTI", "x"}), "-ERR wrong number of arguments for 'multi' command\r\n");
  EXPECT_EQ(h.Run({"WATCH"}), "-ERR wrong number of arguments for 'watch' command\r\n");
  h.Run({"MULTI"});
  // Neither error dooms the transaction: they are the commands' own replies.
  EXPECT_EQ(h.Run({"MULTI"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(h.Run({"WATCH", "k"}), "-ERR WATCH inside MULTI is not allowed\r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n+OK\r\n");
}

TEST(Transactions, RejectedWhileQueuingAbortsExec) {
  Harness h;
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"NOSUCH", "x"}),
            "-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n");
  EXPECT_EQ(h.Run({"SET", "k", "v"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}), kExecAbort);
  EXPECT_EQ(h.Run({"GET", "k"}), "$-1\r\n");

  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), kExecAbort);

  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"CONFIG", "NOSUCH"}), "-ERR unknown subcommand 'NOSUCH'. Try CONFIG HELP.\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), kExecAbort);

  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"SHUTDOWN"}), "-ERR Command not allowed inside a transaction\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), kExecAbort);
  EXPECT_EQ(h.Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
}

TEST(Transactions, ARefusedExecDiscardsTheTransaction) {
  Harness h;
  constexpr std::string_view kArity =
      "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
      "command\r\n";
  EXPECT_EQ(h.Run({"EXEC", "extra"}), kArity);
  h.Run({"MULTI"});
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(h.Run({"EXEC", "extra"}), kArity);
  EXPECT_EQ(h.Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(h.Run({"GET", "k"}), "$-1\r\n");
  h.config().settings().requirepass = "pw";
  h.client().authenticated = false;
  EXPECT_EQ(h.Run({"EXEC"}),
            "-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n");
  // Other refused transaction commands only doom the transaction.
  h.client().authenticated = true;
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"MULTI", "x"}), "-ERR wrong number of arguments for 'multi' command\r\n");
  EXPECT_EQ(h.Run({"DISCARD", "x"}), "-ERR wrong number of arguments for 'discard' command\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), kExecAbort);
}

TEST(Transactions, DiscardDropsTheQueue) {
  Harness h;
  h.Run({"SET", "k", "1"});
  h.Run({"MULTI"});
  h.Run({"SET", "k", "2"});
  EXPECT_EQ(h.Run({"DISCARD"}), kOk);
  EXPECT_EQ(h.Run({"GET", "k"}), "$1\r\n1\r\n");
  EXPECT_EQ(h.Run({"DISCARD"}), "-ERR DISCARD without MULTI\r\n");
}

TEST(Transactions, UnwatchAndMonitorAreQueued) {
  Harness h;
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"UNWATCH"}), kQueued);
  EXPECT_EQ(h.Run({"MONITOR"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}),
            "*2\r\n+OK\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n");
  EXPECT_FALSE(h.client().monitor);
}

TEST(Transactions, SelectInsideExecAppliesToTheLaterCommands) {
  Harness h;
  h.Run({"MULTI"});
  h.Run({"SELECT", "2"});
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(h.Run({"EXEC"}), "*2\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(h.client().db, 2);
}

TEST(Transactions, ResetAndQuitAreNotQueued) {
  Harness h;
  h.Run({"MULTI"});
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(h.Run({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(h.Run({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"QUIT"}), kOk);
  EXPECT_TRUE(h.client().close_after_reply);
}

TEST(Watch, OwnWriteLosesTheWatchAndUnwatchForgetsIt) {
  Harness h;
  EXPECT_EQ(h.Run({"WATCH", "k", "k"}), kOk);
  h.Run({"SET", "k", "x"});
  h.Run({"MULTI"});
  EXPECT_EQ(h.Run({"GET", "k"}), kQueued);
  EXPECT_EQ(h.Run({"EXEC"}), kNullArray);
  // EXEC unwatched: the next transaction runs.
  h.Run({"SET", "k", "y"});
  h.Run({"MULTI"});
  h.Run({"GET", "k"});
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n$1\r\ny\r\n");

  h.Run({"WATCH", "k"});
  h.Run({"SET", "k", "z"});
  EXPECT_EQ(h.Run({"UNWATCH"}), kOk);
  h.Run({"MULTI"});
  h.Run({"GET", "k"});
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n$1\r\nz\r\n");
}

TEST(Watch, ExecAbortWinsOverALostWatch) {
  Harness h;
  h.Run({"WATCH", "k"});
  h.Run({"SET", "k", "y"});
  h.Run({"MULTI"});
  h.Run({"NOSUCH"});
  EXPECT_EQ(h.Run({"EXEC"}), kExecAbort);
}

TEST(Watch, ChangesByOtherClients) {
  Harness h;
  auto other = h.Connect("127.0.0.1:40001");
  auto expect_exec = [&](std::string_view expected) {
    h.Run({"MULTI"});
    h.Run({"PING"});
    EXPECT_EQ(h.Run({"EXEC"}), expected);
  };
  h.Run({"WATCH", "k"});
  other->Run({"SET", "k", "z"});
  expect_exec(kNullArray);

  h.Run({"WATCH", "absent"});
  other->Run({"SET", "absent", "now"});
  expect_exec(kNullArray);

  h.Run({"WATCH", "nk"});
  other->Run({"DEL", "nk"});  // deleting nothing changes nothing
  other->Run({"GET", "k"});
  expect_exec("*1\r\n+PONG\r\n");

  h.Run({"SET", "o", "1"});
  h.Run({"WATCH", "k"});
  other->Run({"RENAME", "o", "k"});
  expect_exec(kNullArray);

  h.Run({"WATCH", "k"});
  other->Run({"EXPIRE", "k", "100"});
  expect_exec(kNullArray);

  // Same name, other database.
  h.Run({"SELECT", "1"});
  h.Run({"WATCH", "k"});
  other->Run({"SET", "k", "x"});
  expect_exec("*1\r\n+PONG\r\n");
}

TEST(Watch, WritesInsideExecLoseOtherClientsWatches) {
  Harness h;
  auto other = h.Connect("127.0.0.1:40001");
  other->Run({"WATCH", "k"});
  h.Run({"WATCH", "k"});
  h.Run({"MULTI"});
  h.Run({"SET", "k", "3"});
  EXPECT_EQ(h.Run({"EXEC"}), "*1\r\n+OK\r\n");
  other->Run({"MULTI"});
  other->Run({"PING"});
  EXPECT_EQ(other->Run({"EXEC"}), kNullArray);
}

TEST(Watch, FlushesAndSwapdb) {
  Harness h;
  auto other = h.Connect("127.0.0.1:40001");
  auto expect_exec = [&](std::string_view expected) {
    h.Run({"MULTI"});
    h.Run({"PING"});
    EXPECT_EQ(h.Run({"EXEC"}), expected);
  };
  h.Run({"WATCH", "absent"});
  other->Run({"FLUSHDB"});
  expect_exec("*1\r\n+PONG\r\n");

  h.Run({"SET", "k", "1"});
  h.Run({"WATCH", "k"});
  other->Run({"FLUSHALL"});
  expect_exec(kNullArray);

  // Absent here, present in the database swapped in.
  other->Run({"SELECT", "1"});
  other->Run({"SET", "k", "1"});
  h.Run({"WATCH", "k"});
  other->Run({"SWAPDB", "0", "1"});
  expect_exec(kNullArray);

  // Present here (after that swap), absent in the other.
  other->Run({"FLUSHDB"});
  h.Run({"WATCH", "k"});
  other->Run({"SWAPDB", "0", "1"});
  expect_exec(kNullArray);

  h.Run({"FLUSHALL"});
  h.Run({"WATCH", "k"});
  other->Run({"SWAPDB", "0", "1"});
  expect_exec("*1\r\n+PONG\r\n");

  h.Run({"SET", "k", "1"});
  h.Run({"WATCH", "k"});
  other->Run({"SWAPDB", "0", "0"});
  expect_exec("*1\r\n+PONG\r\n");
}

TEST(Watch, KeysThatExpire) {
  Harness h;
  auto other = h.Connect("127.0.0.1:40001");
  auto expect_exec = [&](std::string_view expected) {
    h.Run({"MULTI"});
    h.Run({"PING"});
    EXPECT_EQ(h.Run({"EXEC"}), expected);
  };
  // Live when watched, logically expired at EXEC.
  h.Run({"SET", "k", "v", "PX", "100"});
  h.Run({"WATCH", "k"});
  h.AdvanceMs(200);
  expect_exec(kNullArray);

  // Live when watched, deleted by lazy expiry.
  h.Run({"SET", "k", "v", "PX", "100"});
  h.Run({"WATCH", "k"});
  h.AdvanceMs(200);
  EXPECT_EQ(other->Run({"GET", "k"}), "$-1\r\n");
  expect_exec(kNullArray);

  // Live when watched, deleted by active expiry.
  h.Run({"SET", "k", "v", "PX", "100"});
  h.Run({"WATCH", "k"});
  h.AdvanceMs(200);
  h.dispatcher().Cron();
  EXPECT_EQ(h.Run({"DBSIZE"}), ":0\r\n");
  expect_exec(kNullArray);

  // Already expired when watched: its deletion is no change, a new value is one.
  h.Run({"SET", "k", "v", "PX", "100"});
  h.AdvanceMs(200);
  h.Run({"WATCH", "k"});
  expect_exec("*1\r\n+PONG\r\n");

  h.Run({"SET", "k", "v", "PX", "100"});
  h.AdvanceMs(200);
  h.Run({"WATCH", "k"});
  other->Run({"GET", "k"});
  expect_exec("*1\r\n+PONG\r\n");

  h.Run({"SET", "k", "v", "PX", "100"});
  h.AdvanceMs(200);
  h.Run({"WATCH", "k"});
  h.dispatcher().Cron();
  expect_exec("*1\r\n+PONG\r\n");

  h.Run({"SET", "k", "v", "PX", "100"});
  h.AdvanceMs(200);
  h.Run({"WATCH", "k"});
  other->Run({"FLUSHDB"});
  expect_exec("*1\r\n+PONG\r\n");

  h.Run({"SET", "k", "v", "PX", "100"});
  h.AdvanceMs(200);
  h.Run({"WATCH", "k"});
  other->Run({"SET", "k", "v2"});
  expect_exec(kNullArray);

  h.Run({"SET", "k", "v", "PX", "100"});
  h.AdvanceMs(200);
  h.Run({"WATCH", "k"});
  other->Run({"GET", "k"});
  other->Run({"SET", "k", "v3"});
  expect_exec(kNullArray);
}

TEST(Watch, SwapdbWithExpiredKeys) {
  Harness h;
  auto other = h.Connect("127.0.0.1:40001");
  auto expect_exec = [&](std::string_view expected) {
    h.Run({"MULTI"});
    h.Run({"PING"});
    EXPECT_EQ(h.Run({"EXEC"}), expected);
  };
  auto setup = [&](const char* db0, const char* db1) {
    h.Run({"FLUSHALL"});
    for (int db = 0; db < 2; ++db) {
      const std::string kind = db == 0 ? db0 : db1;
      h.Run({"SELECT", std::to_string(db)});
      if (kind == "live") h.Run({"SET", "k", "v"});
      if (kind == "expired") h.Run({"SET", "k", "v", "PX", "50"});
    }
    h.Run({"SELECT", "0"});
    h.AdvanceMs(100);
    h.Run({"WATCH", "k"});
    other->Run({"SWAPDB", "0", "1"});
  };
  setup("absent", "expired");
  expect_exec("*1\r\n+PONG\r\n");
  setup("expired", "expired");
  expect_exec("*1\r\n+PONG\r\n");
  setup("expired", "live");
  expect_exec(kNullArray);
  setup("expired", "absent");
  expect_exec("*1\r\n+PONG\r\n");
  setup("live", "expired");
  expect_exec(kNullArray);
}

TEST(Watch, ClientListFlagsAndMulti) {
  Harness h;
  auto observer = h.Connect("127.0.0.1:40001");
  const uint64_t id = h.client().id;
  EXPECT_EQ(InfoField(*observer, id, "flags"), "N");
  EXPECT_EQ(InfoField(*observer, id, "multi"), "-1");
  h.Run({"MULTI"});
  h.Run({"CLIENT", "INFO"});
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(InfoField(*observer, id, "flags"), "x");
  EXPECT_EQ(InfoField(*observer, id, "multi"), "2");
  EXPECT_EQ(InfoField(*observer, id, "multi-mem"), "55");
  EXPECT_EQ(InfoField(*observer, id, "cmd"), "set");
  // Inside EXEC the client is still in MULTI and the current command is EXEC.
  const std::string exec = h.Run({"EXEC"});
  EXPECT_NE(exec.find(" flags=x "), std::string::npos) << exec;
  EXPECT_NE(exec.find(" multi=2 "), std::string::npos) << exec;
  EXPECT_NE(exec.find(" cmd=exec "), std::string::npos) << exec;

  h.Run({"WATCH", "k"});
  observer->Run({"SET", "k", "1"});
  EXPECT_EQ(InfoField(*observer, id, "flags"), "d");
  // A doomed transaction acknowledges commands without keeping them.
  h.Run({"MULTI"});
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(InfoField(*observer, id, "flags"), "xd");
  EXPECT_EQ(InfoField(*observer, id, "multi"), "0");
  h.Run({"DISCARD"});
  EXPECT_EQ(InfoField(*observer, id, "flags"), "N");
  h.Run({"MULTI"});
  h.Run({"NOSUCH"});
  h.Run({"SET", "k", "v"});
  EXPECT_EQ(InfoField(*observer, id, "multi"), "0");
  EXPECT_EQ(InfoField(*observer, id, "cmd"), "set");
}

TEST(Watch, DisconnectForgetsTheClient) {
  Harness h;
  auto other = h.Connect("127.0.0.1:40001");
  other->Run({"WATCH", "k"});
  other->Run({"MULTI"});
  other->Run({"SET", "k", "v"});
  other.reset();
  EXPECT_TRUE(h.dispatcher().watches().empty());
  h.Run({"SET", "k", "x"});  // must not touch the departed client
  EXPECT_EQ(h.Run({"GET", "k"}), "$1\r\nx\r\n");
}

TEST(Transactions, CommandStatsCountQueuedCommandsWhenTheyRun) {
  Harness h;
  for (auto line : std::vector<std::vector<std::string_view>>{
           {"MULTI"}, {"SET", "k", "v"}, {"INCR", "k"}, {"EXEC"}, {"MULTI"}, {"GET"},
           {"SHUTDOWN"}, {"EXEC"}, {"EXEC"}, {"MULTI"}, {"MULTI"}, {"DISCARD"}}) {
    h.Run(line);
  }
  const std::string stats = h.Run({"INFO", "commandstats"});
  // The counters of one command, without its timings.
  auto counters = [&](std::string_view name) {
    const std::string head = "cmdstat_" + std::string(name) + ":";
    const size_t at = stats.find(head);
    if (at == std::string::npos) return std::string("absent");
    const size_t end = stats.find("\r\n", at);
    const std::string line = stats.substr(at + head.size(), end - at - head.size());
    return line.substr(0, line.find(',') + 1) + line.substr(line.find("rejected_calls"));
  };
  EXPECT_EQ(counters("exec"), "calls=3,rejected_calls=0,failed_calls=2");
  EXPECT_EQ(counters("multi"), "calls=4,rejected_calls=0,failed_calls=1");
  EXPECT_EQ(counters("discard"), "calls=1,rejected_calls=0,failed_calls=0");
  EXPECT_EQ(counters("set"), "calls=1,rejected_calls=0,failed_calls=0");
  EXPECT_EQ(counters("incr"), "calls=1,rejected_calls=0,failed_calls=1");
  EXPECT_EQ(counters("get"), "calls=0,rejected_calls=1,failed_calls=0");
  EXPECT_EQ(counters("shutdown"), "calls=0,rejected_calls=1,failed_calls=0");
  EXPECT_EQ(h.Run({"INFO", "errorstats"}),
            "$66\r\n# Errorstats\r\nerrorstat_ERR:count=5\r\nerrorstat_EXECABORT:count=1\r\n\r\n");
}

}  // namespace
}  // namespace petrel::testing
