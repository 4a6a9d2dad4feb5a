// Server settings and the one table of directives that drives the config file, the command line,
// CONFIG GET/SET/REWRITE and docs/configuration.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace petrel::config {

struct OutputBufferLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
};

struct Settings {
  // Network
  std::vector<std::string> bind;
  int64_t port = 0;
  std::string unixsocket;
  int64_t unixsocketperm = 0;
  int64_t tcp_backlog = 0;
  int64_t timeout = 0;
  int64_t tcp_keepalive = 0;
  int64_t maxclients = 0;
  bool protected_mode = true;
  // Server
  bool daemonize = false;
  std::string pidfile;
  std::string loglevel;
  std::string logfile;
  int64_t databases = 0;
  int64_t hz = 0;
  bool dynamic_hz = true;
  std::string dir;
  std::string enable_protected_configs;
  std::string requirepass;
  // Limits
  int64_t proto_max_bulk_len = 0;
  int64_t client_query_buffer_limit = 0;
  OutputBufferLimit obuf_normal, obuf_replica, obuf_pubsub;
  int64_t maxmemory = 0;
  std::string maxmemory_policy;
  int64_t maxmemory_samples = 0;
  // Data types
  int64_t hash_max_listpack_entries = 0;
  int64_t hash_max_listpack_value = 0;
  // Persistence
  std::string save;  // "seconds changes ..." pairs, empty for no save points
  std::string dbfilename;
  bool stop_writes_on_bgsave_error = true;
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool rdb_save_incremental_fsync = true;
  int64_t rdb_key_save_delay = 0;
  bool appendonly = false;
  std::string appendfilename;
  std::string appenddirname;
  std::string appendfsync;
  bool no_appendfsync_on_rewrite = false;
  bool aof_rewrite_incremental_fsync = true;
  int64_t auto_aof_rewrite_percentage = 0;
  int64_t auto_aof_rewrite_min_size = 0;
  bool aof_load_truncated = true;
  bool aof_use_rdb_preamble = true;
  // Replication
  std::string replicaof_host;  // empty: this server is a primary
  int64_t replicaof_port = 0;
  std::string masterauth;
  std::string masteruser;
  bool replica_read_only = true;
  bool replica_serve_stale_data = true;
  bool repl_diskless_sync = true;
  int64_t repl_diskless_sync_delay = 0;
  int64_t repl_diskless_sync_max_replicas = 0;
  std::string repl_diskless_load;
  int64_t repl_backlog_size = 0;
  int64_t repl_backlog_ttl = 0;
  int64_t repl_timeout = 0;
  int64_t repl_ping_replica_period = 0;
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 0;
  std::string replica_announce_ip;
  int64_t replica_announce_port = 0;
  int64_t replica_priority = 0;
  bool replica_announced = true;
  bool repl_disable_tcp_nodelay = false;
  bool replica_lazy_flush = false;
  // Monitoring
  int64_t slowlog_log_slower_than = 0;
  int64_t slowlog_max_len = 0;
  int64_t latency_monitor_threshold = 0;
  std::string notify_keyspace_events;
  // Lazy freeing (accepted for compatibility; freeing is synchronous)
  bool lazyfree_lazy_user_flush = false;
  bool lazyfree_lazy_user_del = false;
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_eviction = false;
  bool lazyfree_lazy_server_del = false;
};

enum class Kind { kBool, kInt, kMemory, kEnum, kString, kSpecial };

struct Directive {
  std::string_view name;
  std::string_view alias;  // an older name Redis also accepts, or empty
  Kind kind;
  bool is_mutable;
  std::string_view default_value;
  std::string_view help;  // one line for docs/configuration.md
  std::variant<std::monostate, bool Settings::*, int64_t Settings::*, std::string Settings::*>
      field;
  int64_t min = 0;
  int64_t max = 0;
  std::span<const std::string_view> choices = {};  // kEnum
  // kSpecial: parse words into settings (nullopt on success, else the reason) and format.
  std::optional<std::string> (*parse)(Settings&, std::span<const std::string>) = nullptr;
  std::string (*format)(const Settings&) = nullptr;
  // kSpecial values of several words may also come as one word with spaces ("900 1 300 10").
  bool split_one_word = false;
};

// Every directive Petrel supports, in documentation order.
std::span<const Directive> Directives();
const Directive* FindDirective(std::string_view name);
// Directives CONFIG SET changes only as enable-protected-configs allows (dir, dbfilename).
bool IsProtected(const Directive& d);

// One redis.conf line that failed: what Redis prints before exiting.
struct ConfigError {
  std::string file;  // empty for the command line
  int line = 0;
  std::string text;    // the offending line
  std::string reason;  // e.g. "Bad directive or wrong number of arguments"
  std::string Format() const;
};

class Config {
 public:
  Config();  // every directive at its default

  Settings& settings() { return settings_; }
  const Settings& settings() const { return settings_; }
  const std::string& config_file() const { return config_file_; }

  // Applies redis.conf text (`origin` names the file for errors; `include` resolves relative to
  // the current directory as in Redis). Returns the first error.
  std::optional<ConfigError> LoadText(std::string_view text, const std::string& origin);
  std::optional<ConfigError> LoadFile(const std::string& path);
  void set_config_file(std::string path) { config_file_ = std::move(path); }

  // Sets one directive from words (the file form). The reason on failure, as Redis words it.
  std::optional<std::string> Apply(const Directive& d, std::span<const std::string> words);
  std::string Get(const Directive& d) const;

  // Writes the current settings into the config file the server started with, keeping its
  // comments and unknown lines, as CONFIG REWRITE does.
  std::optional<std::string> Rewrite() const;

 private:
  Settings settings_;
  std::string config_file_;
  // In config text (not CONFIG SET), each `save` line adds points to those of the lines before.
  bool save_loaded_ = false;
};

// The directive reference of docs/configuration.md, generated from the table.
std::string DirectivesMarkdown();

// Turns `--port 6380 --save '' --replicaof 127.0.0.1 6379` (argv after the optional file name)
// into redis.conf text: each option takes every word up to the next `--option`.
std::string CommandLineToConfigText(std::span<const std::string> args);

}  // namespace petrel::config
