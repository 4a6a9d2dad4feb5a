// Shared pieces of the command table (src/command/command_table.cc and table/*.cc): short
// names, key-spec and container helpers, and one function per documentation group.
#pragma once

#include <vector>

#include "../../commands/handlers.h"
#include "petrel/command/command_spec.h"

// Entries name only the fields they set; every other field keeps its default. GCC 12 warns
// about designated initializers that leave fields out, which is the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace petrel::command::table {

namespace h = petrel::commands;
using F = Flag;
using C = Acl;
using K = KeyFlag;

// Keys from argument `index` to `index + lastkey` (lastkey < 0 counts from the last argument:
// -1 is the last one), every `step` arguments.
inline KeySpec Key(KeyFlags flags, int index, int lastkey = 0, int step = 1) {
  return KeySpec{.flags = flags, .index = index, .lastkey = lastkey, .keystep = step};
}

inline KeySpec Noted(KeySpec spec, std::string_view notes) {
  spec.notes = notes;
  return spec;
}

// Flags and ACL categories shared by many subcommands.
constexpr Flags kAdminFlags{F::kAdmin, F::kNoscript, F::kLoading, F::kStale};
constexpr AclCategories kAdminAcl{C::kAdmin, C::kSlow, C::kDangerous};
constexpr Flags kClientFlags{F::kNoscript, F::kLoading, F::kStale};
constexpr AclCategories kClientAcl{C::kSlow, C::kConnection};
constexpr AclCategories kClientAdminAcl{C::kAdmin, C::kSlow, C::kDangerous, C::kConnection};
constexpr Flags kHelpFlags{F::kLoading, F::kStale};
constexpr Flags kIntrospectFlags{F::kLoading, F::kStale};

// The HELP subcommand of a container.
inline CommandSpec Help(std::string_view summary, AclCategories acl, Handler handler,
                 std::string_view since) {
  return {.name = "help", .arity = 2, .flags = kHelpFlags, .acl = acl, .handler = handler,
          .summary = summary, .since = since, .complexity = "O(1)"};
}

// A container without a handler of its own: its subcommands do the work.
inline CommandSpec Container(std::string_view name, std::string_view summary, std::string_view since,
                      std::vector<CommandSpec> subcommands) {
  return {.name = name, .arity = -2, .acl = {C::kSlow}, .summary = summary, .since = since,
          .complexity = "Depends on subcommand.", .subcommands = std::move(subcommands)};
}

std::vector<CommandSpec> StringCommands();
std::vector<CommandSpec> GenericCommands();
std::vector<CommandSpec> HashCommands();
std::vector<CommandSpec> TransactionCommands();
std::vector<CommandSpec> ServerCommands();
std::vector<CommandSpec> ConnectionCommands();
std::vector<CommandSpec> ScriptingCommands();
std::vector<CommandSpec> PubsubCommands();

}  // namespace petrel::command::table
