// MONITOR: the connection receives a line for every command the server runs from then on
// (Dispatcher::FeedMonitors writes them).
#include "handlers.h"
#include "petrel/command/dispatcher.h"

namespace petrel::commands {

void Monitor(CommandContext& c) {
  // A client running EXEC may not turn into a monitor (Redis's "deny blocking" clients).
  if (c.client.in_exec) {
    c.reply.Error("MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  // Redis ignores MONITOR from a monitor, without a reply.
  if (c.client.monitor) return;
  c.server.AddMonitor(&c.client);
  c.reply.Ok();
}

}  // namespace petrel::commands
