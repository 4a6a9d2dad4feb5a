// Protocol-level behaviour of the real server binary: pipelining, binary safety, malformed and
// truncated input, protocol limits, connection limits and lifecycle, RESP3 and shutdown.
//
// Every expectation here was checked against Debian's redis-server 7.0 by running this binary with
// PETREL_SERVER_BIN=/usr/bin/redis-server. All waits are polls with deadlines.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "integration/server_process.h"

namespace petrel::test {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kIoTimeout = 10s;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitizedBuild = true;
#else
constexpr bool kSanitizedBuild = false;
#endif
#else
constexpr bool kSanitizedBuild = false;
#endif

// A plain TCP client for sending exact bytes, including malformed ones, and reading what comes
// back. Everything it receives accumulates in received() until consumed.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd_);
      throw std::runtime_error("connect to port " + std::to_string(port) + " failed");
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  // Writes all of `data`, reading whatever the server sends meanwhile (so a server that answers
  // while we are still writing cannot deadlock us). False if the connection fails or time runs out.
  bool Send(std::string_view data, std::chrono::milliseconds timeout = kIoTimeout) {
    const auto deadline = Clock::now() + timeout;
    while (!data.empty()) {
      if (Clock::now() >= deadline || fd_ < 0) return false;
      pollfd p{fd_, POLLOUT | POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      if ((p.revents & POLLIN) != 0) ReadAvailable();
      if ((p.revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
        ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
        if (n > 0) data.remove_prefix(static_cast<size_t>(n));
      }
    }
    return true;
  }

  // Reads until done(received()) holds, the peer closes, or the deadline; returns done(...).
  bool ReadUntil(const std::function<bool(const std::string&)>& done,
                 std::chrono::milliseconds timeout = kIoTimeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done(received_) && !peer_closed_ && Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) > 0) ReadAvailable();
    }
    return done(received_);
  }

  // Reads until `n` bytes are available (or close/deadline), then takes and returns up to n bytes.
  std::string Take(size_t n, std::chrono::milliseconds timeout = kIoTimeout) {
    ReadUntil([n](const std::string& r) { return r.size() >= n; }, timeout);
    std::string out = received_.substr(0, n);
    received_.erase(0, out.size());
    return out;
  }

  // Waits for the server to close the connection; true if it did before the deadline.
  bool WaitForClose(std::chrono::milliseconds timeout = kIoTimeout) {
    ReadUntil([this](const std::string&) { return peer_closed_; }, timeout);
    return peer_closed_;
  }

  const std::string& received() const { return received_; }
  bool peer_closed() const { return peer_closed_; }

 private:
  void ReadAvailable() {
    char buf[65536];
    while (true) {
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        received_.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        peer_closed_ = true;  // EOF or reset
      }
      return;
    }
  }

  int fd_ = -1;
  std::string received_;
  bool peer_closed_ = false;
};

// Encodes a command as a RESP multibulk request.
std::string Resp(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (auto a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out.append(a);
    out += "\r\n";
  }
  return out;
}

std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

// Sends `request` and expects exactly `expected` back (more bytes may follow later).
::testing::AssertionResult Exchange(RawConnection& conn, std::string_view request,
                                    std::string_view expected) {
  if (!conn.Send(request)) return ::testing::AssertionFailure() << "send failed";
  std::string got = conn.Take(expected.size());
  if (got != expected) {
    return ::testing::AssertionFailure()
           << "request " << ::testing::PrintToString(std::string(request).substr(0, 80))
           << "\n  expected " << ::testing::PrintToString(std::string(expected)) << "\n  got      "
           << ::testing::PrintToString(got) << (conn.peer_closed() ? " (connection closed)" : "");
  }
  return ::testing::AssertionSuccess();
}

// True if a new connection gets +PONG for PING.
::testing::AssertionResult ServerAnswersPing(int port) {
  RawConnection conn(port);
  return Exchange(conn, Resp({"PING"}), "+PONG\r\n");
}

struct RedisContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, RedisContextDeleter>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

