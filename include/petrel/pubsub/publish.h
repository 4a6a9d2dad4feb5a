// Delivering one published message to every receiver, encoded once per protocol version (and
// pattern) and shared by all their output queues. Used by PUBLISH, SPUBLISH and keyspace
// notifications.
#pragma once

#include <cstddef>
#include <string_view>

#include "petrel/pubsub/registry.h"

namespace petrel::pubsub {

// Returns the number of receivers (PUBLISH's reply).
size_t Publish(const Registry& registry, Kind kind, std::string_view channel,
               std::string_view message);

}  // namespace petrel::pubsub
