// The command table's connection and scripting entries (see src/command/command_table.cc).
#include "table_helpers.h"

namespace petrel::command::table {

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

}  // namespace petrel::command::table
