#include "petrel/command/dispatcher.h"

#include <chrono>
#include <cstring>
#include <random>

#include "petrel/command/context.h"
#include "petrel/command/registry.h"
#include "petrel/persistence/persistence.h"
#include "petrel/replication/replication.h"
#include "petrel/pubsub/publish.h"

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

// Commands that run at once inside MULTI instead of being queued.
bool RunsInsideMulti(const CommandSpec& spec, const CommandSpec* parent) {
  if (parent != nullptr) return false;
  for (std::string_view name : {"exec", "discard", "multi", "watch", "quit", "reset"}) {
    if (spec.name == name) return true;
  }
  return false;
}

int64_t SteadyUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool AllowedWhileSubscribed(const CommandSpec& spec, const CommandSpec* parent) {
  if (parent != nullptr) return false;
  static constexpr std::string_view kAllowed[] = {
      "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe",
      "ping",      "quit",        "reset"};
  for (std::string_view name : kAllowed) {
    if (spec.name == name) return true;
  }
  return false;
}

}  // namespace

storage::Keyspace& CommandContext::keyspace() { return server.keyspace(); }
int64_t CommandContext::NowMs() const { return server.clock().NowMs(); }

Dispatcher::Dispatcher(config::Config& config, const util::Clock& clock)
    : config_(config),
      clock_(clock),
      keyspace_(static_cast<int>(config.settings().databases), clock),
      watches_(keyspace_),
      run_id_(RandomHex(40)),
      start_ms_(clock.NowMs()) {
  // A key deleted because it expired is a change for WATCH.
  keyspace_.on_expired = [this](int db, std::string_view key) {
    watches_.Touch(db, key, true);
    Notify('x', "expired", db, key);
    // Readers of the log do not expire keys themselves: they are told. Inside EXEC the DEL
    // takes its place among the transaction's commands; otherwise it goes out at once, ahead
    // of the command that found the key expired (both as Redis 7.0 does).
    const std::string_view del[] = {"DEL", key};
    if (propagator_.depth() > 1) {
      propagator_.Add(db, del);
    } else {
      propagator_.Emit(db, del);
    }
  };
  keyspace_.on_added = [this](int db, std::string_view key) { Notify('n', "new", db, key); };
  keyspace_.on_read_miss = [this](int db, std::string_view key) {
    Notify('m', "keymiss", db, key);
  };
}

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
  return outcome == Outcome::kDone && client.blocked ? Outcome::kBlocked : outcome;
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
      client.last_command = nullptr;
      Reject(nullptr, client, reply,
             "unknown subcommand '" + std::string(UntilNul(args[1]).substr(0, 128)) +
                 "'. Try " + upper + " HELP.");
      return Outcome::kDone;
    }
  }
  client.last_command = spec;  // CLIENT LIST's cmd= names the command even if it is refused
  if (spec == nullptr) {
    Reject(nullptr, client, reply, UnknownCommandError(args));
    return Outcome::kDone;
  }
  const int argc = static_cast<int>(args.size());
  if ((spec->arity > 0 && argc != spec->arity) || argc < -spec->arity) {
    Reject(spec, client, reply,
           "wrong number of arguments for '" + Registry::FullName(*spec, parent) + "' command");
    return Outcome::kDone;
  }
  if (AuthRequired(client) && !spec->flags.has(Flag::kNoAuth)) {
    Reject(spec, client, reply, "-NOAUTH Authentication required.");
    return Outcome::kDone;
  }
  // While the disk refuses our snapshots or log, writes (and PING, as in Redis) are refused.
  if (persistence_ != nullptr && persistence_->WritesRefused() && !keyspace_.loading() &&
      (IsWrite(*spec, client) || spec->name == "ping")) {
    const std::string refusal = persistence_->WriteRefusal();
    if (!refusal.empty()) {
      Reject(spec, client, reply, refusal);
      return Outcome::kDone;
    }
  }
  if (replication_ != nullptr && !client.is_primary_link) {
    const std::string_view refusal = ReplicationRefusal(*spec, client);
    if (!refusal.empty()) {
      Reject(spec, client, reply, refusal);
      return Outcome::kDone;
    }
  }
  // A RESP2 connection in subscribed mode can only manage its subscriptions (RESP3 pushes
  // messages in band, so it may run anything).
  if (client.resp == 2 && client.subscriptions.any() && !AllowedWhileSubscribed(*spec, parent)) {
    Reject(spec, client, reply,
           "Can't execute '" + Registry::FullName(*spec, parent) +
               "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
               "this context");
    return Outcome::kDone;
  }
  if (client.in_multi && spec->flags.has(Flag::kNoMulti)) {
    Reject(spec, client, reply, "Command not allowed inside a transaction");
    return Outcome::kDone;
  }
  // A monitor is a replica to Redis, and replicas may not touch the keyspace.
  if (client.monitor && (spec->flags.has(Flag::kWrite) || spec->flags.has(Flag::kReadonly) ||
                         spec->flags.has(Flag::kMayReplicate))) {
    Reject(spec, client, reply, "Replica can't interact with the keyspace");
    return Outcome::kDone;
  }
  if (HeldByPause(*spec, client)) return Outcome::kPaused;
  if (client.in_multi && !RunsInsideMulti(*spec, parent)) {
    Queue(*spec, client, args, reply);
  } else {
    Call(*spec, client, args, reply);
  }
  return Outcome::kDone;
}

