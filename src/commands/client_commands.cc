// CLIENT subcommands.
#include <algorithm>
#include <cstring>
#include <string>

#include "handlers.h"
#include "key_access.h"
#include "petrel/command/arg_parser.h"
#include "petrel/command/dispatcher.h"
#include "petrel/command/registry.h"
#include "petrel/util/numbers.h"
#include "reply_help.h"

namespace petrel::commands {
namespace {

using command::ClientState;
using command::EqualsIgnoreCase;

std::string ClientLine(const ClientState& cl, int64_t now_ms) {
  std::string flags;
  if (cl.is_replica) flags += 'S';
  if (cl.is_primary_link) flags += 'M';
  if (cl.monitor) flags += 'O';
  if (cl.subscriptions.any()) flags += 'P';
  if (cl.in_multi) flags += 'x';
  if (cl.watch_lost) flags += 'd';
  if (cl.close_after_reply) flags += 'c';
  if (cl.unix_socket) flags += 'U';
  if (cl.no_evict) flags += 'e';
  if (flags.empty()) flags = "N";
  const command::ClientLink* link = cl.link;
  const size_t qbuf = link != nullptr ? link->QueryBufferBytes() : 0;
  const size_t qbuf_free = link != nullptr ? link->QueryBufferFree() : 0;
  const size_t omem = link != nullptr ? link->OutputBufferBytes() : 0;
  // Redis's multi-mem: the queued arguments and an argument pointer for each.
  size_t multi_mem = 0;
  for (const command::QueuedCommand& q : cl.queued) {
    multi_mem += q.args.size() * sizeof(void*);
    for (const std::string& a : q.args) multi_mem += a.size();
  }
  std::string cmd = "NULL";
  if (cl.last_command != nullptr) {
    const auto& reg = command::Registry::Get();
    cmd = command::Registry::FullName(*cl.last_command, reg.ParentOf(cl.last_command));
  }
  std::string line;
  line.reserve(256);
  line += "id=" + std::to_string(cl.id);
  line += " addr=" + cl.addr;
  line += " laddr=" + cl.laddr;
  line += " fd=" + std::to_string(link != nullptr ? link->Fd() : -1);
  line += " name=" + cl.name;
  line += " age=" + std::to_string((now_ms - cl.created_ms) / 1000);
  line += " idle=" + std::to_string((now_ms - cl.last_interaction_ms) / 1000);
  line += " flags=" + flags;
  line += " db=" + std::to_string(cl.db);
  const pubsub::Subscriptions& subs = cl.subscriptions;
  line += " sub=" + std::to_string(subs.count(pubsub::Kind::kChannel));
  line += " psub=" + std::to_string(subs.count(pubsub::Kind::kPattern));
  line += " ssub=" + std::to_string(subs.count(pubsub::Kind::kShard));
  line += " multi=";
  line += cl.in_multi ? std::to_string(cl.queued.size()) : "-1";
  line += " qbuf=" + std::to_string(qbuf);
  line += " qbuf-free=" + std::to_string(qbuf_free);
  line += " argv-mem=0 multi-mem=" + std::to_string(multi_mem);
  line += " rbs=" + std::to_string(qbuf + qbuf_free) + " rbp=" + std::to_string(qbuf);
  line += " obl=0 oll=0 omem=" + std::to_string(omem);
  line += " tot-mem=" +
          std::to_string(qbuf + qbuf_free + omem + multi_mem + sizeof(ClientState));
  line += std::string(" events=r") + (omem > 0 ? "w" : "");
  line += " cmd=" + cmd;
  line += " user=default redir=-1 resp=" + std::to_string(cl.resp);
  if (!cl.lib_name.empty() || !cl.lib_ver.empty()) {
    line += " lib-name=" + cl.lib_name + " lib-ver=" + cl.lib_ver;
  }
  return line;
}

bool KnownClientType(std::string_view type) {
  return EqualsIgnoreCase(type, "normal") || EqualsIgnoreCase(type, "master") ||
         EqualsIgnoreCase(type, "replica") || EqualsIgnoreCase(type, "slave") ||
         EqualsIgnoreCase(type, "pubsub");
}

// The class a client belongs to for CLIENT LIST/KILL TYPE: a subscribed client is "pubsub",
// anyone else "normal" (replicas and primaries arrive with replication).
bool HasType(const ClientState& cl, std::string_view type) {
  const bool subscribed = cl.subscriptions.any();
  if (EqualsIgnoreCase(type, "pubsub")) return subscribed;
  if (EqualsIgnoreCase(type, "normal")) return !subscribed;
  return false;
}

void KillClient(CommandContext& c, ClientState* target) {
  if (target == &c.client) {
    c.client.close_after_reply = true;
  } else if (target->link != nullptr) {
    target->link->RequestClose();
  }
}

}  // namespace

void ClientId(CommandContext& c) { c.reply.Integer(static_cast<int64_t>(c.client.id)); }

void ClientSetName(CommandContext& c) {
  if (!ValidClientName(c.arg(2))) {
    c.reply.Error(kBadClientName);
    return;
  }
  c.client.name = std::string(c.arg(2));
  c.reply.Ok();
}

void ClientGetName(CommandContext& c) {
  if (c.client.name.empty()) {
    c.reply.NullBulk();
  } else {
    c.reply.Bulk(c.client.name);
  }
}

void ClientList(CommandContext& c) {
  std::vector<uint64_t> ids;
  bool filter_ids = false;
  bool type_filter = false;
  std::string_view type;
  if (c.argc() == 4 && EqualsIgnoreCase(c.arg(2), "type")) {
    type = c.arg(3);
    if (!KnownClientType(type)) {
      c.reply.Error("Unknown client type '" + std::string(type) + "'");
      return;
    }
    type_filter = true;
  } else if (c.argc() > 3 && EqualsIgnoreCase(c.arg(2), "id")) {
    filter_ids = true;
    for (size_t j = 3; j < c.argc(); ++j) {
      auto id = util::ParseInt64(c.arg(j));
      if (!id) {
        c.reply.Error("Invalid client ID");
        return;
      }
      if (*id > 0) ids.push_back(static_cast<uint64_t>(*id));
    }
  } else if (c.argc() != 2) {
    c.reply.Error(command::errors::kSyntax);
    return;
  }
  const int64_t now = c.NowMs();
  std::string text;
  for (const auto& [id, cl] : c.server.clients()) {
    if (filter_ids && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    if (type_filter && !HasType(*cl, type)) continue;
    text += ClientLine(*cl, now);
    text += '\n';
  }
  c.reply.Verbatim(text);
}

void ClientInfo(CommandContext& c) { c.reply.Verbatim(ClientLine(c.client, c.NowMs()) + "\n"); }

void ClientKill(CommandContext& c) {
  if (c.argc() == 3) {
    // Old form: CLIENT KILL addr:port
    for (const auto& [id, cl] : c.server.clients()) {
      if (cl->addr == c.arg(2)) {
        KillClient(c, cl);
        c.reply.Ok();
        return;
      }
    }
    c.reply.Error("No such client");
    return;
  }
  if (c.argc() % 2 != 0) {
    c.reply.Error(command::errors::kSyntax);
    return;
  }
  std::optional<uint64_t> id;
  std::optional<std::string_view> type, addr, laddr, user;
  bool skipme = true;
  for (size_t j = 2; j < c.argc(); j += 2) {
    std::string_view opt = c.arg(j);
    std::string_view val = c.arg(j + 1);
    if (EqualsIgnoreCase(opt, "id")) {
      auto v = util::ParseInt64(val);
      if (!v || *v <= 0) {
        c.reply.Error("client-id should be greater than 0");
        return;
      }
      id = static_cast<uint64_t>(*v);
    } else if (EqualsIgnoreCase(opt, "type")) {
      if (!KnownClientType(val)) {
        c.reply.Error("Unknown client type '" + std::string(val) + "'");
        return;
      }
      type = val;
    } else if (EqualsIgnoreCase(opt, "addr")) {
      addr = val;
    } else if (EqualsIgnoreCase(opt, "laddr")) {
      laddr = val;
    } else if (EqualsIgnoreCase(opt, "user")) {
      if (val != "default") {
        c.reply.Error("No such user '" + std::string(val) + "'");
        return;
      }
      user = val;
    } else if (EqualsIgnoreCase(opt, "skipme")) {
      if (EqualsIgnoreCase(val, "yes")) {
        skipme = true;
      } else if (EqualsIgnoreCase(val, "no")) {
        skipme = false;
      } else {
        c.reply.Error(command::errors::kSyntax);
        return;
      }
    } else {
      c.reply.Error(command::errors::kSyntax);
      return;
    }
  }
  std::vector<ClientState*> victims;
  for (const auto& [cid, cl] : c.server.clients()) {
    if (id && cid != *id) continue;
    if (type && !HasType(*cl, *type)) continue;
    if (addr && cl->addr != *addr) continue;
    if (laddr && cl->laddr != *laddr) continue;
    if (cl == &c.client && skipme) continue;
    victims.push_back(cl);
  }
  for (ClientState* v : victims) KillClient(c, v);
  c.reply.Integer(static_cast<int64_t>(victims.size()));
}

void ClientSetInfo(CommandContext& c) {
  std::string_view attr = c.arg(2);
  std::string_view value = c.arg(3);
  const bool is_name = EqualsIgnoreCase(attr, "lib-name");
  if (!is_name && !EqualsIgnoreCase(attr, "lib-ver")) {
    c.reply.Error("Unrecognized option '" + std::string(attr) + "'");
    return;
  }
  for (char ch : value) {
    if (ch < '!' || ch > '~') {
      c.reply.Error(std::string(is_name ? "lib-name" : "lib-ver") +
                    " cannot contain spaces, newlines or special characters.");
      return;
    }
  }
  (is_name ? c.client.lib_name : c.client.lib_ver) = std::string(value);
  c.reply.Ok();
}

void ClientReply(CommandContext& c) {
  std::string_view mode = c.arg(2);
  if (EqualsIgnoreCase(mode, "on")) {
    c.client.reply_off = false;
    c.client.skip_this_reply = false;
    c.reply.Ok();
  } else if (EqualsIgnoreCase(mode, "off")) {
    c.client.reply_off = true;
  } else if (EqualsIgnoreCase(mode, "skip")) {
    if (!c.client.reply_off) c.client.skip_next_reply = true;
  } else {
    c.reply.Error(command::errors::kSyntax);
  }
}

void ClientNoEvict(CommandContext& c) {
  if (EqualsIgnoreCase(c.arg(2), "on")) {
    c.client.no_evict = true;
  } else if (EqualsIgnoreCase(c.arg(2), "off")) {
    c.client.no_evict = false;
  } else {
    c.reply.Error(command::errors::kSyntax);
    return;
  }
  c.reply.Ok();
}

void ClientPause(CommandContext& c) {
  if (c.argc() > 4) {
    c.reply.Error("unknown subcommand or wrong number of arguments for '" +
                  std::string(c.arg(1)) + "'. Try CLIENT HELP.");
    return;
  }
  auto timeout = util::ParseInt64(c.arg(2));
  if (!timeout) {
    c.reply.Error("timeout is not an integer or out of range");
    return;
  }
  if (*timeout < 0) {
    c.reply.Error("timeout is negative");
    return;
  }
  command::PauseMode mode = command::PauseMode::kAll;
  if (c.argc() == 4) {
    if (EqualsIgnoreCase(c.arg(3), "write")) {
      mode = command::PauseMode::kWrite;
    } else if (!EqualsIgnoreCase(c.arg(3), "all")) {
      c.reply.Error("CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  }
  c.server.Pause(mode, c.NowMs() + *timeout);
  c.reply.Ok();
}

void ClientUnpause(CommandContext& c) {
  c.server.Unpause();
  c.reply.Ok();
}

void ClientHelp(CommandContext& c) {
  ReplyHelp(c, "CLIENT",
            {{"ID", "This connection's id."},
             {"INFO", "Details of this connection, as one CLIENT LIST line."},
             {"LIST [TYPE <type>] [ID <id> ...]", "Details of the connected clients."},
             {"KILL <addr> | <filter> <value> ...",
              "Close clients by ID, TYPE, ADDR, LADDR, USER or SKIPME."},
             {"GETNAME", "This connection's name."},
             {"SETNAME <name>", "Name this connection."},
             {"SETINFO <LIB-NAME|LIB-VER> <value>", "Record the client library's name or version."},
             {"REPLY <ON|OFF|SKIP>", "Turn replies on or off, or skip the next one."},
             {"NO-EVICT <ON|OFF>", "Exempt this connection from client eviction."},
             {"PAUSE <timeout> [WRITE|ALL]", "Hold back client commands for <timeout> ms."},
             {"UNPAUSE", "End a pause."}});
}

}  // namespace petrel::commands
