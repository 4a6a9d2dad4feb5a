// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
#include <cstdint>

#include "handlers.h"
#include "key_access.h"
#include "petrel/command/dispatcher.h"
#include "petrel/command/arg_parser.h"
#include "petrel/storage/lcs.h"
#include "petrel/storage/string_value.h"
#include "petrel/util/numbers.h"

namespace petrel::commands {

void Lcs(CommandContext& c) {
  Entry* ea = LookupRead(c, c.arg(1));
  Entry* eb = LookupRead(c, c.arg(2));
  if ((ea != nullptr && ea->value_type() != storage::ValueType::kString) ||
      (eb != nullptr && eb->value_type() != storage::ValueType::kString)) {
    c.reply.Error("The specified keys must contain string values");
    return;
  }
  bool want_idx = false, want_len = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t j = 3; j < c.argc(); ++j) {
    std::string_view opt = c.arg(j);
    const bool has_next = j + 1 < c.argc();
    if (command::EqualsIgnoreCase(opt, "idx")) {
      want_idx = true;
    } else if (command::EqualsIgnoreCase(opt, "len")) {
      want_len = true;
    } else if (command::EqualsIgnoreCase(opt, "withmatchlen")) {
      with_match_len = true;
    } else if (command::EqualsIgnoreCase(opt, "minmatchlen") && has_next) {
      auto v = util::ParseInt64(c.arg(++j));
      if (!v) {
        c.reply.Error(command::errors::kNotInteger);
        return;
      }
      min_match_len = *v < 0 ? 0 : *v;
    } else {
      c.reply.Error(command::errors::kSyntax);
      return;
    }
  }
  if (want_idx && want_len) {
    c.reply.Error("If you want both the length and indexes, please just use IDX.");
    return;
  }
  storage::IntText sa, sb;
  std::string_view a = ea != nullptr ? storage::StringBytes(*ea, sa) : std::string_view();
  std::string_view b = eb != nullptr ? storage::StringBytes(*eb, sb) : std::string_view();
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    c.reply.Error("String too long for LCS");
    return;
  }
  const uint64_t table_bytes = (a.size() + 1) * (b.size() + 1) * sizeof(uint32_t);
  if (table_bytes > static_cast<uint64_t>(c.server.settings().proto_max_bulk_len)) {
    c.reply.Error("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    return;
  }
  storage::LcsResult r = storage::ComputeLcs(a, b);
  if (want_len) {
    c.reply.Integer(static_cast<int64_t>(r.sequence.size()));
    return;
  }
  if (!want_idx) {
    c.reply.Bulk(r.sequence);
    return;
  }
  size_t shown = 0;
  for (const auto& m : r.matches) shown += (min_match_len == 0 || m.length() >= min_match_len);
  c.reply.Map(2);
  c.reply.Bulk("matches");
  c.reply.Array(shown);
  for (const auto& m : r.matches) {
    if (min_match_len != 0 && m.length() < min_match_len) continue;
    c.reply.Array(with_match_len ? 3 : 2);
    c.reply.Array(2);
    c.reply.Integer(m.a_start);
    c.reply.Integer(m.a_end);
    c.reply.Array(2);
    c.reply.Integer(m.b_start);
    c.reply.Integer(m.b_end);
    if (with_match_len) c.reply.Integer(m.length());
  }
  c.reply.Bulk("len");
  c.reply.Integer(static_cast<int64_t>(r.sequence.size()));
}

}  // namespace petrel::commands
