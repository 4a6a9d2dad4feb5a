// The command table's hash and transaction entries (see src/command/command_table.cc).
#include "table_helpers.h"

namespace petrel::command::table {

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

}  // namespace petrel::command::table
