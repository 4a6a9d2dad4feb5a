// Lookup over the one command table (src/command/command_table.cc), and what COMMAND derives
// from it: parsed argument grammars, documentation extras, keys found through key specs.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "petrel/command/arg_grammar.h"
#include "petrel/command/command_spec.h"

namespace petrel::command {

// Every top-level command, in table order.
std::span<const CommandSpec> CommandTable();

// COMMAND DOCS fields that few commands have, keyed by full name ("getset", "client|kill").
// A non-empty deprecated_since also reports doc_flags "deprecated".
struct HistoryEntry {
  std::string_view version;
  std::string_view change;
};
struct DocExtras {
  std::string_view full_name;
  std::string_view deprecated_since;
  std::string_view replaced_by;
  std::vector<HistoryEntry> history;
  bool syscmd = false;  // doc_flags "syscmd": a command servers send each other (REPLCONF)
};
std::span<const DocExtras> CommandDocExtras();  // defined next to the table

// Conventions for KeySpec beyond its comments: begin_search is "keyword" when `keyword` is set,
// "unknown" when `index` is 0 (find_keys is then "unknown" too), else "index".

// A key found in a command line: its argument position and the flags of its key spec.
struct KeyRef {
  size_t pos;
  KeyFlags flags;
};

// Finds the keys of a command line (args[0] is the command name, args[1] the subcommand of a
// subcommand spec) through the spec's key specs, as Redis 7.0 does for COMMAND GETKEYS.
// Returns false, with *keys empty, if a key spec does not fit the arguments or is incomplete.
bool ExtractKeys(const CommandSpec& spec, std::span<const std::string_view> args,
                 std::vector<KeyRef>* keys);
// The positions alone (empty when ExtractKeys fails).
std::vector<size_t> KeyPositions(const CommandSpec& spec, std::span<const std::string_view> args);
// True if at least one key spec describes real keys (not all marked not_key).
bool HasKeyArguments(const CommandSpec& spec);
// Arity as the dispatcher checks it: argc counts the command name (and subcommand name).
inline bool ArityAccepts(const CommandSpec& spec, size_t argc) {
  return spec.arity >= 0 ? argc == static_cast<size_t>(spec.arity)
                         : argc >= static_cast<size_t>(-spec.arity);
}

class Registry {
 public:
  static const Registry& Get();

  // Case-insensitive lookup of a top-level command; does not allocate.
  const CommandSpec* Find(std::string_view name) const;
  // Case-insensitive lookup of a subcommand of `parent`.
  static const CommandSpec* FindSub(const CommandSpec& parent, std::string_view name);
  // "get" or "config|get", any case, as COMMAND INFO and DOCS accept names.
  const CommandSpec* FindByFullName(std::string_view name) const;
  // "get", or "config|get" for a subcommand.
  static std::string FullName(const CommandSpec& spec, const CommandSpec* parent);
  // The parent of a subcommand spec, or nullptr for a top-level command.
  const CommandSpec* ParentOf(const CommandSpec* spec) const;
  size_t size() const { return top_level_count_; }

  // The parsed CommandSpec::arguments of a command or subcommand of the table.
  const std::vector<ArgNode>& Arguments(const CommandSpec& spec) const;
  // Its documentation extras, or nullptr.
  const DocExtras* Extras(const CommandSpec& spec) const;

 private:
  // Top-level commands by name: a small open-addressing table probed on every command, so it
  // avoids the division and node chasing of std::unordered_map.
  struct NameSlot {
    const CommandSpec* spec = nullptr;
    std::string_view name;  // lower case, as in the table
  };
  static uint64_t NameHash(std::string_view name);
  void AddName(const CommandSpec* spec);

  Registry();
  void Add(const CommandSpec& spec, const CommandSpec* parent);

  std::vector<NameSlot> names_;  // power-of-two size, at most half full
  size_t top_level_count_ = 0;
  std::unordered_map<const CommandSpec*, const CommandSpec*> parents_;
  std::unordered_map<const CommandSpec*, std::vector<ArgNode>> arguments_;
  std::unordered_map<const CommandSpec*, const DocExtras*> extras_;
};

}  // namespace petrel::command
