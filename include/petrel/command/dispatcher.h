// Runs commands: finds the spec, checks arity and authentication, calls the handler, keeps the
// statistics. It owns the keyspace and the registry of connected clients.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "petrel/command/client_state.h"
#include "petrel/command/command_spec.h"
#include "petrel/command/slowlog.h"
#include "petrel/command/watch_registry.h"
#include "petrel/config/config.h"
#include "petrel/pubsub/registry.h"
#include "petrel/replication/propagator.h"
#include "petrel/resp/reply_builder.h"
#include "petrel/storage/keyspace.h"
#include "petrel/util/clock.h"

namespace petrel::persistence {
class Persistence;
}
namespace petrel::replication {
class Replication;
}

namespace petrel::command {

struct CommandStats {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
};

struct ServerStats {
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t client_query_buffer_limit_disconnections = 0;
  uint64_t client_output_buffer_limit_disconnections = 0;
  int64_t used_memory_peak = 0;
  std::vector<CommandStats> commands;  // by CommandSpec::id, for INFO commandstats
  resp::ErrorTally errors;                                        // error replies (errorstats)
};

// What the network side of the server offers to commands (SHUTDOWN, INFO's listener figures).
class ServerHooks {
 public:
  virtual ~ServerHooks() = default;
  virtual void RequestShutdown() = 0;
  virtual int64_t TcpPort() const = 0;
};

enum class PauseMode : uint8_t { kNone, kWrite, kAll };

class Dispatcher {
 public:
  Dispatcher(config::Config& config, const util::Clock& clock);

  enum class Outcome {
    kDone,    // the command ran (or was rejected) and its reply is written
    kPaused,  // CLIENT PAUSE holds it back: keep it and call again after ClientLink::Resume()
    kBlocked,  // it ran and blocked the client (WAIT): read nothing more until Resume()
  };
  // Runs one command (args[0] is its name) and writes its reply.
  Outcome Dispatch(ClientState& client, std::span<const std::string_view> args,
                   resp::ReplyBuilder& reply);

  config::Config& config() { return config_; }
  const config::Settings& settings() const { return config_.settings(); }
  storage::Keyspace& keyspace() { return keyspace_; }
  const util::Clock& clock() const { return clock_; }
  ServerStats& stats() { return stats_; }
  Slowlog& slowlog() { return slowlog_; }
  CommandStats& StatsFor(const CommandSpec& spec) {
    if (spec.id >= stats_.commands.size()) stats_.commands.resize(spec.id + 1);
    return stats_.commands[spec.id];
  }

  // Clients: the connection registers its state while it is open.
  uint64_t NextClientId() { return next_client_id_++; }
  void AddClient(ClientState* c) { clients_[c->id] = c; }
  // Forgets a closing client, with its transaction, watched keys and MONITOR subscription.
  void RemoveClient(ClientState* c);
  const std::map<uint64_t, ClientState*>& clients() const { return clients_; }

  void set_hooks(ServerHooks* hooks) { hooks_ = hooks; }
  ServerHooks* hooks() { return hooks_; }

  // Redis's signalModifiedKey: a command changed `key` in `db`. Handlers call it for every key
  // they write, delete or re-expire; it invalidates WATCHes and makes the command one that is
  // propagated (and counted as a change since the last save).
  void KeyModified(int db, std::string_view key) {
    ++dirty_;
    if (!watches_.empty()) watches_.Touch(db, key);
  }
  // Changes since start-up (Redis's server.dirty): save points compare against it. A command
  // that changes several things of one key (HSET of 3 fields) counts the extra ones here.
  uint64_t dirty() const { return dirty_; }
  void CountChanges(uint64_t extra) { dirty_ += extra; }

  // The write log to the AOF and replicas. A handler whose command must be replayed in another
  // form (relative expiry made absolute, a float increment made a SET) calls PropagateAs.
  replication::Propagator& propagator() { return propagator_; }
  void PropagateAs(std::initializer_list<std::string_view> args) {
    rewrite_.assign(args.begin(), args.end());
    has_rewrite_ = true;
  }

  // Persistence (SAVE, BGSAVE, AOF), when the server runs with it.
  void set_persistence(persistence::Persistence* p) { persistence_ = p; }
  persistence::Persistence* persistence() { return persistence_; }
  // Replication (primary and replica sides), when the server runs with it.
  void set_replication(replication::Replication* r) { replication_ = r; }
  replication::Replication* replication() { return replication_; }
  // Keyspace notifications: publishes `event` for `key` of `db` when notify-keyspace-events
  // enables `type` (a class letter: g $ h x n m ...), on __keyspace@<db>__:<key> and/or
  // __keyevent@<db>__:<event> as K and E say.
  void Notify(char type, std::string_view event, int db, std::string_view key) {
    if (!config_.settings().notify_keyspace_events.empty()) PublishEvent(type, event, db, key);
  }

  // Before FLUSHDB/FLUSHALL empties `db` (with `other` < 0), or SWAPDB exchanges `db` and
  // `other`: every watched key of `db` that exists in `db` (or in `other`) is modified.
  // SWAPDB calls it for both directions; swapping a database with itself changes nothing.
  void DatabaseReplaced(int db, int other = -1);

