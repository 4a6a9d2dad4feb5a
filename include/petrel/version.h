// Versions Petrel reports: its own, and the Redis version it is compatible with (clients gate
// features on redis_version, so INFO and HELLO report the Redis one).
#pragma once

#include <string_view>

namespace petrel {

inline constexpr std::string_view kPetrelVersion = PETREL_VERSION;
inline constexpr std::string_view kRedisCompatVersion = "7.0.15";

}  // namespace petrel
