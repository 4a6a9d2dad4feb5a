#include "petrel/resp/parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace petrel::resp {
namespace {

using namespace std::string_literals;
using Args = std::vector<std::string>;

struct Outcome {
  ParseStatus status = ParseStatus::kNeedMore;
  Args args;
  size_t consumed = 0;
  std::string error;
  bool operator==(const Outcome&) const = default;
};

void PrintTo(const Outcome& o, std::ostream* os) {
  static const char* const kNames[] = {"kCommand", "kNeedMore", "kError"};
  *os << kNames[static_cast<int>(o.status)] << " consumed=" << o.consumed << " error=\"" << o.error
      << "\" args=[";
  for (const auto& a : o.args) *os << testing::PrintToString(a) << ",";
  *os << "]";
}

Outcome Command(Args args, size_t consumed) {
  return {ParseStatus::kCommand, std::move(args), consumed, ""};
}
Outcome Error(std::string message) { return {ParseStatus::kError, {}, 0, std::move(message)}; }
Outcome NeedMore() { return {}; }

Outcome Capture(const Parser& parser, ParseStatus status) {
  Outcome o;
  o.status = status;
  for (std::string_view a : parser.args()) o.args.emplace_back(a);
  o.consumed = parser.consumed();
  if (status == ParseStatus::kError) o.error = parser.error();
  return o;
}

// An exact-size heap copy of some bytes: ASan flags reads past its end or after it is freed, so a
// parser that kept pointers into an earlier buffer (instead of offsets) is caught.
class Bytes {
 public:
  explicit Bytes(std::string_view s) : data_(new char[s.size()]), size_(s.size()) {
    std::copy(s.begin(), s.end(), data_.get());
  }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_;
};

Outcome ParseWhole(std::string_view input, const ParseLimits& limits = {}) {
  Parser parser;
  Bytes bytes(input);
  return Capture(parser, parser.Parse(bytes.view(), limits));
}

// Checks `input` gives `expected` in one call; split in two at every byte boundary k (Parse of the
// first k bytes, then of all of them); and fed one byte at a time. Every call gets a fresh copy.
void ExpectIncremental(std::string_view input, const Outcome& expected,
                       const ParseLimits& limits = {}) {
  EXPECT_EQ(ParseWhole(input, limits), expected) << "in one call";
  for (size_t k = 0; k < input.size(); ++k) {
    SCOPED_TRACE(testing::Message() << "split at byte " << k);
    Parser parser;
    Outcome first;
    {
      Bytes prefix(input.substr(0, k));
      first = Capture(parser, parser.Parse(prefix.view(), limits));
    }
    if (first.status != ParseStatus::kNeedMore) {
      // Only fine when the prefix already holds the whole command or its error.
      EXPECT_EQ(first, expected);
      continue;
    }
    EXPECT_EQ(first, NeedMore());
    Bytes full(input);
    EXPECT_EQ(Capture(parser, parser.Parse(full.view(), limits)), expected);
  }
  Parser parser;
  Outcome last;
  for (size_t k = 0; k <= input.size(); ++k) {
    Bytes prefix(input.substr(0, k));
    last = Capture(parser, parser.Parse(prefix.view(), limits));
    if (last.status != ParseStatus::kNeedMore) break;
  }
  EXPECT_EQ(last, expected) << "fed one byte at a time";
}

// The common case: `input` is exactly one command.
void ExpectCommand(std::string_view input, Args args, const ParseLimits& limits = {}) {
  ExpectIncremental(input, Command(std::move(args), input.size()), limits);
}

struct StreamResult {
  std::vector<Args> commands;  // including empty ones
  std::string error;
};

// Delivers `data` in chunks into a growing buffer as a connection does: parse until kNeedMore,
// erasing what each command consumed, then read the next chunk.
StreamResult RunStream(std::string_view data, size_t chunk, const ParseLimits& limits = {}) {
  Parser parser;
  std::string buffer;
  StreamResult result;
  for (size_t off = 0; off < data.size(); off += chunk) {
    buffer.append(data.substr(off, chunk));
    while (true) {
      ParseStatus status = parser.Parse(buffer, limits);
      if (status == ParseStatus::kNeedMore) break;
      if (status == ParseStatus::kError) {
        result.error = parser.error();
        return result;
      }
      result.commands.push_back(Capture(parser, status).args);
      buffer.erase(0, parser.consumed());
    }
  }
  return result;
}

std::string Multibulk(const Args& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

ParseLimits AuthLimits() {
  ParseLimits limits;
  limits.auth_required = true;
  return limits;
}

ParseLimits SmallInlineLimits() {
  ParseLimits limits;
  limits.max_inline_len = 8;
  return limits;
}

// --- Multibulk ---

TEST(ParserMultibulkTest, ParsesCommandAtEverySplit) {
  ExpectCommand("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n", {"ECHO", "hello"});
}

TEST(ParserMultibulkTest, ParsesEmptyAndLongArguments) {
  const Args args = {"SET", "", std::string(300, 'v'), "x"};
  const std::string input = Multibulk(args);
  ExpectCommand(input, args);
}

TEST(ParserMultibulkTest, BinaryArgumentsMayHoldNulAndCrlf) {
  const Args args = {"SET", "k\0y"s, "\r\n\0\r\n\n\r$3\r\n*1\r\n"s, "\0"s};
  const std::string input = Multibulk(args);
  ExpectCommand(input, args);
}

TEST(ParserMultibulkTest, ArgumentsAreViewsIntoTheInput) {
  const std::string input = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  Parser parser;
  ASSERT_EQ(parser.Parse(input, {}), ParseStatus::kCommand);
  ASSERT_EQ(parser.args().size(), 2u);
  EXPECT_EQ(parser.args()[0].data(), input.data() + 8);
  EXPECT_EQ(parser.args()[1].data(), input.data() + 17);
}

TEST(ParserMultibulkTest, ConsumedCoversOnlyTheFirstCommand) {
  const std::string first = Multibulk({"PING"});
  ExpectIncremental(first + Multibulk({"GET", "k"}), Command({"PING"}, first.size()));
}

TEST(ParserMultibulkTest, BytesAfterBulkDataAreSkippedUnchecked) {
  ExpectCommand("*1\r\n$4\r\nPINGxy", {"PING"});
}

TEST(ParserMultibulkTest, ByteAfterHeaderCrIsSkippedUnchecked) {
  ExpectCommand("*1\rX$4\rYPING\r\n", {"PING"});
}

TEST(ParserMultibulkTest, ZeroCountIsAnEmptyCommand) { ExpectCommand("*0\r\n", {}); }

TEST(ParserMultibulkTest, NegativeCountIsAnEmptyCommand) {
  ExpectIncremental("*-5\r\nPING\r\n", Command({}, 5));
  ExpectCommand("*-9223372036854775808\r\n", {});
}

TEST(ParserMultibulkTest, LargestCountWaitsForArguments) {
  Parser parser;
  EXPECT_EQ(parser.Parse("*2147483647\r\n", {}), ParseStatus::kNeedMore);
  EXPECT_TRUE(parser.in_progress());
}

TEST(ParserMultibulkTest, NulBeforeHeaderCrHidesItLikeRedisStrchr) {
  // Redis finds the '\r' with strchr, which stops at a NUL: it waits until the line is too big.
  ExpectIncremental("*1\0\r\n$4\r\nPING\r\n"s, NeedMore());
  ExpectIncremental("*1\r\n$4\0\r\nPING\r\n"s, NeedMore());
  ExpectIncremental("*1\0\r\n$4\r\n"s, Error("Protocol error: too big mbulk count string"),
                    SmallInlineLimits());
  ExpectIncremental("*1\r\n$\0\r\nPING\r\n"s, Error("Protocol error: too big bulk count string"),
                    SmallInlineLimits());
}

TEST(ParserMultibulkTest, MillionArgumentsFedOneByteAtATimeStayLinear) {
  constexpr int kArgs = 1'000'000;
  std::string input = "*" + std::to_string(kArgs) + "\r\n";
  for (int i = 0; i < kArgs; ++i) {
    const std::string arg = std::to_string(i % 1000);
    input += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  }
  Parser parser;
  std::string buffer;  // grows by appending, so it moves in memory now and then
  ParseStatus status = ParseStatus::kNeedMore;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (size_t i = 0; i < input.size(); ++i) {
    // A parser that rescans the command on every call would take hours here.
    if (i % 65536 == 0) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "not linear";
    }
    buffer.push_back(input[i]);
    status = parser.Parse(buffer, {});
    if (status != ParseStatus::kNeedMore) {
      ASSERT_EQ(i + 1, input.size()) << "finished early";
      break;
    }
  }
  ASSERT_EQ(status, ParseStatus::kCommand);
  EXPECT_EQ(parser.consumed(), input.size());
  ASSERT_EQ(parser.args().size(), static_cast<size_t>(kArgs));
  for (int i : {0, 7, 999, 1000, 123456, kArgs - 1}) {
    EXPECT_EQ(parser.args()[i], std::to_string(i % 1000));
  }
}

// --- Inline ---

TEST(ParserInlineTest, ParsesCrlfAndLfTerminatedLines) {
  ExpectCommand("PING\r\n", {"PING"});
  ExpectCommand("PING\n", {"PING"});
  ExpectCommand("  SET \t key\tvalue  \r\n", {"SET", "key", "value"});
}

TEST(ParserInlineTest, StripsOnlyOneCrBeforeLf) {
  ExpectCommand("ECHO\r\r\n", {"ECHO"});
  ExpectCommand("ECHO a\rb\r\n", {"ECHO", "a", "b"});
}

TEST(ParserInlineTest, EmptyOrBlankLineIsAnEmptyCommand) {
  ExpectCommand("\r\n", {});
  ExpectCommand("\n", {});
  ExpectIncremental(" \t \r\nPING\r\n", Command({}, 5));
}

TEST(ParserInlineTest, DoubleQuotesSupportEscapes) {
  ExpectCommand("ECHO \"a b\"\r\n", {"ECHO", "a b"});
  ExpectCommand(R"(ECHO "\n\r\t\b\a\\\"\q")"s + "\r\n", {"ECHO", "\n\r\t\b\a\\\"q"});
  ExpectCommand(R"(ECHO "\x41\x6a\xFF\x00")"s + "\n", {"ECHO", "Aj\xff\0"s});
}

