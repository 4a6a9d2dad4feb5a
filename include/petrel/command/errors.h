// Redis's error texts, in one place. Texts starting with '-' carry their own code; the others
// are sent after "-ERR ".
#pragma once

#include <string>
#include <string_view>

namespace petrel::command::errors {

inline constexpr std::string_view kSyntax = "syntax error";
inline constexpr std::string_view kNotInteger = "value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "value is not a valid float";
inline constexpr std::string_view kWrongType =
    "-WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNoSuchKey = "no such key";
inline constexpr std::string_view kOverflow = "increment or decrement would overflow";
inline constexpr std::string_view kDbIndex = "DB index is out of range";
inline constexpr std::string_view kStringTooLong =
    "string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kNanOrInfinity = "increment would produce NaN or Infinity";
inline constexpr std::string_view kOffsetRange = "offset is out of range";

// "invalid expire time in 'set' command"
inline std::string InvalidExpire(std::string_view command) {
  return "invalid expire time in '" + std::string(command) + "' command";
}

}  // namespace petrel::command::errors