ContextPtr ConnectHiredis(int port) {
  timeval tv{10, 0};
  ContextPtr c(redisConnectWithTimeout("127.0.0.1", port, tv));
  if (c == nullptr || c->err != 0) {
    throw std::runtime_error("hiredis connect failed: " + std::string(c ? c->errstr : "oom"));
  }
  redisSetTimeout(c.get(), tv);
  return c;
}

template <typename... Args>
ReplyPtr Command(redisContext* c, const char* format, Args... args) {
  return ReplyPtr(static_cast<redisReply*>(redisCommand(c, format, args...)));
}

// Polls `condition` every few milliseconds until it holds or the timeout expires.
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// Offset and context of the first difference between two long strings, for readable failures.
std::string FirstDifference(const std::string& expected, const std::string& got) {
  size_t i = 0;
  while (i < expected.size() && i < got.size() && expected[i] == got[i]) ++i;
  if (i == expected.size() && i == got.size()) return "";
  const size_t from = i < 40 ? 0 : i - 40;
  return "first difference at byte " + std::to_string(i) + " of " +
         std::to_string(expected.size()) + "\n  expected ..." +
         ::testing::PrintToString(expected.substr(from, 100)) + "\n  got      ..." +
         ::testing::PrintToString(got.substr(from, 100));
}

class ProtocolTest : public ::testing::Test {
 protected:
  ServerProcess server_;
};

// --- Pipelining and framing --------------------------------------------------------------------

TEST_F(ProtocolTest, TenThousandPipelinedCommandsInOnePacketAreAllAnsweredInOrder) {
  constexpr int kCommands = 10000;
  std::string request, expected;
  for (int i = 0; i < kCommands; ++i) {
    const std::string key = "key:" + std::to_string(i - i % 3);
    const std::string value = "value-" + std::to_string(i - i % 3);
    switch (i % 3) {
      case 0:
        request += Resp({"SET", key, value});
        expected += "+OK\r\n";
        break;
      case 1:
        request += Resp({"GET", key});
        expected += Bulk(value);
        break;
      default:
        request += Resp({"INCR", "counter"});
        expected += ":" + std::to_string(i / 3 + 1) + "\r\n";
        break;
    }
  }
  RawConnection conn(server_.port());
  ASSERT_TRUE(conn.Send(request));
  std::string got = conn.Take(expected.size(), 30s);
  EXPECT_EQ(FirstDifference(expected, got), "");
  EXPECT_TRUE(Exchange(conn, Resp({"DBSIZE"}), ":" + std::to_string(kCommands / 3 + 2) + "\r\n"));
}

TEST_F(ProtocolTest, InlineAndMultibulkCommandsMixInOnePipeline) {
  RawConnection conn(server_.port());
  EXPECT_TRUE(Exchange(conn, "PING\r\n" + Resp({"SET", "a", "1"}) + "INCR a\r\nGET a\n",
                       "+PONG\r\n+OK\r\n:2\r\n$1\r\n2\r\n"));
}

TEST_F(ProtocolTest, BinaryKeysAndValuesWithNulAndCrlfRoundTrip) {
  auto c = ConnectHiredis(server_.port());
  const std::string key = "bin\0key\r\n*1\r\n$3\r\n\0"s;
  const std::string value = "\r\n\0\xff$-1\r\n\0\r"s;
  ASSERT_EQ(key.size(), 18u);
  ASSERT_EQ(value.size(), 11u);
  auto set = Command(c.get(), "SET %b %b", key.data(), key.size(), value.data(), value.size());
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->type, REDIS_REPLY_STATUS);
  EXPECT_EQ(std::string(set->str, set->len), "OK");

  auto get = Command(c.get(), "GET %b", key.data(), key.size());
  ASSERT_NE(get, nullptr);
  ASSERT_EQ(get->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(get->str, get->len), value);

  auto strlen_reply = Command(c.get(), "STRLEN %b", key.data(), key.size());
  ASSERT_NE(strlen_reply, nullptr);
  EXPECT_EQ(strlen_reply->integer, static_cast<long long>(value.size()));

  auto keys = Command(c.get(), "KEYS *");
  ASSERT_NE(keys, nullptr);
  ASSERT_EQ(keys->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(keys->elements, 1u);
  EXPECT_EQ(std::string(keys->element[0]->str, keys->element[0]->len), key);

  // A key differing only after the NUL is a different key.
  const std::string truncated_key = "bin"s;
  auto exists = Command(c.get(), "EXISTS %b", truncated_key.data(), truncated_key.size());
  ASSERT_NE(exists, nullptr);
  EXPECT_EQ(exists->integer, 0);
}

