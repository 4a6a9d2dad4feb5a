// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX XX GT LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
#include "handlers.h"
#include "key_access.h"
#include "petrel/command/arg_parser.h"
#include "petrel/command/command_spec.h"
#include "petrel/command/dispatcher.h"

namespace petrel::commands {
namespace {

struct ExpireFlags {
  bool nx = false, xx = false, gt = false, lt = false;
};

bool ParseExpireFlags(CommandContext& c, ExpireFlags& f) {
  for (size_t j = 3; j < c.argc(); ++j) {
    std::string_view a = c.arg(j);
    if (command::EqualsIgnoreCase(a, "nx")) {
      f.nx = true;
    } else if (command::EqualsIgnoreCase(a, "xx")) {
      f.xx = true;
    } else if (command::EqualsIgnoreCase(a, "gt")) {
      f.gt = true;
    } else if (command::EqualsIgnoreCase(a, "lt")) {
      f.lt = true;
    } else {
      c.reply.Error("Unsupported option " + std::string(a));
      return false;
    }
  }
  if (f.nx && (f.xx || f.gt || f.lt)) {
    c.reply.Error("NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if (f.gt && f.lt) {
    c.reply.Error("GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

}  // namespace

void Expire(CommandContext& c) {
  const std::string_view name = c.spec.name;
  const ExpireUnit unit = name[0] == 'p' ? ExpireUnit::kMilliseconds : ExpireUnit::kSeconds;
  const bool relative = name.size() < 3 || name.substr(name.size() - 2) != "at";
  ExpireFlags flags;
  if (!ParseExpireFlags(c, flags)) return;
  auto when = ExpireArgToAbsoluteMs(c, c.arg(2), unit, relative, false);
  if (!when) return;
  storage::Keyspace& ks = c.keyspace();
  Entry* e = ks.Find(c.db(), c.arg(1), storage::Lookup::kWrite);
  if (e == nullptr) {
    c.reply.Integer(0);
    return;
  }
  const int64_t current = ks.GetExpire(c.db(), e);
  // A key without a TTL counts as expiring never: GT fails and LT succeeds against it.
  if ((flags.nx && current != -1) || (flags.xx && current == -1) ||
      (flags.gt && (current == -1 || *when <= current)) ||
      (flags.lt && current != -1 && *when >= current)) {
    c.reply.Integer(0);
    return;
  }
  const bool past = AlreadyExpired(c, *when);
  if (past) {
    ks.Delete(c.db(), c.arg(1));
    c.server.PropagateAs({"DEL", c.arg(1)});
  } else {
    ks.SetExpire(c.db(), e, *when);
    const std::string ms = std::to_string(*when);
    c.server.PropagateAs({"PEXPIREAT", c.arg(1), ms});
  }
  c.Modified(c.arg(1));
  c.Notify('g', past ? "del" : "expire", c.arg(1));
  c.reply.Integer(1);
}

void Ttl(CommandContext& c) {
  const std::string_view name = c.spec.name;
  storage::Keyspace& ks = c.keyspace();
  Entry* e = ks.Find(c.db(), c.arg(1), storage::Lookup::kNoTouch);
  if (e == nullptr) {
    c.reply.Integer(-2);
    return;
  }
  const int64_t when = ks.GetExpire(c.db(), e);
  if (when == -1) {
    c.reply.Integer(-1);
    return;
  }
  if (name == "expiretime") {
    c.reply.Integer((when + 500) / 1000);
  } else if (name == "pexpiretime") {
    c.reply.Integer(when);
  } else {
    int64_t left = when - c.NowMs();
    if (left < 0) left = 0;
    c.reply.Integer(name == "ttl" ? (left + 500) / 1000 : left);
  }
}

void Persist(CommandContext& c) {
  Entry* e = c.keyspace().Find(c.db(), c.arg(1), storage::Lookup::kWrite);
  if (e == nullptr || !c.keyspace().RemoveExpire(c.db(), e)) {
    c.reply.Integer(0);
    return;
  }
  c.Modified(c.arg(1));
  c.Notify('g', "persist", c.arg(1));
  c.reply.Integer(1);
}

}  // namespace petrel::commands
