// What a command handler gets: its arguments, the reply builder, the client and the server.
#pragma once

#include <span>
#include <string_view>

#include "petrel/command/client_state.h"
#include "petrel/resp/reply_builder.h"

namespace petrel::storage {
class Keyspace;
}

namespace petrel::command {

class Dispatcher;
struct CommandSpec;

class CommandContext {
 public:
  CommandContext(std::span<const std::string_view> args, resp::ReplyBuilder& reply,
                 ClientState& client, Dispatcher& server, const CommandSpec& spec)
      : args(args), reply(reply), client(client), server(server), spec(spec) {}

  std::span<const std::string_view> args;
  resp::ReplyBuilder& reply;
  ClientState& client;
  Dispatcher& server;
  const CommandSpec& spec;

  size_t argc() const { return args.size(); }
  std::string_view arg(size_t i) const { return args[i]; }
  int db() const { return client.db; }
  storage::Keyspace& keyspace();
  int64_t NowMs() const;
  // The command changed `key` in the client's database (Redis's signalModifiedKey).
  void Modified(std::string_view key);
  // A keyspace notification of class `type` ('g', '$', 'h', ...) for `key` in the client's db.
  void Notify(char type, std::string_view event, std::string_view key);
};

}  // namespace petrel::command
