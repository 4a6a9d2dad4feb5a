// REPLICAOF/SLAVEOF, ROLE, WAIT, REPLCONF, PSYNC/SYNC: thin handlers over the replication module.
#include "handlers.h"
#include "petrel/command/dispatcher.h"
#include "petrel/replication/replication.h"

namespace petrel::commands {

namespace {

replication::Replication* Repl(CommandContext& c) {
  replication::Replication* r = c.server.replication();
  if (r == nullptr) c.reply.Error("replication is not available in this process");
  return r;
}

}  // namespace

void ReplicaOf(CommandContext& c) {
  if (auto* r = Repl(c)) r->ReplicaOf(c);
}

void Role(CommandContext& c) {
  if (auto* r = Repl(c)) r->Role(c);
}

void Wait(CommandContext& c) {
  if (auto* r = Repl(c)) r->Wait(c);
}

void Replconf(CommandContext& c) {
  if (auto* r = Repl(c)) r->Replconf(c);
}

void Psync(CommandContext& c) {
  if (auto* r = Repl(c)) r->Psync(c);
}

}  // namespace petrel::commands
