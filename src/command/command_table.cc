// The command table: every command Petrel implements, declared once. Arity, flags, ACL
// categories, key specs, tips, since, group, complexity and the argument grammar are the facts
// Redis 7.0 reports through COMMAND INFO / COMMAND DOCS (CLIENT SETINFO is modelled on 7.2);
// tests/integration/test_command_info.py compares every entry with a real redis-server. The
// summaries are our own. The legacy key range (first/last/step) is derived from the key specs.
#include <algorithm>
#include <climits>
#include <vector>

#include "../commands/handlers.h"
#include "petrel/command/registry.h"

// Entries name only the fields they set; every other field keeps its default. GCC 12 warns
// about designated initializers that leave fields out, which is the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace petrel::command {

namespace {

namespace h = petrel::commands;
using F = Flag;
using C = Acl;
using K = KeyFlag;

// Keys from argument `index` to `index + lastkey` (lastkey < 0 counts from the last argument:
// -1 is the last one), every `step` arguments.
KeySpec Key(KeyFlags flags, int index, int lastkey = 0, int step = 1) {
  return KeySpec{.flags = flags, .index = index, .lastkey = lastkey, .keystep = step};
}

KeySpec Noted(KeySpec spec, std::string_view notes) {
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
CommandSpec Help(std::string_view summary, AclCategories acl, Handler handler,
                 std::string_view since) {
  return {.name = "help", .arity = 2, .flags = kHelpFlags, .acl = acl, .handler = handler,
          .summary = summary, .since = since, .complexity = "O(1)"};
}

// A container without a handler of its own: its subcommands do the work.
CommandSpec Container(std::string_view name, std::string_view summary, std::string_view since,
                      std::vector<CommandSpec> subcommands) {
  return {.name = name, .arity = -2, .acl = {C::kSlow}, .summary = summary, .since = since,
          .complexity = "Depends on subcommand.", .subcommands = std::move(subcommands)};
}

std::vector<CommandSpec> StringCommands() {
  constexpr Flags kWriteFast{F::kWrite, F::kDenyOom, F::kFast};
  constexpr AclCategories kWriteFastAcl{C::kWrite, C::kString, C::kFast};
  constexpr AclCategories kWriteSlowAcl{C::kWrite, C::kString, C::kSlow};
  constexpr AclCategories kReadFastAcl{C::kRead, C::kString, C::kFast};
  constexpr AclCategories kReadSlowAcl{C::kRead, C::kString, C::kSlow};
  const KeySpec counter = Key({K::kRW, K::kAccess, K::kUpdate}, 1);
  return {
      {.name = "set", .arity = -3, .flags = {F::kWrite, F::kDenyOom}, .acl = kWriteSlowAcl,
       .key_specs = {Noted(Key({K::kRW, K::kAccess, K::kUpdate, K::kVariableFlags}, 1),
                           "RW and ACCESS due to the optional `GET` argument")},
       .handler = h::Set, .summary = "Stores a string under a key, with optional expiry and "
                                     "conditions.", .since = "1.0.0", .complexity = "O(1)",
       .arguments = "key:key value:string [condition(NX|XX)@2.6.12] [GET@6.2.0] "
                    "[expiration(EX=seconds:integer@2.6.12|PX=milliseconds:integer@2.6.12|"
                    "EXAT=unix-time-seconds:unix-time@6.2.0|"
                    "PXAT=unix-time-milliseconds:unix-time@6.2.0|KEEPTTL@6.0.0)]"},
      {.name = "get", .arity = 2, .flags = {F::kReadonly, F::kFast}, .acl = kReadFastAcl,
       .key_specs = {Key({K::kRO, K::kAccess}, 1)}, .handler = h::Get,
       .summary = "Returns the string stored at a key.", .since = "1.0.0", .complexity = "O(1)",
       .arguments = "key:key"},
      {.name = "getset", .arity = 3, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {Key({K::kRW, K::kAccess, K::kUpdate}, 1)}, .handler = h::GetSet,
       .summary = "Stores a new string value and returns the one it replaced.",
       .since = "1.0.0", .complexity = "O(1)", .arguments = "key:key value:string"},
      {.name = "getdel", .arity = 2, .flags = {F::kWrite, F::kFast}, .acl = kWriteFastAcl,
       .key_specs = {Key({K::kRW, K::kAccess, K::kDelete}, 1)}, .handler = h::GetDel,
       .summary = "Returns the string stored at a key and removes the key.", .since = "6.2.0",
       .complexity = "O(1)", .arguments = "key:key"},
      {.name = "getex", .arity = -2, .flags = {F::kWrite, F::kFast}, .acl = kWriteFastAcl,
       .key_specs = {Noted(Key({K::kRW, K::kAccess, K::kUpdate}, 1),
                           "RW and UPDATE because it changes the TTL")},
       .handler = h::GetEx,
       .summary = "Returns the string stored at a key and optionally changes its expiry.",
       .since = "6.2.0", .complexity = "O(1)",
       .arguments = "key:key [expiration(EX=seconds:integer|PX=milliseconds:integer|"
                    "EXAT=unix-time-seconds:unix-time|PXAT=unix-time-milliseconds:unix-time|"
                    "PERSIST)]"},
      {.name = "setnx", .arity = 3, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {Key({K::kOW, K::kInsert}, 1)}, .handler = h::SetNx,
       .summary = "Stores a string under a key only when the key is absent.", .since = "1.0.0",
       .complexity = "O(1)", .arguments = "key:key value:string"},
      {.name = "setex", .arity = 4, .flags = {F::kWrite, F::kDenyOom}, .acl = kWriteSlowAcl,
       .key_specs = {Key({K::kOW, K::kUpdate}, 1)}, .handler = h::SetEx,
       .summary = "Stores a string under a key with a time to live in seconds.",
       .since = "2.0.0", .complexity = "O(1)",
       .arguments = "key:key seconds:integer value:string"},
      {.name = "psetex", .arity = 4, .flags = {F::kWrite, F::kDenyOom}, .acl = kWriteSlowAcl,
       .key_specs = {Key({K::kOW, K::kUpdate}, 1)}, .handler = h::PSetEx,
       .summary = "Stores a string under a key with a time to live in milliseconds.",
       .since = "2.6.0", .complexity = "O(1)",
       .arguments = "key:key milliseconds:integer value:string"},
      {.name = "mset", .arity = -3, .flags = {F::kWrite, F::kDenyOom}, .acl = kWriteSlowAcl,
       .key_specs = {Key({K::kOW, K::kUpdate}, 1, -1, 2)},
       .tips = "request_policy:multi_shard response_policy:all_succeeded", .handler = h::MSet,
       .summary = "Stores several key-value pairs at once.", .since = "1.0.1",
       .complexity = "O(N) where N is the number of keys to set.",
       .arguments = "key_value(key:key value:string)..."},
      {.name = "msetnx", .arity = -3, .flags = {F::kWrite, F::kDenyOom}, .acl = kWriteSlowAcl,
       .key_specs = {Key({K::kOW, K::kInsert}, 1, -1, 2)},
       .tips = "request_policy:multi_shard response_policy:agg_min", .handler = h::MSetNx,
       .summary = "Stores several key-value pairs only if none of the keys exists.",
       .since = "1.0.1", .complexity = "O(N) where N is the number of keys to set.",
       .arguments = "key_value(key:key value:string)..."},
      {.name = "mget", .arity = -2, .flags = {F::kReadonly, F::kFast}, .acl = kReadFastAcl,
       .key_specs = {Key({K::kRO, K::kAccess}, 1, -1)}, .tips = "request_policy:multi_shard",
       .handler = h::MGet, .summary = "Returns the strings stored at several keys.",
       .since = "1.0.0", .complexity = "O(N) where N is the number of keys to retrieve.",
       .arguments = "key:key..."},
      {.name = "append", .arity = 3, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {Key({K::kRW, K::kInsert}, 1)}, .handler = h::Append,
       .summary = "Adds bytes to the end of the string at a key, creating it if needed.",
       .since = "2.0.0",
       .complexity = "O(1). The amortized time complexity is O(1) assuming the appended value "
                     "is small and the already present value is of any size, since the dynamic "
                     "string library used by Redis will double the free space available on "
                     "every reallocation.",
       .arguments = "key:key value:string"},
      {.name = "strlen", .arity = 2, .flags = {F::kReadonly, F::kFast}, .acl = kReadFastAcl,
       .key_specs = {Key({K::kRO}, 1)}, .handler = h::StrLen,
       .summary = "Returns the byte length of the string at a key.", .since = "2.2.0",
       .complexity = "O(1)", .arguments = "key:key"},
      {.name = "getrange", .arity = 4, .flags = {F::kReadonly}, .acl = kReadSlowAcl,
       .key_specs = {Key({K::kRO, K::kAccess}, 1)}, .handler = h::GetRange,
       .summary = "Returns a byte range of the string at a key.", .since = "2.4.0",
       .complexity = "O(N) where N is the length of the returned string. The complexity is "
                     "ultimately determined by the returned length, but because creating a "
                     "substring from an existing string is very cheap, it can be considered "
                     "O(1) for small strings.",
       .arguments = "key:key start:integer end:integer"},
      {.name = "substr", .arity = 4, .flags = {F::kReadonly}, .acl = kReadSlowAcl,
       .key_specs = {Key({K::kRO, K::kAccess}, 1)}, .handler = h::GetRange,
       .summary = "Returns a byte range of the string at a key (the old name of GETRANGE).",
       .since = "1.0.0",
       .complexity = "O(N) where N is the length of the returned string. The complexity is "
                     "ultimately determined by the returned length, but because creating a "
                     "substring from an existing string is very cheap, it can be considered "
                     "O(1) for small strings.",
       .arguments = "key:key start:integer end:integer"},
      {.name = "setrange", .arity = 4, .flags = {F::kWrite, F::kDenyOom}, .acl = kWriteSlowAcl,
       .key_specs = {Key({K::kRW, K::kUpdate}, 1)}, .handler = h::SetRange,
       .summary = "Overwrites the bytes of the string at a key from an offset on.",
       .since = "2.2.0",
       .complexity = "O(1), not counting the time taken to copy the new string in place. "
                     "Usually, this string is very small so the amortized complexity is O(1). "
                     "Otherwise, complexity is O(M) with M being the length of the value "
                     "argument.",
       .arguments = "key:key offset:integer value:string"},
      {.name = "incr", .arity = 2, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {counter}, .handler = h::Incr,
       .summary = "Adds one to the integer stored at a key.", .since = "1.0.0",
       .complexity = "O(1)", .arguments = "key:key"},
      {.name = "decr", .arity = 2, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {counter}, .handler = h::Decr,
       .summary = "Subtracts one from the integer stored at a key.", .since = "1.0.0",
       .complexity = "O(1)", .arguments = "key:key"},
      {.name = "incrby", .arity = 3, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {counter}, .handler = h::IncrBy,
       .summary = "Adds an integer amount to the integer stored at a key.", .since = "1.0.0",
       .complexity = "O(1)", .arguments = "key:key increment:integer"},
      {.name = "decrby", .arity = 3, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {counter}, .handler = h::DecrBy,
       .summary = "Subtracts an integer amount from the integer stored at a key.",
       .since = "1.0.0", .complexity = "O(1)", .arguments = "key:key decrement:integer"},
      {.name = "incrbyfloat", .arity = 3, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {counter}, .handler = h::IncrByFloat,
       .summary = "Adds a floating-point amount to the number stored at a key.",
       .since = "2.6.0", .complexity = "O(1)", .arguments = "key:key increment:double"},
      {.name = "lcs", .arity = -3, .flags = {F::kReadonly}, .acl = kReadSlowAcl,
       .key_specs = {Key({K::kRO, K::kAccess}, 1, 1)}, .handler = h::Lcs,
       .summary = "Finds the longest common subsequence of the strings at two keys.",
       .since = "7.0.0",
       .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively",
       .arguments = "key1:key key2:key#0 [LEN] [IDX] [MINMATCHLEN=len:integer] "
                    "[WITHMATCHLEN]"},
  };
}

std::vector<CommandSpec> GenericCommands() {
  constexpr AclCategories kWriteFastAcl{C::kKeyspace, C::kWrite, C::kFast};
  constexpr AclCategories kReadFastAcl{C::kKeyspace, C::kRead, C::kFast};
  constexpr AclCategories kReadSlowAcl{C::kKeyspace, C::kRead, C::kSlow};
  constexpr std::string_view kSumTips = "request_policy:multi_shard response_policy:agg_sum";
  const KeySpec expiring = Key({K::kRW, K::kUpdate}, 1);
  const KeySpec ttl_read = Key({K::kRO, K::kAccess}, 1);
  const KeySpec object_key = Key({K::kRO}, 2);
  auto expire = [&](std::string_view name, std::string_view since, std::string_view summary,
                    std::string_view arguments) {
    return CommandSpec{.name = name, .arity = -3, .flags = {F::kWrite, F::kFast},
                       .acl = kWriteFastAcl, .key_specs = {expiring}, .handler = h::Expire,
                       .summary = summary, .since = since, .complexity = "O(1)",
                       .arguments = arguments};
  };
  auto ttl = [&](std::string_view name, std::string_view since, std::string_view tips,
                 std::string_view summary) {
    return CommandSpec{.name = name, .arity = 2, .flags = {F::kReadonly, F::kFast},
                       .acl = kReadFastAcl, .key_specs = {ttl_read}, .tips = tips,
                       .handler = h::Ttl, .summary = summary, .since = since,
                       .complexity = "O(1)", .arguments = "key:key"};
  };
  auto object = [&](std::string_view name, Handler handler, std::string_view since,
                    std::string_view summary) {
    return CommandSpec{.name = name, .arity = 3, .flags = {F::kReadonly}, .acl = kReadSlowAcl,
                       .key_specs = {object_key}, .tips = "nondeterministic_output",
                       .handler = handler, .summary = summary, .since = since,
                       .complexity = "O(1)", .arguments = "key:key"};
  };
  return {
      {.name = "del", .arity = -2, .flags = {F::kWrite}, .acl = {C::kKeyspace, C::kWrite, C::kSlow},
       .key_specs = {Key({K::kRM, K::kDelete}, 1, -1)}, .tips = kSumTips, .handler = h::Del,
       .summary = "Removes keys and returns how many of them existed.", .since = "1.0.0",
       .complexity = "O(N) where N is the number of keys that will be removed. When a key to "
                     "remove holds a value other than a string, the individual complexity for "
                     "this key is O(M) where M is the number of elements in the list, set, "
                     "sorted set or hash. Removing a single key that holds a string value is "
                     "O(1).",
       .arguments = "key:key..."},
      {.name = "unlink", .arity = -2, .flags = {F::kWrite, F::kFast}, .acl = kWriteFastAcl,
       .key_specs = {Key({K::kRM, K::kDelete}, 1, -1)}, .tips = kSumTips, .handler = h::Del,
       .summary = "Removes keys, reclaiming their memory in the background.", .since = "4.0.0",
       .complexity = "O(1) for each key removed regardless of its size. Then the command does "
                     "O(N) work in a different thread in order to reclaim memory, where N is "
                     "the number of allocations the deleted objects where composed of.",
       .arguments = "key:key..."},
      {.name = "exists", .arity = -2, .flags = {F::kReadonly, F::kFast}, .acl = kReadFastAcl,
       .key_specs = {Key({K::kRO}, 1, -1)}, .tips = kSumTips, .handler = h::Exists,
       .summary = "Counts how many of the given keys exist.", .since = "1.0.0",
       .complexity = "O(N) where N is the number of keys to check.", .arguments = "key:key..."},
      {.name = "type", .arity = 2, .flags = {F::kReadonly, F::kFast}, .acl = kReadFastAcl,
       .key_specs = {Key({K::kRO}, 1)}, .handler = h::Type,
       .summary = "Returns the type of the value at a key.", .since = "1.0.0",
       .complexity = "O(1)", .arguments = "key:key"},
      {.name = "keys", .arity = 2, .flags = {F::kReadonly},
       .acl = {C::kKeyspace, C::kRead, C::kSlow, C::kDangerous},
       .tips = "request_policy:all_shards nondeterministic_output_order", .handler = h::Keys,
       .summary = "Returns every key that matches a glob-style pattern.", .since = "1.0.0",
       .complexity = "O(N) with N being the number of keys in the database, under the "
                     "assumption that the key names in the database and the given pattern have "
                     "limited length.",
       .arguments = "pattern:pattern"},
      {.name = "scan", .arity = -2, .flags = {F::kReadonly}, .acl = kReadSlowAcl,
       .tips = "nondeterministic_output request_policy:special", .handler = h::Scan,
       .summary = "Walks the keyspace a batch at a time with a cursor.", .since = "2.8.0",
       .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                     "command calls for the cursor to return back to 0. N is the number of "
                     "elements inside the collection.",
       .arguments = "cursor:integer [MATCH=pattern:pattern] [COUNT=count:integer] "
                    "[TYPE=type:string@6.0.0]"},
      {.name = "randomkey", .arity = 1, .flags = {F::kReadonly}, .acl = kReadSlowAcl,
       .tips = "request_policy:all_shards nondeterministic_output", .handler = h::RandomKey,
       .summary = "Returns a key picked at random.", .since = "1.0.0", .complexity = "O(1)"},
      {.name = "rename", .arity = 3, .flags = {F::kWrite},
       .acl = {C::kKeyspace, C::kWrite, C::kSlow},
       .key_specs = {Key({K::kRW, K::kAccess, K::kDelete}, 1), Key({K::kOW, K::kUpdate}, 2)},
       .handler = h::Rename, .summary = "Gives a key a new name, replacing any key there.",
       .since = "1.0.0", .complexity = "O(1)", .arguments = "key:key newkey:key"},
      {.name = "renamenx", .arity = 3, .flags = {F::kWrite, F::kFast}, .acl = kWriteFastAcl,
       .key_specs = {Key({K::kRW, K::kAccess, K::kDelete}, 1), Key({K::kOW, K::kInsert}, 2)},
       .handler = h::RenameNx, .summary = "Gives a key a new name unless that name is taken.",
       .since = "1.0.0", .complexity = "O(1)", .arguments = "key:key newkey:key"},
      {.name = "copy", .arity = -3, .flags = {F::kWrite, F::kDenyOom},
       .acl = {C::kKeyspace, C::kWrite, C::kSlow},
       .key_specs = {Key({K::kRO, K::kAccess}, 1), Key({K::kOW, K::kUpdate}, 2)},
       .handler = h::Copy, .summary = "Duplicates the value of a key under another key.",
       .since = "6.2.0",
       .complexity = "O(N) worst case for collections, where N is the number of nested items. "
                     "O(1) for string values.",
       .arguments = "source:key destination:key [DB=destination-db:integer] [REPLACE]"},
      {.name = "move", .arity = 3, .flags = {F::kWrite, F::kFast}, .acl = kWriteFastAcl,
       .key_specs = {Key({K::kRW, K::kAccess, K::kUpdate}, 1)}, .handler = h::Move,
       .summary = "Transfers a key to another database.", .since = "1.0.0",
       .complexity = "O(1)", .arguments = "key:key db:integer"},
      {.name = "touch", .arity = -2, .flags = {F::kReadonly, F::kFast}, .acl = kReadFastAcl,
       .key_specs = {Key({K::kRO}, 1, -1)}, .tips = kSumTips, .handler = h::Touch,
       .summary = "Refreshes the last access time of keys; counts those that exist.",
       .since = "3.2.1", .complexity = "O(N) where N is the number of keys that will be touched.",
       .arguments = "key:key..."},
      Container("object", "Container for commands that inspect stored values.", "2.2.3", {
          object("encoding", h::ObjectEncoding, "2.2.3",
                 "Returns the internal representation of the value at a key."),
          object("freq", h::ObjectFreq, "4.0.0",
                 "Returns the logarithmic access-frequency counter of a key."),
          Help("Lists the OBJECT subcommands.", {C::kKeyspace, C::kSlow}, h::ObjectHelp,
               "6.2.0"),
          object("idletime", h::ObjectIdleTime, "2.2.3",
                 "Returns the seconds since a key was last read or written."),
          object("refcount", h::ObjectRefCount, "2.2.3",
                 "Returns how many references the value at a key has."),
      }),
      expire("expire", "1.0.0", "Sets a key's time to live in seconds.",
             "key:key seconds:integer [condition(NX|XX|GT|LT)@7.0.0]"),
      expire("pexpire", "2.6.0", "Sets a key's time to live in milliseconds.",
             "key:key milliseconds:integer [condition(NX|XX|GT|LT)@7.0.0]"),
      expire("expireat", "1.2.0", "Makes a key expire at a Unix time in seconds.",
             "key:key unix-time-seconds:unix-time [condition(NX|XX|GT|LT)@7.0.0]"),
      expire("pexpireat", "2.6.0", "Makes a key expire at a Unix time in milliseconds.",
             "key:key unix-time-milliseconds:unix-time [condition(NX|XX|GT|LT)@7.0.0]"),
      ttl("ttl", "1.0.0", "nondeterministic_output",
          "Returns a key's remaining time to live in seconds."),
      ttl("pttl", "2.6.0", "nondeterministic_output",
          "Returns a key's remaining time to live in milliseconds."),
      ttl("expiretime", "7.0.0", "", "Returns the Unix time in seconds when a key expires."),
      ttl("pexpiretime", "7.0.0", "", "Returns the Unix time in milliseconds when a key expires."),
      {.name = "persist", .arity = 2, .flags = {F::kWrite, F::kFast}, .acl = kWriteFastAcl,
       .key_specs = {expiring}, .handler = h::Persist,
       .summary = "Removes the expiry of a key.", .since = "2.2.0", .complexity = "O(1)",
       .arguments = "key:key"},
  };
}

std::vector<CommandSpec> HashCommands() {
  constexpr Flags kWriteFast{F::kWrite, F::kDenyOom, F::kFast};
  constexpr Flags kReadFast{F::kReadonly, F::kFast};
  constexpr AclCategories kWriteFastAcl{C::kWrite, C::kHash, C::kFast};
  constexpr AclCategories kReadFastAcl{C::kRead, C::kHash, C::kFast};
  constexpr AclCategories kReadSlowAcl{C::kRead, C::kHash, C::kSlow};
  const KeySpec read_access = Key({K::kRO, K::kAccess}, 1);
  const KeySpec read_only = Key({K::kRO}, 1);
  const KeySpec increment = Key({K::kRW, K::kAccess, K::kUpdate}, 1);
  constexpr std::string_view kWholeHash = "O(N) where N is the size of the hash.";
  auto whole = [&](std::string_view name, Handler handler, std::string_view summary) {
    return CommandSpec{.name = name, .arity = 2, .flags = {F::kReadonly}, .acl = kReadSlowAcl,
                       .key_specs = {read_access}, .tips = "nondeterministic_output_order",
                       .handler = handler, .summary = summary, .since = "2.0.0",
                       .complexity = kWholeHash, .arguments = "key:key"};
  };
  return {
      {.name = "hset", .arity = -4, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {Key({K::kRW, K::kUpdate}, 1)}, .handler = h::HSet,
       .summary = "Stores values under fields of a hash; replies how many fields were new.",
       .since = "2.0.0",
       .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value "
                     "pairs when the command is called with multiple field/value pairs.",
       .arguments = "key:key field_value(field:string value:string)..."},
      {.name = "hsetnx", .arity = 4, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {Key({K::kRW, K::kInsert}, 1)}, .handler = h::HSetNx,
       .summary = "Stores a value under a hash field only when the field is absent.",
       .since = "2.0.0", .complexity = "O(1)",
       .arguments = "key:key field:string value:string"},
      {.name = "hget", .arity = 3, .flags = kReadFast, .acl = kReadFastAcl,
       .key_specs = {read_access}, .handler = h::HGet,
       .summary = "Returns the value of one field of a hash.", .since = "2.0.0",
       .complexity = "O(1)", .arguments = "key:key field:string"},
      {.name = "hmset", .arity = -4, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {Key({K::kRW, K::kUpdate}, 1)}, .handler = h::HSet,
       .summary = "Stores values under fields of a hash (the old form of HSET).",
       .since = "2.0.0", .complexity = "O(N) where N is the number of fields being set.",
       .arguments = "key:key field_value(field:string value:string)..."},
      {.name = "hmget", .arity = -3, .flags = kReadFast, .acl = kReadFastAcl,
       .key_specs = {read_access}, .handler = h::HMGet,
       .summary = "Returns the values of several fields of a hash.", .since = "2.0.0",
       .complexity = "O(N) where N is the number of fields being requested.",
       .arguments = "key:key field:string..."},
      {.name = "hdel", .arity = -3, .flags = {F::kWrite, F::kFast}, .acl = kWriteFastAcl,
       .key_specs = {Key({K::kRW, K::kDelete}, 1)}, .handler = h::HDel,
       .summary = "Removes fields from a hash; replies how many existed.", .since = "2.0.0",
       .complexity = "O(N) where N is the number of fields to be removed.",
       .arguments = "key:key field:string..."},
      {.name = "hexists", .arity = 3, .flags = kReadFast, .acl = kReadFastAcl,
       .key_specs = {read_only}, .handler = h::HExists,
       .summary = "Tells whether a hash has a field.", .since = "2.0.0", .complexity = "O(1)",
       .arguments = "key:key field:string"},
      whole("hgetall", h::HGetAll, "Returns every field of a hash with its value."),
      whole("hkeys", h::HKeys, "Returns the field names of a hash."),
      whole("hvals", h::HVals, "Returns the values of a hash."),
      {.name = "hlen", .arity = 2, .flags = kReadFast, .acl = kReadFastAcl,
       .key_specs = {read_only}, .handler = h::HLen,
       .summary = "Returns how many fields a hash has.", .since = "2.0.0",
       .complexity = "O(1)", .arguments = "key:key"},
      {.name = "hstrlen", .arity = 3, .flags = kReadFast, .acl = kReadFastAcl,
       .key_specs = {read_only}, .handler = h::HStrLen,
       .summary = "Returns the byte length of the value of a hash field.", .since = "3.2.0",
       .complexity = "O(1)", .arguments = "key:key field:string"},
      {.name = "hincrby", .arity = 4, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {increment}, .handler = h::HIncrBy,
       .summary = "Adds an integer amount to the integer in a hash field.", .since = "2.0.0",
       .complexity = "O(1)", .arguments = "key:key field:string increment:integer"},
      {.name = "hincrbyfloat", .arity = 4, .flags = kWriteFast, .acl = kWriteFastAcl,
       .key_specs = {increment}, .handler = h::HIncrByFloat,
       .summary = "Adds a floating-point amount to the number in a hash field.",
       .since = "2.6.0", .complexity = "O(1)",
       .arguments = "key:key field:string increment:double"},
      {.name = "hrandfield", .arity = -2, .flags = {F::kReadonly}, .acl = kReadSlowAcl,
       .key_specs = {read_access}, .tips = "nondeterministic_output", .handler = h::HRandField,
       .summary = "Returns fields of a hash picked at random, optionally with their values.",
       .since = "6.2.0", .complexity = "O(N) where N is the number of fields returned",
       .arguments = "key:key [options(count:integer [WITHVALUES])]"},
      {.name = "hscan", .arity = -3, .flags = {F::kReadonly}, .acl = kReadSlowAcl,
       .key_specs = {read_access}, .tips = "nondeterministic_output", .handler = h::HScan,
       .summary = "Walks the fields and values of a hash a batch at a time with a cursor.",
       .since = "2.8.0",
       .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                     "command calls for the cursor to return back to 0. N is the number of "
                     "elements inside the collection..",
       .arguments = "key:key cursor:integer [MATCH=pattern:pattern] [COUNT=count:integer]"},
  };
}

std::vector<CommandSpec> TransactionCommands() {
  constexpr Flags kControlFlags{F::kNoscript, F::kLoading, F::kStale, F::kFast, F::kAllowBusy};
  constexpr AclCategories kFastAcl{C::kFast, C::kTransaction};
  return {
      {.name = "multi", .arity = 1, .flags = kControlFlags, .acl = kFastAcl,
       .handler = h::Multi, .summary = "Starts queuing commands for a transaction.",
       .since = "1.2.0", .complexity = "O(1)"},
      {.name = "exec", .arity = 1, .flags = {F::kNoscript, F::kLoading, F::kStale,
                                             F::kSkipSlowlog},
       .acl = {C::kSlow, C::kTransaction}, .handler = h::Exec,
       .summary = "Runs the queued commands of a transaction as one atomic step.",
       .since = "1.2.0", .complexity = "Depends on commands in the transaction"},
      {.name = "discard", .arity = 1, .flags = kControlFlags, .acl = kFastAcl,
       .handler = h::Discard, .summary = "Drops the queued commands of a transaction.",
       .since = "2.0.0", .complexity = "O(N), when N is the number of queued commands"},
      {.name = "watch", .arity = -2, .flags = kControlFlags, .acl = kFastAcl,
       .key_specs = {Key({K::kRO}, 1, -1)}, .handler = h::Watch,
       .summary = "Makes the next transaction fail if any of the given keys changes first.",
       .since = "2.2.0", .complexity = "O(1) for every key.", .arguments = "key:key..."},
      {.name = "unwatch", .arity = 1, .flags = kControlFlags, .acl = kFastAcl,
       .handler = h::Unwatch, .summary = "Forgets every key the connection watches.",
       .since = "2.2.0", .complexity = "O(1)"},
  };
}

std::vector<CommandSpec> ServerCommands() {
  constexpr std::string_view kAllShardsOk =
      "request_policy:all_shards response_policy:all_succeeded";
  constexpr std::string_view kAllNodesOk =
      "request_policy:all_nodes response_policy:all_succeeded";
  constexpr AclCategories kFlushAcl{C::kKeyspace, C::kWrite, C::kSlow, C::kDangerous};
  constexpr Flags kSlowlogFlags{F::kAdmin, F::kLoading, F::kStale};
  constexpr Flags kCommandFlags = kIntrospectFlags;
  constexpr AclCategories kCommandAcl{C::kSlow, C::kConnection};
  auto config = [&](std::string_view name, int arity, std::string_view tips, Handler handler,
                    std::string_view since, std::string_view complexity,
                    std::string_view summary, std::string_view arguments) {
    return CommandSpec{.name = name, .arity = arity, .flags = kAdminFlags, .acl = kAdminAcl,
                       .tips = tips, .handler = handler, .summary = summary, .since = since,
                       .complexity = complexity, .arguments = arguments};
  };
  auto introspect = [&](std::string_view name, int arity, std::string_view tips,
                        Handler handler, std::string_view since, std::string_view complexity,
                        std::string_view summary, std::string_view arguments) {
    return CommandSpec{.name = name, .arity = arity, .flags = kCommandFlags,
                       .acl = kCommandAcl, .tips = tips, .handler = handler,
                       .summary = summary, .since = since, .complexity = complexity,
                       .arguments = arguments};
  };
  constexpr std::string_view kConfigCost =
      "O(N) when N is the number of configuration parameters provided";
  constexpr std::string_view kLookupCost = "O(N) where N is the number of commands to look up";
  constexpr std::string_view kGetKeysCost =
      "O(N) where N is the number of arguments to the command";
  constexpr std::string_view kAllCommandsCost = "O(N) where N is the total number of Redis commands";
  return {
      {.name = "dbsize", .arity = 1, .flags = {F::kReadonly, F::kFast},
       .acl = {C::kKeyspace, C::kRead, C::kFast},
       .tips = "request_policy:all_shards response_policy:agg_sum", .handler = h::DbSize,
       .summary = "Returns the number of keys in the current database.", .since = "1.0.0",
       .complexity = "O(1)"},
      {.name = "flushdb", .arity = -1, .flags = {F::kWrite}, .acl = kFlushAcl,
       .tips = kAllShardsOk, .handler = h::FlushDb,
       .summary = "Deletes every key of the current database.", .since = "1.0.0",
       .complexity = "O(N) where N is the number of keys in the selected database",
       .arguments = "[async(ASYNC@4.0.0|SYNC@6.2.0)]"},
      {.name = "flushall", .arity = -1, .flags = {F::kWrite}, .acl = kFlushAcl,
       .tips = kAllShardsOk, .handler = h::FlushAll,
       .summary = "Deletes every key of every database.", .since = "1.0.0",
       .complexity = "O(N) where N is the total number of keys in all databases",
       .arguments = "[async(ASYNC@4.0.0|SYNC@6.2.0)]"},
      {.name = "swapdb", .arity = 3, .flags = {F::kWrite, F::kFast},
       .acl = {C::kKeyspace, C::kWrite, C::kFast, C::kDangerous}, .handler = h::SwapDb,
       .summary = "Exchanges the contents of two databases.", .since = "4.0.0",
       .complexity = "O(N) where N is the count of clients watching or blocking on keys from "
                     "both databases.",
       .arguments = "index1:integer index2:integer"},
      Container("memory", "Container for memory inspection commands.", "4.0.0", {
          {.name = "usage", .arity = -3, .flags = {F::kReadonly}, .acl = {C::kRead, C::kSlow},
           .key_specs = {Key({K::kRO}, 2)}, .handler = h::MemoryUsage,
           .summary = "Estimates the bytes a key and its value occupy in memory.",
           .since = "4.0.0", .complexity = "O(N) where N is the number of samples.",
           .arguments = "key:key [SAMPLES=count:integer]"},
          Help("Lists the MEMORY subcommands.", {C::kSlow}, h::MemoryHelp, "4.0.0"),
      }),
      {.name = "info", .arity = -1, .flags = {F::kLoading, F::kStale},
       .acl = {C::kSlow, C::kDangerous},
       .tips = "nondeterministic_output request_policy:all_shards response_policy:special",
       .handler = h::Info, .summary = "Reports server information and statistics by section.",
       .since = "1.0.0", .complexity = "O(1)", .arguments = "[section:string...]"},
      Container("config", "Container for configuration commands.", "2.0.0", {
          config("get", -3, "", h::ConfigGet, "2.0.0", kConfigCost,
                 "Returns the configuration parameters that match patterns.",
                 "parameter(parameter:string)..."),
          config("set", -4, kAllNodesOk, h::ConfigSet, "2.0.0", kConfigCost,
                 "Changes configuration parameters while the server runs.",
                 "parameter_value(parameter:string value:string)..."),
          config("resetstat", 2, "", h::ConfigResetStat, "2.0.0", "O(1)",
                 "Zeroes the statistics that INFO reports.", ""),
          config("rewrite", 2, "", h::ConfigRewrite, "2.8.0", "O(1)",
                 "Writes the running configuration back to the configuration file.", ""),
          Help("Lists the CONFIG subcommands.", {C::kSlow}, h::ConfigHelp, "5.0.0"),
      }),
      {.name = "time", .arity = 1, .flags = {F::kLoading, F::kStale, F::kFast},
       .acl = {C::kFast}, .tips = "nondeterministic_output", .handler = h::Time,
       .summary = "Returns the server clock as seconds and microseconds.", .since = "2.6.0",
       .complexity = "O(1)"},
      {.name = "monitor", .arity = 1, .flags = kAdminFlags, .acl = kAdminAcl,
       .handler = h::Monitor,
       .summary = "Streams every command the server runs to this connection.",
       .since = "1.0.0"},
      {.name = "shutdown", .arity = -1,
       .flags = {F::kAdmin, F::kNoscript, F::kLoading, F::kStale, F::kNoMulti, F::kAllowBusy},
       .acl = kAdminAcl, .handler = h::Shutdown,
       .summary = "Stops the server, saving the data first unless told otherwise.",
       .since = "1.0.0",
       .complexity = "O(N) when saving, where N is the total number of keys in all databases "
                     "when saving data, otherwise O(1)",
       .arguments = "[nosave_save(NOSAVE|SAVE)] [NOW@7.0.0] [FORCE@7.0.0] [ABORT@7.0.0]"},
      Container("slowlog", "Container for slow log commands.", "2.2.12", {
          {.name = "get", .arity = -2, .flags = kSlowlogFlags, .acl = kAdminAcl,
           .tips = "request_policy:all_nodes nondeterministic_output", .handler = h::SlowlogGet,
           .summary = "Returns the newest entries of the slow log.", .since = "2.2.12",
           .complexity = "O(N) where N is the number of entries returned",
           .arguments = "[count:integer]"},
          {.name = "len", .arity = 2, .flags = kSlowlogFlags, .acl = kAdminAcl,
           .tips = "request_policy:all_nodes response_policy:agg_sum nondeterministic_output",
           .handler = h::SlowlogLen, .summary = "Returns how many entries the slow log holds.",
           .since = "2.2.12", .complexity = "O(1)"},
          {.name = "reset", .arity = 2, .flags = kSlowlogFlags, .acl = kAdminAcl,
           .tips = kAllNodesOk, .handler = h::SlowlogReset, .summary = "Empties the slow log.",
           .since = "2.2.12",
           .complexity = "O(N) where N is the number of entries in the slowlog"},
          Help("Lists the SLOWLOG subcommands.", {C::kSlow}, h::SlowlogHelp, "6.2.0"),
      }),
      Container("latency", "Container for latency monitoring commands.", "2.8.13", {
          {.name = "latest", .arity = 2, .flags = kAdminFlags, .acl = kAdminAcl,
           .tips = "nondeterministic_output request_policy:all_nodes response_policy:special",
           .handler = h::LatencyLatest,
           .summary = "Returns the latest latency spike of every event.", .since = "2.8.13",
           .complexity = "O(1)"},
          {.name = "reset", .arity = -2, .flags = kAdminFlags, .acl = kAdminAcl,
           .tips = kAllNodesOk, .handler = h::LatencyReset,
           .summary = "Forgets the latency spikes of some or all events.", .since = "2.8.13",
           .complexity = "O(1)", .arguments = "[event:string...]"},
          Help("Lists the LATENCY subcommands.", {C::kSlow}, h::LatencyHelp, "2.8.13"),
      }),
      {.name = "command", .arity = -1, .flags = kCommandFlags, .acl = kCommandAcl,
       .tips = "nondeterministic_output_order", .handler = h::Command,
       .summary = "Describes every command the server implements.", .since = "2.8.13",
       .complexity = kAllCommandsCost,
       .subcommands = {
           introspect("count", 2, "", h::CommandCount, "2.8.13", "O(1)",
                      "Returns the number of commands.", ""),
           introspect("info", -2, "nondeterministic_output_order", h::CommandInfo, "2.8.13",
                      kLookupCost, "Describes the given commands, or all of them.",
                      "[command-name:string...]"),
           introspect("docs", -2, "nondeterministic_output_order", h::CommandDocs, "7.0.0",
                      kLookupCost, "Documents the given commands, or all of them.",
                      "[command-name:string...]"),
           introspect("list", -2, "nondeterministic_output_order", h::CommandList, "7.0.0",
                      kAllCommandsCost, "Returns the command names, optionally filtered.",
                      "[FILTERBY=filterby(MODULE=module-name:string|ACLCAT=category:string|"
                      "PATTERN=pattern:pattern)]"),
           introspect("getkeys", -4, "", h::CommandGetKeys, "2.8.13", kGetKeysCost,
                      "Returns the key arguments of a full command line.", ""),
           introspect("getkeysandflags", -4, "", h::CommandGetKeysAndFlags, "7.0.0",
                      kGetKeysCost,
                      "Returns the key arguments of a command line and how it uses each.", ""),
           Help("Lists the COMMAND subcommands.", kCommandAcl, h::CommandHelp, "5.0.0"),
       }},
  };
}

std::vector<CommandSpec> ConnectionCommands() {
  constexpr Flags kHandshakeFlags{F::kNoscript, F::kLoading, F::kStale,
                                  F::kFast,     F::kNoAuth,  F::kAllowBusy};
  constexpr AclCategories kFastAcl{C::kFast, C::kConnection};
  auto client = [&](std::string_view name, int arity, Handler handler, std::string_view since,
                    std::string_view summary, std::string_view arguments) {
    return CommandSpec{.name = name, .arity = arity, .flags = kClientFlags, .acl = kClientAcl,
                       .handler = handler, .summary = summary, .since = since,
                       .complexity = "O(1)", .arguments = arguments};
  };
  auto admin = [&](std::string_view name, int arity, Handler handler, std::string_view since,
                   std::string_view complexity, std::string_view summary,
                   std::string_view arguments) {
    return CommandSpec{.name = name, .arity = arity, .flags = kAdminFlags,
                       .acl = kClientAdminAcl, .handler = handler, .summary = summary,
                       .since = since, .complexity = complexity, .arguments = arguments};
  };
  CommandSpec list = admin("list", -2, h::ClientList, "2.4.0",
                           "O(N) where N is the number of client connections",
                           "Describes the connected clients.",
                           "[TYPE=normal_master_replica_pubsub(NORMAL|MASTER|REPLICA|PUBSUB)"
                           "@5.0.0] [ID=id(client-id:integer...)@6.2.0]");
  list.tips = "nondeterministic_output";
  CommandSpec info = client("info", 2, h::ClientInfo, "6.2.0",
                            "Describes the current connection.", "");
  info.tips = "nondeterministic_output";
  return {
      {.name = "select", .arity = 2, .flags = {F::kLoading, F::kStale, F::kFast},
       .acl = kFastAcl, .handler = h::Select,
       .summary = "Switches the connection to another database.", .since = "1.0.0",
       .complexity = "O(1)", .arguments = "index:integer"},
      {.name = "ping", .arity = -1, .flags = {F::kFast}, .acl = kFastAcl,
       .tips = "request_policy:all_shards response_policy:all_succeeded", .handler = h::Ping,
       .summary = "Checks that the server answers.", .since = "1.0.0", .complexity = "O(1)",
       .arguments = "[message:string]"},
      {.name = "echo", .arity = 2, .flags = {F::kLoading, F::kStale, F::kFast},
       .acl = kFastAcl, .handler = h::Echo, .summary = "Replies with the given message.",
       .since = "1.0.0", .complexity = "O(1)", .arguments = "message:string"},
      {.name = "quit", .arity = -1, .flags = kHandshakeFlags, .acl = kFastAcl,
       .handler = h::Quit, .summary = "Closes the connection once the reply is sent.",
       .since = "1.0.0", .complexity = "O(1)"},
      {.name = "reset", .arity = 1, .flags = kHandshakeFlags, .acl = kFastAcl,
       .handler = h::Reset, .summary = "Puts the connection back in its initial state.",
       .since = "6.2.0", .complexity = "O(1)"},
      {.name = "hello", .arity = -1, .flags = kHandshakeFlags, .acl = kFastAcl,
       .handler = h::Hello,
       .summary = "Chooses the protocol version; can also authenticate and name the "
                  "connection.",
       .since = "6.0.0", .complexity = "O(1)",
       .arguments = "[arguments(protover:integer "
                    "[AUTH=username_password(username:string password:string)] "
                    "[SETNAME=clientname:string])]"},
      {.name = "auth", .arity = -2, .flags = kHandshakeFlags, .acl = kFastAcl,
       .handler = h::Auth, .summary = "Authenticates the connection.", .since = "1.0.0",
       .complexity = "O(N) where N is the number of passwords defined for the user",
       .arguments = "[username:string@6.0.0] password:string"},
      Container("client", "Container for commands about client connections.", "2.4.0", {
          client("id", 2, h::ClientId, "5.0.0", "Returns the id of the connection.", ""),
          client("setname", 3, h::ClientSetName, "2.6.9", "Gives the connection a name.",
                 "connection-name:string"),
          client("getname", 2, h::ClientGetName, "2.6.9",
                 "Returns the name of the connection.", ""),
          list,
          info,
          admin("kill", -3, h::ClientKill, "2.4.0",
                "O(N) where N is the number of client connections",
                "Closes the connections that match a filter.",
                "filter(ip:port:string!2.8.12|new-format([ID=client-id:integer@2.8.12]|"
                "[TYPE=normal_master_slave_pubsub(NORMAL|MASTER@3.2.0|SLAVE|REPLICA@5.0.0|"
                "PUBSUB)@2.8.12]|[USER=username:string]|[ADDR=ip:port:string]|"
                "[LADDR=ip:port:string@6.2.0]|[SKIPME=yes/no:string])...)"),
          client("setinfo", 4, h::ClientSetInfo, "7.2.0",
                 "Records the client library's name or version on the connection.",
                 "attr(lib-name=libname:string|lib-ver=libver:string)"),
          client("reply", 3, h::ClientReply, "3.2.0",
                 "Turns replies to this connection on or off, or skips the next one.",
                 "on_off_skip(ON|OFF|SKIP)"),
          admin("no-evict", 3, h::ClientNoEvict, "7.0.0", "O(1)",
                "Exempts the connection from client eviction, or not.", "enabled(ON|OFF)"),
          admin("pause", -3, h::ClientPause, "2.9.50", "O(1)",
                "Holds back the commands of clients for a while.",
                "timeout:integer [mode(WRITE|ALL)@6.2.0]"),
          admin("unpause", 2, h::ClientUnpause, "6.2.0",
                "O(N) Where N is the number of paused clients", "Ends a CLIENT PAUSE.", ""),
          Help("Lists the CLIENT subcommands.", kClientAcl, h::ClientHelp, "5.0.0"),
      }),
  };
}

std::vector<CommandSpec> ScriptingCommands() {
  return {
      Container("function", "Container for function library commands.", "7.0.0", {
          {.name = "flush", .arity = -2, .flags = {F::kWrite, F::kNoscript},
           .acl = {C::kWrite, C::kSlow, C::kScripting},
           .tips = "request_policy:all_shards response_policy:all_succeeded",
           .handler = h::FunctionFlush, .summary = "Removes every function library.",
           .since = "7.0.0", .complexity = "O(N) where N is the number of functions deleted",
           .arguments = "[async(ASYNC|SYNC)]"},
          {.name = "list", .arity = -2, .flags = {F::kNoscript},
           .acl = {C::kSlow, C::kScripting}, .tips = "nondeterministic_output_order",
           .handler = h::FunctionList, .summary = "Describes the loaded function libraries.",
           .since = "7.0.0", .complexity = "O(N) where N is the number of functions",
           .arguments = "[LIBRARYNAME=library-name-pattern:string] [WITHCODE]"},
          Help("Lists the FUNCTION subcommands.", {C::kSlow, C::kScripting}, h::FunctionHelp,
               "7.0.0"),
      }),
  };
}

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
  AddGroup(&table, "string", StringCommands());
  AddGroup(&table, "generic", GenericCommands());
  AddGroup(&table, "hash", HashCommands());
  AddGroup(&table, "transactions", TransactionCommands());
  AddGroup(&table, "server", ServerCommands());
  AddGroup(&table, "connection", ConnectionCommands());
  AddGroup(&table, "scripting", ScriptingCommands());
  for (CommandSpec& spec : table) DeriveLegacyRange(&spec);
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
