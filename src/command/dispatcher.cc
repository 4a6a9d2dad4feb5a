#include "petrel/command/dispatcher.h"

#include <chrono>
#include <cstring>
#include <random>

#include "petrel/command/context.h"
#include "petrel/command/registry.h"

namespace petrel::command {
namespace {

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 rng(rd());
  const char* digits = "0123456789abcdef";
  std::string out(n, '0');
  for (char& c : out) c = digits[rng() & 15];
  return out;
}

// C-string view of an argument, as Redis's "%s" formatting stops at a NUL byte.
std::string_view UntilNul(std::string_view s) {
  const void* nul = std::memchr(s.data(), '\0', s.size());
  return nul == nullptr ? s : s.substr(0, static_cast<const char*>(nul) - s.data());
}

std::string UnknownCommandError(std::span<const std::string_view> args) {
  std::string list;
  for (size_t i = 1; i < args.size() && list.size() < 128; ++i) {
    list += '\'';
    list += UntilNul(args[i]).substr(0, 128 - list.size() + 1);
    list += "' ";
  }
  return "unknown command '" + std::string(UntilNul(args[0]).substr(0, 128)) +
         "', with args beginning with: " + list;
}

int64_t SteadyUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

storage::Keyspace& CommandContext::keyspace() { return server.keyspace(); }
int64_t CommandContext::NowMs() const { return server.clock().NowMs(); }

Dispatcher::Dispatcher(config::Config& config, const util::Clock& clock)
    : config_(config),
      clock_(clock),
      keyspace_(static_cast<int>(config.settings().databases), clock),
      run_id_(RandomHex(40)),
      start_ms_(clock.NowMs()) {}

Dispatcher::Outcome Dispatcher::Dispatch(ClientState& client,
                                         std::span<const std::string_view> args,
                                         resp::ReplyBuilder& reply) {
  reply.set_error_tally(&stats_.errors);
  // CLIENT REPLY OFF/SKIP silence every reply of the command, errors included.
  const bool silenced = client.reply_off || client.skip_this_reply;
  std::string* out = reply.buffer();
  std::string discarded;
  if (silenced) reply.set_buffer(&discarded);
  const Outcome outcome = Route(client, args, reply);
  if (silenced) {
    reply.set_buffer(out);
    // CLIENT REPLY ON answers although replies were off when it started.
    if (!client.reply_off && !client.skip_this_reply) out->append(discarded);
  }
  if (outcome == Outcome::kDone) {
    client.skip_this_reply = client.skip_next_reply;
    client.skip_next_reply = false;
  }
  return outcome;
}

Dispatcher::Outcome Dispatcher::Route(ClientState& client, std::span<const std::string_view> args,
                                      resp::ReplyBuilder& reply) {
  const Registry& registry = Registry::Get();
  const CommandSpec* spec = registry.Find(args[0]);
  const CommandSpec* parent = nullptr;
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2) {
    parent = spec;
    spec = Registry::FindSub(*parent, args[1]);
    if (spec == nullptr) {
      std::string upper(UntilNul(args[0]).substr(0, 128));
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      reply.Error("unknown subcommand '" + std::string(UntilNul(args[1]).substr(0, 128)) +
                  "'. Try " + upper + " HELP.");
      return Outcome::kDone;
    }
  }
  if (spec == nullptr) {
    reply.Error(UnknownCommandError(args));
    return Outcome::kDone;
  }
  const int argc = static_cast<int>(args.size());
  if ((spec->arity > 0 && argc != spec->arity) || argc < -spec->arity) {
    ++stats_.commands[spec].rejected_calls;
    reply.Error("wrong number of arguments for '" + Registry::FullName(*spec, parent) +
                "' command");
    return Outcome::kDone;
  }
  if (AuthRequired(client) && !spec->flags.has(Flag::kNoAuth)) {
    ++stats_.commands[spec].rejected_calls;
    reply.Error("-NOAUTH Authentication required.");
    return Outcome::kDone;
  }
  if (HeldByPause(*spec, client)) return Outcome::kPaused;
  Call(*spec, client, args, reply);
  return Outcome::kDone;
}

