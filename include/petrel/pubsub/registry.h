// Who is subscribed to what: channels, patterns and shard channels, both ways (name to
// subscribers for PUBLISH, subscriber to names for UNSUBSCRIBE-all and disconnection, so a
// client's clean-up costs time in proportion to its own subscriptions).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace petrel::command {
struct ClientState;
}

namespace petrel::pubsub {

using command::ClientState;

enum class Kind { kChannel = 0, kPattern = 1, kShard = 2 };

// One client's subscriptions, kept in ClientState.
struct Subscriptions {
  std::unordered_set<std::string> names[3];  // by Kind
  size_t count(Kind k) const { return names[static_cast<int>(k)].size(); }
  // The count the (p)(un)subscribe confirmations carry: channels + patterns, or shard channels.
  size_t ConfirmationCount(Kind k) const {
    return k == Kind::kShard ? count(Kind::kShard) : count(Kind::kChannel) + count(Kind::kPattern);
  }
  bool any() const { return count(Kind::kChannel) + count(Kind::kPattern) + count(Kind::kShard); }
};

class Registry {
 public:
  // True when the subscription is new.
  bool Subscribe(Kind kind, ClientState* client, std::string_view name);
  bool Unsubscribe(Kind kind, ClientState* client, std::string_view name);
  // Drops every subscription of the client (disconnection, RESET).
  void RemoveClient(ClientState* client);

  // Calls fn(subscriber, pattern) for each receiver of a message on `channel`: channel (or shard
  // channel) subscribers with an empty pattern, then each (client, matching pattern) pair.
  // Returns the number of receivers, which PUBLISH replies.
  size_t ForEachReceiver(Kind kind, std::string_view channel,
                         const std::function<void(ClientState*, std::string_view)>& fn) const;

  // Names with at least one subscriber, matching `pattern` when one is given (PUBSUB CHANNELS).
  std::vector<std::string_view> ActiveNames(Kind kind, std::string_view pattern,
                                            bool has_pattern) const;
  size_t Subscribers(Kind kind, std::string_view name) const;
  size_t NameCount(Kind kind) const { return table(kind).size(); }

 private:
  // Heterogeneous lookup, so PUBLISH finds a channel by string_view without allocating.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Table = std::unordered_map<std::string, std::unordered_set<ClientState*>, NameHash,
                                   std::equal_to<>>;
  Table& table(Kind k) { return tables_[static_cast<int>(k)]; }
  const Table& table(Kind k) const { return tables_[static_cast<int>(k)]; }

  Table tables_[3];
};

}  // namespace petrel::pubsub
