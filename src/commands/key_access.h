// Small helpers shared by the command files: typed key lookups that reply WRONGTYPE, and the
// expire-time conversion used by SET, GETEX, SETEX and the EXPIRE family.
#pragma once

#include <optional>
#include <string_view>

#include "petrel/command/context.h"
#include "petrel/command/errors.h"
#include "petrel/storage/entry.h"
#include "petrel/storage/hash.h"
#include "petrel/storage/keyspace.h"

namespace petrel::commands {

using command::CommandContext;
using storage::Entry;

// Replies WRONGTYPE and returns true if `e` exists and is not a string.
inline bool RejectNonString(CommandContext& c, const Entry* e) {
  if (e != nullptr && e->value_type() != storage::ValueType::kString) {
    c.reply.Error(command::errors::kWrongType);
    return true;
  }
  return false;
}

inline Entry* LookupRead(CommandContext& c, std::string_view key) {
  return c.keyspace().Find(c.db(), key, storage::Lookup::kRead);
}

inline Entry* LookupWrite(CommandContext& c, std::string_view key) {
  return c.keyspace().Find(c.db(), key, storage::Lookup::kWrite);
}

enum class ExpireUnit { kSeconds, kMilliseconds };

// Converts an expire argument to absolute unix ms, replying Redis's error on failure:
// not an integer; "invalid expire time in '<cmd>' command" for values <= 0 (when `positive`)
// or values that overflow.
std::optional<int64_t> ExpireArgToAbsoluteMs(CommandContext& c, std::string_view text,
                                             ExpireUnit unit, bool relative, bool positive);

// Whether an absolute expire time set by EXPIRE/GETEX deletes the key at once. Never while a
// file is loaded: replayed commands keep the time they carry, as in Redis.
bool AlreadyExpired(CommandContext& c, int64_t when_ms);

// CLIENT SETNAME and HELLO SETNAME accept printable ASCII without spaces.
inline bool ValidClientName(std::string_view name) {
  for (char ch : name) {
    if (ch < '!' || ch > '~') return false;
  }
  return true;
}
inline constexpr std::string_view kBadClientName =
    "Client names cannot contain spaces, newlines or special characters.";

// The listpack limits of hashes, from hash-max-listpack-entries/value.
storage::hash::Limits HashLimits(CommandContext& c);

// The command's full name for error texts, e.g. "set" or "client|kill".
std::string CommandName(const CommandContext& c);

}  // namespace petrel::commands
