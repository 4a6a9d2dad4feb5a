// Server commands: CONFIG, TIME, SHUTDOWN, SLOWLOG, LATENCY, FUNCTION.
#include <algorithm>

#include "handlers.h"
#include "petrel/persistence/persistence.h"
#include "key_access.h"
#include "petrel/command/arg_parser.h"
#include "petrel/command/dispatcher.h"
#include "petrel/util/glob.h"
#include "petrel/util/numbers.h"
#include "reply_help.h"

namespace petrel::commands {
namespace {

using command::EqualsIgnoreCase;

std::string ConfigSetFailure(std::string_view name, std::string_view reason) {
  return "CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
         std::string(reason);
}

}  // namespace

void ConfigGet(CommandContext& c) {
  config::Config& cfg = c.server.config();
  // (name as reported, directive) in the order first matched, each name once. Patterns match
  // the old names (aliases) too, each reported under its own name.
  std::vector<std::pair<std::string, const config::Directive*>> matches;
  auto add = [&](std::string_view name, const config::Directive* d) {
    for (const auto& m : matches) {
      if (command::EqualsIgnoreCase(m.first, name)) return;
    }
    matches.emplace_back(std::string(name), d);
  };
  for (size_t i = 2; i < c.argc(); ++i) {
    std::string_view pattern = c.arg(i);
    if (pattern.find_first_of("[*?") == std::string_view::npos) {
      if (const config::Directive* d = config::FindDirective(pattern)) add(pattern, d);
      continue;
    }
    for (const config::Directive& d : config::Directives()) {
      for (std::string_view name : {d.name, d.alias}) {
        if (!name.empty() && util::GlobMatch(pattern, name, true)) add(name, &d);
      }
    }
  }
  c.reply.Map(matches.size());
  for (const auto& [name, d] : matches) {
    c.reply.Bulk(name);
    c.reply.Bulk(cfg.Get(*d));
  }
}

void ConfigSet(CommandContext& c) {
  if (c.argc() < 4 || c.argc() % 2 != 0) {
    c.reply.Error("wrong number of arguments for 'config|set' command");
    return;
  }
  config::Config& cfg = c.server.config();
  std::vector<const config::Directive*> targets;
  for (size_t i = 2; i < c.argc(); i += 2) {
    const config::Directive* d = config::FindDirective(c.arg(i));
    if (d == nullptr) {
      c.reply.Error("Unknown option or number of arguments for CONFIG SET - '" +
                    std::string(c.arg(i)) + "'");
      return;
    }
    if (!d->is_mutable) {
      c.reply.Error(ConfigSetFailure(c.arg(i), "can't set immutable config"));
      return;
    }
    const std::string& protection = cfg.settings().enable_protected_configs;
    const bool local = c.client.unix_socket || c.client.addr.starts_with("127.") ||
                       c.client.addr.starts_with("[::1]");
    if (config::IsProtected(*d) && !(protection == "yes" || (protection == "local" && local))) {
      c.reply.Error(ConfigSetFailure(c.arg(i), "can't set protected config"));
      return;
    }
    if (std::find(targets.begin(), targets.end(), d) != targets.end()) {
      c.reply.Error(ConfigSetFailure(c.arg(i), "duplicate parameter"));
      return;
    }
    targets.push_back(d);
  }
  // All or nothing: apply to a copy of the settings, then keep it only if every value parsed.
  const config::Settings before = cfg.settings();
  for (size_t i = 0; i < targets.size(); ++i) {
    std::string value(c.arg(3 + 2 * i));
    std::vector<std::string> words{value};
    if (auto err = cfg.Apply(*targets[i], words)) {
      cfg.settings() = before;
      c.reply.Error(ConfigSetFailure(c.arg(2 + 2 * i), *err));
      return;
    }
  }
  c.server.ConfigChanged();
  c.reply.Ok();
}

void ConfigResetStat(CommandContext& c) {
  c.server.ResetStats();
  c.reply.Ok();
}

void ConfigRewrite(CommandContext& c) {
  if (auto err = c.server.config().Rewrite()) {
    c.reply.Error(*err);
    return;
  }
  c.reply.Ok();
}

void ConfigHelp(CommandContext& c) {
  ReplyHelp(c, "CONFIG",
            {{"GET <pattern> [<pattern> ...]", "Directives matching the glob patterns."},
             {"SET <directive> <value> [<directive> <value> ...]",
              "Change directives, all or none."},
             {"RESETSTAT", "Zero the statistics INFO reports."},
             {"REWRITE", "Write the running settings into the config file."}});
}

void Time(CommandContext& c) {
  const int64_t us = c.server.clock().NowUs();
  c.reply.Array(2);
  c.reply.Bulk(std::to_string(us / 1000000));
  c.reply.Bulk(std::to_string(us % 1000000));
}

void Shutdown(CommandContext& c) {
  bool nosave = false, save = false, now = false, force = false, abort = false;
  for (size_t i = 1; i < c.argc(); ++i) {
    std::string_view a = c.arg(i);
    if (EqualsIgnoreCase(a, "nosave")) {
      nosave = true;
    } else if (EqualsIgnoreCase(a, "save")) {
      save = true;
    } else if (EqualsIgnoreCase(a, "now")) {
      now = true;
    } else if (EqualsIgnoreCase(a, "force")) {
      force = true;
    } else if (EqualsIgnoreCase(a, "abort")) {
      abort = true;
    } else {
      c.reply.Error(command::errors::kSyntax);
      return;
    }
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) {
    c.reply.Error(command::errors::kSyntax);
    return;
  }
  if (abort) {
    c.reply.Error("No shutdown in progress.");
    return;
  }
  if (persistence::Persistence* p = c.server.persistence()) {
    const auto mode = nosave ? persistence::ShutdownSave::kNoSave
                      : save ? persistence::ShutdownSave::kSave
                             : persistence::ShutdownSave::kDefault;
    if (!p->PrepareShutdown(mode) && !force) {
      c.reply.Error("Errors trying to SHUTDOWN. Check logs.");
      return;
    }
  }
  // The server exits without replying, as Redis does on success.
  if (c.server.hooks() != nullptr) c.server.hooks()->RequestShutdown();
  c.client.close_after_reply = true;
}

void SlowlogGet(CommandContext& c) {
  const auto& entries = c.server.slowlog().entries();
  size_t count = 10;
  if (c.argc() == 3) {
    auto n = util::ParseInt64(c.arg(2));
    if (!n || *n < -1) {
      c.reply.Error("count should be greater than or equal to -1");
      return;
    }
    count = *n == -1 ? entries.size() : static_cast<size_t>(*n);
  }
  count = std::min(count, entries.size());
  c.reply.Array(count);
  for (size_t i = 0; i < count; ++i) {
    const command::SlowlogEntry& e = entries[i];
    c.reply.Array(6);
    c.reply.Integer(static_cast<int64_t>(e.id));
    c.reply.Integer(e.unix_seconds);
    c.reply.Integer(e.duration_us);
    c.reply.Array(e.args.size());
    for (const std::string& a : e.args) c.reply.Bulk(a);
    c.reply.Bulk(e.client_addr);
    c.reply.Bulk(e.client_name);
  }
}

void SlowlogLen(CommandContext& c) {
  c.reply.Integer(static_cast<int64_t>(c.server.slowlog().entries().size()));
}

void SlowlogReset(CommandContext& c) {
  c.server.slowlog().Reset();
  c.reply.Ok();
}

void SlowlogHelp(CommandContext& c) {
  ReplyHelp(c, "SLOWLOG",
            {{"GET [<count>]", "The newest <count> entries (default 10, -1 for all)."},
             {"LEN", "Number of entries."},
             {"RESET", "Forget every entry."}});
}

// Petrel records no latency events yet (latency-monitor-threshold is accepted but unused), so
// there is never anything to report or reset.
void LatencyLatest(CommandContext& c) { c.reply.Array(0); }
void LatencyReset(CommandContext& c) { c.reply.Integer(0); }

void LatencyHelp(CommandContext& c) {
  ReplyHelp(c, "LATENCY",
            {{"LATEST", "The latest latency event of each kind."},
             {"RESET [<event> ...]", "Forget latency events."}});
}

// Scripting is not implemented; these let tools that reset a server with FUNCTION FLUSH work.
void FunctionFlush(CommandContext& c) {
  if (c.argc() > 3 ||
      (c.argc() == 3 && !EqualsIgnoreCase(c.arg(2), "sync") &&
       !EqualsIgnoreCase(c.arg(2), "async"))) {
    c.reply.Error("FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  c.reply.Ok();
}

void FunctionList(CommandContext& c) {
  for (size_t i = 2; i < c.argc(); ++i) {
    if (EqualsIgnoreCase(c.arg(i), "withcode")) continue;
    if (EqualsIgnoreCase(c.arg(i), "libraryname") && i + 1 < c.argc()) {
      ++i;
      continue;
    }
    c.reply.Error("Unknown argument " + std::string(c.arg(i)));
    return;
  }
  c.reply.Array(0);
}

void FunctionHelp(CommandContext& c) {
  ReplyHelp(c, "FUNCTION",
            {{"FLUSH [ASYNC|SYNC]", "Delete every library (there are none: no scripting)."},
             {"LIST [WITHCODE] [LIBRARYNAME <pattern>]", "The loaded libraries (none)."}});
}

}  // namespace petrel::commands
