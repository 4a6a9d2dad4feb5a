// The command table's generic (key and expiry) entries (see src/command/command_table.cc).
#include "table_helpers.h"

namespace petrel::command::table {

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
      {.name = "wait", .arity = 3, .flags = {F::kNoscript}, .acl = {C::kSlow, C::kConnection},
       .tips = "request_policy:all_shards response_policy:agg_min", .handler = h::Wait,
       .summary = "Waits until the replicas acknowledged this client's writes, or a timeout.",
       .since = "3.0.0", .complexity = "O(1)", .arguments = "numreplicas:integer timeout:integer"},
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

}  // namespace petrel::command::table
