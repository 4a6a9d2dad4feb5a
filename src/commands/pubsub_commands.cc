// Pub/Sub: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, (S)PUBLISH and PUBSUB introspection.
#include <string>

#include "handlers.h"
#include "petrel/replication/replication.h"
#include "key_access.h"
#include "petrel/command/dispatcher.h"
#include "petrel/pubsub/publish.h"
#include "petrel/util/glob.h"
#include "reply_help.h"

namespace petrel::commands {
namespace {

using pubsub::Kind;

void Confirm(CommandContext& c, std::string_view verb, const std::string_view* name, Kind kind) {
  c.reply.Push(3);
  c.reply.Bulk(verb);
  if (name != nullptr) {
    c.reply.Bulk(*name);
  } else {
    c.reply.NullBulk();
  }
  c.reply.Integer(static_cast<int64_t>(c.client.subscriptions.ConfirmationCount(kind)));
}

void SubscribeGeneric(CommandContext& c, Kind kind, std::string_view verb) {
  for (size_t i = 1; i < c.argc(); ++i) {
    const std::string_view name = c.arg(i);
    c.server.pubsub().Subscribe(kind, &c.client, name);
    Confirm(c, verb, &name, kind);
  }
}

void UnsubscribeGeneric(CommandContext& c, Kind kind, std::string_view verb) {
  pubsub::Registry& registry = c.server.pubsub();
  if (c.argc() > 1) {
    for (size_t i = 1; i < c.argc(); ++i) {
      const std::string_view name = c.arg(i);
      registry.Unsubscribe(kind, &c.client, name);
      Confirm(c, verb, &name, kind);
    }
    return;
  }
  // Without arguments: every subscription of this kind, or one confirmation with a null name.
  const auto& mine = c.client.subscriptions.names[static_cast<int>(kind)];
  if (mine.empty()) {
    Confirm(c, verb, nullptr, kind);
    return;
  }
  const std::vector<std::string> names(mine.begin(), mine.end());
  for (const std::string& n : names) {
    registry.Unsubscribe(kind, &c.client, n);
    const std::string_view name = n;
    Confirm(c, verb, &name, kind);
  }
}

void PublishGeneric(CommandContext& c, Kind kind) {
  c.reply.Integer(
      static_cast<int64_t>(pubsub::Publish(c.server.pubsub(), kind, c.arg(1), c.arg(2))));
  // Replicas' subscribers hear it too (Redis replicates PUBLISH, but does not log it).
  if (replication::Replication* r = c.server.replication()) r->PropagateToReplicas(c.db(), c.args);
}

void ReplyNames(CommandContext& c, Kind kind) {
  if (c.argc() > 3) {
    c.reply.Error("unknown subcommand or wrong number of arguments for '" +
                  std::string(c.arg(1)) + "'. Try PUBSUB HELP.");
    return;
  }
  const bool has_pattern = c.argc() == 3;
  auto names = c.server.pubsub().ActiveNames(kind, has_pattern ? c.arg(2) : "", has_pattern);
  c.reply.Array(names.size());
  for (std::string_view n : names) c.reply.Bulk(n);
}

void ReplyNumSub(CommandContext& c, Kind kind) {
  c.reply.Array((c.argc() - 2) * 2);  // a flat array even in RESP3, as Redis sends it
  for (size_t i = 2; i < c.argc(); ++i) {
    c.reply.Bulk(c.arg(i));
    c.reply.Integer(static_cast<int64_t>(c.server.pubsub().Subscribers(kind, c.arg(i))));
  }
}

}  // namespace

void Subscribe(CommandContext& c) { SubscribeGeneric(c, Kind::kChannel, "subscribe"); }
void PSubscribe(CommandContext& c) { SubscribeGeneric(c, Kind::kPattern, "psubscribe"); }

void SSubscribe(CommandContext& c) {
  if (c.client.in_exec) {
    c.reply.Error("SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  SubscribeGeneric(c, Kind::kShard, "ssubscribe");
}

void Unsubscribe(CommandContext& c) { UnsubscribeGeneric(c, Kind::kChannel, "unsubscribe"); }
void PUnsubscribe(CommandContext& c) { UnsubscribeGeneric(c, Kind::kPattern, "punsubscribe"); }
void SUnsubscribe(CommandContext& c) { UnsubscribeGeneric(c, Kind::kShard, "sunsubscribe"); }

void Publish(CommandContext& c) { PublishGeneric(c, Kind::kChannel); }
void SPublish(CommandContext& c) { PublishGeneric(c, Kind::kShard); }

void PubsubChannels(CommandContext& c) { ReplyNames(c, Kind::kChannel); }
void PubsubShardChannels(CommandContext& c) { ReplyNames(c, Kind::kShard); }

void PubsubNumSub(CommandContext& c) { ReplyNumSub(c, Kind::kChannel); }
void PubsubShardNumSub(CommandContext& c) { ReplyNumSub(c, Kind::kShard); }

void PubsubNumPat(CommandContext& c) {
  c.reply.Integer(static_cast<int64_t>(c.server.pubsub().NameCount(Kind::kPattern)));
}

void PubsubHelp(CommandContext& c) {
  ReplyHelp(c, "PUBSUB",
            {{"CHANNELS [<pattern>]", "Channels with subscribers, optionally matching a pattern."},
             {"NUMPAT", "How many distinct patterns have subscribers."},
             {"NUMSUB [<channel> ...]", "The number of subscribers of each channel."},
             {"SHARDCHANNELS [<pattern>]", "Shard channels with subscribers."},
             {"SHARDNUMSUB [<shardchannel> ...]", "The subscribers of each shard channel."}});
}

}  // namespace petrel::commands
