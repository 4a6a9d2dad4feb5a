// Generic key commands: deletion, existence, type, iteration, renaming, copying, databases.
#include <cstring>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "handlers.h"
#include "petrel/persistence/persistence.h"
#include "key_access.h"
#include "petrel/command/arg_parser.h"
#include "petrel/command/dispatcher.h"
#include "petrel/storage/hash.h"
#include "petrel/storage/string_value.h"
#include "petrel/util/glob.h"
#include "petrel/util/numbers.h"
#include "scan_args.h"

namespace petrel::commands {
namespace {

namespace errors = command::errors;
using storage::Keyspace;
using storage::Lookup;

constexpr std::string_view kSameObject = "source and destination objects are the same";

std::string_view TypeName(const Entry& e) {
  return e.value_type() == storage::ValueType::kHash ? "hash" : "string";
}

// Redis's getIntFromObjectOrReply: an int-range integer, with the default or given error.
std::optional<int> IntArg(CommandContext& c, std::string_view text,
                          std::optional<std::string_view> message = std::nullopt) {
  auto v = util::ParseInt64(text);
  if (!v) {
    c.reply.Error(message.value_or(errors::kNotInteger));
    return std::nullopt;
  }
  if (*v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max()) {
    c.reply.Error(message.value_or(
        "value is out of range, value must between -2147483648 and 2147483647"));
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

bool ValidDb(CommandContext& c, int db) { return db >= 0 && db < c.keyspace().count(); }

// FLUSHDB / FLUSHALL [ASYNC|SYNC]
bool ParseFlushMode(CommandContext& c) {
  if (c.argc() > 2 ||
      (c.argc() == 2 && !command::EqualsIgnoreCase(c.arg(1), "sync") &&
       !command::EqualsIgnoreCase(c.arg(1), "async"))) {
    c.reply.Error(errors::kSyntax);
    return false;
  }
  return true;
}

void RenameGeneric(CommandContext& c, bool nx) {
  const int db = c.db();
  Keyspace& ks = c.keyspace();
  Entry* e = ks.Find(db, c.arg(1), Lookup::kWrite);
  if (e == nullptr) {
    c.reply.Error(errors::kNoSuchKey);
    return;
  }
  if (c.arg(1) == c.arg(2)) {
    if (nx) {
      c.reply.Integer(0);
    } else {
      c.reply.Ok();
    }
    return;
  }
  if (ks.Find(db, c.arg(2), Lookup::kWrite) != nullptr) {
    if (nx) {
      c.reply.Integer(0);
      return;
    }
    ks.Delete(db, c.arg(2));
  }
  ks.Relocate(db, e, db, c.arg(2));
  c.Modified(c.arg(1));
  c.Modified(c.arg(2));
  c.Notify('g', "rename_from", c.arg(1));
  c.Notify('g', "rename_to", c.arg(2));
  if (nx) {
    c.reply.Integer(1);
  } else {
    c.reply.Ok();
  }
}

// A deep copy of `from`'s value into `to` (COPY).
void CopyValue(CommandContext& c, const Entry& from, Entry* to) {
  if (from.value_type() == storage::ValueType::kHash) {
    const storage::hash::Limits limits = HashLimits(c);
    storage::hash::Init(to);
    storage::hash::ForEach(from, [&](std::string_view f, std::string_view v) {
      storage::hash::Set(to, f, v, limits);
    });
    return;
  }
  if (from.value_type() == storage::ValueType::kString) {
    if (from.value_encoding() == storage::Encoding::kInt) {
      storage::StoreInteger(to, from.v.integer);
      return;
    }
    storage::IntText scratch;
    std::string_view bytes = storage::StringBytes(from, scratch);
    if (from.value_encoding() == storage::Encoding::kRaw) {
      char* buf = storage::MutableString(to, bytes.size());
      std::memcpy(buf, bytes.data(), bytes.size());
    } else {
      storage::StoreText(to, bytes);
    }
  }
}

}  // namespace

void Del(CommandContext& c) {
  int64_t deleted = 0;
  for (size_t i = 1; i < c.argc(); ++i) {
    if (c.keyspace().Find(c.db(), c.arg(i), Lookup::kNoTouch) != nullptr &&
        c.keyspace().Delete(c.db(), c.arg(i))) {
      c.Modified(c.arg(i));
      c.Notify('g', "del", c.arg(i));
      ++deleted;
    }
  }
  c.reply.Integer(deleted);
}

void Exists(CommandContext& c) {
  int64_t count = 0;
  for (size_t i = 1; i < c.argc(); ++i) {
    if (c.keyspace().Find(c.db(), c.arg(i), Lookup::kRead) != nullptr) ++count;
  }
  c.reply.Integer(count);
}

void Type(CommandContext& c) {
  Entry* e = c.keyspace().Find(c.db(), c.arg(1), Lookup::kNoTouch);
  c.reply.SimpleString(e == nullptr ? "none" : TypeName(*e));
}

void Keys(CommandContext& c) {
  std::string_view pattern = c.arg(1);
  const bool all = pattern == "*";
  std::vector<std::string_view> found;
  Keyspace& ks = c.keyspace();
  ks.db(c.db()).dict.ForEach([&](Entry* e) {
    if ((all || util::GlobMatch(pattern, e->key())) && !ks.IsExpired(c.db(), e)) {
      found.push_back(e->key());
    }
  });
  c.reply.Array(found.size());
  for (std::string_view k : found) c.reply.Bulk(k);
}

void Scan(CommandContext& c) {
  auto start = ParseScanCursor(c, c.arg(1));
  if (!start) return;
  ScanOptions o;
  if (!ParseScanOptions(c, 2, true, &o)) return;
  uint64_t cursor = *start;
  const int64_t count = o.count;
  Keyspace& ks = c.keyspace();
  const storage::Dict& dict = ks.db(c.db()).dict;
  std::vector<std::string> keys;
  // Visit buckets until COUNT keys are collected, with at most 10*COUNT empty buckets visited,
  // so a sparse table cannot make one call slow.
  int64_t budget = count * 10;
  do {
    cursor = dict.Scan(cursor, [&](Entry* e) { keys.emplace_back(e->key()); });
  } while (cursor != 0 && budget-- > 0 && static_cast<int64_t>(keys.size()) < count);

  std::vector<std::string_view> shown;
  for (const std::string& k : keys) {
    if (o.has_pattern && !util::GlobMatch(o.pattern, k)) continue;
    Entry* e = ks.Find(c.db(), k, Lookup::kNoTouch);  // deletes expired keys on the way
    if (e == nullptr) continue;
    if (o.has_type && !command::EqualsIgnoreCase(o.type, TypeName(*e))) continue;
    shown.push_back(k);
  }
  c.reply.Array(2);
  c.reply.Bulk(std::to_string(cursor));
  c.reply.Array(shown.size());
  for (std::string_view k : shown) c.reply.Bulk(k);
}

void RandomKey(CommandContext& c) {
  Entry* e = c.keyspace().RandomLiveKey(c.db());
  if (e == nullptr) {
    c.reply.NullBulk();
  } else {
    c.reply.Bulk(e->key());
  }
}

void Rename(CommandContext& c) { RenameGeneric(c, false); }
void RenameNx(CommandContext& c) { RenameGeneric(c, true); }

void Copy(CommandContext& c) {
  int dst_db = c.db();
  bool replace = false;
  for (size_t j = 3; j < c.argc(); ++j) {
    const bool has_value = j + 1 < c.argc();
    if (command::EqualsIgnoreCase(c.arg(j), "replace")) {
      replace = true;
    } else if (command::EqualsIgnoreCase(c.arg(j), "db") && has_value) {
      auto db = IntArg(c, c.arg(j + 1));
      if (!db) return;
      if (!ValidDb(c, *db)) {
        c.reply.Error(errors::kDbIndex);
        return;
      }
      dst_db = *db;
      ++j;
    } else {
      c.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (dst_db == c.db() && c.arg(1) == c.arg(2)) {
    c.reply.Error(kSameObject);
    return;
  }
  Keyspace& ks = c.keyspace();
  Entry* src = ks.Find(c.db(), c.arg(1), Lookup::kRead);
  if (src == nullptr) {
    c.reply.Integer(0);
    return;
  }
  const int64_t expire = ks.GetExpire(c.db(), src);
  if (ks.Find(dst_db, c.arg(2), Lookup::kWrite) != nullptr) {
    if (!replace) {
      c.reply.Integer(0);
      return;
    }
    ks.Delete(dst_db, c.arg(2));
  }
  Entry* dst = ks.Add(dst_db, c.arg(2));
  CopyValue(c, *src, dst);
  if (expire >= 0) ks.SetExpire(dst_db, dst, expire);
  c.server.KeyModified(dst_db, c.arg(2));
  c.server.Notify('g', "copy_to", dst_db, c.arg(2));
  c.reply.Integer(1);
}

void Move(CommandContext& c) {
  auto db = IntArg(c, c.arg(2));
  if (!db) return;
  if (!ValidDb(c, *db)) {
    c.reply.Error(errors::kDbIndex);
    return;
  }
  if (*db == c.db()) {
    c.reply.Error(kSameObject);
    return;
  }
  Keyspace& ks = c.keyspace();
  Entry* e = ks.Find(c.db(), c.arg(1), Lookup::kWrite);
  if (e == nullptr || ks.Find(*db, c.arg(1), Lookup::kWrite) != nullptr) {
    c.reply.Integer(0);
    return;
  }
  ks.Relocate(c.db(), e, *db, c.arg(1));
  c.server.KeyModified(c.db(), c.arg(1));
  c.server.KeyModified(*db, c.arg(1));
  c.server.Notify('g', "move_from", c.db(), c.arg(1));
  c.server.Notify('g', "move_to", *db, c.arg(1));
  c.reply.Integer(1);
}

void Touch(CommandContext& c) {
  int64_t touched = 0;
  for (size_t i = 1; i < c.argc(); ++i) {
    if (c.keyspace().Find(c.db(), c.arg(i), Lookup::kRead) != nullptr) ++touched;
  }
  c.reply.Integer(touched);
}

void DbSize(CommandContext& c) {
  c.reply.Integer(static_cast<int64_t>(c.keyspace().db(c.db()).dict.size()));
}

void FlushDb(CommandContext& c) {
  if (!ParseFlushMode(c)) return;
  c.server.DatabaseReplaced(c.db());
  c.keyspace().FlushDb(c.db());
  c.reply.Ok();
}

void FlushAll(CommandContext& c) {
  if (!ParseFlushMode(c)) return;
  for (int db = 0; db < c.keyspace().count(); ++db) c.server.DatabaseReplaced(db);
  c.keyspace().FlushAll();
  if (persistence::Persistence* p = c.server.persistence()) p->AfterFlushAll();
  c.reply.Ok();
}

void Select(CommandContext& c) {
  auto db = IntArg(c, c.arg(1));
  if (!db) return;
  if (!ValidDb(c, *db)) {
    c.reply.Error(errors::kDbIndex);
    return;
  }
  c.client.db = *db;
  c.reply.Ok();
}

void SwapDb(CommandContext& c) {
  auto a = IntArg(c, c.arg(1), "invalid first DB index");
  if (!a) return;
  auto b = IntArg(c, c.arg(2), "invalid second DB index");
  if (!b) return;
  if (!ValidDb(c, *a) || !ValidDb(c, *b)) {
    c.reply.Error(errors::kDbIndex);
    return;
  }
  c.server.DatabaseReplaced(*a, *b);
  c.server.DatabaseReplaced(*b, *a);
  c.keyspace().Swap(*a, *b);
  c.reply.Ok();
}

}  // namespace petrel::commands
