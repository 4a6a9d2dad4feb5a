// OBJECT and MEMORY: introspection of one key's value.
#include <malloc.h>

#include "handlers.h"
#include "key_access.h"
#include "petrel/command/arg_parser.h"
#include "petrel/command/dispatcher.h"
#include "petrel/storage/hash.h"
#include "petrel/storage/string_value.h"
#include "petrel/util/numbers.h"
#include "reply_help.h"

namespace petrel::commands {
namespace {

constexpr std::string_view kEncodingNames[] = {"int", "embstr", "raw", "listpack", "hashtable"};

bool LfuPolicy(CommandContext& c) {
  return c.server.settings().maxmemory_policy.find("lfu") != std::string::npos;
}

Entry* LookupOrNull(CommandContext& c) {
  Entry* e = c.keyspace().Find(c.db(), c.arg(2), storage::Lookup::kNoTouch);
  if (e == nullptr) c.reply.NullBulk();
  return e;
}

}  // namespace

void ObjectEncoding(CommandContext& c) {
  if (Entry* e = LookupOrNull(c)) {
    c.reply.Bulk(kEncodingNames[static_cast<int>(e->value_encoding())]);
  }
}

void ObjectIdleTime(CommandContext& c) {
  Entry* e = LookupOrNull(c);
  if (e == nullptr) return;
  if (LfuPolicy(c)) {
    c.reply.Error(
        "An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
    return;
  }
  c.reply.Integer(c.keyspace().IdleMs(e) / 1000);
}

void ObjectFreq(CommandContext& c) {
  Entry* e = LookupOrNull(c);
  if (e == nullptr) return;
  // Access frequency needs LFU counters, which exist only under an LFU policy; Petrel does not
  // evict yet, so it never keeps them.
  c.reply.Error(
      "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
      "when switching between policies at runtime LRU and LFU data will take some time to "
      "adjust.");
}

void ObjectRefCount(CommandContext& c) {
  Entry* e = LookupOrNull(c);
  if (e == nullptr) return;
  // Redis shares the objects of the integers 0..9999, reporting them as immortal.
  const bool shared = e->value_encoding() == storage::Encoding::kInt && e->v.integer >= 0 &&
                      e->v.integer < 10000;
  c.reply.Integer(shared ? 2147483647 : 1);
}

void ObjectHelp(CommandContext& c) {
  ReplyHelp(c, "OBJECT",
            {{"ENCODING <key>", "How the value of <key> is stored (int, embstr, raw, ...)."},
             {"FREQ <key>", "Access frequency of <key> (LFU policies only)."},
             {"IDLETIME <key>", "Seconds since <key> was last read or written."},
             {"REFCOUNT <key>", "References to the value of <key>."}});
}

void MemoryUsage(CommandContext& c) {
  for (size_t j = 3; j < c.argc(); j += 2) {
    if (!command::EqualsIgnoreCase(c.arg(j), "samples") || j + 1 >= c.argc()) {
      c.reply.Error(command::errors::kSyntax);
      return;
    }
    if (!util::ParseInt64(c.arg(j + 1))) {
      c.reply.Error(command::errors::kNotInteger);
      return;
    }
  }
  Entry* e = LookupOrNull(c);
  if (e == nullptr) return;
  // The entry's allocation (key, header, short value), its share of the bucket array, and any
  // separately allocated value.
  size_t bytes = malloc_usable_size(e) + sizeof(void*);
  bytes += e->value_type() == storage::ValueType::kHash ? storage::hash::MemoryBytes(*e)
                                                        : storage::StringHeapBytes(*e);
  c.reply.Integer(static_cast<int64_t>(bytes));
}

void MemoryHelp(CommandContext& c) {
  ReplyHelp(c, "MEMORY",
            {{"USAGE <key> [SAMPLES <count>]", "Approximate bytes held by <key> and its value."}});
}

}  // namespace petrel::commands