TEST(ParserInlineTest, IncompleteHexEscapeIsAPlainEscape) {
  ExpectCommand(R"(ECHO "\x4g" "\x4")"s + "\n", {"ECHO", "x4g", "x4"});
}

TEST(ParserInlineTest, SingleQuotesOnlyEscapeTheQuote) {
  ExpectCommand(R"(ECHO 'it\'s' 'a\nb' 'x"y')"s + "\n", {"ECHO", "it's", "a\\nb", "x\"y"});
}

TEST(ParserInlineTest, QuotesMayStartMidWordAndBeEmpty) {
  ExpectCommand("SET a\"b c\" \"\" ''\n", {"SET", "ab c", "", ""});
}

TEST(ParserInlineTest, ClosingQuoteMayBeFollowedByAnyCSpace) {
  ExpectCommand("ECHO \"a\"\v\r\n", {"ECHO", "a"});
  // ...but inside an unquoted word only space, tab, CR and LF separate.
  ExpectCommand("ECHO a\vb\fc\r\n", {"ECHO", "a\vb\fc"});
}

TEST(ParserInlineTest, ArgumentsLiveInTheParser) {
  Parser parser;
  {
    Bytes bytes("GET \"k\"\r\n");
    ASSERT_EQ(parser.Parse(bytes.view(), {}), ParseStatus::kCommand);
  }
  ASSERT_EQ(parser.args().size(), 2u);
  EXPECT_EQ(parser.args()[1], "k");  // still readable: the input is gone
}

