// Hash commands.
#include <cmath>
#include <limits>
#include <vector>

#include "handlers.h"
#include "key_access.h"
#include "petrel/command/arg_parser.h"
#include "petrel/command/dispatcher.h"
#include "petrel/storage/hash.h"
#include "petrel/util/glob.h"
#include "petrel/util/numbers.h"
#include "scan_args.h"

namespace petrel::commands {
namespace {

namespace errors = command::errors;
using storage::ValueType;

// Replies WRONGTYPE and returns true if `e` exists and is not a hash.
bool RejectNonHash(CommandContext& c, const Entry* e) {
  if (e != nullptr && e->value_type() != ValueType::kHash) {
    c.reply.Error(errors::kWrongType);
    return true;
  }
  return false;
}

// The hash at argv[1] for writing, created empty if missing; nullptr after a WRONGTYPE reply.
// Callers that fail after this only do so on an existing field, so no empty hash is left.
Entry* WritableHash(CommandContext& c) {
  Entry* e = LookupWrite(c, c.arg(1));
  if (RejectNonHash(c, e)) return nullptr;
  if (e == nullptr) {
    e = c.keyspace().Add(c.db(), c.arg(1));
    storage::hash::Init(e);
  }
  return e;
}

// Deletes the key when its last field went, as Redis does.
void DropIfEmpty(CommandContext& c, Entry* e) {
  if (storage::hash::Length(*e) == 0) c.keyspace().Delete(c.db(), c.arg(1));
}

void ReplyPairs(CommandContext& c, const Entry* e, bool fields, bool values) {
  if (e == nullptr) {
    if (fields && values) {
      c.reply.Map(0);
    } else {
      c.reply.Array(0);
    }
    return;
  }
  const size_t n = storage::hash::Length(*e);
  if (fields && values) {
    c.reply.Map(n);
  } else {
    c.reply.Array(n);
  }
  storage::hash::ForEach(*e, [&](std::string_view f, std::string_view v) {
    if (fields) c.reply.Bulk(f);
    if (values) c.reply.Bulk(v);
  });
}

// The hash at argv[1] for reading; nullptr when missing (after replying `missing`) or of another
// type (after replying WRONGTYPE).
template <typename MissingReply>
Entry* ReadableHash(CommandContext& c, MissingReply missing) {
  Entry* e = LookupRead(c, c.arg(1));
  if (e == nullptr) {
    missing();
    return nullptr;
  }
  if (RejectNonHash(c, e)) return nullptr;
  return e;
}

}  // namespace

void HSet(CommandContext& c) {
  if (c.argc() % 2 != 0) {
    c.reply.Error("wrong number of arguments for '" + CommandName(c) + "' command");
    return;
  }
  Entry* e = WritableHash(c);
  if (e == nullptr) return;
  const storage::hash::Limits limits = HashLimits(c);
  // Like Redis, check every length first so a long field converts before anything is written.
  for (size_t i = 2; i < c.argc(); ++i) {
    storage::hash::ConvertForLengths(e, {c.arg(i).size()}, limits);
  }
  int64_t added = 0;
  for (size_t i = 2; i < c.argc(); i += 2) {
    added += storage::hash::Set(e, c.arg(i), c.arg(i + 1), limits) ? 1 : 0;
  }
  c.Modified(c.arg(1));
  c.server.CountChanges((c.argc() - 2) / 2 - 1);  // Redis counts every field set
  c.Notify('h', "hset", c.arg(1));
  if (c.spec.name == "hmset") {
    c.reply.Ok();
  } else {
    c.reply.Integer(added);
  }
}

void HSetNx(CommandContext& c) {
  Entry* e = WritableHash(c);
  if (e == nullptr) return;
  if (storage::hash::Get(*e, c.arg(2))) {
    c.reply.Integer(0);
    return;
  }
  storage::hash::Set(e, c.arg(2), c.arg(3), HashLimits(c));
  c.Modified(c.arg(1));
  c.Notify('h', "hset", c.arg(1));
  c.reply.Integer(1);
}

void HGet(CommandContext& c) {
  Entry* e = ReadableHash(c, [&] { c.reply.NullBulk(); });
  if (e == nullptr) return;
  if (auto v = storage::hash::Get(*e, c.arg(2))) {
    c.reply.Bulk(*v);
  } else {
    c.reply.NullBulk();
  }
}

void HMGet(CommandContext& c) {
  Entry* e = LookupRead(c, c.arg(1));
  if (RejectNonHash(c, e)) return;
  c.reply.Array(c.argc() - 2);
  for (size_t i = 2; i < c.argc(); ++i) {
    std::optional<std::string_view> v;
    if (e != nullptr) v = storage::hash::Get(*e, c.arg(i));
    if (v) {
      c.reply.Bulk(*v);
    } else {
      c.reply.NullBulk();
    }
  }
}

void HDel(CommandContext& c) {
  Entry* e = ReadableHash(c, [&] { c.reply.Integer(0); });
  if (e == nullptr) return;
  int64_t deleted = 0;
  for (size_t i = 2; i < c.argc(); ++i) {
    if (storage::hash::Delete(e, c.arg(i))) {
      ++deleted;
      if (storage::hash::Length(*e) == 0) break;
    }
  }
  if (deleted > 0) {
    const bool emptied = storage::hash::Length(*e) == 0;
    DropIfEmpty(c, e);
    c.Modified(c.arg(1));
    c.server.CountChanges(static_cast<uint64_t>(deleted - 1));
    c.Notify('h', "hdel", c.arg(1));
    if (emptied) c.Notify('g', "del", c.arg(1));
  }
  c.reply.Integer(deleted);
}

void HExists(CommandContext& c) {
  Entry* e = ReadableHash(c, [&] { c.reply.Integer(0); });
  if (e == nullptr) return;
  c.reply.Integer(storage::hash::Get(*e, c.arg(2)) ? 1 : 0);
}

void HGetAll(CommandContext& c) {
  Entry* e = LookupRead(c, c.arg(1));
  if (RejectNonHash(c, e)) return;
  ReplyPairs(c, e, true, true);
}

void HKeys(CommandContext& c) {
  Entry* e = LookupRead(c, c.arg(1));
  if (RejectNonHash(c, e)) return;
  ReplyPairs(c, e, true, false);
}

void HVals(CommandContext& c) {
  Entry* e = LookupRead(c, c.arg(1));
  if (RejectNonHash(c, e)) return;
  ReplyPairs(c, e, false, true);
}

void HLen(CommandContext& c) {
  Entry* e = ReadableHash(c, [&] { c.reply.Integer(0); });
  if (e == nullptr) return;
  c.reply.Integer(static_cast<int64_t>(storage::hash::Length(*e)));
}

void HStrLen(CommandContext& c) {
  Entry* e = ReadableHash(c, [&] { c.reply.Integer(0); });
  if (e == nullptr) return;
  auto v = storage::hash::Get(*e, c.arg(2));
  c.reply.Integer(v ? static_cast<int64_t>(v->size()) : 0);
}

void HIncrBy(CommandContext& c) {
  auto incr = util::ParseInt64(c.arg(3));
  if (!incr) {
    c.reply.Error(errors::kNotInteger);
    return;
  }
  Entry* e = WritableHash(c);
  if (e == nullptr) return;
  int64_t value = 0;
  const std::optional<std::string_view> current = storage::hash::Get(*e, c.arg(2));
  if (current) {
    auto parsed = util::ParseInt64(*current);
    if (!parsed) {
      c.reply.Error("hash value is not an integer");
      return;
    }
    value = *parsed;
  }
  if ((*incr < 0 && value < 0 && *incr < std::numeric_limits<int64_t>::min() - value) ||
      (*incr > 0 && value > 0 && *incr > std::numeric_limits<int64_t>::max() - value)) {
    c.reply.Error(errors::kOverflow);
    return;
  }
  value += *incr;
  char text[24];
  const std::string_view digits(text, util::FormatInt64(value, text));
  if (current && current->size() == digits.size()) {
    storage::hash::OverwriteSameLength(*current, digits);
  } else {
    storage::hash::Set(e, c.arg(2), digits, HashLimits(c));
  }
  c.Modified(c.arg(1));
  c.Notify('h', "hincrby", c.arg(1));
  c.reply.Integer(value);
}

void HIncrByFloat(CommandContext& c) {
  auto incr = util::ParseLongDouble(c.arg(3));
  if (!incr) {
    c.reply.Error(errors::kNotFloat);
    return;
  }
  if (std::isnan(*incr) || std::isinf(*incr)) {
    c.reply.Error("value is NaN or Infinity");
    return;
  }
  Entry* e = WritableHash(c);
  if (e == nullptr) return;
  long double value = 0;
  if (auto current = storage::hash::Get(*e, c.arg(2))) {
    auto parsed = util::ParseLongDouble(*current);
    if (!parsed) {
      c.reply.Error("hash value is not a float");
      return;
    }
    value = *parsed;
  }
  value += *incr;
  if (std::isnan(value) || std::isinf(value)) {
    c.reply.Error(errors::kNanOrInfinity);
    return;
  }
  const std::string text = util::LongDoubleToHuman(value);
  storage::hash::Set(e, c.arg(2), text, HashLimits(c));
  c.Modified(c.arg(1));
  c.server.PropagateAs({"HSET", c.arg(1), c.arg(2), text});
  c.Notify('h', "hincrbyfloat", c.arg(1));
  c.reply.Bulk(text);
}

void HScan(CommandContext& c) {
  auto cursor = ParseScanCursor(c, c.arg(2));
  if (!cursor) return;
  Entry* e = LookupRead(c, c.arg(1));
  if (e == nullptr) {
    c.reply.Array(2);
    c.reply.Bulk("0");
    c.reply.Array(0);
    return;
  }
  if (RejectNonHash(c, e)) return;
  ScanOptions o;
  if (!ParseScanOptions(c, 3, false, &o)) return;
  // Like Redis, COUNT counts the fields and values gathered before MATCH filters them.
  std::vector<storage::hash::Pair> pairs;
  auto collect = [&](std::string_view f, std::string_view v) { pairs.emplace_back(f, v); };
  uint64_t next = *cursor;
  if (e->value_encoding() == storage::Encoding::kListpack) {
    // A small hash is returned whole in one call, COUNT notwithstanding, as in Redis.
    next = storage::hash::ScanStep(*e, next, collect);
  } else {
    int64_t budget = o.count * 10;
    do {
      next = storage::hash::ScanStep(*e, next, collect);
    } while (next != 0 && budget-- > 0 && static_cast<int64_t>(pairs.size() * 2) < o.count);
  }
  if (o.has_pattern) {
    std::erase_if(pairs, [&](const auto& p) { return !util::GlobMatch(o.pattern, p.first); });
  }
  c.reply.Array(2);
  c.reply.Bulk(std::to_string(next));
  c.reply.Array(pairs.size() * 2);
  for (const auto& [f, v] : pairs) {
    c.reply.Bulk(f);
    c.reply.Bulk(v);
  }
}

}  // namespace petrel::commands
