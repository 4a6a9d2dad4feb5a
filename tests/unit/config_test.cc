#include "petrel/config/config.h"

#include <gtest/gtest.h>

namespace petrel::config {
namespace {

std::string GetValue(const Config& c, std::string_view name) {
  return c.Get(*FindDirective(name));
}

TEST(Config, DefaultsMatchRedis) {
  Config c;
  EXPECT_EQ(GetValue(c, "port"), "6379");
  EXPECT_EQ(GetValue(c, "bind"), "* -::*");
  EXPECT_EQ(GetValue(c, "proto-max-bulk-len"), "536870912");
  EXPECT_EQ(GetValue(c, "client-query-buffer-limit"), "1073741824");
  EXPECT_EQ(GetValue(c, "client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  EXPECT_EQ(GetValue(c, "save"), "3600 1 300 100 60 10000");
  EXPECT_EQ(GetValue(c, "requirepass"), "");
  EXPECT_EQ(GetValue(c, "maxclients"), "10000");
}

TEST(Config, ParsesQuotesUnitsAndComments) {
  Config c;
  auto err = c.LoadText("# comment\n  port 7000  \nmaxmemory 1gb\nrequirepass \"a b\"\n"
                        "proto-max-bulk-len 2MB\nsave ''\nlogfile 'x y.log'\n",
                        "test.conf");
  ASSERT_FALSE(err) << err->Format();
  EXPECT_EQ(c.settings().port, 7000);
  EXPECT_EQ(c.settings().maxmemory, 1024LL * 1024 * 1024);
  EXPECT_EQ(c.settings().requirepass, "a b");
  EXPECT_EQ(c.settings().proto_max_bulk_len, 2 * 1024 * 1024);
  EXPECT_EQ(c.settings().save, "");
  EXPECT_EQ(c.settings().logfile, "x y.log");
}

TEST(Config, ReportsFileLineAndReasonAsRedis) {
  Config c;
  auto err = c.LoadText("port 7000\nfoo bar\n", "bad.conf");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->line, 2);
  EXPECT_EQ(err->text, "foo bar");
  EXPECT_EQ(err->reason, "Bad directive or wrong number of arguments");

  err = c.LoadText("port abc\n", "bad.conf");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->reason, "argument couldn't be parsed into an integer");

  err = c.LoadText("port 99999\n", "bad.conf");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->reason, "argument must be between 0 and 65535 inclusive");

  err = c.LoadText("maxclients\n", "bad.conf");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->reason, "wrong number of arguments");

  err = c.LoadText("protected-mode maybe\n", "bad.conf");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->reason, "argument must be 'yes' or 'no'");

  err = c.LoadText("loglevel loud\n", "bad.conf");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->reason,
            "argument(s) must be one of the following: debug, verbose, notice, warning");

  err = c.LoadText("requirepass \"unbalanced\n", "bad.conf");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->reason, "Unbalanced quotes in configuration line");
}

TEST(Config, CommandLineOptionsTakeEveryWordToTheNextOption) {
  Config c;
  std::vector<std::string> args = {"--port", "6380", "--save", "",  "--bind",
                                   "127.0.0.1", "::1", "--requirepass", "p w"};
  auto err = c.LoadText(CommandLineToConfigText(args), "");
  ASSERT_FALSE(err) << err->Format();
  EXPECT_EQ(c.settings().port, 6380);
  EXPECT_EQ(c.settings().save, "");
  EXPECT_EQ(GetValue(c, "bind"), "127.0.0.1 ::1");
  EXPECT_EQ(c.settings().requirepass, "p w");
}

TEST(Config, MultiWordValueGivenAsOneWordIsSplit) {
  Config c;
  std::vector<std::string> args = {"--save", "900 1 300 10"};
  ASSERT_FALSE(c.LoadText(CommandLineToConfigText(args), ""));
  EXPECT_EQ(c.settings().save, "900 1 300 10");
  std::vector<std::string> bad = {"--save", "100 x"};
  auto err = c.LoadText(CommandLineToConfigText(bad), "");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->reason, "Invalid save parameters");
}

TEST(Config, NotifyKeyspaceEventsIsNormalised) {
  Config c;
  ASSERT_FALSE(c.LoadText("notify-keyspace-events KEA\n", "t"));
  EXPECT_EQ(GetValue(c, "notify-keyspace-events"), "AKE");
  ASSERT_FALSE(c.LoadText("notify-keyspace-events Eg$\n", "t"));
  EXPECT_EQ(GetValue(c, "notify-keyspace-events"), "g$E");
}

TEST(Config, HzIsClampedAsRedis) {
  Config c;
  ASSERT_FALSE(c.LoadText("hz 0\n", "t"));
  EXPECT_EQ(c.settings().hz, 1);
  ASSERT_FALSE(c.LoadText("hz 1000\n", "t"));
  EXPECT_EQ(c.settings().hz, 500);
}

TEST(Config, EveryDirectiveDefaultRoundTrips) {
  Config c;
  for (const Directive& d : Directives()) {
    std::string value = c.Get(d);
    std::vector<std::string> words{value};
    EXPECT_FALSE(c.Apply(d, words)) << d.name << " = '" << value << "'";
    EXPECT_EQ(c.Get(d), value) << d.name;
  }
}

}  // namespace
}  // namespace petrel::config