TEST(ParserInlineTest, NulBeforeNewlineHidesItLikeRedisStrchr) {
  ExpectIncremental("PI\0NG\r\nPING\r\n"s, NeedMore());
  ExpectIncremental("PING\0\r\n"s, NeedMore());
  ExpectIncremental("PI\0NG\r\nPING\r\n"s, Error("Protocol error: too big inline request"),
                    SmallInlineLimits());
}

TEST(ParserInlineTest, AuthLimitsDoNotApply) {
  const std::string input = "SET k " + std::string(20000, 'v') + " 1 2 3 4 5 6 7 8 9 10\r\n";
  EXPECT_EQ(ParseWhole(input, AuthLimits()).status, ParseStatus::kCommand);
}

TEST(ParserInlineTest, LineLongerThanLimitParsesWhenItArrivesWhole) {
  const std::string word(70000, 'a');
  EXPECT_EQ(ParseWhole(word + "\n"), Command({word}, 70001));
}

// --- Errors ---

TEST(ParserErrorTest, UnbalancedQuotes) {
  const Outcome error = Error("Protocol error: unbalanced quotes in request");
  for (std::string input : {"ECHO \"abc\r\n", "ECHO \"a\"b\r\n", "ECHO 'abc\n", "ECHO 'a'b\n",
                            "ECHO \"a\\\"\n", "ECHO 'a\\'\n", "\"\n"}) {
    SCOPED_TRACE(input);
    ExpectIncremental(input, error);
  }
}

