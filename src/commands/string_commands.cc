// String commands: SET and its variants, reads, ranges, counters.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "handlers.h"
#include "key_access.h"
#include "petrel/command/dispatcher.h"
#include "petrel/command/arg_parser.h"
#include "petrel/storage/string_value.h"
#include "petrel/util/numbers.h"

namespace petrel::commands {
namespace {

using command::ArgParser;
namespace errors = command::errors;
using storage::IntText;

void ReplyString(CommandContext& c, const Entry& e) {
  IntText scratch;
  c.reply.Bulk(storage::StringBytes(e, scratch));
}

// Overwrites or creates `key` with a string, dropping any TTL unless `keep_ttl`.
Entry* StoreKey(CommandContext& c, Entry* existing, std::string_view key, std::string_view value,
                bool keep_ttl) {
  storage::Keyspace& ks = c.keyspace();
  Entry* e = existing != nullptr ? existing : ks.Add(c.db(), key);
  if (existing != nullptr && !keep_ttl) ks.RemoveExpire(c.db(), e);
  storage::StoreString(e, value);
  return e;
}

bool CheckLength(CommandContext& c, int64_t size, int64_t append) {
  const int64_t total = static_cast<int64_t>(static_cast<uint64_t>(size) + append);
  if (total > c.server.settings().proto_max_bulk_len || total < size || total < append) {
    c.reply.Error(errors::kStringTooLong);
    return false;
  }
  return true;
}

// The options shared by SET and GETEX.
enum class Expiry { kNone, kEx, kPx, kExAt, kPxAt, kKeepTtl, kPersist };

struct SetOptions {
  bool nx = false, xx = false, get = false;
  Expiry expiry = Expiry::kNone;
  std::string_view expire_text;
  bool keep_ttl() const { return expiry == Expiry::kKeepTtl; }
  bool persist() const { return expiry == Expiry::kPersist; }
  bool has_expire() const { return expiry >= Expiry::kEx && expiry <= Expiry::kPxAt; }
};

enum class OptionsFor { kSet, kGetEx };

// Parses SET/GETEX options from argument `first`; replies "syntax error" and returns false on
// a bad combination. As in Redis, repeating an option is allowed (the last value wins), while
// two different expiry options conflict.
bool ParseSetOptions(CommandContext& c, size_t first, OptionsFor which, SetOptions& o) {
  for (size_t j = first; j < c.argc(); ++j) {
    std::string_view a = c.arg(j);
    const bool has_next = j + 1 < c.argc();
    auto expiry_free_for = [&](Expiry e) { return o.expiry == Expiry::kNone || o.expiry == e; };
    auto take = [&](Expiry e, bool with_value) {
      if (!expiry_free_for(e) || (with_value && !has_next)) return false;
      o.expiry = e;
      if (with_value) o.expire_text = c.arg(++j);
      return true;
    };
    bool ok = false;
    if (which == OptionsFor::kSet && command::EqualsIgnoreCase(a, "nx")) {
      ok = !o.xx && (o.nx = true);
    } else if (which == OptionsFor::kSet && command::EqualsIgnoreCase(a, "xx")) {
      ok = !o.nx && (o.xx = true);
    } else if (which == OptionsFor::kSet && command::EqualsIgnoreCase(a, "get")) {
      ok = o.get = true;
    } else if (which == OptionsFor::kSet && command::EqualsIgnoreCase(a, "keepttl")) {
      ok = take(Expiry::kKeepTtl, false);
    } else if (which == OptionsFor::kGetEx && command::EqualsIgnoreCase(a, "persist")) {
      ok = take(Expiry::kPersist, false);
    } else if (command::EqualsIgnoreCase(a, "ex")) {
      ok = take(Expiry::kEx, true);
    } else if (command::EqualsIgnoreCase(a, "px")) {
      ok = take(Expiry::kPx, true);
    } else if (command::EqualsIgnoreCase(a, "exat")) {
      ok = take(Expiry::kExAt, true);
    } else if (command::EqualsIgnoreCase(a, "pxat")) {
      ok = take(Expiry::kPxAt, true);
    }
    if (!ok) {
      c.reply.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// The absolute expire time the options ask for, replying the error if it is invalid.
bool ResolveExpiry(CommandContext& c, const SetOptions& o, std::optional<int64_t>* expire) {
  if (!o.has_expire()) return true;
  const bool seconds = o.expiry == Expiry::kEx || o.expiry == Expiry::kExAt;
  const bool relative = o.expiry == Expiry::kEx || o.expiry == Expiry::kPx;
  *expire = ExpireArgToAbsoluteMs(c, o.expire_text,
                                  seconds ? ExpireUnit::kSeconds : ExpireUnit::kMilliseconds,
                                  relative, true);
  return expire->has_value();
}

// SET, SETEX, PSETEX, GETSET: the common path once options are known.
void SetGeneric(CommandContext& c, std::string_view key, std::string_view value,
                const SetOptions& o, std::optional<int64_t> expire_ms, bool reply_ok) {
  Entry* e = LookupWrite(c, key);
  if (o.get) {
    if (RejectNonString(c, e)) return;
    if (e == nullptr) {
      c.reply.NullBulk();
    } else {
      ReplyString(c, *e);
    }
  }
  if ((o.nx && e != nullptr) || (o.xx && e == nullptr)) {
    if (!o.get && reply_ok) c.reply.NullBulk();
    return;
  }
  e = StoreKey(c, e, key, value, o.keep_ttl() || expire_ms.has_value());
  c.Modified(key);
  if (expire_ms) {
    c.keyspace().SetExpire(c.db(), e, *expire_ms);
    // Relative and second expiries are replayed as the absolute time they came to.
    if (o.expiry != Expiry::kPxAt) {
      const std::string when = std::to_string(*expire_ms);
      c.server.PropagateAs({"SET", key, value, "PXAT", when});
    }
  }
  c.Notify('$', "set", key);
  if (expire_ms) c.Notify('g', "expire", key);
  if (!o.get && reply_ok) c.reply.Ok();
}

void IncrDecr(CommandContext& c, int64_t delta) {
  Entry* e = LookupWrite(c, c.arg(1));
  if (RejectNonString(c, e)) return;
  int64_t value = 0;
  if (e != nullptr && !storage::StringAsInt(*e, &value)) {
    c.reply.Error(errors::kNotInteger);
    return;
  }
  if ((delta < 0 && value < 0 && delta < std::numeric_limits<int64_t>::min() - value) ||
      (delta > 0 && value > 0 && delta > std::numeric_limits<int64_t>::max() - value)) {
    c.reply.Error(errors::kOverflow);
    return;
  }
  value += delta;
  if (e == nullptr) e = c.keyspace().Add(c.db(), c.arg(1));
  storage::StoreInteger(e, value);
  c.Modified(c.arg(1));
  c.Notify('$', "incrby", c.arg(1));
  c.reply.Integer(value);
}

}  // namespace

void Set(CommandContext& c) {
  SetOptions o;
  if (!ParseSetOptions(c, 3, OptionsFor::kSet, o)) return;
  std::optional<int64_t> expire;
  if (!ResolveExpiry(c, o, &expire)) return;
  SetGeneric(c, c.arg(1), c.arg(2), o, expire, true);
}

void SetNx(CommandContext& c) {
  Entry* e = LookupWrite(c, c.arg(1));
  if (e != nullptr) {
    c.reply.Integer(0);
    return;
  }
  StoreKey(c, nullptr, c.arg(1), c.arg(2), false);
  c.Modified(c.arg(1));
  c.Notify('$', "set", c.arg(1));
  c.reply.Integer(1);
}

void SetEx(CommandContext& c) {
  auto expire = ExpireArgToAbsoluteMs(c, c.arg(2), ExpireUnit::kSeconds, true, true);
  if (!expire) return;
  SetGeneric(c, c.arg(1), c.arg(3), SetOptions{}, expire, true);
}

void PSetEx(CommandContext& c) {
  auto expire = ExpireArgToAbsoluteMs(c, c.arg(2), ExpireUnit::kMilliseconds, true, true);
  if (!expire) return;
  SetGeneric(c, c.arg(1), c.arg(3), SetOptions{}, expire, true);
}

void GetSet(CommandContext& c) {
  SetOptions o;
  o.get = true;
  SetGeneric(c, c.arg(1), c.arg(2), o, std::nullopt, true);
}

void Get(CommandContext& c) {
  Entry* e = LookupRead(c, c.arg(1));
  if (e == nullptr) {
    c.reply.NullBulk();
    return;
  }
  if (RejectNonString(c, e)) return;
  ReplyString(c, *e);
}

void GetDel(CommandContext& c) {
  Entry* e = LookupRead(c, c.arg(1));
  if (e == nullptr) {
    c.reply.NullBulk();
    return;
  }
  if (RejectNonString(c, e)) return;
  ReplyString(c, *e);
  c.keyspace().Delete(c.db(), c.arg(1));
  c.Modified(c.arg(1));
  c.server.PropagateAs({"DEL", c.arg(1)});
  c.Notify('g', "del", c.arg(1));
}

void GetEx(CommandContext& c) {
  SetOptions o;
  if (!ParseSetOptions(c, 2, OptionsFor::kGetEx, o)) return;
  std::optional<int64_t> expire;
  if (!ResolveExpiry(c, o, &expire)) return;
  Entry* e = LookupRead(c, c.arg(1));
  if (e == nullptr) {
    c.reply.NullBulk();
    return;
  }
  if (RejectNonString(c, e)) return;
  ReplyString(c, *e);
  if (expire) {
    const bool past = AlreadyExpired(c, *expire);
    if (past) {
      c.keyspace().Delete(c.db(), c.arg(1));
      c.server.PropagateAs({"DEL", c.arg(1)});
    } else {
      c.keyspace().SetExpire(c.db(), e, *expire);
      const std::string when = std::to_string(*expire);
      c.server.PropagateAs({"PEXPIREAT", c.arg(1), when});
    }
    c.Modified(c.arg(1));
    c.Notify('g', past ? "del" : "expire", c.arg(1));
  } else if (o.persist() && c.keyspace().RemoveExpire(c.db(), e)) {
    c.Modified(c.arg(1));
    c.server.PropagateAs({"PERSIST", c.arg(1)});
    c.Notify('g', "persist", c.arg(1));
  }
}

void MSet(CommandContext& c) {
  if (c.argc() % 2 == 0) {
    c.reply.Error("wrong number of arguments for '" + CommandName(c) + "' command");
    return;
  }
  for (size_t i = 1; i < c.argc(); i += 2) {
    StoreKey(c, LookupWrite(c, c.arg(i)), c.arg(i), c.arg(i + 1), false);
    c.Modified(c.arg(i));
    c.Notify('$', "set", c.arg(i));
  }
  c.reply.Ok();
}

void MSetNx(CommandContext& c) {
  if (c.argc() % 2 == 0) {
    c.reply.Error("wrong number of arguments for '" + CommandName(c) + "' command");
    return;
  }
  for (size_t i = 1; i < c.argc(); i += 2) {
    if (LookupWrite(c, c.arg(i)) != nullptr) {
      c.reply.Integer(0);
      return;
    }
  }
  for (size_t i = 1; i < c.argc(); i += 2) {
    StoreKey(c, LookupWrite(c, c.arg(i)), c.arg(i), c.arg(i + 1), false);
    c.Modified(c.arg(i));
    c.Notify('$', "set", c.arg(i));
  }
  c.reply.Integer(1);
}

void MGet(CommandContext& c) {
  c.reply.Array(c.argc() - 1);
  for (size_t i = 1; i < c.argc(); ++i) {
    Entry* e = LookupRead(c, c.arg(i));
    if (e == nullptr || e->value_type() != storage::ValueType::kString) {
      c.reply.NullBulk();
    } else {
      ReplyString(c, *e);
    }
  }
}

void Append(CommandContext& c) {
  Entry* e = LookupWrite(c, c.arg(1));
  std::string_view add = c.arg(2);
  if (e == nullptr) {
    StoreKey(c, nullptr, c.arg(1), add, false);
    c.Modified(c.arg(1));
    c.Notify('$', "append", c.arg(1));
    c.reply.Integer(static_cast<int64_t>(add.size()));
    return;
  }
  if (RejectNonString(c, e)) return;
  const size_t old_len = storage::StringLength(*e);
  if (!CheckLength(c, static_cast<int64_t>(old_len), static_cast<int64_t>(add.size()))) return;
  char* buf = storage::MutableString(e, old_len + add.size());
  if (!add.empty()) std::memcpy(buf + old_len, add.data(), add.size());
  c.Modified(c.arg(1));
  c.Notify('$', "append", c.arg(1));
  c.reply.Integer(static_cast<int64_t>(old_len + add.size()));
}

void StrLen(CommandContext& c) {
  Entry* e = LookupRead(c, c.arg(1));
  if (RejectNonString(c, e)) return;
  c.reply.Integer(e == nullptr ? 0 : static_cast<int64_t>(storage::StringLength(*e)));
}

void GetRange(CommandContext& c) {
  auto start = util::ParseInt64(c.arg(2));
  auto end = util::ParseInt64(c.arg(3));
  if (!start || !end) {
    c.reply.Error(errors::kNotInteger);
    return;
  }
  Entry* e = LookupRead(c, c.arg(1));
  if (e == nullptr) {
    c.reply.Bulk("");
    return;
  }
  if (RejectNonString(c, e)) return;
  IntText scratch;
  std::string_view s = storage::StringBytes(*e, scratch);
  const int64_t len = static_cast<int64_t>(s.size());
  int64_t from = *start;
  int64_t to = *end;
  if (from < 0 && to < 0 && from > to) {
    c.reply.Bulk("");
    return;
  }
  if (from < 0) from += len;
  if (to < 0) to += len;
  if (from < 0) from = 0;
  if (to < 0) to = 0;
  if (to >= len) to = len - 1;
  if (from > to || len == 0) {
    c.reply.Bulk("");
    return;
  }
  c.reply.Bulk(s.substr(static_cast<size_t>(from), static_cast<size_t>(to - from + 1)));
}

void SetRange(CommandContext& c) {
  auto offset = util::ParseInt64(c.arg(2));
  if (!offset) {
    c.reply.Error(errors::kNotInteger);
    return;
  }
  if (*offset < 0) {
    c.reply.Error(errors::kOffsetRange);
    return;
  }
  std::string_view value = c.arg(3);
  Entry* e = LookupWrite(c, c.arg(1));
  if (e == nullptr) {
    if (value.empty()) {
      c.reply.Integer(0);
      return;
    }
    if (!CheckLength(c, *offset, static_cast<int64_t>(value.size()))) return;
    e = c.keyspace().Add(c.db(), c.arg(1));
  } else {
    if (RejectNonString(c, e)) return;
    const size_t old_len = storage::StringLength(*e);
    if (value.empty()) {
      c.reply.Integer(static_cast<int64_t>(old_len));
      return;
    }
    if (!CheckLength(c, *offset, static_cast<int64_t>(value.size()))) return;
  }
  const size_t need = static_cast<size_t>(*offset) + value.size();
  const size_t len = std::max(need, storage::StringLength(*e));
  char* buf = storage::MutableString(e, len);
  std::memcpy(buf + *offset, value.data(), value.size());
  c.Modified(c.arg(1));
  c.Notify('$', "setrange", c.arg(1));
  c.reply.Integer(static_cast<int64_t>(len));
}

void Incr(CommandContext& c) { IncrDecr(c, 1); }
void Decr(CommandContext& c) { IncrDecr(c, -1); }

void IncrBy(CommandContext& c) {
  auto delta = util::ParseInt64(c.arg(2));
  if (!delta) {
    c.reply.Error(errors::kNotInteger);
    return;
  }
  IncrDecr(c, *delta);
}

void DecrBy(CommandContext& c) {
  auto delta = util::ParseInt64(c.arg(2));
  if (!delta) {
    c.reply.Error(errors::kNotInteger);
    return;
  }
  if (*delta == std::numeric_limits<int64_t>::min()) {
    c.reply.Error("decrement would overflow");
    return;
  }
  IncrDecr(c, -*delta);
}

void IncrByFloat(CommandContext& c) {
  Entry* e = LookupWrite(c, c.arg(1));
  if (RejectNonString(c, e)) return;
  long double value = 0;
  if (e != nullptr) {
    IntText scratch;
    auto current = util::ParseLongDouble(storage::StringBytes(*e, scratch));
    if (!current) {
      c.reply.Error(errors::kNotFloat);
      return;
    }
    value = *current;
  }
  auto incr = util::ParseLongDouble(c.arg(2));
  if (!incr) {
    c.reply.Error(errors::kNotFloat);
    return;
  }
  value += *incr;
  if (std::isnan(value) || std::isinf(value)) {
    c.reply.Error(errors::kNanOrInfinity);
    return;
  }
  std::string text = util::LongDoubleToHuman(value);
  if (e == nullptr) e = c.keyspace().Add(c.db(), c.arg(1));
  // Redis keeps the float's text as a string, never int-encoded.
  storage::StoreText(e, text);
  c.Modified(c.arg(1));
  // Replayed as the value it produced: float arithmetic may differ elsewhere.
  c.server.PropagateAs({"SET", c.arg(1), text, "KEEPTTL"});
  c.Notify('$', "incrbyfloat", c.arg(1));
  c.reply.Bulk(text);
}

}  // namespace petrel::commands
