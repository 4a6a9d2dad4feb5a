#include "petrel/net/connection_manager.h"

#include <vector>

namespace petrel::net {

void ConnectionManager::AbortAll() {
  std::vector<std::function<void()>> aborts;
  for (auto& [id, h] : open_) aborts.push_back(h.abort);
  for (auto& a : aborts) a();
}

void ConnectionManager::CloseIdle(int64_t now_ms, int64_t timeout_s) {
  if (timeout_s <= 0) return;
  std::vector<std::function<void()>> idle;
  for (auto& [id, h] : open_) {
    // Subscribers wait for messages by design, so `timeout` leaves them alone, as in Redis.
    if (h.state->subscriptions.any()) continue;
    if (now_ms - h.state->last_interaction_ms > timeout_s * 1000) idle.push_back(h.abort);
  }
  for (auto& a : idle) a();
}

}  // namespace petrel::net
