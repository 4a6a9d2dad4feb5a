#include "key_access.h"

#include <limits>

#include "petrel/command/dispatcher.h"
#include "petrel/command/registry.h"
#include "petrel/util/numbers.h"

namespace petrel::command {

void CommandContext::Modified(std::string_view key) { server.KeyModified(client.db, key); }

void CommandContext::Notify(char type, std::string_view event, std::string_view key) {
  server.Notify(type, event, client.db, key);
}

}  // namespace petrel::command

namespace petrel::commands {

std::optional<int64_t> ExpireArgToAbsoluteMs(CommandContext& c, std::string_view text,
                                             ExpireUnit unit, bool relative, bool positive) {
  auto value = util::ParseInt64(text);
  if (!value) {
    c.reply.Error(command::errors::kNotInteger);
    return std::nullopt;
  }
  int64_t ms = *value;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const std::string invalid = command::errors::InvalidExpire(CommandName(c));
  if (positive && ms <= 0) {
    c.reply.Error(invalid);
    return std::nullopt;
  }
  if (unit == ExpireUnit::kSeconds) {
    if (ms > kMax / 1000 || ms < std::numeric_limits<int64_t>::min() / 1000) {
      c.reply.Error(invalid);
      return std::nullopt;
    }
    ms *= 1000;
  }
  if (relative) {
    const int64_t now = c.NowMs();
    if (ms > kMax - now) {
      c.reply.Error(invalid);
      return std::nullopt;
    }
    ms += now;
  }
  return ms;
}

storage::hash::Limits HashLimits(CommandContext& c) {
  const config::Settings& s = c.server.settings();
  return {static_cast<size_t>(s.hash_max_listpack_entries),
          static_cast<size_t>(s.hash_max_listpack_value)};
}

std::string CommandName(const CommandContext& c) {
  return command::Registry::FullName(c.spec, command::Registry::Get().ParentOf(&c.spec));
}

bool AlreadyExpired(CommandContext& c, int64_t when_ms) {
  return when_ms <= c.NowMs() && !c.keyspace().loading();
}

}  // namespace petrel::commands