TEST(ParserErrorTest, TooBigInlineRequest) {
  EXPECT_EQ(ParseWhole(std::string(65536, 'x')), NeedMore());
  EXPECT_EQ(ParseWhole(std::string(65537, 'x')), Error("Protocol error: too big inline request"));
  ExpectIncremental("GET abcd", NeedMore(), SmallInlineLimits());
  ExpectIncremental("GET abcde", Error("Protocol error: too big inline request"),
                    SmallInlineLimits());
}

TEST(ParserErrorTest, TooBigMultibulkCountString) {
  EXPECT_EQ(ParseWhole("*" + std::string(65535, '1')), NeedMore());
  EXPECT_EQ(ParseWhole("*" + std::string(65536, '1')),
            Error("Protocol error: too big mbulk count string"));
  ExpectIncremental("*1234567", NeedMore(), SmallInlineLimits());
  ExpectIncremental("*12345678", Error("Protocol error: too big mbulk count string"),
                    SmallInlineLimits());
}

TEST(ParserErrorTest, TooBigBulkCountStringCountsFromTheBulkHeader) {
  EXPECT_EQ(ParseWhole("*1\r\n$" + std::string(65535, '1')), NeedMore());
  EXPECT_EQ(ParseWhole("*1\r\n$" + std::string(65536, '1')),
            Error("Protocol error: too big bulk count string"));
  ExpectIncremental("*2\r\n$1\r\na\r\n$1234567", NeedMore(), SmallInlineLimits());
  ExpectIncremental("*2\r\n$1\r\na\r\n$12345678",
                    Error("Protocol error: too big bulk count string"), SmallInlineLimits());
}

TEST(ParserErrorTest, InvalidMultibulkLength) {
  const Outcome error = Error("Protocol error: invalid multibulk length");
  for (std::string count :
       {"", "abc", "+1", "01", "-0", " 1", "1 ", "1x", "-", "2147483648", "9223372036854775808",
        "99999999999999999999", "-9223372036854775809", "123456789012345678901"}) {
    SCOPED_TRACE(count);
    ExpectIncremental("*" + count + "\r\n", error);
  }
}

TEST(ParserErrorTest, ExpectedDollar) {
  ExpectIncremental("*1\r\nX\r\n", Error("Protocol error: expected '$', got 'X'"));
  ExpectIncremental("*2\r\n$1\r\na\r\n:1\r\n", Error("Protocol error: expected '$', got ':'"));
  ExpectIncremental("*1\r\n\x80\r\n", Error("Protocol error: expected '$', got '\x80'"));
  ExpectIncremental("*1\r\n\r\n", Error("Protocol error: expected '$', got '\r'"));
  // The check waits for the whole header line, as Redis does.
  ExpectIncremental("*1\r\nX\r", NeedMore());
}