void Dispatcher::Reject(const CommandSpec* spec, ClientState& client, resp::ReplyBuilder& reply,
                        std::string_view error) {
  if (spec != nullptr) ++StatsFor(*spec).rejected_calls;
  if (spec != nullptr && spec->name == "exec") {
    // A refused EXEC discards the transaction (even outside MULTI, Redis words it so).
    EndTransaction(client);
    if (error.starts_with('-')) error.remove_prefix(1);
    reply.Error("-EXECABORT Transaction discarded because of: " + std::string(error));
    return;
  }
  if (client.in_multi) client.multi_aborted = true;
  reply.Error(error);
}

void Dispatcher::Call(const CommandSpec& spec, ClientState& client,
                      std::span<const std::string_view> args, resp::ReplyBuilder& reply) {
  const uint64_t errors_before = reply.errors_written();
  const uint64_t call_errors_before = call_errors_;
  std::vector<size_t> outer_redacted = std::move(redacted_);
  redacted_.clear();
  const int64_t start = SteadyUs();
  CommandContext ctx(args, reply, client, *this, spec);
  const uint64_t dirty_before = dirty_;
  propagator_.BeginCall();
  spec.handler(ctx);
  if (dirty_ != dirty_before && spec.flags.has(Flag::kWrite)) PropagateCall(client.db, args);
  has_rewrite_ = false;
  propagator_.EndCall();
  // Where this client's last write ends in the replication stream (what WAIT waits for).
  if (dirty_ != dirty_before && replication_ != nullptr) {
    client.repl_write_offset = replication_->offset();
  }
  const int64_t elapsed = SteadyUs() - start;
  const uint64_t errors = reply.errors_written() - errors_before;
  // Errors of the commands EXEC ran were counted by their own calls.
  const uint64_t own_errors = errors - (call_errors_ - call_errors_before);
  call_errors_ = call_errors_before + errors;

  const int64_t slower_than = settings().slowlog_log_slower_than;
  if (slower_than >= 0 && elapsed >= slower_than && !spec.flags.has(Flag::kSkipSlowlog)) {
    slowlog_.Record(args, clock_.NowMs() / 1000, elapsed, client.addr, client.name,
                    static_cast<size_t>(settings().slowlog_max_len));
  }
  CommandStats& cs = StatsFor(spec);
  ++cs.calls;
  cs.usec += static_cast<uint64_t>(elapsed);
  if (own_errors != 0) ++cs.failed_calls;
  ++stats_.total_commands_processed;
  if (!monitors_.empty() && !spec.flags.has(Flag::kAdmin) &&
      !spec.flags.has(Flag::kSkipMonitor)) {
    FeedMonitors(client, args);
  }
  redacted_ = std::move(outer_redacted);
}

void Dispatcher::PropagateCall(int db, std::span<const std::string_view> args) {
  if (!propagator_.active()) return;
  if (!has_rewrite_) {
    propagator_.Add(db, args);
    return;
  }
  std::vector<std::string_view> views(rewrite_.begin(), rewrite_.end());
  propagator_.Add(db, views);
}

std::string_view Dispatcher::ReplicationRefusal(const CommandSpec& spec,
                                                const ClientState& client) const {
  const config::Settings& s = settings();
  if (!replication_->is_replica()) {
    if (s.min_replicas_to_write > 0 && s.min_replicas_max_lag > 0 && IsWrite(spec, client) &&
        replication_->GoodReplicas() < s.min_replicas_to_write) {
      return "-NOREPLICAS Not enough good replicas to write.";
    }
    return {};
  }
  if (s.replica_read_only && IsWrite(spec, client)) {
    return "-READONLY You can't write against a read only replica.";
  }
  if (!s.replica_serve_stale_data && !replication_->link_up() && !spec.flags.has(Flag::kStale)) {
    return "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
  }
  return {};
}

