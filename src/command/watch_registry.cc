#include "petrel/command/watch_registry.h"

#include <algorithm>

#include "petrel/storage/keyspace.h"

namespace petrel::command {

WatchRegistry::WatchRegistry(storage::Keyspace& keyspace)
    : keyspace_(keyspace), dbs_(static_cast<size_t>(keyspace.count())) {}

void WatchRegistry::Watch(ClientState& client, int db, std::string_view key) {
  KeyMap& keys = dbs_[db];
  auto it = keys.find(key);
  if (it == keys.end()) it = keys.emplace(std::string(key), std::vector<Watcher>{}).first;
  for (const Watcher& w : it->second) {
    if (w.client == &client) return;
  }
  const storage::Entry* e = keyspace_.db(db).dict.Find(key);
  it->second.push_back({&client, e != nullptr && keyspace_.IsExpired(db, e)});
  client.watched.emplace_back(db, std::string(key));
  ++count_;
}

void WatchRegistry::UnwatchAll(ClientState& client) {
  for (const auto& [db, key] : client.watched) {
    KeyMap& keys = dbs_[db];
    auto it = keys.find(key);
    if (it == keys.end()) continue;
    std::erase_if(it->second, [&](const Watcher& w) { return w.client == &client; });
    if (it->second.empty()) keys.erase(it);
    --count_;
  }
  client.watched.clear();
  client.watch_lost = false;
}

void WatchRegistry::Touch(int db, std::string_view key, bool expiring) {
  if (count_ == 0) return;
  auto it = dbs_[db].find(key);
  if (it == dbs_[db].end()) return;
  const bool gone = expiring || keyspace_.db(db).dict.Find(key) == nullptr;
  for (Watcher& w : it->second) {
    if (w.expired && gone) {
      w.expired = false;  // an already expired key went away: no logical change
      continue;
    }
    w.client->watch_lost = true;
  }
}

void WatchRegistry::DatabaseReplaced(int db, int other) {
  if (count_ == 0 || db == other) return;
  for (auto& [key, watchers] : dbs_[db]) {
    const bool existed = keyspace_.db(db).dict.Find(key) != nullptr;
    const storage::Entry* next = other >= 0 ? keyspace_.db(other).dict.Find(key) : nullptr;
    if (!existed && next == nullptr) continue;
    const bool next_expired = next != nullptr && keyspace_.IsExpired(other, next);
    for (Watcher& w : watchers) {
      if (w.expired) {
        if (next == nullptr) {
          w.expired = false;  // expired and now deleted: no logical change
          continue;
        }
        if (next_expired) continue;  // still logically absent
      } else if (!existed && next_expired) {
        w.expired = true;  // absent, replaced by an expired key: still absent
        continue;
      }
      w.client->watch_lost = true;
    }
  }
}

bool WatchRegistry::ExpiredSinceWatch(const ClientState& client) const {
  for (const auto& [db, key] : client.watched) {
    auto it = dbs_[db].find(key);
    if (it == dbs_[db].end()) continue;
    for (const Watcher& w : it->second) {
      if (w.client != &client || w.expired) continue;
      const storage::Entry* e = keyspace_.db(db).dict.Find(key);
      if (e != nullptr && keyspace_.IsExpired(db, e)) return true;
    }
  }
  return false;
}

}  // namespace petrel::command
