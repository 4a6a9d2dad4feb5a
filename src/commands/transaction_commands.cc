// MULTI, EXEC, DISCARD, WATCH, UNWATCH. Queuing itself happens in the dispatcher: inside MULTI
// every other command is checked and queued instead of run.
#include "handlers.h"
#include "petrel/command/dispatcher.h"

namespace petrel::commands {

using command::ClientState;

void Multi(CommandContext& c) {
  if (c.client.in_multi) {
    c.reply.Error("MULTI calls can not be nested");
    return;
  }
  c.client.in_multi = true;
  c.reply.Ok();
}

void Exec(CommandContext& c) {
  ClientState& cl = c.client;
  if (!cl.in_multi) {
    c.reply.Error("EXEC without MULTI");
    return;
  }
  if (!cl.watch_lost && c.server.watches().ExpiredSinceWatch(cl)) cl.watch_lost = true;
  if (cl.multi_aborted) {
    c.reply.Error("-EXECABORT Transaction discarded because of previous errors.");
    c.server.EndTransaction(cl);
    return;
  }
  if (cl.watch_lost) {
    c.reply.NullArray();
    c.server.EndTransaction(cl);
    return;
  }
  // The commands' own writes must not fail this transaction's watches; they are over anyway.
  c.server.watches().UnwatchAll(cl);
  // Still in MULTI while the queue runs, as in Redis (CLIENT INFO shows flags=x).
  cl.in_exec = true;
  c.reply.Array(cl.queued.size());
  for (const command::QueuedCommand& q : cl.queued) c.server.RunQueued(q, cl, c.reply);
  cl.in_exec = false;
  c.server.EndTransaction(cl);
}

void Discard(CommandContext& c) {
  if (!c.client.in_multi) {
    c.reply.Error("DISCARD without MULTI");
    return;
  }
  c.server.EndTransaction(c.client);
  c.reply.Ok();
}

void Watch(CommandContext& c) {
  if (c.client.in_multi) {
    c.reply.Error("WATCH inside MULTI is not allowed");
    return;
  }
  for (size_t i = 1; i < c.argc(); ++i) c.server.watches().Watch(c.client, c.db(), c.arg(i));
  c.reply.Ok();
}

void Unwatch(CommandContext& c) {
  c.server.watches().UnwatchAll(c.client);
  c.reply.Ok();
}

}  // namespace petrel::commands