TEST(ParserErrorTest, InvalidBulkLength) {
  const Outcome error = Error("Protocol error: invalid bulk length");
  for (std::string len : {"", "-1", "abc", "+1", "01", "-0", " 1", "999999999999", "2147483648",
                          "536870913", "99999999999999999999"}) {
    SCOPED_TRACE(len);
    ExpectIncremental("*1\r\n$" + len + "\r\n", error);
  }
  EXPECT_EQ(ParseWhole("*1\r\n$536870912\r\n"), NeedMore());
}

TEST(ParserErrorTest, InvalidBulkLengthFollowsMaxBulkLen) {
  ParseLimits limits;
  limits.max_bulk_len = 5;
  ExpectCommand("*1\r\n$5\r\nhello\r\n", {"hello"}, limits);
  ExpectIncremental("*1\r\n$6\r\nhello!\r\n", Error("Protocol error: invalid bulk length"), limits);
}

TEST(ParserErrorTest, ParserStartsAfreshAfterAnError) {
  Parser parser;
  ASSERT_EQ(parser.Parse("*1\r\n$x\r\n", {}), ParseStatus::kError);
  EXPECT_FALSE(parser.in_progress());
  ASSERT_EQ(parser.Parse("*1\r\n$4\r\nPING\r\n", {}), ParseStatus::kCommand);
  EXPECT_EQ(parser.args()[0], "PING");
}

// --- Limits ---

TEST(ParserLimitsTest, UnauthenticatedMultibulkLength) {
  ExpectIncremental("*11\r\n", Error("Protocol error: unauthenticated multibulk length"),
                    AuthLimits());
  const std::string ten = Multibulk(Args(10, "a"));
  ExpectCommand(ten, Args(10, "a"), AuthLimits());
  ExpectCommand("*-5\r\n", {}, AuthLimits());
  // The validity check comes first.
  ExpectIncremental("*2147483648\r\n", Error("Protocol error: invalid multibulk length"),
                    AuthLimits());
}

TEST(ParserLimitsTest, UnauthenticatedBulkLength) {
  ExpectIncremental("*1\r\n$16385\r\n", Error("Protocol error: unauthenticated bulk length"),
                    AuthLimits());
  const std::string arg(16384, 'x');
  const std::string input = Multibulk({arg});
  EXPECT_EQ(ParseWhole(input, AuthLimits()), Command({arg}, input.size()));
  ExpectIncremental("*1\r\n$600000000\r\n", Error("Protocol error: invalid bulk length"),
                    AuthLimits());
}

TEST(ParserLimitsTest, TwoGigabyteBulkIsRejectedByDefault) {
  EXPECT_EQ(ParseWhole("*2\r\n$3\r\nSET\r\n$2147483648\r\n"),
            Error("Protocol error: invalid bulk length"));
}

TEST(ParserLimitsTest, PrimaryIsExemptFromMaxBulkLen) {
  ParseLimits limits;
  limits.from_primary = true;
  limits.max_bulk_len = 3;
  ExpectCommand("*1\r\n$5\r\nhello\r\n", {"hello"}, limits);
  EXPECT_EQ(ParseWhole("*1\r\n$2147483648\r\nabc", limits), NeedMore());
  EXPECT_EQ(ParseWhole("*1\r\n$9223372036854775807\r\nabc", limits), NeedMore());
  for (std::string len : {"-1", "-9223372036854775809", "-9999999999999999999"}) {
    SCOPED_TRACE(len);
    EXPECT_EQ(ParseWhole("*1\r\n$" + len + "\r\n", limits),
              Error("Protocol error: invalid bulk length"));
  }
}

// --- Pipelines and state ---

TEST(ParserPipelineTest, MixedPipelineAtEveryChunkSize) {
  const std::string data =
      "*1\r\n$4\r\nPING\r\n"
      "PING\r\n"
      "\r\n"
      "*0\r\n"
      "*2\r\n$4\r\nECHO\r\n$3\r\na\0b\r\n"s
      "SET \"k 1\" v\n"
      "*-1\r\n"
      "*1\r\n$4\r\nPING\r\n";
  const std::vector<Args> expected = {
      {"PING"}, {"PING"}, {}, {}, {"ECHO", "a\0b"s}, {"SET", "k 1", "v"}, {}, {"PING"}};
  for (size_t chunk = 1; chunk <= data.size(); ++chunk) {
    SCOPED_TRACE(chunk);
    const StreamResult result = RunStream(data, chunk);
    EXPECT_EQ(result.commands, expected);
    EXPECT_EQ(result.error, "");
  }
}