TEST_F(ProtocolTest, CommandsSentOneByteAtATimeAreAnsweredAsAWhole) {
  RawConnection conn(server_.port());
  const std::string request =
      Resp({"SET", "k", "hello\r\nworld"}) + Resp({"GET", "k"}) + "PING\r\n" + Resp({"PING"});
  for (char byte : request) ASSERT_TRUE(conn.Send(std::string_view(&byte, 1)));
  EXPECT_TRUE(Exchange(conn, "", "+OK\r\n" + Bulk("hello\r\nworld") + "+PONG\r\n+PONG\r\n"));
}

TEST_F(ProtocolTest, TruncatedCommandIsNotAnsweredUntilItIsComplete) {
  RawConnection conn(server_.port());
  // The SET stops inside its value: only the PING before it may be answered.
  EXPECT_TRUE(
      Exchange(conn, Resp({"PING"}) + "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhel", "+PONG\r\n"));
  // Completing it (in the same write as the next command) yields exactly the two replies; an
  // early reply for the partial SET would show up here as a mismatch.
  EXPECT_TRUE(Exchange(conn, "lo\r\n" + Resp({"GET", "k"}), "+OK\r\n" + Bulk("hello")));
  EXPECT_TRUE(Exchange(conn, "*2\r\n$3\r\nGET", ""));
  EXPECT_TRUE(Exchange(conn, "\r\n$1\r\nk\r\n", Bulk("hello")));
}

TEST_F(ProtocolTest, ClientDisconnectingMidCommandLeavesServerUpAndCommandUnexecuted) {
  const std::vector<std::string> partials = {
      "*3\r\n$3\r\nSE",                             // inside the first argument
      "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nhalf",  // inside the last bulk
      "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue",  // missing only the final CRLF
      "*3\r\n",                                     // header only
      "SET k inline-without-newline",               // inline, no line end
  };
  for (const auto& partial : partials) {
    RawConnection conn(server_.port());
    ASSERT_TRUE(conn.Send(partial));
    conn.Close();
  }
  RawConnection check(server_.port());
  EXPECT_TRUE(Exchange(check, Resp({"DBSIZE"}), ":0\r\n"));
}

// --- Malformed input ---------------------------------------------------------------------------

TEST_F(ProtocolTest, NegativeAndZeroMultibulkCountsAreIgnored) {
  RawConnection conn(server_.port());
  EXPECT_TRUE(Exchange(conn, "*-5\r\n" + Resp({"PING"}), "+PONG\r\n"));
  EXPECT_TRUE(Exchange(conn, "*0\r\n*-1\r\n" + Resp({"ECHO", "still here"}), Bulk("still here")));
  EXPECT_FALSE(conn.peer_closed());
}

TEST_F(ProtocolTest, HugeBulkLengthIsRejectedAndConnectionClosed) {
  RawConnection conn(server_.port());
  EXPECT_TRUE(
      Exchange(conn, "*1\r\n$999999999999\r\n", "-ERR Protocol error: invalid bulk length\r\n"));
  EXPECT_TRUE(conn.WaitForClose());
  EXPECT_EQ(conn.received(), "");
  EXPECT_TRUE(ServerAnswersPing(server_.port()));
}

TEST_F(ProtocolTest, TwoGigabyteBulkHeaderIsRejectedAndConnectionClosed) {
  RawConnection conn(server_.port());
  EXPECT_TRUE(
      Exchange(conn, "*1\r\n$2147483648\r\n", "-ERR Protocol error: invalid bulk length\r\n"));
  EXPECT_TRUE(conn.WaitForClose());
  EXPECT_EQ(conn.received(), "");
  EXPECT_TRUE(ServerAnswersPing(server_.port()));
}

