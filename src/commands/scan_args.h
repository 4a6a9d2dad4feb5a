// The cursor and options shared by SCAN and HSCAN, parsed with Redis's rules and errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "petrel/command/context.h"

namespace petrel::commands {

struct ScanOptions {
  int64_t count = 10;
  std::string_view pattern;
  bool has_pattern = false;  // false for a missing pattern and for "*"
  std::string_view type;
  bool has_type = false;
};

// The cursor is read as strtoul reads it (a sign is accepted, spaces and junk are not);
// replies "invalid cursor" on failure.
std::optional<uint64_t> ParseScanCursor(command::CommandContext& c, std::string_view text);
// MATCH, COUNT and (SCAN only) TYPE from argument `first` on; replies the error on failure.
bool ParseScanOptions(command::CommandContext& c, size_t first, bool allow_type, ScanOptions* o);

}  // namespace petrel::commands
