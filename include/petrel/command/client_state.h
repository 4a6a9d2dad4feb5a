// What the server knows about one client, independent of the socket that carries it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "petrel/pubsub/registry.h"

namespace petrel::command {

// Implemented by the network connection so commands can act on the socket side.
class ClientLink {
 public:
  virtual ~ClientLink() = default;
  // Close after the replies already produced are written (QUIT, CLIENT KILL, errors).
  virtual void RequestClose() = 0;
  // Queues bytes produced outside this client's own command (a published message encoded once
  // for every subscriber), shared rather than copied; a write follows from the event loop.
  virtual void DeliverShared(std::shared_ptr<const std::string> bytes) = 0;
  // Processing was held (CLIENT PAUSE) and may go on.
  virtual void Resume() = 0;
  virtual size_t QueryBufferBytes() const = 0;
  virtual size_t QueryBufferFree() const = 0;
  virtual size_t OutputBufferBytes() const = 0;
  virtual int Fd() const = 0;
  // Sends bytes that are not a reply to a command of this client (MONITOR lines): appends them
  // to the output and makes sure a write follows. Safe to call while this client runs a command.
  virtual void Deliver(std::string_view bytes) = 0;
  // While held, produced output is kept and nothing is written: a forked child writes a
  // snapshot to this socket (replication's full sync). Releasing writes what was kept.
  virtual void HoldOutput(bool held) = 0;
};

struct CommandSpec;

// A command queued between MULTI and EXEC, with its own copy of the arguments (the read buffer
// they were parsed from is reused).
struct QueuedCommand {
  const CommandSpec* spec;
  std::vector<std::string> args;
};

struct ClientState {
  uint64_t id = 0;
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  std::string addr;   // "ip:port", or "/path:0" for a Unix socket
  std::string laddr;  // local side
  bool unix_socket = false;
  int db = 0;
  int resp = 2;
  bool authenticated = false;
  bool close_after_reply = false;
  bool no_evict = false;
  // CLIENT REPLY: OFF silences every reply; SKIP silences the next command's.
  bool reply_off = false;
  bool skip_this_reply = false;
  bool skip_next_reply = false;
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  const CommandSpec* last_command = nullptr;  // CLIENT LIST's cmd=
  // MULTI ... EXEC. Once the transaction is doomed (multi_aborted or watch_lost) queued
  // commands are acknowledged but not kept, as in Redis.
  bool in_multi = false;
  bool in_exec = false;        // EXEC is running the queue
  bool multi_aborted = false;  // a command was rejected while queuing: EXECABORT
  bool watch_lost = false;     // a WATCHed key changed: EXEC replies null (flag 'd')
  std::vector<QueuedCommand> queued;
  std::vector<std::pair<int, std::string>> watched;  // (db, key), for UNWATCH
  bool monitor = false;
  pubsub::Subscriptions subscriptions;
  ClientLink* link = nullptr;
  // Replication: an attached replica (output class "replica", flag S), or this server's link to
  // its own primary (its commands are applied without replies, flag M).
  bool is_replica = false;
  bool is_primary_link = false;
  // What a replica announced with REPLCONF before its PSYNC.
  int64_t repl_listening_port = 0;
  std::string repl_announced_ip;
  bool repl_capa_eof = false;
  int64_t repl_write_offset = 0;  // the stream offset after this client's last write
  // WAIT: the reply comes later; no further command of this client runs until then.
  bool blocked = false;
};

}  // namespace petrel::command