TEST_F(ProtocolTest, MalformedFramesGetRedisErrorsAndTheFatalOnesCloseTheConnection) {
  struct Case {
    std::string input;
    std::string reply;
    bool closes;
  };
  const std::vector<Case> cases = {
      {"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n", true},
      {"*\r\n", "-ERR Protocol error: invalid multibulk length\r\n", true},
      {"*99999999999\r\n", "-ERR Protocol error: invalid multibulk length\r\n", true},
      {"*1\r\nfoo\r\n", "-ERR Protocol error: expected '$', got 'f'\r\n", true},
      {"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n", true},
      {"*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n", true},
      {"*2\r\n$3\r\nGET\r\n$\r\n", "-ERR Protocol error: invalid bulk length\r\n", true},
      {"\"unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n", true},
      {"nosuchcmd arg\r\n",
       "-ERR unknown command 'nosuchcmd', with args beginning with: 'arg' \r\n", false},
      {"$3\r\n", "-ERR unknown command '$3', with args beginning with: \r\n", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.input));
    RawConnection conn(server_.port());
    EXPECT_TRUE(Exchange(conn, c.input, c.reply));
    if (c.closes) {
      EXPECT_TRUE(conn.WaitForClose());
      EXPECT_EQ(conn.received(), "") << "nothing may follow the protocol error";
    } else {
      EXPECT_TRUE(Exchange(conn, Resp({"PING"}), "+PONG\r\n"));
    }
  }
  EXPECT_TRUE(ServerAnswersPing(server_.port()));
}

TEST_F(ProtocolTest, RandomGarbageNeverCrashesTheServer) {
  std::mt19937 rng(20240607);
  std::uniform_int_distribution<int> byte(0, 255);
  // Bytes weighted towards protocol punctuation so the parser gets past its first check.
  const std::string punctuation = "*$\r\n-0123456789 \"'\\";
  for (int round = 0; round < 50; ++round) {
    std::string garbage;
    const size_t size = 1 + static_cast<size_t>(rng() % 4096);
    for (size_t i = 0; i < size; ++i) {
      garbage +=
          (rng() % 2 == 0) ? punctuation[rng() % punctuation.size()] : static_cast<char>(byte(rng));
    }
    RawConnection conn(server_.port());
    conn.Send(garbage);  // the server may legitimately close mid-way
  }
  EXPECT_TRUE(ServerAnswersPing(server_.port()));
  EXPECT_TRUE(server_.Running());
}

TEST_F(ProtocolTest, PartialBigBulkFromVanishedClientIsFreed) {
  EXPECT_TRUE(ServerAnswersPing(server_.port()));
  const int64_t baseline = server_.RssBytes();
  ASSERT_GT(baseline, 0);
  constexpr int64_t kMiB = 1024 * 1024;
  {
    RawConnection conn(server_.port());
    // Announce 100 MB, send 60 MB of it, then go away.
    ASSERT_TRUE(conn.Send("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$104857600\r\n"));
    const std::string chunk(kMiB, 'x');
    for (int i = 0; i < 60; ++i) ASSERT_TRUE(conn.Send(chunk));
    // The server really holds the partial argument (otherwise this test proves nothing) ...
    EXPECT_TRUE(Eventually([&] { return server_.RssBytes() > baseline + 50 * kMiB; }, 15s))
        << "RSS " << server_.RssBytes() << " baseline " << baseline;
    // ... and keeps serving others meanwhile.
    EXPECT_TRUE(ServerAnswersPing(server_.port()));
  }
  if (kSanitizedBuild) {
    // The server is built the same way as this test; AddressSanitizer quarantines freed memory,
    // so RSS says nothing about leaks there (LeakSanitizer checks those at exit instead).
    EXPECT_TRUE(ServerAnswersPing(server_.port()));
    GTEST_SKIP() << "RSS return is checked in non-sanitizer builds only";
  }
  const int64_t margin = 10 * kMiB;
  EXPECT_TRUE(Eventually([&] { return server_.RssBytes() < baseline + margin; }, 15s))
      << "RSS stayed at " << server_.RssBytes() << " bytes, baseline " << baseline;
  RawConnection check(server_.port());
  EXPECT_TRUE(Exchange(check, Resp({"EXISTS", "big"}), ":0\r\n"));
  EXPECT_TRUE(server_.Running());
}

