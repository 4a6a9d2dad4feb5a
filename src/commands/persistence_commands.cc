// SAVE, BGSAVE, LASTSAVE, BGREWRITEAOF.
#include "handlers.h"
#include "petrel/command/arg_parser.h"
#include "petrel/command/dispatcher.h"
#include "petrel/command/errors.h"
#include "petrel/persistence/persistence.h"

namespace petrel::commands {

using persistence::StartResult;

void Save(CommandContext& c) {
  persistence::Persistence* p = c.server.persistence();
  if (p == nullptr) {
    c.reply.Ok();
    return;
  }
  if (auto error = p->Save()) {
    // Redis names only this failure; any other is a bare -ERR.
    c.reply.Error(*error == "Background save already in progress" ? "-ERR " + *error : "-ERR");
    return;
  }
  c.reply.Ok();
}

void Bgsave(CommandContext& c) {
  bool schedule = false;
  if (c.argc() == 2) {
    if (!command::EqualsIgnoreCase(c.arg(1), "schedule")) {
      c.reply.Error(command::errors::kSyntax);
      return;
    }
    schedule = true;
  } else if (c.argc() > 2) {
    c.reply.Error(command::errors::kSyntax);
    return;
  }
  persistence::Persistence* p = c.server.persistence();
  switch (p == nullptr ? StartResult::kFailed : p->Bgsave(schedule)) {
    case StartResult::kStarted:
      c.reply.SimpleString("Background saving started");
      break;
    case StartResult::kScheduled:
      c.reply.SimpleString("Background saving scheduled");
      break;
    case StartResult::kAlreadyRunning:
      c.reply.Error("Background save already in progress");
      break;
    case StartResult::kOtherChild:
      c.reply.Error("Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
                    "SCHEDULE in order to schedule a BGSAVE whenever possible.");
      break;
    case StartResult::kFailed:
      c.reply.Error("-ERR");
      break;
  }
}

void LastSave(CommandContext& c) {
  persistence::Persistence* p = c.server.persistence();
  c.reply.Integer(p == nullptr ? c.server.start_ms() / 1000 : p->lastsave());
}

void BgRewriteAof(CommandContext& c) {
  persistence::Persistence* p = c.server.persistence();
  switch (p == nullptr ? StartResult::kFailed : p->Bgrewriteaof()) {
    case StartResult::kStarted:
      c.reply.SimpleString("Background append only file rewriting started");
      break;
    case StartResult::kScheduled:
      c.reply.SimpleString("Background append only file rewriting scheduled");
      break;
    case StartResult::kAlreadyRunning:
      c.reply.Error("Background append only file rewriting already in progress");
      break;
    case StartResult::kOtherChild:
    case StartResult::kFailed:
      c.reply.Error("Can't execute an AOF background rewriting. Please check the server logs for "
                    "more information.");
      break;
  }
}

}  // namespace petrel::commands
