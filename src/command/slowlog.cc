#include "petrel/command/slowlog.h"

namespace petrel::command {
namespace {

constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgBytes = 128;

}  // namespace

void Slowlog::Record(std::span<const std::string_view> args, int64_t unix_seconds,
                     int64_t duration_us, const std::string& addr, const std::string& name,
                     size_t max_len) {
  SlowlogEntry e{next_id_++, unix_seconds, duration_us, {}, addr, name};
  const size_t shown = std::min(args.size(), kMaxArgs);
  for (size_t i = 0; i < shown; ++i) {
    if (i == kMaxArgs - 1 && args.size() > kMaxArgs) {
      e.args.push_back("... (" + std::to_string(args.size() - kMaxArgs + 1) + " more arguments)");
      break;
    }
    std::string_view a = args[i];
    if (a.size() > kMaxArgBytes) {
      e.args.push_back(std::string(a.substr(0, kMaxArgBytes)) + "... (" +
                       std::to_string(a.size() - kMaxArgBytes) + " more bytes)");
    } else {
      e.args.emplace_back(a);
    }
  }
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len) entries_.pop_back();
}

}  // namespace petrel::command