// --- Authentication limits ---------------------------------------------------------------------

class RequirepassTest : public ::testing::Test {
 protected:
  ServerProcess server_{WithArgs({"--requirepass", "s3cret"})};
};

TEST_F(RequirepassTest, UnauthenticatedClientMayNotSendMoreThanTenArguments) {
  RawConnection conn(server_.port());
  EXPECT_TRUE(
      Exchange(conn, "*11\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n"));
  EXPECT_TRUE(conn.WaitForClose());
}

TEST_F(RequirepassTest, UnauthenticatedClientMayNotSendBulksOver16KiB) {
  RawConnection conn(server_.port());
  EXPECT_TRUE(
      Exchange(conn, "*1\r\n$16385\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n"));
  EXPECT_TRUE(conn.WaitForClose());
}

TEST_F(RequirepassTest, LimitsJustInsideTheBoundsAnswerNoauth) {
  RawConnection conn(server_.port());
  // Command lookup and arity come before the auth check, so use a real variadic command.
  std::string ten = "*10\r\n" + Bulk("DEL");
  for (int i = 0; i < 9; ++i) ten += Bulk("x");
  EXPECT_TRUE(Exchange(conn, ten, "-NOAUTH Authentication required.\r\n"));
  std::string big = "*2\r\n$4\r\nECHO\r\n" + Bulk(std::string(16384, 'y'));
  EXPECT_TRUE(Exchange(conn, big, "-NOAUTH Authentication required.\r\n"));
  EXPECT_FALSE(conn.peer_closed());
}

TEST_F(RequirepassTest, LimitsAreLiftedAfterAuth) {
  RawConnection conn(server_.port());
  EXPECT_TRUE(Exchange(conn, Resp({"AUTH", "s3cret"}), "+OK\r\n"));
  EXPECT_TRUE(Exchange(conn,
                       Resp({"MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"}) +
                           Resp({"ECHO", std::string(20000, 'z')}),
                       "+OK\r\n" + Bulk(std::string(20000, 'z'))));
}

// --- Connection limits and lifecycle -----------------------------------------------------------

TEST(ConnectionLimits, ClientBeyondMaxclientsIsRefusedAndClosed) {
  ServerProcess server(WithArgs({"--maxclients", "2"}));
  RawConnection first(server.port());
  ASSERT_TRUE(Exchange(first, Resp({"PING"}), "+PONG\r\n"));
  // The start-up probe's connection may not be released yet: retry the second client until the
  // server has accounted for that close.
  std::unique_ptr<RawConnection> second;
  ASSERT_TRUE(Eventually(
      [&] {
        second = std::make_unique<RawConnection>(server.port());
        return static_cast<bool>(Exchange(*second, Resp({"PING"}), "+PONG\r\n"));
      },
      10s));
  RawConnection third(server.port());
  EXPECT_TRUE(Exchange(third, "", "-ERR max number of clients reached\r\n"));
  EXPECT_TRUE(third.WaitForClose());
  // The two admitted clients are unaffected, and a slot freed by one is reusable.
  EXPECT_TRUE(Exchange(first, Resp({"PING"}), "+PONG\r\n"));
  EXPECT_TRUE(Exchange(*second, Resp({"PING"}), "+PONG\r\n"));
  second.reset();
  EXPECT_TRUE(Eventually([&] { return static_cast<bool>(ServerAnswersPing(server.port())); }, 10s));
}

