// The command table: every command Petrel implements, declared once. Arity, flags, ACL
// categories, key specs, tips, since, group, complexity and the argument grammar are the facts
// Redis 7.0 reports through COMMAND INFO / COMMAND DOCS (CLIENT SETINFO is modelled on 7.2);
// tests/integration/test_command_info.py compares every entry with a real redis-server. The
// summaries are our own. The legacy key range (first/last/step) is derived from the key specs.
#include <algorithm>
#include <climits>
#include <vector>

#include "petrel/command/registry.h"
#include "table/table_helpers.h"

namespace petrel::command {

namespace {

// Sets the group of commands and of their subcommands, and appends them to `table`.
void AddGroup(std::vector<CommandSpec>* table, std::string_view group,
              std::vector<CommandSpec> specs) {
  for (CommandSpec& spec : specs) {
    spec.group = group;
    for (CommandSpec& sub : spec.subcommands) sub.group = group;
    table->push_back(std::move(spec));
  }
}

// COMMAND INFO's legacy (first, last, step) triple, derived from the key specs the way Redis 7
// derives it: one index/range spec gives its own range; with several, the consecutive
// index/range specs of step 1 merge into one range and the others are left out.
void DeriveLegacyRange(CommandSpec* spec) {
  for (CommandSpec& sub : spec->subcommands) DeriveLegacyRange(&sub);
  if (spec->key_specs.empty() || spec->first_key != 0) return;
  auto simple = [](const KeySpec& k) { return k.keyword.empty() && k.index > 0 && !k.keynum; };
  auto absolute_last = [](const KeySpec& k) {
    return k.lastkey >= 0 ? k.index + k.lastkey : k.lastkey;
  };
  if (spec->key_specs.size() == 1) {
    const KeySpec& k = spec->key_specs[0];
    if (simple(k)) {
      spec->first_key = k.index;
      spec->last_key = absolute_last(k);
      spec->key_step = k.keystep;
    }
    return;
  }
  int first = INT_MAX;
  int last = 0;  // a negative last (counted from the end) wins over any positive one
  int previous_last = 0;
  for (const KeySpec& k : spec->key_specs) {
    if (!simple(k) || k.keystep != 1) continue;
    if (previous_last != 0 && previous_last != k.index - 1) continue;
    first = std::min(first, k.index);
    int abs_last = absolute_last(k);
    if (last >= 0 && (abs_last < 0 || abs_last > last)) last = abs_last;
    previous_last = last;
  }
  if (first == INT_MAX) return;
  spec->first_key = first;
  spec->last_key = last;
  spec->key_step = 1;
}

std::vector<CommandSpec> BuildTable() {
  std::vector<CommandSpec> table;
  AddGroup(&table, "string", table::StringCommands());
  AddGroup(&table, "generic", table::GenericCommands());
  AddGroup(&table, "hash", table::HashCommands());
  AddGroup(&table, "transactions", table::TransactionCommands());
  AddGroup(&table, "pubsub", table::PubsubCommands());
  AddGroup(&table, "server", table::ServerCommands());
  AddGroup(&table, "connection", table::ConnectionCommands());
  AddGroup(&table, "scripting", table::ScriptingCommands());
  uint32_t next_id = 0;
  for (CommandSpec& spec : table) {
    DeriveLegacyRange(&spec);
    spec.id = next_id++;
    for (CommandSpec& sub : spec.subcommands) sub.id = next_id++;
  }
  return table;
}

// History notes (in our words) and deprecations for COMMAND DOCS.
std::vector<DocExtras> BuildDocExtras() {
  constexpr std::string_view kExpireOptions = "Gained the NX, XX, GT and LT conditions.";
  constexpr std::string_view kTtlMinusTwo = "Replies -2 when the key does not exist.";
  return {
      {.full_name = "set", .history = {{"2.6.12", "Gained the EX, PX, NX and XX options."},
                                       {"6.0.0", "Gained the KEEPTTL option."},
                                       {"6.2.0", "Gained the GET, EXAT and PXAT options."},
                                       {"7.0.0", "NX and GET may be combined."}}},
      {.full_name = "getset", .deprecated_since = "6.2.0",
       .replaced_by = "`SET` with the `!GET` argument"},
      {.full_name = "substr", .deprecated_since = "2.0.0", .replaced_by = "`GETRANGE`"},
      {.full_name = "hset", .history = {{"4.0.0", "Takes several field-value pairs."}}},
      {.full_name = "hmset", .deprecated_since = "4.0.0",
       .replaced_by = "`HSET` with multiple field-value pairs"},
      {.full_name = "hdel", .history = {{"2.4.0", "Takes several fields."}}},
      {.full_name = "exists", .history = {{"3.0.3", "Takes several keys."}}},
      {.full_name = "scan", .history = {{"6.0.0", "Gained the TYPE filter."}}},
      {.full_name = "renamenx",
       .history = {{"3.2.0", "Renaming a key to its own name is no longer an error."}}},
      {.full_name = "flushdb", .history = {{"4.0.0", "Gained the ASYNC mode."},
                                           {"6.2.0", "Gained the SYNC mode."}}},
      {.full_name = "flushall", .history = {{"4.0.0", "Gained the ASYNC mode."},
                                            {"6.2.0", "Gained the SYNC mode."}}},
      {.full_name = "expire", .history = {{"7.0.0", kExpireOptions}}},
      {.full_name = "pexpire", .history = {{"7.0.0", kExpireOptions}}},
      {.full_name = "expireat", .history = {{"7.0.0", kExpireOptions}}},
      {.full_name = "pexpireat", .history = {{"7.0.0", kExpireOptions}}},
      {.full_name = "ttl", .history = {{"2.8.0", kTtlMinusTwo}}},
      {.full_name = "pttl", .history = {{"2.8.0", kTtlMinusTwo}}},
      {.full_name = "hello",
       .history = {{"6.2.0", "The protocol version became optional; without arguments the "
                             "reply describes the connection."}}},
      {.full_name = "auth", .history = {{"6.0.0", "Takes a user name for ACL users."}}},
      {.full_name = "client|kill",
       .history = {{"2.8.12", "Gained the filter form."},
                   {"2.8.12", "Gained the ID filter."},
                   {"3.2.0", "TYPE accepts master."},
                   {"5.0.0", "TYPE accepts replica; slave remains an alias."},
                   {"6.2.0", "Gained the LADDR filter."}}},
      {.full_name = "client|list",
       .history = {{"2.8.12", "Lists the id of each client."},
                   {"5.0.0", "Gained the TYPE filter."},
                   {"6.0.0", "Lists the user of each client."},
                   {"6.2.0", "Lists argv-mem, tot-mem, laddr and redir; gained the ID filter."},
                   {"7.0.0", "Lists resp, multi-mem, rbs and rbp."},
                   {"7.0.3", "Lists ssub."}}},
      {.full_name = "client|pause", .history = {{"6.2.0", "Gained the WRITE and ALL modes."}}},
      {.full_name = "bgsave", .history = {{"3.2.2", "Gained the SCHEDULE option."}}},
      {.full_name = "slaveof", .deprecated_since = "5.0.0", .replaced_by = "`REPLICAOF`"},
      {.full_name = "replconf", .syscmd = true},
      {.full_name = "info", .history = {{"7.0.0", "Takes several sections."}}},
      {.full_name = "config|get", .history = {{"7.0.0", "Takes several patterns."}}},
      {.full_name = "config|set", .history = {{"7.0.0", "Takes several parameters."}}},
      {.full_name = "shutdown", .history = {{"7.0.0", "Gained the NOW, FORCE and ABORT options."}}},
      {.full_name = "slowlog|get",
       .history = {{"4.0.0", "Entries include the client address and name."}}},
      {.full_name = "command|info",
       .history = {{"7.0.0", "Without names, describes every command."}}},
  };
}

}  // namespace

std::span<const CommandSpec> CommandTable() {
  static const std::vector<CommandSpec> table = BuildTable();
  return table;
}

std::span<const DocExtras> CommandDocExtras() {
  static const std::vector<DocExtras> extras = BuildDocExtras();
  return extras;
}

}  // namespace petrel::command
