// HRANDFIELD key [count [WITHVALUES]]
#include <algorithm>
#include <limits>
#include <vector>

#include "handlers.h"
#include "key_access.h"
#include "petrel/command/arg_parser.h"
#include "petrel/storage/hash.h"
#include "petrel/util/numbers.h"

namespace petrel::commands {
namespace {

void ReplyPair(CommandContext& c, const storage::hash::Pair& p, bool with_values) {
  // RESP3 nests each field/value pair in an array of two; RESP2 keeps them flat.
  if (with_values && c.reply.protocol() >= 3) c.reply.Array(2);
  c.reply.Bulk(p.first);
  if (with_values) c.reply.Bulk(p.second);
}

}  // namespace

void HRandField(CommandContext& c) {
  if (c.argc() == 2) {
    Entry* e = LookupRead(c, c.arg(1));
    if (e == nullptr) {
      c.reply.NullBulk();
      return;
    }
    if (e->value_type() != storage::ValueType::kHash) {
      c.reply.Error(command::errors::kWrongType);
      return;
    }
    c.reply.Bulk(storage::hash::Random(*e, c.keyspace().rng()).first);
    return;
  }
  auto count = util::ParseInt64(c.arg(2));
  if (!count) {
    c.reply.Error(command::errors::kNotInteger);
    return;
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (*count < -kMax) {
    c.reply.Error("value is out of range, value must between -9223372036854775807 and "
                  "9223372036854775807");
    return;
  }
  bool with_values = false;
  if (c.argc() > 4 || (c.argc() == 4 && !command::EqualsIgnoreCase(c.arg(3), "withvalues"))) {
    c.reply.Error(command::errors::kSyntax);
    return;
  }
  if (c.argc() == 4) {
    with_values = true;
    if (*count < -kMax / 2 || *count > kMax / 2) {
      c.reply.Error("value is out of range");
      return;
    }
  }
  Entry* e = LookupRead(c, c.arg(1));
  if (e == nullptr) {
    c.reply.Array(0);
    return;
  }
  if (e->value_type() != storage::ValueType::kHash) {
    c.reply.Error(command::errors::kWrongType);
    return;
  }
  const bool distinct = *count >= 0;
  const uint64_t n = static_cast<uint64_t>(distinct ? *count : -*count);
  if (n == 0) {
    c.reply.Array(0);
    return;
  }
  const size_t size = storage::hash::Length(*e);
  const bool flat = with_values && c.reply.protocol() < 3;
  auto& rng = c.keyspace().rng();
  if (!distinct || n == 1) {
    // Independent draws, repeats allowed.
    c.reply.Array(flat ? n * 2 : n);
    for (uint64_t i = 0; i < n; ++i) ReplyPair(c, storage::hash::Random(*e, rng), with_values);
    return;
  }
  std::vector<storage::hash::Pair> pairs;
  pairs.reserve(size);
  storage::hash::ForEach(*e, [&](std::string_view f, std::string_view v) {
    pairs.emplace_back(f, v);
  });
  // Asking for the whole hash or more returns every field; otherwise a random distinct subset.
  size_t shown = size;
  if (n < size) {
    shown = static_cast<size_t>(n);
    for (size_t i = 0; i < shown; ++i) std::swap(pairs[i], pairs[i + rng() % (size - i)]);
  }
  c.reply.Array(flat ? shown * 2 : shown);
  for (size_t i = 0; i < shown; ++i) ReplyPair(c, pairs[i], with_values);
}

}  // namespace petrel::commands
