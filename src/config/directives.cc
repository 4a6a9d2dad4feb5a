// The table of directives. Defaults are written as config text and parsed by the same code as
// the file, so each directive's default lives in one place.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cerrno>
#include <climits>
#include <cstring>

#include <unistd.h>

#include "petrel/config/config.h"
#include "petrel/util/numbers.h"

namespace petrel::config {
namespace {

constexpr int64_t kIntMax = 2147483647;
constexpr int64_t kLongMax = 9223372036854775807LL;

constexpr std::array<std::string_view, 4> kLogLevels = {"debug", "verbose", "notice", "warning"};
constexpr std::array<std::string_view, 8> kMaxmemoryPolicies = {
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};
constexpr std::array<std::string_view, 3> kFsyncPolicies = {"everysec", "always", "no"};
constexpr std::array<std::string_view, 3> kProtectedModes = {"no", "yes", "local"};
constexpr std::array<std::string_view, 3> kDisklessLoad = {"disabled", "on-empty-db", "swapdb"};

std::optional<std::string> ParseBind(Settings& s, std::span<const std::string> words) {
  if (words.empty()) return "wrong number of arguments";
  s.bind.assign(words.begin(), words.end());
  return std::nullopt;
}

std::string FormatBind(const Settings& s) {
  std::string out;
  for (const std::string& b : s.bind) {
    if (!out.empty()) out += ' ';
    out += b;
  }
  return out;
}

std::optional<std::string> ParseSave(Settings& s, std::span<const std::string> words) {
  // "save" with no words or one empty word disables snapshots; otherwise pairs of integers.
  if (words.empty() || (words.size() == 1 && words[0].empty())) {
    s.save.clear();
    return std::nullopt;
  }
  if (words.size() % 2 != 0) return "Invalid save parameters";
  std::string text;
  for (const std::string& w : words) {
    auto n = util::ParseInt64(w);
    if (!n || *n < 0) return "Invalid save parameters";
    if (!text.empty()) text += ' ';
    text += std::to_string(*n);
  }
  s.save = text;
  return std::nullopt;
}

std::string FormatSave(const Settings& s) { return s.save; }

// Setting dir changes the working directory at once, as in Redis; reading it gives the absolute
// path.
std::optional<std::string> ParseDir(Settings& s, std::span<const std::string> words) {
  if (words.size() != 1) return "wrong number of arguments";
  if (::chdir(words[0].c_str()) != 0) return std::strerror(errno);
  s.dir = words[0];
  return std::nullopt;
}

// File and directory names that must stay inside dir (Redis refuses paths for them).
template <std::string Settings::*kField>
std::optional<std::string> ParsePlainName(Settings& s, std::span<const std::string> words,
                                          std::string_view what) {
  if (words.size() != 1) return "wrong number of arguments";
  if (words[0].find('/') != std::string::npos) {
    return std::string(what) + " can't be a path, just a " +
           (what == "appenddirname" ? "dirname" : "filename");
  }
  s.*kField = words[0];
  return std::nullopt;
}

std::optional<std::string> ParseDbfilename(Settings& s, std::span<const std::string> words) {
  return ParsePlainName<&Settings::dbfilename>(s, words, "dbfilename");
}
std::optional<std::string> ParseAppendfilename(Settings& s, std::span<const std::string> words) {
  return ParsePlainName<&Settings::appendfilename>(s, words, "appendfilename");
}
std::optional<std::string> ParseAppenddirname(Settings& s, std::span<const std::string> words) {
  return ParsePlainName<&Settings::appenddirname>(s, words, "appenddirname");
}
std::string FormatDbfilename(const Settings& s) { return s.dbfilename; }

// "replicaof <host> <port>"; "replicaof no one" (or nothing) for a primary.
std::optional<std::string> ParseReplicaof(Settings& s, std::span<const std::string> words) {
  if (words.empty() || (words.size() == 1 && words[0].empty())) {
    s.replicaof_host.clear();
    s.replicaof_port = 0;
    return std::nullopt;
  }
  if (words.size() != 2) return "wrong number of arguments";
  auto is = [](const std::string& w, std::string_view lower) {
    return w.size() == lower.size() &&
           std::equal(w.begin(), w.end(), lower.begin(),
                      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  };
  if (is(words[0], "no") && is(words[1], "one")) {
    s.replicaof_host.clear();
    s.replicaof_port = 0;
    return std::nullopt;
  }
  auto port = util::ParseInt64(words[1]);
  if (!port || *port < 0 || *port > 65535) return "Invalid master port";
  s.replicaof_host = words[0];
  s.replicaof_port = *port;
  return std::nullopt;
}

std::string FormatReplicaof(const Settings& s) {
  return s.replicaof_host.empty() ? "" : s.replicaof_host + " " + std::to_string(s.replicaof_port);
}
std::string FormatAppendfilename(const Settings& s) { return s.appendfilename; }
std::string FormatAppenddirname(const Settings& s) { return s.appenddirname; }

std::string FormatDir(const Settings& s) {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof(buf)) != nullptr ? std::string(buf) : s.dir;
}

std::optional<std::string> ParseOutputLimits(Settings& s, std::span<const std::string> words) {
  if (words.empty() || words.size() % 4 != 0) {
    return "Wrong number of arguments in buffer limit configuration.";
  }
  Settings copy = s;
  for (size_t i = 0; i < words.size(); i += 4) {
    std::string cls = words[i];
    for (char& c : cls) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    OutputBufferLimit* target = nullptr;
    if (cls == "normal") {
      target = &copy.obuf_normal;
    } else if (cls == "slave" || cls == "replica") {
      target = &copy.obuf_replica;
    } else if (cls == "pubsub") {
      target = &copy.obuf_pubsub;
    } else {
      return "Invalid client class specified in buffer limit configuration.";
    }
    auto hard = util::ParseMemory(words[i + 1]);
    auto soft = util::ParseMemory(words[i + 2]);
    auto secs = util::ParseInt64(words[i + 3]);
    if (!hard || !soft || !secs || *hard < 0 || *soft < 0 || *secs < 0) {
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    }
    *target = {*hard, *soft, *secs};
  }
  s = copy;
  return std::nullopt;
}

std::string FormatOutputLimits(const Settings& s) {
  auto one = [](std::string_view name, const OutputBufferLimit& l) {
    return std::string(name) + ' ' + std::to_string(l.hard) + ' ' + std::to_string(l.soft) + ' ' +
           std::to_string(l.soft_seconds);
  };
  return one("normal", s.obuf_normal) + ' ' + one("slave", s.obuf_replica) + ' ' +
         one("pubsub", s.obuf_pubsub);
}

// Keeps the flags in Redis's canonical order so CONFIG GET matches ("KEA" -> "AKE"): the classes
// (or A), n, then K, E and m. Like Redis, CONFIG GET leaves 'n' out after A (it still applies).
std::optional<std::string> ParseNotify(Settings& s, std::span<const std::string> words) {
  if (words.size() != 1) return "wrong number of arguments";
  constexpr std::string_view kAll = "g$lshzxetd";
  bool flag[128] = {};
  for (char c : words[0]) {
    if (c == 'A') {
      for (char a : kAll) flag[static_cast<int>(a)] = true;
      continue;
    }
    if (std::string_view("g$lshzxeKEtmdn").find(c) == std::string_view::npos) {
      return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
    }
    flag[static_cast<int>(c)] = true;
  }
  std::string out;
  bool all = true;
  for (char a : kAll) all = all && flag[static_cast<int>(a)];
  if (all) {
    out += 'A';
  } else {
    for (char a : kAll) {
      if (flag[static_cast<int>(a)]) out += a;
    }
  }
  if (flag[static_cast<int>('n')]) out += 'n';
  for (char c : std::string_view("KEm")) {
    if (flag[static_cast<int>(c)]) out += c;
  }
  s.notify_keyspace_events = out;
  return std::nullopt;
}

std::string FormatNotify(const Settings& s) {
  std::string shown = s.notify_keyspace_events;
  if (!shown.empty() && shown[0] == 'A') std::erase(shown, 'n');
  return shown;
}

using S = Settings;

const std::vector<Directive>& Table() {
  static const std::vector<Directive> table = {
      {"bind", "", Kind::kSpecial, false, "* -::*",
       "Addresses to listen on (IPv4 and IPv6); a leading '-' marks an optional address.", {}, 0,
       0, {}, ParseBind, FormatBind, true},
      {"port", "", Kind::kInt, false, "6379", "TCP port; 0 disables TCP.", &S::port, 0, 65535},
      {"unixsocket", "", Kind::kString, false, "\"\"", "Path of a Unix socket to listen on as well.",
       &S::unixsocket},
      {"unixsocketperm", "", Kind::kInt, false, "0", "Permissions of the Unix socket (octal).",
       &S::unixsocketperm, 0, 0777},
      {"tcp-backlog", "", Kind::kInt, false, "511", "listen() backlog.", &S::tcp_backlog, 0,
       kIntMax},
      {"timeout", "", Kind::kInt, true, "0", "Close a client idle for this many seconds (0: never).",
       &S::timeout, 0, kIntMax},
      {"tcp-keepalive", "", Kind::kInt, true, "300", "SO_KEEPALIVE interval in seconds (0: off).",
       &S::tcp_keepalive, 0, kIntMax},
      {"maxclients", "", Kind::kInt, true, "10000", "Most clients connected at once.",
       &S::maxclients, 1, 4294967295LL},
      {"protected-mode", "", Kind::kBool, true, "yes",
       "Without a password, accept clients from 127.0.0.1, ::1 and Unix sockets only.",
       &S::protected_mode},
      {"daemonize", "", Kind::kBool, false, "no", "Detach and run in the background.",
       &S::daemonize},
      {"pidfile", "", Kind::kString, false, "\"\"", "Write the process id here.", &S::pidfile},
      {"loglevel", "", Kind::kEnum, true, "notice", "debug, verbose, notice or warning.",
       &S::loglevel, 0, 0, kLogLevels},
      {"logfile", "", Kind::kString, false, "\"\"", "Log file; empty logs to standard output.",
       &S::logfile},
      {"databases", "", Kind::kInt, false, "16", "Number of databases.", &S::databases, 1,
       kIntMax},
      {"hz", "", Kind::kInt, true, "10", "Background task frequency (expiry, timeouts), 1-500.",
       &S::hz, 0, kIntMax},
      {"dynamic-hz", "", Kind::kBool, true, "yes", "Accepted; the frequency stays at hz.",
       &S::dynamic_hz},
      {"dir", "", Kind::kSpecial, true, "./",
       "Working directory (the server changes into it) for the RDB and AOF files.", {}, 0, 0, {},
       ParseDir, FormatDir},
      {"enable-protected-configs", "", Kind::kEnum, false, "no",
       "Whether CONFIG SET may change dir and dbfilename: no, yes, or local (loopback only).",
       &S::enable_protected_configs, 0, 0, kProtectedModes},
      {"requirepass", "", Kind::kString, true, "\"\"", "Password clients must AUTH with.",
       &S::requirepass},
      {"proto-max-bulk-len", "", Kind::kMemory, true, "512mb", "Largest bulk string accepted.",
       &S::proto_max_bulk_len, 1024 * 1024, kLongMax},
      {"client-query-buffer-limit", "", Kind::kMemory, true, "1gb",
       "Largest query buffer of one client.", &S::client_query_buffer_limit, 1024 * 1024,
       kLongMax},
      {"client-output-buffer-limit", "", Kind::kSpecial, true,
       "normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60",
       "Per class: hard limit, soft limit, soft seconds.", {}, 0, 0, {}, ParseOutputLimits,
       FormatOutputLimits, true},
      {"maxmemory", "", Kind::kMemory, true, "0", "Accepted and reported; no eviction yet.",
       &S::maxmemory, 0, kLongMax},
      {"maxmemory-policy", "", Kind::kEnum, true, "noeviction",
       "Accepted and reported; no eviction yet.", &S::maxmemory_policy, 0, 0, kMaxmemoryPolicies},
      {"maxmemory-samples", "", Kind::kInt, true, "5", "Accepted and reported.",
       &S::maxmemory_samples, 1, 64},
      {"hash-max-listpack-entries", "hash-max-ziplist-entries", Kind::kInt, true, "512",
       "Hashes with more fields than this use a hash table.", &S::hash_max_listpack_entries, 0,
       kLongMax},
      {"hash-max-listpack-value", "hash-max-ziplist-value", Kind::kMemory, true, "64",
       "Hashes with a longer field or value use a hash table.", &S::hash_max_listpack_value, 0,
       kLongMax},
      {"save", "", Kind::kSpecial, true, "3600 1 300 100 60 10000",
       "Snapshot points: save after `seconds` if at least `changes` writes happened.", {}, 0, 0,
       {}, ParseSave, FormatSave, true},
      {"dbfilename", "", Kind::kSpecial, true, "dump.rdb", "RDB file name (in dir).", {}, 0, 0,
       {}, ParseDbfilename, FormatDbfilename},
      {"stop-writes-on-bgsave-error", "", Kind::kBool, true, "yes",
       "Refuse writes with -MISCONF while the last background save failed.",
       &S::stop_writes_on_bgsave_error},
      {"rdbcompression", "", Kind::kBool, true, "yes", "LZF-compress long strings in RDB files.",
       &S::rdbcompression},
      {"rdbchecksum", "", Kind::kBool, false, "yes", "Write and check the RDB CRC64 checksum.",
       &S::rdbchecksum},
      {"rdb-save-incremental-fsync", "", Kind::kBool, true, "yes",
       "fsync a snapshot every 4 MB as it is written, not only at the end.",
       &S::rdb_save_incremental_fsync},
      {"rdb-key-save-delay", "", Kind::kInt, true, "0",
       "Microseconds to sleep per key while saving (testing aid).", &S::rdb_key_save_delay,
       -kIntMax - 1, kIntMax},
      {"appendonly", "", Kind::kBool, true, "no", "Log every write to the append-only file.",
       &S::appendonly},
      {"appendfilename", "", Kind::kSpecial, false, "appendonly.aof",
       "Base name of the AOF files.", {}, 0, 0, {}, ParseAppendfilename, FormatAppendfilename},
      {"appenddirname", "", Kind::kSpecial, false, "appendonlydir",
       "Directory of the AOF files, inside dir.", {}, 0, 0, {}, ParseAppenddirname,
       FormatAppenddirname},
      {"appendfsync", "", Kind::kEnum, true, "everysec", "always, everysec or no.",
       &S::appendfsync, 0, 0, kFsyncPolicies},
      {"aof-rewrite-incremental-fsync", "", Kind::kBool, true, "yes",
       "fsync a rewritten AOF base every 4 MB as it is written.",
       &S::aof_rewrite_incremental_fsync},
      {"no-appendfsync-on-rewrite", "", Kind::kBool, true, "no",
       "Skip AOF fsyncs while a child saves or rewrites.", &S::no_appendfsync_on_rewrite},
      {"auto-aof-rewrite-percentage", "", Kind::kInt, true, "100",
       "Rewrite when the AOF grew by this percentage since the last rewrite (0: never).",
       &S::auto_aof_rewrite_percentage, 0, kIntMax},
      {"auto-aof-rewrite-min-size", "", Kind::kMemory, true, "64mb",
       "No automatic rewrite below this AOF size.", &S::auto_aof_rewrite_min_size, 0, kLongMax},
      {"aof-load-truncated", "", Kind::kBool, true, "yes",
       "Load an AOF whose last command is cut short, dropping that command.",
       &S::aof_load_truncated},
      {"aof-use-rdb-preamble", "", Kind::kBool, true, "yes",
       "Write the AOF base file in RDB format (else as commands).", &S::aof_use_rdb_preamble},
      {"replicaof", "slaveof", Kind::kSpecial, false, "\"\"",
       "Follow the primary at host port (REPLICAOF changes it at run time).", {}, 0, 0, {},
       ParseReplicaof, FormatReplicaof, true},
      {"masterauth", "", Kind::kString, true, "\"\"", "Password to AUTH with to the primary.",
       &S::masterauth},
      {"masteruser", "", Kind::kString, true, "\"\"", "User name to AUTH with to the primary.",
       &S::masteruser},
      {"replica-read-only", "slave-read-only", Kind::kBool, true, "yes",
       "Refuse writes from clients on a replica.", &S::replica_read_only},
      {"replica-serve-stale-data", "slave-serve-stale-data", Kind::kBool, true, "yes",
       "Answer from the data held while the link to the primary is down.",
       &S::replica_serve_stale_data},
      {"repl-diskless-sync", "", Kind::kBool, true, "yes",
       "Send full syncs straight to the replicas' sockets, not through a file.",
       &S::repl_diskless_sync},
      {"repl-diskless-sync-delay", "", Kind::kInt, true, "5",
       "Seconds to wait for more replicas before a diskless full sync starts.",
       &S::repl_diskless_sync_delay, 0, kIntMax},
      {"repl-diskless-sync-max-replicas", "", Kind::kInt, true, "0",
       "Start a diskless sync at once when this many replicas wait (0: no limit).",
       &S::repl_diskless_sync_max_replicas, 0, kIntMax},
      {"repl-diskless-load", "", Kind::kEnum, true, "disabled",
       "How a replica loads a full sync: disabled (through a file), on-empty-db, swapdb.",
       &S::repl_diskless_load, 0, 0, kDisklessLoad},
      {"repl-backlog-size", "", Kind::kMemory, true, "1mb",
       "Bytes of the write stream kept for replicas that reconnect.", &S::repl_backlog_size,
       1, kLongMax},
      {"repl-backlog-ttl", "", Kind::kInt, true, "3600",
       "Seconds without replicas before the backlog is freed (0: never).", &S::repl_backlog_ttl,
       0, kLongMax},
      {"repl-timeout", "", Kind::kInt, true, "60", "Seconds of silence before a link is dropped.",
       &S::repl_timeout, 1, kLongMax},
      {"repl-ping-replica-period", "repl-ping-slave-period", Kind::kInt, true, "10",
       "Seconds between PINGs a primary sends its replicas.", &S::repl_ping_replica_period, 1,
       kIntMax},
      {"min-replicas-to-write", "min-slaves-to-write", Kind::kInt, true, "0",
       "Refuse writes unless this many replicas are connected and current.",
       &S::min_replicas_to_write, 0, kIntMax},
      {"min-replicas-max-lag", "min-slaves-max-lag", Kind::kInt, true, "10",
       "Seconds since its last ACK for a replica to count as current.", &S::min_replicas_max_lag,
       0, kIntMax},
      {"replica-announce-ip", "slave-announce-ip", Kind::kString, true, "\"\"",
       "Address this replica reports to its primary.", &S::replica_announce_ip},
      {"replica-announce-port", "slave-announce-port", Kind::kInt, true, "0",
       "Port this replica reports to its primary (0: its own).", &S::replica_announce_port, 0,
       65535},
      {"replica-priority", "slave-priority", Kind::kInt, true, "100",
       "Sentinel's preference when promoting (lower first; 0: never).", &S::replica_priority, 0,
       kIntMax},
      {"replica-announced", "", Kind::kBool, true, "yes", "Whether Sentinel lists this replica.",
       &S::replica_announced},
      {"repl-disable-tcp-nodelay", "", Kind::kBool, true, "no",
       "Accepted; replication sockets keep TCP_NODELAY.", &S::repl_disable_tcp_nodelay},
      {"replica-lazy-flush", "slave-lazy-flush", Kind::kBool, true, "no",
       "Accepted; the old dataset is freed synchronously.", &S::replica_lazy_flush},
      {"slowlog-log-slower-than", "", Kind::kInt, true, "10000", "Accepted and reported.",
       &S::slowlog_log_slower_than, -1, kLongMax},
      {"slowlog-max-len", "", Kind::kInt, true, "128", "Accepted and reported.",
       &S::slowlog_max_len, 0, kLongMax},
      {"latency-monitor-threshold", "", Kind::kInt, true, "0", "Accepted and reported.",
       &S::latency_monitor_threshold, 0, kLongMax},
      {"notify-keyspace-events", "", Kind::kSpecial, true, "\"\"",
       "Keyspace notification classes.", {}, 0, 0, {}, ParseNotify, FormatNotify},
      {"lazyfree-lazy-user-flush", "", Kind::kBool, true, "no", "Accepted; frees synchronously.",
       &S::lazyfree_lazy_user_flush},
      {"lazyfree-lazy-user-del", "", Kind::kBool, true, "no", "Accepted; frees synchronously.",
       &S::lazyfree_lazy_user_del},
      {"lazyfree-lazy-expire", "", Kind::kBool, true, "no", "Accepted; frees synchronously.",
       &S::lazyfree_lazy_expire},
      {"lazyfree-lazy-eviction", "", Kind::kBool, true, "no", "Accepted; frees synchronously.",
       &S::lazyfree_lazy_eviction},
      {"lazyfree-lazy-server-del", "", Kind::kBool, true, "no", "Accepted; frees synchronously.",
       &S::lazyfree_lazy_server_del},
  };
  return table;
}

}  // namespace

std::span<const Directive> Directives() { return Table(); }

bool IsProtected(const Directive& d) { return d.name == "dir" || d.name == "dbfilename"; }

const Directive* FindDirective(std::string_view name) {
  for (const Directive& d : Table()) {
    if (d.name.size() != name.size() && d.alias.size() != name.size()) continue;
    auto eq = [&](std::string_view a) {
      if (a.size() != name.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(name[i])) != a[i]) return false;
      }
      return true;
    };
    if (eq(d.name) || (!d.alias.empty() && eq(d.alias))) return &d;
  }
  return nullptr;
}

}  // namespace petrel::config
