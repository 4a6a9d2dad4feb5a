// The reply of every "<COMMAND> HELP": a list of status lines, a usage line per subcommand with
// a short description under it.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "petrel/command/context.h"

namespace petrel::commands {

using HelpLine = std::pair<std::string_view, std::string_view>;  // usage, description

inline void ReplyHelp(command::CommandContext& c, std::string_view command,
                      std::initializer_list<HelpLine> lines) {
  c.reply.Array(1 + 2 * (lines.size() + 1));
  c.reply.SimpleString(std::string(command) + " <subcommand> [<arg> ...]. Subcommands:");
  for (const HelpLine& l : lines) {
    c.reply.SimpleString(l.first);
    c.reply.SimpleString("    " + std::string(l.second));
  }
  c.reply.SimpleString("HELP");
  c.reply.SimpleString("    Show this list.");
}

}  // namespace petrel::commands