  // Transactions. EndTransaction leaves MULTI, drops the queue and unwatches every key (EXEC,
  // DISCARD, RESET). RunQueued runs a command EXEC takes from the queue: it was checked when
  // queued, so it goes straight to the handler (statistics, slowlog and MONITOR included).
  WatchRegistry& watches() { return watches_; }
  pubsub::Registry& pubsub() { return pubsub_; }
  void EndTransaction(ClientState& c);
  void RunQueued(const QueuedCommand& command, ClientState& c, resp::ReplyBuilder& reply);

  // MONITOR: every command that runs is shown to the monitors, except admin and skip-monitor
  // ones. A handler calls RedactArgument(i) to show its argument i as "(redacted)" (secrets).
  void AddMonitor(ClientState* c);
  void RemoveMonitor(ClientState* c);
  void RedactArgument(size_t index) { redacted_.push_back(index); }

  // After CONFIG SET: apply what must change at once (log level, appendonly, ...).
  void ConfigChanged();
  // Replies to writes wait until the AOF holds them: when RepliesHeld, a connection hands the
  // rest of its batch (sending the replies, reading more) to AwaitDurable.
  bool RepliesHeld() const;
  void AwaitDurable(std::function<void()> then);
  std::function<void()> on_config_changed;
  // CONFIG RESETSTAT.
  void ResetStats();
  // Commands per second over the last cron samples (INFO instantaneous_ops_per_sec).
  int64_t OpsPerSecond() const;

  // CLIENT PAUSE / UNPAUSE.
  void Pause(PauseMode mode, int64_t until_ms);
  void Unpause();
  // Background work, `hz` times a second: active expiry, pause deadlines, table shrinking.
  void Cron();

  const std::string& run_id() const { return run_id_; }
  int64_t start_ms() const { return start_ms_; }
  // Whether a client must AUTH before other commands (requirepass is set).
  bool AuthRequired(const ClientState& c) const {
    return !c.authenticated && !config_.settings().requirepass.empty();
  }

 private:
  Outcome Route(ClientState& client, std::span<const std::string_view> args,
                resp::ReplyBuilder& reply);
  void Call(const CommandSpec& spec, ClientState& client, std::span<const std::string_view> args,
            resp::ReplyBuilder& reply);
  bool HeldByPause(const CommandSpec& spec, ClientState& client);
  // Replication's refusals (READONLY, NOREPLICAS, MASTERDOWN), or empty.
  std::string_view ReplicationRefusal(const CommandSpec& spec, const ClientState& client) const;
  // Whether the command writes (EXEC: whether its queue does); with `may_replicate`, commands
  // that may propagate (PUBLISH) count too.
  static bool IsWrite(const CommandSpec& spec, const ClientState& client,
                      bool may_replicate = false);
  void PublishEvent(char type, std::string_view event, int db, std::string_view key);
  // Refuses a command before it runs (`spec` is null for an unknown one); inside MULTI this
  // makes EXEC fail.
  void Reject(const CommandSpec* spec, ClientState& client, resp::ReplyBuilder& reply,
              std::string_view error);
  void Queue(const CommandSpec& spec, ClientState& client,
             std::span<const std::string_view> args, resp::ReplyBuilder& reply);
  void FeedMonitors(const ClientState& client, std::span<const std::string_view> args);
  void PropagateCall(int db, std::span<const std::string_view> args);

  config::Config& config_;
  const util::Clock& clock_;
  storage::Keyspace keyspace_;
  WatchRegistry watches_;  // after keyspace_, which it refers to
  pubsub::Registry pubsub_;
  std::vector<ClientState*> monitors_;
  std::vector<size_t> redacted_;  // of the command running now
  // Error replies written by every Call so far: EXEC does not count its commands' errors.
  uint64_t call_errors_ = 0;
  ServerStats stats_;
  Slowlog slowlog_;
  std::map<uint64_t, ClientState*> clients_;
  uint64_t next_client_id_ = 1;
  ServerHooks* hooks_ = nullptr;
  persistence::Persistence* persistence_ = nullptr;
  replication::Replication* replication_ = nullptr;
  replication::Propagator propagator_;
  uint64_t dirty_ = 0;
  std::vector<std::string> rewrite_;  // PropagateAs of the command running now
  bool has_rewrite_ = false;
  PauseMode pause_mode_ = PauseMode::kNone;
  int64_t pause_until_ms_ = 0;
  std::vector<uint64_t> paused_clients_;
  std::string run_id_;
  // Samples of (ms, total commands) taken by the cron for the ops/sec figure.
  static constexpr size_t kOpsSamples = 16;
  int64_t ops_sample_ms_[kOpsSamples] = {};
  uint64_t ops_sample_count_[kOpsSamples] = {};
  size_t ops_sample_next_ = 0;
  int64_t last_ops_sample_ms_ = 0;
  int64_t last_trim_ms_ = 0;
  size_t keys_at_last_trim_ = 0;
  int64_t start_ms_ = 0;
};

}  // namespace petrel::command