bool Dispatcher::IsWrite(const CommandSpec& spec, const ClientState& client, bool may_replicate) {
  auto writes_of = [may_replicate](const CommandSpec& s) {
    return s.flags.has(Flag::kWrite) || (may_replicate && s.flags.has(Flag::kMayReplicate));
  };
  bool writes = writes_of(spec);
  // EXEC is a write when it would run one.
  if (client.in_multi && spec.name == "exec") {
    for (const QueuedCommand& q : client.queued) writes = writes || writes_of(*q.spec);
  }
  return writes;
}

bool Dispatcher::HeldByPause(const CommandSpec& spec, ClientState& client) {
  if (pause_mode_ == PauseMode::kNone) return false;
  if (clock_.NowMs() >= pause_until_ms_) {
    Unpause();
    return false;
  }
  const bool writes = IsWrite(spec, client, true);
  if (pause_mode_ == PauseMode::kWrite && !writes) return false;
  paused_clients_.push_back(client.id);
  return true;
}

void Dispatcher::Pause(PauseMode mode, int64_t until_ms) {
  // A new pause can only extend or widen the current one, as in Redis.
  if (pause_mode_ == PauseMode::kNone || mode == PauseMode::kAll) pause_mode_ = mode;
  if (until_ms > pause_until_ms_ || pause_mode_ == PauseMode::kNone) pause_until_ms_ = until_ms;
  // Nothing may change the data while writes are paused, expiry included (replicas must not
  // receive DELs a failover would then miss).
  keyspace_.set_expiry_paused(true);
}

void Dispatcher::Unpause() {
  pause_mode_ = PauseMode::kNone;
  pause_until_ms_ = 0;
  keyspace_.set_expiry_paused(false);
  std::vector<uint64_t> waiting;
  waiting.swap(paused_clients_);
  for (uint64_t id : waiting) {
    auto it = clients_.find(id);
    if (it != clients_.end() && it->second->link != nullptr) it->second->link->Resume();
  }
}

void Dispatcher::DatabaseReplaced(int db, int other) {
  ++dirty_;
  watches_.DatabaseReplaced(db, other);
}

void Dispatcher::RemoveClient(ClientState* c) {
  if (replication_ != nullptr) replication_->ClientClosed(c);
  EndTransaction(*c);
  RemoveMonitor(c);
  pubsub_.RemoveClient(c);
  clients_.erase(c->id);
}

void Dispatcher::EndTransaction(ClientState& c) {
  c.in_multi = false;
  c.multi_aborted = false;
  c.queued.clear();
  watches_.UnwatchAll(c);
}

void Dispatcher::Queue(const CommandSpec& spec, ClientState& client,
                       std::span<const std::string_view> args, resp::ReplyBuilder& reply) {
  // A doomed transaction does not keep what it will never run.
  if (!client.multi_aborted && !client.watch_lost) {
    client.queued.push_back({&spec, std::vector<std::string>(args.begin(), args.end())});
  }
  reply.Raw("+QUEUED\r\n");
}

void Dispatcher::RunQueued(const QueuedCommand& command, ClientState& c,
                           resp::ReplyBuilder& reply) {
  const std::vector<std::string_view> args(command.args.begin(), command.args.end());
  Call(*command.spec, c, args, reply);
}

void Dispatcher::PublishEvent(char type, std::string_view event, int db,
                              std::string_view key) {
  const std::string& flags = config_.settings().notify_keyspace_events;
  // 'A' stands for every class but m (key miss) and n (new key).
  const bool all = flags.find('A') != std::string::npos && type != 'm' && type != 'n';
  if (!all && flags.find(type) == std::string::npos) return;
  const std::string prefix = "@" + std::to_string(db) + "__:";
  if (flags.find('K') != std::string::npos) {
    pubsub::Publish(pubsub_, pubsub::Kind::kChannel,
                    "__keyspace" + prefix + std::string(key), event);
  }
  if (flags.find('E') != std::string::npos) {
    pubsub::Publish(pubsub_, pubsub::Kind::kChannel,
                    "__keyevent" + prefix + std::string(event), key);
  }
}

void Dispatcher::ConfigChanged() {
  if (on_config_changed) on_config_changed();
  if (persistence_ != nullptr) persistence_->AppendonlyChanged();
}

bool Dispatcher::RepliesHeld() const {
  return persistence_ != nullptr && persistence_->RepliesHeld();
}

void Dispatcher::AwaitDurable(std::function<void()> then) {
  persistence_->AwaitDurable(std::move(then));
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
  if (persistence_ != nullptr) persistence_->Cron();
  if (replication_ != nullptr) replication_->Cron();
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