void Dispatcher::Call(const CommandSpec& spec, ClientState& client,
                      std::span<const std::string_view> args, resp::ReplyBuilder& reply) {
  const uint64_t errors_before = reply.errors_written();
  const int64_t start = SteadyUs();
  CommandContext ctx(args, reply, client, *this, spec);
  spec.handler(ctx);
  const int64_t elapsed = SteadyUs() - start;

  const int64_t slower_than = settings().slowlog_log_slower_than;
  if (slower_than >= 0 && elapsed >= slower_than && !spec.flags.has(Flag::kSkipSlowlog)) {
    slowlog_.Record(args, clock_.NowMs() / 1000, elapsed, client.addr, client.name,
                    static_cast<size_t>(settings().slowlog_max_len));
  }
  CommandStats& cs = stats_.commands[&spec];
  ++cs.calls;
  cs.usec += static_cast<uint64_t>(elapsed);
  if (reply.errors_written() != errors_before) ++cs.failed_calls;
  client.last_command = &spec;
  ++stats_.total_commands_processed;
}

bool Dispatcher::HeldByPause(const CommandSpec& spec, ClientState& client) {
  if (pause_mode_ == PauseMode::kNone) return false;
  if (clock_.NowMs() >= pause_until_ms_) {
    Unpause();
    return false;
  }
  const bool writes = spec.flags.has(Flag::kWrite) || spec.flags.has(Flag::kMayReplicate);
  if (pause_mode_ == PauseMode::kWrite && !writes) return false;
  paused_clients_.push_back(client.id);
  return true;
}

void Dispatcher::Pause(PauseMode mode, int64_t until_ms) {
  // A new pause can only extend or widen the current one, as in Redis.
  if (pause_mode_ == PauseMode::kNone || mode == PauseMode::kAll) pause_mode_ = mode;
  if (until_ms > pause_until_ms_ || pause_mode_ == PauseMode::kNone) pause_until_ms_ = until_ms;
}

void Dispatcher::Unpause() {
  pause_mode_ = PauseMode::kNone;
  pause_until_ms_ = 0;
  std::vector<uint64_t> waiting;
  waiting.swap(paused_clients_);
  for (uint64_t id : waiting) {
    auto it = clients_.find(id);
    if (it != clients_.end() && it->second->link != nullptr) it->second->link->Resume();
  }
}

void Dispatcher::ResetStats() {
  stats_ = ServerStats{};
  storage::KeyspaceStats& ks = keyspace_.stats();
  ks = storage::KeyspaceStats{};
}

void Dispatcher::Cron() {
  keyspace_.UpdateLruClock();
  const int64_t hz = std::max<int64_t>(1, settings().hz);
  // Spend at most a quarter of each cron period on active expiry, as Redis's slow cycle does.
  keyspace_.ActiveExpireCycle(1000000 / hz / 4);
  keyspace_.ShrinkTables();
  if (pause_mode_ != PauseMode::kNone && clock_.NowMs() >= pause_until_ms_) Unpause();
  const int64_t now = clock_.NowMs();
  // After the dataset shrank by a tenth (deletes, expiry), give free heap pages back. Checking
  // only then keeps the allocator's statistics walk off the common path.
  const size_t keys = keyspace_.TotalKeys();
  if (keys > keys_at_last_trim_) {
    keys_at_last_trim_ = keys;
  } else if (keys < keys_at_last_trim_ - keys_at_last_trim_ / 10 && now - last_trim_ms_ >= 1000) {
    last_trim_ms_ = now;
    keys_at_last_trim_ = keys;
    storage::ReleaseFreeMemory();
  }
  if (now - last_ops_sample_ms_ >= 100) {
    last_ops_sample_ms_ = now;
    ops_sample_ms_[ops_sample_next_] = now;
    ops_sample_count_[ops_sample_next_] = stats_.total_commands_processed;
    ops_sample_next_ = (ops_sample_next_ + 1) % kOpsSamples;
  }
}

int64_t Dispatcher::OpsPerSecond() const {
  // Oldest and newest samples in the ring.
  const size_t newest = (ops_sample_next_ + kOpsSamples - 1) % kOpsSamples;
  const size_t oldest = ops_sample_next_;
  const int64_t span = ops_sample_ms_[newest] - ops_sample_ms_[oldest];
  if (ops_sample_ms_[oldest] == 0 || span <= 0) return 0;
  return static_cast<int64_t>((ops_sample_count_[newest] - ops_sample_count_[oldest]) * 1000 /
                              static_cast<uint64_t>(span));
}

}  // namespace petrel::command
