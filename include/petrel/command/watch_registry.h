// WATCH: which clients watch which keys, and what counts as a change of a watched key.
//
// A change marks every client watching the key (ClientState::watch_lost) and EXEC then fails.
// As in Redis 7.0, a key that had already expired (but was not yet deleted) when WATCHed is
// remembered as such: its deletion by expiry or a flush is no change, while writing it is one.
// A key that was live when WATCHed and has expired by EXEC time counts as changed.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "petrel/command/client_state.h"

namespace petrel::storage {
class Keyspace;
}

namespace petrel::command {

class WatchRegistry {
 public:
  explicit WatchRegistry(storage::Keyspace& keyspace);

  bool empty() const { return count_ == 0; }
  // WATCH: `client` watches `key` of `db` (again: nothing changes).
  void Watch(ClientState& client, int db, std::string_view key);
  // UNWATCH, EXEC, DISCARD, RESET and disconnection: forgets the keys and any lost watch.
  void UnwatchAll(ClientState& client);
  // `key` of `db` changed. `expiring`: it is being deleted because it expired.
  void Touch(int db, std::string_view key, bool expiring = false);
  // The watchers of `db`, before FLUSHDB/FLUSHALL empties it (other < 0) or SWAPDB replaces
  // its contents with those of `other`.
  void DatabaseReplaced(int db, int other);
  // At EXEC: whether a key that was live when watched has expired since.
  bool ExpiredSinceWatch(const ClientState& client) const;

 private:
  struct Watcher {
    ClientState* client;
    bool expired;  // the key had expired (not yet deleted) when watched
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using KeyMap = std::unordered_map<std::string, std::vector<Watcher>, Hash, std::equal_to<>>;

  storage::Keyspace& keyspace_;
  std::vector<KeyMap> dbs_;
  size_t count_ = 0;  // (client, key) pairs
};

}  // namespace petrel::command
