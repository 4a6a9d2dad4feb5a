// MONITOR: the lines monitors receive. Formats and redactions are redis-server 7.0.15's.
#include <gtest/gtest.h>

#include <string>

#include "commands/harness.h"

namespace petrel::testing {
namespace {

// The fake clock starts at 1700000000000 ms.
constexpr std::string_view kPrefix = "+1700000000.000000 [0 127.0.0.1:40001] ";

class MonitorTest : public ::testing::Test {
 protected:
  MonitorTest() : client_(h_.Connect("127.0.0.1:40001")), monitor_(h_.Connect("127.0.0.1:40002")) {
    EXPECT_EQ(monitor_->Run({"MONITOR"}), "+OK\r\n");
  }

  // What the monitor got, as lines without the common prefix.
  std::string Seen() {
    std::string out;
    std::string all = monitor_->TakeDelivered();
    for (size_t pos = 0; pos < all.size();) {
      const size_t end = all.find("\r\n", pos);
      std::string line = all.substr(pos, end - pos);
      if (line.starts_with(kPrefix)) line = line.substr(kPrefix.size());
      out += line + "\n";
      pos = end + 2;
    }
    return out;
  }

  Harness h_;
  std::unique_ptr<TestClient> client_;
  std::unique_ptr<TestClient> monitor_;
};

TEST_F(MonitorTest, LineFormatAndQuoting) {
  client_->Run({"SET", "k", "v"});
  const std::string_view odd("a\"b\\c\n\r\t\a\b\x01\x7f\xc3\xbf\xc3\xa9\0z", 18);
  client_->Run({"set", "Ke y", odd});
  h_.AdvanceMs(1234);
  client_->Run({"SELECT", "3"});
  EXPECT_EQ(monitor_->TakeDelivered(),
            "+1700000000.000000 [0 127.0.0.1:40001] \"SET\" \"k\" \"v\"\r\n"
            "+1700000000.000000 [0 127.0.0.1:40001] \"set\" \"Ke y\" "
            "\"a\\\"b\\\\c\\n\\r\\t\\a\\b\\x01\\x7f\\xc3\\xbf\\xc3\\xa9\\x00z\"\r\n"
            "+1700000001.234000 [3 127.0.0.1:40001] \"SELECT\" \"3\"\r\n");
}

TEST_F(MonitorTest, UnixSocketClientsShowTheSocketPath) {
  h_.config().settings().unixsocket = "/tmp/petrel.sock";
  client_->state().unix_socket = true;
  client_->Run({"PING"});
  EXPECT_EQ(monitor_->TakeDelivered(), "+1700000000.000000 [0 unix:/tmp/petrel.sock] \"PING\"\r\n");
}

TEST_F(MonitorTest, AdminAndRejectedCommandsAreNotShown) {
  client_->Run({"CONFIG", "GET", "maxmemory"});
  client_->Run({"CLIENT", "LIST"});
  client_->Run({"SLOWLOG", "LEN"});
  client_->Run({"MONITOR"});
  client_->Run({"NOSUCH"});
  client_->Run({"GET"});
  client_->Run({"CLIENT", "INFO"});
  client_->Run({"INFO", "server"});
  EXPECT_EQ(Seen(), "\"CLIENT\" \"INFO\"\n\"INFO\" \"server\"\n");
}

TEST_F(MonitorTest, TransactionsShowQueuedCommandsWhenTheyRunBeforeExec) {
  client_->Run({"MULTI"});
  client_->Run({"SET", "k", "v"});
  client_->Run({"SELECT", "2"});
  client_->Run({"PING"});
  EXPECT_EQ(Seen(), "\"MULTI\"\n");
  client_->Run({"EXEC"});
  EXPECT_EQ(monitor_->TakeDelivered(),
            "+1700000000.000000 [0 127.0.0.1:40001] \"SET\" \"k\" \"v\"\r\n"
            "+1700000000.000000 [2 127.0.0.1:40001] \"SELECT\" \"2\"\r\n"
            "+1700000000.000000 [2 127.0.0.1:40001] \"PING\"\r\n"
            "+1700000000.000000 [2 127.0.0.1:40001] \"EXEC\"\r\n");
  // A failed EXEC and DISCARD show themselves only.
  client_->Run({"SELECT", "0"});
  client_->Run({"MULTI"});
  client_->Run({"GET", "k"});
  client_->Run({"NOSUCH"});
  client_->Run({"EXEC"});
  client_->Run({"MULTI"});
  client_->Run({"GET", "k"});
  client_->Run({"DISCARD"});
  EXPECT_EQ(Seen(), "\"SELECT\" \"0\"\n\"MULTI\"\n\"EXEC\"\n\"MULTI\"\n\"DISCARD\"\n");
}

TEST_F(MonitorTest, SecretsAreRedactedAsRedisDoes) {
  client_->Run({"auth", "pw"});
  client_->Run({"auth", "u", "pw"});
  client_->Run({"AUTH", "a", "b", "c"});  // syntax error: shown as is
  client_->Run({"AUTH", ""});
  client_->Run({"hello", "3", "auth", "u", "p", "setname", "n"});
  client_->Run({"HELLO", "2", "AUTH", "default", "x"});
  client_->Run({"HELLO", "2", "AUTH", "u"});
  client_->Run({"HELLO", "9", "AUTH", "u", "p"});
  client_->Run({"HELLO", "x", "AUTH", "u", "p"});
  client_->Run({"HELLO", "3", "AUTH", "u", "p", "BOGUS"});
  client_->Run({"HELLO", "3", "SETNAME", "bad name", "AUTH", "u", "p"});
  client_->Run({"HELLO", "2", "AUTH", "u", "p", "AUTH", "v", "q"});
  client_->Run({"MULTI"});
  client_->Run({"AUTH", "x"});
  client_->Run({"EXEC"});
  EXPECT_EQ(Seen(),
            "\"auth\" \"(redacted)\"\n"
            "\"auth\" \"(redacted)\" \"(redacted)\"\n"
            "\"AUTH\" \"a\" \"b\" \"c\"\n"
            "\"AUTH\" \"(redacted)\"\n"
            "\"hello\" \"3\" \"auth\" \"(redacted)\" \"(redacted)\" \"setname\" \"n\"\n"
            "\"HELLO\" \"2\" \"AUTH\" \"(redacted)\" \"(redacted)\"\n"
            "\"HELLO\" \"2\" \"AUTH\" \"u\"\n"
            "\"HELLO\" \"9\" \"AUTH\" \"u\" \"p\"\n"
            "\"HELLO\" \"x\" \"AUTH\" \"u\" \"p\"\n"
            "\"HELLO\" \"3\" \"AUTH\" \"(redacted)\" \"(redacted)\" \"BOGUS\"\n"
            "\"HELLO\" \"3\" \"SETNAME\" \"bad name\" \"AUTH\" \"u\" \"p\"\n"
            "\"HELLO\" \"2\" \"AUTH\" \"(redacted)\" \"(redacted)\" \"AUTH\" \"v\" \"q\"\n"
            "\"MULTI\"\n"
            "\"AUTH\" \"(redacted)\"\n"
            "\"EXEC\"\n");
}

TEST(HelloOptions, ApplyInOrderUntilTheFirstError) {
  Harness h;
  h.config().settings().requirepass = "pw";
  auto c = h.Connect("127.0.0.1:40001");
  c->state().authenticated = false;
  EXPECT_EQ(c->Run({"HELLO", "3", "AUTH", "default", "pw", "BOGUS"}),
            "-ERR Syntax error in HELLO option 'BOGUS'\r\n");
  EXPECT_TRUE(c->state().authenticated);
  EXPECT_EQ(c->state().resp, 2);
  EXPECT_EQ(c->Run({"HELLO", "3", "SETNAME", "q", "AUTH", "default", "zz"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(c->Run({"CLIENT", "GETNAME"}), "$1\r\nq\r\n");
  EXPECT_EQ(c->Run({"HELLO", "3", "AUTH", "default", "pw", "SETNAME", "x y"}),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(c->Run({"CLIENT", "GETNAME"}), "$1\r\nq\r\n");
}

TEST_F(MonitorTest, TheMonitorItself) {
  EXPECT_EQ(monitor_->Run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(monitor_->TakeDelivered(), "+1700000000.000000 [0 127.0.0.1:40002] \"PING\"\r\n");
  // A monitor is a replica to Redis: no keyspace access, and that is not shown.
  EXPECT_EQ(monitor_->Run({"GET", "x"}), "-ERR Replica can't interact with the keyspace\r\n");
  EXPECT_EQ(monitor_->Run({"MONITOR"}), "");
  EXPECT_EQ(monitor_->Run({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(monitor_->Run({"SET", "k", "v"}), "-ERR Replica can't interact with the keyspace\r\n");
  EXPECT_EQ(monitor_->Run({"EXEC"}),
            "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(monitor_->TakeDelivered(),
            "+1700000000.000000 [0 127.0.0.1:40002] \"MULTI\"\r\n"
            "+1700000000.000000 [0 127.0.0.1:40002] \"EXEC\"\r\n");
  const std::string info = monitor_->Run({"CLIENT", "INFO"});
  EXPECT_NE(info.find(" flags=O "), std::string::npos) << info;
  EXPECT_NE(info.find(" cmd=client|info "), std::string::npos) << info;
}

TEST_F(MonitorTest, SeveralMonitorsAndLeaving) {
  auto second = h_.Connect("127.0.0.1:40003");
  second->Run({"MONITOR"});
  EXPECT_EQ(monitor_->Run({"RESET"}), "+RESET\r\n");
  EXPECT_FALSE(monitor_->state().monitor);
  client_->Run({"PING"});
  EXPECT_EQ(monitor_->TakeDelivered(), "");
  EXPECT_EQ(second->TakeDelivered(),
            "+1700000000.000000 [0 127.0.0.1:40002] \"RESET\"\r\n"
            "+1700000000.000000 [0 127.0.0.1:40001] \"PING\"\r\n");
  // The monitor that disconnects is forgotten.
  second.reset();
  client_->Run({"PING"});
  EXPECT_EQ(monitor_->TakeDelivered(), "");
}

}  // namespace
}  // namespace petrel::testing
