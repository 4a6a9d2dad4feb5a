#include "petrel/pubsub/registry.h"

#include "petrel/command/client_state.h"
#include "petrel/util/glob.h"

namespace petrel::pubsub {

bool Registry::Subscribe(Kind kind, ClientState* client, std::string_view name) {
  auto& mine = client->subscriptions.names[static_cast<int>(kind)];
  if (!mine.emplace(name).second) return false;
  table(kind)[std::string(name)].insert(client);
  return true;
}

bool Registry::Unsubscribe(Kind kind, ClientState* client, std::string_view name) {
  auto& mine = client->subscriptions.names[static_cast<int>(kind)];
  auto it = mine.find(std::string(name));
  if (it == mine.end()) return false;
  mine.erase(it);
  Table& t = table(kind);
  auto entry = t.find(name);
  if (entry != t.end()) {
    entry->second.erase(client);
    if (entry->second.empty()) t.erase(entry);
  }
  return true;
}

void Registry::RemoveClient(ClientState* client) {
  for (int k = 0; k < 3; ++k) {
    Table& t = tables_[k];
    for (const std::string& name : client->subscriptions.names[k]) {
      auto entry = t.find(name);
      if (entry == t.end()) continue;
      entry->second.erase(client);
      if (entry->second.empty()) t.erase(entry);
    }
    client->subscriptions.names[k].clear();
  }
}

size_t Registry::ForEachReceiver(
    Kind kind, std::string_view channel,
    const std::function<void(ClientState*, std::string_view)>& fn) const {
  size_t receivers = 0;
  const Table& direct = table(kind);
  if (auto it = direct.find(channel); it != direct.end()) {
    for (ClientState* c : it->second) {
      fn(c, {});
      ++receivers;
    }
  }
  if (kind == Kind::kShard) return receivers;
  for (const auto& [pattern, clients] : table(Kind::kPattern)) {
    if (!util::GlobMatch(pattern, channel)) continue;
    for (ClientState* c : clients) {
      fn(c, pattern);
      ++receivers;
    }
  }
  return receivers;
}

std::vector<std::string_view> Registry::ActiveNames(Kind kind, std::string_view pattern,
                                                    bool has_pattern) const {
  std::vector<std::string_view> out;
  for (const auto& [name, clients] : table(kind)) {
    if (!has_pattern || util::GlobMatch(pattern, name)) out.push_back(name);
  }
  return out;
}

size_t Registry::Subscribers(Kind kind, std::string_view name) const {
  const Table& t = table(kind);
  auto it = t.find(name);
  return it == t.end() ? 0 : it->second.size();
}

}  // namespace petrel::pubsub
