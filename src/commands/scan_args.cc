#include "scan_args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "petrel/command/arg_parser.h"
#include "petrel/command/errors.h"
#include "petrel/util/numbers.h"

namespace petrel::commands {

std::optional<uint64_t> ParseScanCursor(command::CommandContext& c, std::string_view text) {
  const std::string copy(text);
  errno = 0;
  char* end = nullptr;
  const uint64_t cursor = std::strtoull(copy.c_str(), &end, 10);
  if (copy.empty() || std::isspace(static_cast<unsigned char>(copy[0])) || *end != '\0' ||
      errno == ERANGE) {
    c.reply.Error("invalid cursor");
    return std::nullopt;
  }
  return cursor;
}

bool ParseScanOptions(command::CommandContext& c, size_t first, bool allow_type, ScanOptions* o) {
  for (size_t i = first; i < c.argc(); i += 2) {
    const bool has_value = i + 1 < c.argc();
    std::string_view opt = c.arg(i);
    if (command::EqualsIgnoreCase(opt, "count") && has_value) {
      auto n = util::ParseInt64(c.arg(i + 1));
      if (!n) {
        c.reply.Error(command::errors::kNotInteger);
        return false;
      }
      if (*n < 1) {
        c.reply.Error(command::errors::kSyntax);
        return false;
      }
      o->count = *n;
    } else if (command::EqualsIgnoreCase(opt, "match") && has_value) {
      o->pattern = c.arg(i + 1);
      o->has_pattern = o->pattern != "*";
    } else if (allow_type && command::EqualsIgnoreCase(opt, "type") && has_value) {
      o->type = c.arg(i + 1);
      o->has_type = true;
    } else {
      c.reply.Error(command::errors::kSyntax);
      return false;
    }
  }
  return true;
}

}  // namespace petrel::commands
