// The command table's pub/sub entries (see src/command/command_table.cc).
#include "table_helpers.h"

namespace petrel::command::table {

std::vector<CommandSpec> PubsubCommands() {
  constexpr Flags kSubscribeFlags{F::kPubsub, F::kNoscript, F::kLoading, F::kStale};
  constexpr Flags kIntrospect{F::kPubsub, F::kLoading, F::kStale};
  constexpr AclCategories kSlowAcl{C::kPubsub, C::kSlow};
  const KeySpec shard_channels = Key({K::kNotKey}, 1, -1);
  auto sub = [&](std::string_view name, int arity, Handler handler, std::string_view since,
                 std::string_view complexity, std::string_view summary,
                 std::string_view arguments) {
    return CommandSpec{.name = name, .arity = arity, .flags = kIntrospect, .acl = kSlowAcl,
                       .handler = handler, .summary = summary, .since = since,
                       .complexity = complexity, .arguments = arguments};
  };
  return {
      {.name = "subscribe", .arity = -2, .flags = kSubscribeFlags, .acl = kSlowAcl,
       .handler = h::Subscribe, .summary = "Starts receiving the messages sent to channels.",
       .since = "2.0.0",
       .complexity = "O(N) where N is the number of channels to subscribe to.",
       .arguments = "channel:string..."},
      {.name = "unsubscribe", .arity = -1, .flags = kSubscribeFlags, .acl = kSlowAcl,
       .handler = h::Unsubscribe,
       .summary = "Stops receiving the messages of channels, or of every channel.",
       .since = "2.0.0",
       .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
       .arguments = "[channel:string...]"},
      {.name = "psubscribe", .arity = -2, .flags = kSubscribeFlags, .acl = kSlowAcl,
       .handler = h::PSubscribe,
       .summary = "Starts receiving the messages sent to channels matching glob patterns.",
       .since = "2.0.0",
       .complexity = "O(N) where N is the number of patterns the client is already "
                     "subscribed to.",
       .arguments = "pattern(pattern:pattern)..."},
      {.name = "punsubscribe", .arity = -1, .flags = kSubscribeFlags, .acl = kSlowAcl,
       .handler = h::PUnsubscribe,
       .summary = "Stops receiving the messages of patterns, or of every pattern.",
       .since = "2.0.0",
       .complexity = "O(N+M) where N is the number of patterns the client is already subscribed "
                     "and M is the number of total patterns subscribed in the system (by any "
                     "client).",
       .arguments = "[pattern:pattern...]"},
      {.name = "ssubscribe", .arity = -2, .flags = kSubscribeFlags, .acl = kSlowAcl,
       .key_specs = {shard_channels}, .handler = h::SSubscribe,
       .summary = "Starts receiving the messages sent to shard channels.", .since = "7.0.0",
       .complexity = "O(N) where N is the number of shard channels to subscribe to.",
       .arguments = "shardchannel:string..."},
      {.name = "sunsubscribe", .arity = -1, .flags = kSubscribeFlags, .acl = kSlowAcl,
       .key_specs = {shard_channels}, .handler = h::SUnsubscribe,
       .summary = "Stops receiving the messages of shard channels, or of every one.",
       .since = "7.0.0",
       .complexity = "O(N) where N is the number of clients already subscribed to a shard "
                     "channel.",
       .arguments = "[shardchannel:string...]"},
      {.name = "publish", .arity = 3, .flags = {F::kPubsub, F::kLoading, F::kStale, F::kFast,
                                               F::kMayReplicate},
       .acl = {C::kPubsub, C::kFast}, .handler = h::Publish,
       .summary = "Sends a message to a channel; replies how many clients received it.",
       .since = "2.0.0",
       .complexity = "O(N+M) where N is the number of clients subscribed to the receiving "
                     "channel and M is the total number of subscribed patterns (by any client).",
       .arguments = "channel:string message:string"},
      {.name = "spublish", .arity = 3, .flags = {F::kPubsub, F::kLoading, F::kStale, F::kFast,
                                                F::kMayReplicate},
       .acl = {C::kPubsub, C::kFast}, .key_specs = {Key({K::kNotKey}, 1)}, .handler = h::SPublish,
       .summary = "Sends a message to a shard channel; replies how many clients received it.",
       .since = "7.0.0",
       .complexity = "O(N) where N is the number of clients subscribed to the receiving shard "
                     "channel.",
       .arguments = "shardchannel:string message:string"},
      Container("pubsub", "Container for pub/sub introspection commands.", "2.8.0", {
          sub("numsub", -2, h::PubsubNumSub, "2.8.0",
              "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
              "Replies the number of subscribers of each channel.", "[channel:string...]"),
          sub("channels", -2, h::PubsubChannels, "2.8.0",
              "O(N) where N is the number of active channels, and assuming constant time "
              "pattern matching (relatively short channels and patterns)",
              "Lists the channels that have subscribers.", "[pattern:pattern]"),
          sub("numpat", 2, h::PubsubNumPat, "2.8.0", "O(1)",
              "Replies how many distinct patterns have subscribers.", ""),
          sub("shardnumsub", -2, h::PubsubShardNumSub, "7.0.0",
              "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard "
              "channels",
              "Replies the number of subscribers of each shard channel.",
              "[shardchannel:string...]"),
          sub("shardchannels", -2, h::PubsubShardChannels, "7.0.0",
              "O(N) where N is the number of active shard channels, and assuming constant time "
              "pattern matching (relatively short shard channels).",
              "Lists the shard channels that have subscribers.", "[pattern:pattern]"),
          Help("Lists the PUBSUB subcommands.", {C::kSlow}, h::PubsubHelp, "6.2.0"),
      }),
  };
}

}  // namespace petrel::command::table
