// COMMAND and its subcommands: introspection generated from the command table, in the reply
// shapes of Redis 7.0 (sets for flags, categories and tips in RESP3; maps for key specs and docs).
#include <string>
#include <string_view>
#include <vector>

#include "handlers.h"
#include "petrel/command/arg_grammar.h"
#include "petrel/command/registry.h"
#include "petrel/util/glob.h"

namespace petrel::commands {

namespace {

using command::Acl;
using command::CommandSpec;
using command::Flag;
using command::KeyFlag;
using command::KeyFlags;
using command::KeySpec;
using command::Registry;
using resp::ReplyBuilder;

// Names in enum order; an empty name is a flag Redis keeps out of COMMAND INFO.
constexpr std::string_view kFlagNames[] = {
    "write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript", "blocking",
    "loading", "stale", "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth",
    "" /* may_replicate */, "" /* sentinel */, "" /* only_sentinel */, "no_mandatory_keys",
    "" /* protected */, "no_async_loading", "no_multi", "movablekeys", "allow_busy",
};
constexpr std::string_view kAclNames[] = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
    "connection", "transaction", "scripting",
};
constexpr std::string_view kKeyFlagNames[] = {
    "RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete",
    "variable_flags",
};

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

// Writes the members of `set` that have a name, as a set of simple strings.
template <typename E, size_t N>
void WriteNames(ReplyBuilder& r, command::EnumSet<E> set, const std::string_view (&names)[N],
                std::string_view prefix = {}) {
  size_t count = 0;
  for (size_t i = 0; i < N; ++i) {
    if (!names[i].empty() && set.has(static_cast<E>(i))) ++count;
  }
  r.Set(count);
  for (size_t i = 0; i < N; ++i) {
    if (names[i].empty() || !set.has(static_cast<E>(i))) continue;
    if (prefix.empty()) {
      r.SimpleString(names[i]);
    } else {
      r.SimpleString(std::string(prefix) + std::string(names[i]));
    }
  }
}

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    if (end > pos) words.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return words;
}

void WriteKeySpec(ReplyBuilder& r, const KeySpec& k) {
  r.Map(k.notes.empty() ? 3 : 4);
  if (!k.notes.empty()) {
    r.Bulk("notes");
    r.Bulk(k.notes);
  }
  r.Bulk("flags");
  WriteNames(r, k.flags, kKeyFlagNames);

  bool unknown = k.keyword.empty() && k.index <= 0;
  r.Bulk("begin_search");
  r.Map(2);
  r.Bulk("type");
  if (unknown) {
    r.Bulk("unknown");
    r.Bulk("spec");
    r.Map(0);
  } else if (!k.keyword.empty()) {
    r.Bulk("keyword");
    r.Bulk("spec");
    r.Map(2);
    r.Bulk("keyword");
    r.Bulk(k.keyword);
    r.Bulk("startfrom");
    r.Integer(k.startfrom);
  } else {
    r.Bulk("index");
    r.Bulk("spec");
    r.Map(1);
    r.Bulk("index");
    r.Integer(k.index);
  }

  r.Bulk("find_keys");
  r.Map(2);
  r.Bulk("type");
  if (unknown) {
    r.Bulk("unknown");
    r.Bulk("spec");
    r.Map(0);
  } else if (k.keynum) {
    r.Bulk("keynum");
    r.Bulk("spec");
    r.Map(3);
    r.Bulk("keynumidx");
    r.Integer(k.keynumidx);
    r.Bulk("firstkey");
    r.Integer(k.firstkey);
    r.Bulk("keystep");
    r.Integer(k.keystep);
  } else {
    r.Bulk("range");
    r.Bulk("spec");
    r.Map(3);
    r.Bulk("lastkey");
    r.Integer(k.lastkey);
    r.Bulk("keystep");
    r.Integer(k.keystep);
    r.Bulk("limit");
    r.Integer(k.limit);
  }
}

// One COMMAND INFO entry: name, arity, flags, first/last/step, categories, tips, key specs,
// subcommands.
void WriteInfo(ReplyBuilder& r, const CommandSpec& spec, const CommandSpec* parent) {
  r.Array(10);
  r.Bulk(Registry::FullName(spec, parent));
  r.Integer(spec.arity);
  WriteNames(r, spec.flags, kFlagNames);
  r.Integer(spec.first_key);
  r.Integer(spec.last_key);
  r.Integer(spec.key_step);
  WriteNames(r, spec.acl, kAclNames, "@");
  std::vector<std::string_view> tips = Words(spec.tips);
  r.Set(tips.size());
  for (std::string_view tip : tips) r.Bulk(tip);
  r.Set(spec.key_specs.size());
  for (const KeySpec& k : spec.key_specs) WriteKeySpec(r, k);
  if (spec.subcommands.empty()) {
    r.Set(0);
  } else {
    r.Array(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) WriteInfo(r, sub, &spec);
  }
}

