// The manifest of Redis 7's multi-part AOF: which base file and which incremental files make
// up the log, in order. One line per file: `file <name> seq <n> type <b|h|i>`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace petrel::persistence {

struct AofFileInfo {
  std::string name;
  int64_t seq = 0;
  char type = 'i';  // b: base, i: incremental, h: history (to delete)
};

class AofManifest {
 public:
  // Parses manifest text; the reason on failure.
  static std::optional<AofManifest> Parse(std::string_view text, std::string* error);
  std::string Format() const;

  const std::optional<AofFileInfo>& base() const { return base_; }
  const std::vector<AofFileInfo>& incrs() const { return incrs_; }
  const std::vector<AofFileInfo>& history() const { return history_; }
  bool empty() const { return !base_ && incrs_.empty(); }

  // A new base file (the old base and every incremental file but the last `keep_incrs` become
  // history); returns its name. `prefix` is appendfilename.
  std::string NewBase(std::string_view prefix, bool rdb, size_t keep_incrs);
  // A new incremental file at the end; returns its name.
  std::string NewIncr(std::string_view prefix);
  void ClearHistory() { history_.clear(); }
  // Adopts a pre-7.0 single AOF file as the base (upgrading to the multi-part layout).
  void AdoptLegacyBase(std::string name) {
    base_seq_ = 1;
    base_ = AofFileInfo{std::move(name), 1, 'b'};
  }

 private:
  std::optional<AofFileInfo> base_;
  std::vector<AofFileInfo> incrs_;
  std::vector<AofFileInfo> history_;
  int64_t base_seq_ = 0;
  int64_t incr_seq_ = 0;
};

}  // namespace petrel::persistence
