#include "petrel/resp/reply_builder.h"

#include <gtest/gtest.h>

#include <cmath>

namespace petrel::resp {
namespace {

struct Both {
  std::string out2, out3;
  ReplyBuilder r2{&out2, 2}, r3{&out3, 3};
  template <typename F>
  void Do(F f) {
    f(r2);
    f(r3);
  }
};

TEST(ReplyBuilder, ScalarsAreTheSameInBothVersions) {
  Both b;
  b.Do([](ReplyBuilder& r) {
    r.SimpleString("OK");
    r.Integer(-42);
    r.Integer(7);
    r.Bulk(std::string_view("a\0b", 3));
    r.Array(2);
  });
  const std::string expected = std::string("+OK\r\n:-42\r\n:7\r\n$3\r\na\0b\r\n*2\r\n", 28);
  EXPECT_EQ(b.out2, expected);
  EXPECT_EQ(b.out3, expected);
}

TEST(ReplyBuilder, NullsDifferByVersion) {
  Both b;
  b.Do([](ReplyBuilder& r) {
    r.NullBulk();
    r.NullArray();
  });
  EXPECT_EQ(b.out2, "$-1\r\n*-1\r\n");
  EXPECT_EQ(b.out3, "_\r\n_\r\n");
}

TEST(ReplyBuilder, AggregatesFallBackToArraysInResp2) {
  Both b;
  b.Do([](ReplyBuilder& r) {
    r.Map(2);
    r.Set(3);
    r.Push(3);
  });
  EXPECT_EQ(b.out2, "*4\r\n*3\r\n*3\r\n");
  EXPECT_EQ(b.out3, "%2\r\n~3\r\n>3\r\n");
}

TEST(ReplyBuilder, DoublesBooleansAndVerbatim) {
  Both b;
  b.Do([](ReplyBuilder& r) {
    r.Double(1.5);
    r.Double(INFINITY);
    r.Bool(true);
    r.Bool(false);
    r.Verbatim("hi");
  });
  EXPECT_EQ(b.out2, "$3\r\n1.5\r\n$3\r\ninf\r\n:1\r\n:0\r\n$2\r\nhi\r\n");
  EXPECT_EQ(b.out3, ",1.5\r\n,inf\r\n#t\r\n#f\r\n=6\r\ntxt:hi\r\n");
}

TEST(ReplyBuilder, ErrorsGetErrUnlessTheyCarryACode) {
  std::string out;
  ErrorTally tally;
  ReplyBuilder r(&out);
  r.set_error_tally(&tally);
  r.Error("syntax error");
  r.Error("-WRONGTYPE Operation against a key holding the wrong kind of value");
  r.Error("bad\r\nline");
  EXPECT_EQ(out,
            "-ERR syntax error\r\n"
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
            "-ERR bad  line\r\n");
  EXPECT_EQ(r.errors_written(), 3u);
  EXPECT_EQ(tally.total, 3u);
  EXPECT_EQ(tally.by_code.at("ERR"), 2u);
  EXPECT_EQ(tally.by_code.at("WRONGTYPE"), 1u);
}

TEST(ReplyBuilder, SimpleStringsCannotBreakTheProtocol) {
  std::string out;
  ReplyBuilder r(&out);
  r.SimpleString("a\r\nb");
  EXPECT_EQ(out, "+a  b\r\n");
}

TEST(ReplyBuilder, LargeAndNegativeIntegers) {
  std::string out;
  ReplyBuilder r(&out);
  r.Integer(INT64_MIN);
  r.Integer(INT64_MAX);
  r.Array(0);
  EXPECT_EQ(out, ":-9223372036854775808\r\n:9223372036854775807\r\n*0\r\n");
}

}  // namespace
}  // namespace petrel::resp