// One COMMAND DOCS value: a map of the fields this command has, in Redis's order.
void WriteDocs(ReplyBuilder& r, const Registry& registry, const CommandSpec& spec,
               const CommandSpec* parent) {
  const command::DocExtras* extras = registry.Extras(spec);
  const std::vector<command::ArgNode>& args = registry.Arguments(spec);
  bool deprecated = extras != nullptr && !extras->deprecated_since.empty();
  bool replaced = extras != nullptr && !extras->replaced_by.empty();
  bool history = extras != nullptr && !extras->history.empty();
  bool syscmd = extras != nullptr && extras->syscmd;
  size_t fields = 1 + (spec.summary.empty() ? 0 : 1) + (spec.since.empty() ? 0 : 1) +
                  (spec.complexity.empty() ? 0 : 1) + (deprecated ? 2 : 0) + (replaced ? 1 : 0) +
                  (syscmd ? 1 : 0) +
                  (history ? 1 : 0) + (args.empty() ? 0 : 1) +
                  (spec.subcommands.empty() ? 0 : 1);
  r.Map(fields);
  if (!spec.summary.empty()) {
    r.Bulk("summary");
    r.Bulk(spec.summary);
  }
  if (!spec.since.empty()) {
    r.Bulk("since");
    r.Bulk(spec.since);
  }
  r.Bulk("group");
  r.Bulk(spec.group);
  if (!spec.complexity.empty()) {
    r.Bulk("complexity");
    r.Bulk(spec.complexity);
  }
  if (syscmd) {
    r.Bulk("doc_flags");
    r.Set(1);
    r.SimpleString("syscmd");
  }
  if (deprecated) {
    r.Bulk("doc_flags");
    r.Set(1);
    r.SimpleString("deprecated");
    r.Bulk("deprecated_since");
    r.Bulk(extras->deprecated_since);
  }
  if (replaced) {
    r.Bulk("replaced_by");
    r.Bulk(extras->replaced_by);
  }
  if (history) {
    r.Bulk("history");
    r.Set(extras->history.size());
    for (const command::HistoryEntry& entry : extras->history) {
      r.Array(2);
      r.Bulk(entry.version);
      r.Bulk(entry.change);
    }
  }
  if (!args.empty()) {
    r.Bulk("arguments");
    command::WriteArgDocs(r, args);
  }
  if (!spec.subcommands.empty()) {
    r.Bulk("subcommands");
    r.Map(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) {
      r.Bulk(Registry::FullName(sub, &spec));
      WriteDocs(r, registry, sub, &spec);
    }
  }
}

void WriteAllInfo(ReplyBuilder& r) {
  std::span<const CommandSpec> table = command::CommandTable();
  r.Array(table.size());
  for (const CommandSpec& spec : table) WriteInfo(r, spec, nullptr);
}

// The command a GETKEYS command line names: a subcommand when the first word is a container
// and a second word follows, else the command itself.
const CommandSpec* LookupCommandLine(const Registry& registry,
                                     std::span<const std::string_view> line) {
  const CommandSpec* base = registry.Find(line[0]);
  if (base == nullptr || line.size() == 1 || base->subcommands.empty()) return base;
  return Registry::FindSub(*base, line[1]);
}

void GetKeys(CommandContext& c, bool with_flags) {
  const Registry& registry = Registry::Get();
  std::span<const std::string_view> line = c.args.subspan(2);
  const CommandSpec* spec = LookupCommandLine(registry, line);
  if (spec == nullptr) return c.reply.Error("Invalid command specified");
  if (!command::HasKeyArguments(*spec)) return c.reply.Error("The command has no key arguments");
  if (!command::ArityAccepts(*spec, line.size())) {
    return c.reply.Error("Invalid number of arguments specified for command");
  }
  std::vector<command::KeyRef> keys;
  if (!command::ExtractKeys(*spec, line, &keys) || keys.empty()) {
    if (spec->flags.has(Flag::kNoMandatoryKeys)) return c.reply.EmptyArray();
    return c.reply.Error("Invalid arguments specified for command");
  }
  c.reply.Array(keys.size());
  for (const command::KeyRef& key : keys) {
    if (!with_flags) {
      c.reply.Bulk(line[key.pos]);
      continue;
    }
    c.reply.Array(2);
    c.reply.Bulk(line[key.pos]);
    WriteNames(c.reply, key.flags, kKeyFlagNames);
  }
}

}  // namespace

void Command(CommandContext& c) { WriteAllInfo(c.reply); }