TEST(ConnectionLimits, IdleClientIsClosedAfterTimeout) {
  ServerProcess server(WithArgs({"--timeout", "1"}));
  RawConnection conn(server.port());
  ASSERT_TRUE(Exchange(conn, Resp({"PING"}), "+PONG\r\n"));
  const auto idle_since = Clock::now();
  EXPECT_TRUE(conn.WaitForClose(10s)) << "idle client was not closed";
  const auto idle = Clock::now() - idle_since;
  EXPECT_GE(idle, 500ms) << "closed too early";
  EXPECT_LE(idle, 5s);
  EXPECT_EQ(conn.received(), "") << "nothing is sent when closing an idle client";
  EXPECT_TRUE(ServerAnswersPing(server.port()));
}

TEST(ConnectionLimits, ActiveClientIsNotClosedByTimeout) {
  ServerProcess server(WithArgs({"--timeout", "1"}));
  RawConnection conn(server.port());
  const auto until = Clock::now() + 2500ms;
  while (Clock::now() < until) {
    ASSERT_TRUE(Exchange(conn, Resp({"PING"}), "+PONG\r\n"));
    // Stay busy for a fraction of the timeout between commands.
    conn.ReadUntil([](const std::string&) { return false; }, 200ms);
    ASSERT_FALSE(conn.peer_closed());
  }
}

TEST_F(ProtocolTest, QuitRepliesOkThenClosesAndIgnoresWhatFollows) {
  RawConnection conn(server_.port());
  EXPECT_TRUE(Exchange(conn, Resp({"QUIT"}) + Resp({"SET", "after-quit", "1"}), "+OK\r\n"));
  EXPECT_TRUE(conn.WaitForClose());
  EXPECT_EQ(conn.received(), "");
  RawConnection check(server_.port());
  EXPECT_TRUE(Exchange(check, Resp({"EXISTS", "after-quit"}), ":0\r\n"));
}

TEST_F(ProtocolTest, Resp3NullAfterHello3AndResp2NullAfterHello2) {
  RawConnection conn(server_.port());
  EXPECT_TRUE(Exchange(conn, Resp({"GET", "missing"}), "$-1\r\n"));
  // HELLO 3 answers with a map; the GET after it must be a RESP3 null. ECHO marks the end.
  ASSERT_TRUE(conn.Send(Resp({"HELLO", "3"}) + Resp({"GET", "missing"}) + Resp({"ECHO", "end"})));
  const std::string tail = "_\r\n" + Bulk("end");
  ASSERT_TRUE(conn.ReadUntil([&](const std::string& r) {
    return r.size() >= tail.size() && r.compare(r.size() - tail.size(), tail.size(), tail) == 0;
  })) << ::testing::PrintToString(conn.received());
  const std::string hello = conn.Take(conn.received().size() - tail.size());
  EXPECT_EQ(hello.rfind("%7\r\n", 0), 0u) << hello;
  EXPECT_NE(hello.find(Bulk("proto") + ":3\r\n"), std::string::npos) << hello;
  EXPECT_EQ(conn.Take(tail.size()), tail);
  // Back to RESP2.
  ASSERT_TRUE(conn.Send(Resp({"HELLO", "2"})));
  ASSERT_TRUE(conn.ReadUntil([](const std::string& r) {
    return r.find(Bulk("modules") + "*0\r\n") != std::string::npos;
  })) << ::testing::PrintToString(conn.received());
  EXPECT_EQ(conn.Take(conn.received().size()).rfind("*14\r\n", 0), 0u);
  EXPECT_TRUE(Exchange(conn, Resp({"GET", "missing"}), "$-1\r\n"));
}

TEST(Shutdown, SigtermStopsTheServerCleanlyWithExitCodeZero) {
  ServerProcess server;
  RawConnection client(server.port());
  ASSERT_TRUE(Exchange(client, Resp({"SET", "k", "v"}), "+OK\r\n"));
  auto status = server.Signal(SIGTERM, 15s);
  ASSERT_TRUE(status.has_value()) << "server still running 15s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status)) << "wait status " << *status;
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_TRUE(client.WaitForClose());
}

}  // namespace
}  // namespace petrel::test
