#include "petrel/pubsub/registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "petrel/command/client_state.h"

namespace petrel::pubsub {
namespace {

using command::ClientState;

std::vector<std::string> Receivers(const Registry& r, Kind kind, std::string_view channel,
                                   size_t* count = nullptr) {
  std::vector<std::string> got;
  size_t n = r.ForEachReceiver(kind, channel, [&](ClientState* c, std::string_view pattern) {
    got.push_back(std::to_string(c->id) + (pattern.empty() ? "" : ":" + std::string(pattern)));
  });
  if (count != nullptr) *count = n;
  std::sort(got.begin(), got.end());
  return got;
}

TEST(PubsubRegistry, CountsSubscriptionsPerKind) {
  Registry r;
  ClientState a;
  a.id = 1;
  EXPECT_TRUE(r.Subscribe(Kind::kChannel, &a, "foo"));
  EXPECT_FALSE(r.Subscribe(Kind::kChannel, &a, "foo"));  // again: nothing changes
  EXPECT_TRUE(r.Subscribe(Kind::kPattern, &a, "f*"));
  EXPECT_TRUE(r.Subscribe(Kind::kShard, &a, "s"));
  EXPECT_EQ(a.subscriptions.ConfirmationCount(Kind::kChannel), 2u);  // channels + patterns
  EXPECT_EQ(a.subscriptions.ConfirmationCount(Kind::kShard), 1u);
  EXPECT_TRUE(r.Unsubscribe(Kind::kChannel, &a, "foo"));
  EXPECT_FALSE(r.Unsubscribe(Kind::kChannel, &a, "foo"));
  EXPECT_EQ(r.NameCount(Kind::kChannel), 0u);
  EXPECT_EQ(r.NameCount(Kind::kPattern), 1u);
}

TEST(PubsubRegistry, ChannelAndMatchingPatternBothReceive) {
  Registry r;
  ClientState a, b;
  a.id = 1;
  b.id = 2;
  r.Subscribe(Kind::kChannel, &a, "foo");
  r.Subscribe(Kind::kPattern, &a, "f*");
  r.Subscribe(Kind::kPattern, &a, "*o*");
  r.Subscribe(Kind::kPattern, &b, "b?r");
  size_t n = 0;
  EXPECT_EQ(Receivers(r, Kind::kChannel, "foo", &n),
            (std::vector<std::string>{"1", "1:*o*", "1:f*"}));
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(Receivers(r, Kind::kChannel, "bar"), (std::vector<std::string>{"2:b?r"}));
  EXPECT_TRUE(Receivers(r, Kind::kChannel, "zzz").empty());
  // Shard channels never match patterns.
  r.Subscribe(Kind::kShard, &b, "foo");
  EXPECT_EQ(Receivers(r, Kind::kShard, "foo"), (std::vector<std::string>{"2"}));
}

TEST(PubsubRegistry, RemovingAClientDropsOnlyItsSubscriptions) {
  Registry r;
  ClientState a, b;
  a.id = 1;
  b.id = 2;
  for (int i = 0; i < 100; ++i) r.Subscribe(Kind::kChannel, &a, "ch" + std::to_string(i));
  r.Subscribe(Kind::kChannel, &b, "ch1");
  r.Subscribe(Kind::kPattern, &a, "ch*");
  r.RemoveClient(&a);
  EXPECT_FALSE(a.subscriptions.any());
  EXPECT_EQ(r.NameCount(Kind::kChannel), 1u);
  EXPECT_EQ(r.NameCount(Kind::kPattern), 0u);
  EXPECT_EQ(r.Subscribers(Kind::kChannel, "ch1"), 1u);
  EXPECT_EQ(Receivers(r, Kind::kChannel, "ch1"), (std::vector<std::string>{"2"}));
}

TEST(PubsubRegistry, ActiveNamesFilterByGlob) {
  Registry r;
  ClientState a;
  r.Subscribe(Kind::kChannel, &a, "news.art");
  r.Subscribe(Kind::kChannel, &a, "news.music");
  r.Subscribe(Kind::kChannel, &a, "sport");
  auto names = r.ActiveNames(Kind::kChannel, "news.*", true);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string_view>{"news.art", "news.music"}));
  EXPECT_EQ(r.ActiveNames(Kind::kChannel, "", false).size(), 3u);
}

}  // namespace
}  // namespace petrel::pubsub