void CommandCount(CommandContext& c) {
  c.reply.Integer(static_cast<int64_t>(command::CommandTable().size()));
}

void CommandInfo(CommandContext& c) {
  if (c.argc() == 2) return WriteAllInfo(c.reply);
  const Registry& registry = Registry::Get();
  c.reply.Array(c.argc() - 2);
  for (size_t i = 2; i < c.argc(); ++i) {
    const CommandSpec* spec = registry.FindByFullName(c.arg(i));
    if (spec == nullptr) {
      c.reply.NullBulk();
    } else {
      WriteInfo(c.reply, *spec, registry.ParentOf(spec));
    }
  }
}

void CommandDocs(CommandContext& c) {
  const Registry& registry = Registry::Get();
  std::vector<const CommandSpec*> specs;
  if (c.argc() == 2) {
    for (const CommandSpec& spec : command::CommandTable()) specs.push_back(&spec);
  } else {
    // Unknown names are left out of the map.
    for (size_t i = 2; i < c.argc(); ++i) {
      if (const CommandSpec* spec = registry.FindByFullName(c.arg(i))) specs.push_back(spec);
    }
  }
  c.reply.Map(specs.size());
  for (const CommandSpec* spec : specs) {
    const CommandSpec* parent = registry.ParentOf(spec);
    c.reply.Bulk(Registry::FullName(*spec, parent));
    WriteDocs(c.reply, registry, *spec, parent);
  }
}

void CommandList(CommandContext& c) {
  enum class Filter { kNone, kModule, kAclCategory, kPattern } filter = Filter::kNone;
  std::string_view value;
  if (c.argc() == 5 && EqualsNoCase(c.arg(2), "filterby")) {
    std::string_view type = c.arg(3);
    value = c.arg(4);
    if (EqualsNoCase(type, "module")) {
      filter = Filter::kModule;
    } else if (EqualsNoCase(type, "aclcat")) {
      filter = Filter::kAclCategory;
    } else if (EqualsNoCase(type, "pattern")) {
      filter = Filter::kPattern;
    } else {
      return c.reply.Error("syntax error");
    }
  } else if (c.argc() != 2) {
    return c.reply.Error("syntax error");
  }

  // An unknown category matches no command.
  int category = -1;
  if (filter == Filter::kAclCategory) {
    for (size_t i = 0; i < std::size(kAclNames); ++i) {
      if (EqualsNoCase(kAclNames[i], value)) category = static_cast<int>(i);
    }
  }
  auto matches = [&](const CommandSpec& spec, const std::string& full_name) {
    switch (filter) {
      case Filter::kNone:
        return true;
      case Filter::kModule:
        return false;  // no module commands
      case Filter::kAclCategory:
        return category >= 0 && spec.acl.has(static_cast<Acl>(category));
      case Filter::kPattern:
        return util::GlobMatch(value, full_name, /*nocase=*/true);
    }
    return false;
  };

  std::vector<std::string> names;
  for (const CommandSpec& spec : command::CommandTable()) {
    std::string name = Registry::FullName(spec, nullptr);
    if (matches(spec, name)) names.push_back(std::move(name));
    for (const CommandSpec& sub : spec.subcommands) {
      std::string sub_name = Registry::FullName(sub, &spec);
      if (matches(sub, sub_name)) names.push_back(std::move(sub_name));
    }
  }
  c.reply.Array(names.size());
  for (const std::string& name : names) c.reply.Bulk(name);
}

void CommandGetKeys(CommandContext& c) { GetKeys(c, false); }

void CommandGetKeysAndFlags(CommandContext& c) { GetKeys(c, true); }

// Worded like ReplyHelp (reply_help.h), but with Redis's 21 lines: INFO and DOCS take three.
void CommandHelp(CommandContext& c) {
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> ...]. Subcommands:",
      "(no subcommand)",
      "    Describe every command this server implements.",
      "COUNT",
      "    Reply with the number of commands this server implements.",
      "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
      "    Reply with the names of the commands, optionally filtered.",
      "INFO [<command-name> ...]",
      "    Describe the named commands: arity, flags, key positions,",
      "    ACL categories, tips, key specifications and subcommands.",
      "    Without names, describe every command.",
      "DOCS [<command-name> ...]",
      "    Document the named commands: summary, version, group,",
      "    complexity and arguments.",
      "    Without names, document every command.",
      "GETKEYS <full-command>",
      "    Extract the key arguments from a complete command line.",
      "GETKEYSANDFLAGS <full-command>",
      "    Extract the key arguments and how the command uses each of them.",
      "HELP",
      "    Show this list.",
  };
  c.reply.Array(std::size(kLines));
  for (std::string_view line : kLines) c.reply.SimpleString(line);
}

}  // namespace petrel::commands
