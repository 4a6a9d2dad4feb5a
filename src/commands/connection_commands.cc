// Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH.
#include "handlers.h"
#include "key_access.h"
#include "petrel/command/arg_parser.h"
#include "petrel/command/dispatcher.h"
#include "petrel/util/numbers.h"
#include "petrel/version.h"

namespace petrel::commands {

void Ping(CommandContext& c) {
  if (c.argc() > 2) {
    c.reply.Error("wrong number of arguments for 'ping' command");
    return;
  }
  // A RESP2 connection in subscribed mode gets PING's answer in the shape of a message.
  if (c.client.resp == 2 && c.client.subscriptions.any()) {
    c.reply.Array(2);
    c.reply.Bulk("pong");
    c.reply.Bulk(c.argc() == 2 ? c.arg(1) : std::string_view());
    return;
  }
  if (c.argc() == 1) {
    c.reply.Raw("+PONG\r\n");
  } else {
    c.reply.Bulk(c.arg(1));
  }
}

void Echo(CommandContext& c) { c.reply.Bulk(c.arg(1)); }

void Quit(CommandContext& c) {
  c.reply.Ok();
  c.client.close_after_reply = true;
}

void Reset(CommandContext& c) {
  command::ClientState& cl = c.client;
  cl.db = 0;
  cl.resp = 2;
  c.reply.set_protocol(2);
  cl.name.clear();
  cl.reply_off = false;
  cl.skip_this_reply = false;
  cl.skip_next_reply = false;
  cl.no_evict = false;
  cl.authenticated = c.server.settings().requirepass.empty();
  c.server.pubsub().RemoveClient(&cl);
  c.server.EndTransaction(cl);
  c.server.RemoveMonitor(&cl);
  c.reply.SimpleString("RESET");
}

namespace {

// Checks a password for `user` against requirepass (only the default user exists).
bool CheckPassword(CommandContext& c, std::string_view user, std::string_view password) {
  const std::string& required = c.server.settings().requirepass;
  if (user != "default") return false;
  return required.empty() || password == required;
}

constexpr std::string_view kWrongPass =
    "-WRONGPASS invalid username-password pair or user is disabled.";

}  // namespace

void Auth(CommandContext& c) {
  if (c.argc() > 3) {
    c.reply.Error(command::errors::kSyntax);
    return;
  }
  for (size_t i = 1; i < c.argc(); ++i) c.server.RedactArgument(i);
  std::string_view user = "default";
  std::string_view password;
  if (c.argc() == 2) {
    if (c.server.settings().requirepass.empty()) {
      c.reply.Error(
          "AUTH <password> called without any password configured for the default user. Are "
          "you sure your configuration is correct?");
      return;
    }
    password = c.arg(1);
  } else {
    user = c.arg(1);
    password = c.arg(2);
  }
  if (!CheckPassword(c, user, password)) {
    c.reply.Error(kWrongPass);
    return;
  }
  c.client.authenticated = true;
  c.reply.Ok();
}

void Hello(CommandContext& c) {
  int64_t version = 0;
  size_t next = 1;
  if (c.argc() >= 2) {
    auto v = util::ParseInt64(c.arg(next++));
    if (!v) {
      c.reply.Error("Protocol version is not an integer or out of range");
      return;
    }
    if (*v < 2 || *v > 3) {
      c.reply.Error("-NOPROTO unsupported protocol version");
      return;
    }
    version = *v;
  }
  // Options take effect in order, as in Redis: an error leaves the earlier ones applied.
  for (size_t j = next; j < c.argc(); ++j) {
    const size_t more = c.argc() - 1 - j;
    std::string_view opt = c.arg(j);
    if (command::EqualsIgnoreCase(opt, "auth") && more >= 2) {
      c.server.RedactArgument(j + 1);
      c.server.RedactArgument(j + 2);
      if (!CheckPassword(c, c.arg(j + 1), c.arg(j + 2))) {
        c.reply.Error(kWrongPass);
        return;
      }
      c.client.authenticated = true;
      j += 2;
    } else if (command::EqualsIgnoreCase(opt, "setname") && more >= 1) {
      if (!ValidClientName(c.arg(j + 1))) {
        c.reply.Error(kBadClientName);
        return;
      }
      c.client.name = std::string(c.arg(++j));
    } else {
      c.reply.Error("Syntax error in HELLO option '" + std::string(opt) + "'");
      return;
    }
  }
  if (c.server.AuthRequired(c.client)) {
    c.reply.Error(
        "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time");
    return;
  }
  if (version != 0) {
    c.client.resp = static_cast<int>(version);
    c.reply.set_protocol(c.client.resp);
  }
  c.reply.Map(7);
  c.reply.Bulk("server");
  c.reply.Bulk("redis");
  c.reply.Bulk("version");
  c.reply.Bulk(kRedisCompatVersion);
  c.reply.Bulk("proto");
  c.reply.Integer(c.client.resp);
  c.reply.Bulk("id");
  c.reply.Integer(static_cast<int64_t>(c.client.id));
  c.reply.Bulk("mode");
  c.reply.Bulk("standalone");
  c.reply.Bulk("role");
  c.reply.Bulk("master");
  c.reply.Bulk("modules");
  c.reply.Array(0);
}

}  // namespace petrel::commands
