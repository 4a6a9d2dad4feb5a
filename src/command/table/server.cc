// The command table's server-group entries (see src/command/command_table.cc).
#include "table_helpers.h"

namespace petrel::command::table {

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
  constexpr std::string_view kReplicaOfArgs =
      "args(host-port(host:string port:integer)|no-one(NO ONE))";
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
      {.name = "save", .arity = 1,
       .flags = {F::kAdmin, F::kNoscript, F::kNoAsyncLoading, F::kNoMulti}, .acl = kAdminAcl,
       .handler = h::Save, .summary = "Writes the dataset to the RDB file, blocking meanwhile.",
       .since = "1.0.0",
       .complexity = "O(N) where N is the total number of keys in all databases"},
      {.name = "bgsave", .arity = -1, .flags = {F::kAdmin, F::kNoscript, F::kNoAsyncLoading},
       .acl = kAdminAcl, .handler = h::Bgsave,
       .summary = "Writes the dataset to the RDB file from a forked child.", .since = "1.0.0",
       .complexity = "O(1)", .arguments = "[SCHEDULE@3.2.2]"},
      {.name = "lastsave", .arity = 1, .flags = {F::kLoading, F::kStale, F::kFast},
       .acl = {C::kAdmin, C::kFast, C::kDangerous}, .tips = "nondeterministic_output",
       .handler = h::LastSave, .summary = "Returns the unix time of the last successful save.",
       .since = "1.0.0", .complexity = "O(1)"},
      {.name = "bgrewriteaof", .arity = 1, .flags = {F::kAdmin, F::kNoscript, F::kNoAsyncLoading},
       .acl = kAdminAcl, .handler = h::BgRewriteAof,
       .summary = "Rewrites the append-only file from a forked child.", .since = "1.0.0",
       .complexity = "O(1)"},
      {.name = "replicaof", .arity = 3,
       .flags = {F::kAdmin, F::kNoscript, F::kStale, F::kNoAsyncLoading}, .acl = kAdminAcl,
       .handler = h::ReplicaOf,
       .summary = "Follows another server as its replica, or stops following (NO ONE).",
       .since = "5.0.0", .complexity = "O(1)", .arguments = kReplicaOfArgs},
      {.name = "slaveof", .arity = 3,
       .flags = {F::kAdmin, F::kNoscript, F::kStale, F::kNoAsyncLoading}, .acl = kAdminAcl,
       .handler = h::ReplicaOf, .summary = "The old name of REPLICAOF.", .since = "1.0.0",
       .complexity = "O(1)", .arguments = kReplicaOfArgs},
      {.name = "role", .arity = 1, .flags = {F::kNoscript, F::kLoading, F::kStale, F::kFast},
       .acl = {C::kAdmin, C::kFast, C::kDangerous}, .handler = h::Role,
       .summary = "Returns whether this server is a primary or a replica, with its links.",
       .since = "2.8.12", .complexity = "O(1)"},
      {.name = "replconf", .arity = -1,
       .flags = {F::kAdmin, F::kNoscript, F::kLoading, F::kStale, F::kAllowBusy},
       .acl = kAdminAcl, .handler = h::Replconf,
       .summary = "Configures a replication link (sent between servers).", .since = "3.0.0",
       .complexity = "O(1)"},
      {.name = "psync", .arity = -3,
       .flags = {F::kAdmin, F::kNoscript, F::kNoAsyncLoading, F::kNoMulti}, .acl = kAdminAcl,
       .handler = h::Psync, .summary = "Starts a replication stream (sent by replicas).",
       .since = "2.8.0", .arguments = "replicationid:string offset:integer"},
      {.name = "sync", .arity = 1,
       .flags = {F::kAdmin, F::kNoscript, F::kNoAsyncLoading, F::kNoMulti}, .acl = kAdminAcl,
       .handler = h::Psync, .summary = "Starts a full replication stream (old replicas).",
       .since = "1.0.0"},
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

}  // namespace petrel::command::table
