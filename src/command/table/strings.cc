// The command table's string-group entries (see src/command/command_table.cc).
#include "table_helpers.h"

namespace petrel::command::table {

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

}  // namespace petrel::command::table
