// Glob-style pattern matching identical to Redis's stringmatchlen (KEYS, SCAN MATCH, PSUBSCRIBE,
// PUBSUB CHANNELS, CONFIG GET): * ? [abc] [^a] [a-z] and backslash escapes.
#pragma once

#include <string_view>

namespace petrel::util {

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace petrel::util