TEST(ParserPipelineTest, ErrorStopsThePipelineAfterEarlierCommands) {
  const std::string data = "PING\r\n*1\r\n$4\r\nPING\r\n*1\r\nX\r\nPING\r\n";
  for (size_t chunk = 1; chunk <= data.size(); ++chunk) {
    SCOPED_TRACE(chunk);
    const StreamResult result = RunStream(data, chunk);
    EXPECT_EQ(result.commands, (std::vector<Args>{{"PING"}, {"PING"}}));
    EXPECT_EQ(result.error, "Protocol error: expected '$', got 'X'");
  }
}

TEST(ParserStateTest, InProgressWhileACommandIsIncomplete) {
  Parser parser;
  EXPECT_FALSE(parser.in_progress());
  EXPECT_EQ(parser.Parse("", {}), ParseStatus::kNeedMore);
  EXPECT_FALSE(parser.in_progress());
  EXPECT_EQ(parser.Parse("*", {}), ParseStatus::kNeedMore);
  EXPECT_TRUE(parser.in_progress());
  EXPECT_EQ(parser.Parse("*1\r\n$4\r\nPI", {}), ParseStatus::kNeedMore);
  EXPECT_TRUE(parser.in_progress());
  EXPECT_EQ(parser.Parse("*1\r\n$4\r\nPING\r\n", {}), ParseStatus::kCommand);
  EXPECT_FALSE(parser.in_progress());
  EXPECT_EQ(parser.Parse("PI", {}), ParseStatus::kNeedMore);
  EXPECT_TRUE(parser.in_progress());
}

TEST(ParserStateTest, ResetForgetsAPartialCommand) {
  Parser parser;
  ASSERT_EQ(parser.Parse("*2\r\n$4\r\nEC", {}), ParseStatus::kNeedMore);
  parser.Reset();
  EXPECT_FALSE(parser.in_progress());
  ASSERT_EQ(parser.Parse("PING\r\nPING\r\n", {}), ParseStatus::kCommand);
  EXPECT_EQ(Capture(parser, ParseStatus::kCommand), Command({"PING"}, 6));
}

TEST(ParserStateTest, ShorterInputThanBeforeStartsOver) {
  Parser parser;
  ASSERT_EQ(parser.Parse("*2\r\n$4\r\nECHO\r\n$1", {}), ParseStatus::kNeedMore);
  ASSERT_EQ(parser.Parse("PING\r\n", {}), ParseStatus::kCommand);
  EXPECT_EQ(Capture(parser, ParseStatus::kCommand), Command({"PING"}, 6));
}

// --- SplitInlineArgs ---

Args Split(std::string_view line, bool expect_ok = true) {
  Args out = {"stale"};
  EXPECT_EQ(SplitInlineArgs(line, out), expect_ok) << testing::PrintToString(std::string(line));
  return out;
}

TEST(SplitInlineArgsTest, ReplacesTheOutput) {
  EXPECT_EQ(Split("a  b"), (Args{"a", "b"}));
  EXPECT_EQ(Split(""), Args{});
  EXPECT_EQ(Split("\"a", false), Args{});
}

TEST(SplitInlineArgsTest, VerticalTabAndFormFeedSeparateOnlyBetweenWords) {
  EXPECT_EQ(Split("\v\f a \v b"), (Args{"a", "b"}));
  EXPECT_EQ(Split("a\vb\f c"), (Args{"a\vb\f", "c"}));
}

TEST(SplitInlineArgsTest, NulEndsTheLine) {
  EXPECT_EQ(Split("a b\0c d"s), (Args{"a", "b"}));
  EXPECT_EQ(Split("\"a\" \0x"s), (Args{"a"}));
  Split("\"a\0b\""s, false);
}

}  // namespace
}  // namespace petrel::resp
