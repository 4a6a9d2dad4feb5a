// The set of open connections, so the server can close them all and the cron can time them out.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>

#include "petrel/command/client_state.h"

namespace petrel::net {

class ConnectionManager {
 public:
  struct Handle {
    command::ClientState* state;
    std::function<void()> abort;  // closes the connection at once
    // Owns the connection while it is open: a connection held by CLIENT PAUSE has no pending
    // read or write keeping it alive.
    std::shared_ptr<void> owner;
  };

  void Add(uint64_t id, Handle h) { open_.emplace(id, std::move(h)); }
  void Remove(uint64_t id) { open_.erase(id); }
  size_t size() const { return open_.size(); }
  // Closes every connection (shutdown).
  void AbortAll();
  // Closes clients idle for longer than `timeout_s` seconds.
  void CloseIdle(int64_t now_ms, int64_t timeout_s);

 private:
  std::unordered_map<uint64_t, Handle> open_;
};

}  // namespace petrel::net
