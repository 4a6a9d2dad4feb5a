// INFO [section ...]: Redis's field names, with Petrel's real figures.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <set>

#include "handlers.h"
#include "petrel/persistence/persistence.h"
#include "petrel/replication/replication.h"
#include "petrel/util/memory.h"
#include "key_access.h"
#include "petrel/command/arg_parser.h"
#include "petrel/command/dispatcher.h"
#include "petrel/command/registry.h"
#include "petrel/version.h"

namespace petrel::commands {
namespace {

using command::Dispatcher;

struct Writer {
  std::string text;
  void Line(std::string_view key, const std::string& value) {
    text.append(key);
    text += ':';
    text += value;
    text += "\r\n";
  }
  void Line(std::string_view key, int64_t value) { Line(key, std::to_string(value)); }
};

std::string Human(int64_t bytes) {
  char buf[32];
  const double b = static_cast<double>(bytes);
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%lldB", static_cast<long long>(bytes));
  } else if (bytes < 1024LL * 1024) {
    std::snprintf(buf, sizeof buf, "%.2fK", b / 1024);
  } else if (bytes < 1024LL * 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.2fM", b / (1024 * 1024));
  } else {
    std::snprintf(buf, sizeof buf, "%.2fG", b / (1024.0 * 1024 * 1024));
  }
  return buf;
}

using util::RssBytes;

int64_t UsedMemory() { return util::UsedMemoryBytes(); }

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Executable() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

void ServerSection(CommandContext& c, Writer& w) {
  Dispatcher& s = c.server;
  utsname un{};
  uname(&un);
  const int64_t now_us = s.clock().NowUs();
  const int64_t uptime = (now_us / 1000 - s.start_ms()) / 1000;
  w.Line("redis_version", std::string(kRedisCompatVersion));
  w.Line("petrel_version", std::string(kPetrelVersion));
  w.Line("redis_git_sha1", "00000000");
  w.Line("redis_git_dirty", 0);
  w.Line("redis_mode", "standalone");
  w.Line("os", std::string(un.sysname) + " " + un.release + " " + un.machine);
  w.Line("arch_bits", static_cast<int64_t>(sizeof(void*) * 8));
  w.Line("monotonic_clock", "POSIX clock_gettime");
  w.Line("multiplexing_api", "epoll");
  w.Line("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                            std::to_string(__GNUC_PATCHLEVEL__));
  w.Line("process_id", static_cast<int64_t>(getpid()));
  w.Line("process_supervised", "no");
  w.Line("run_id", s.run_id());
  w.Line("tcp_port", s.hooks() != nullptr ? s.hooks()->TcpPort() : s.settings().port);
  w.Line("server_time_usec", now_us);
  w.Line("uptime_in_seconds", uptime);
  w.Line("uptime_in_days", uptime / 86400);
  w.Line("hz", s.settings().hz);
  w.Line("configured_hz", s.settings().hz);
  w.Line("lru_clock", static_cast<int64_t>(s.keyspace().LruClock()));
  w.Line("executable", Executable());
  w.Line("config_file", s.config().config_file());
  w.Line("io_threads_active", 0);
}

void ClientsSection(CommandContext& c, Writer& w) {
  Dispatcher& s = c.server;
  w.Line("connected_clients", static_cast<int64_t>(s.clients().size()));
  w.Line("cluster_connections", 0);
  w.Line("maxclients", s.settings().maxclients);
  size_t max_in = 0, max_out = 0;
  for (const auto& [id, cl] : s.clients()) {
    if (cl->link == nullptr) continue;
    max_in = std::max(max_in, cl->link->QueryBufferBytes());
    max_out = std::max(max_out, cl->link->OutputBufferBytes());
  }
  w.Line("client_recent_max_input_buffer", static_cast<int64_t>(max_in));
  w.Line("client_recent_max_output_buffer", static_cast<int64_t>(max_out));
  w.Line("blocked_clients", 0);
  w.Line("tracking_clients", 0);
  w.Line("clients_in_timeout_table", 0);
}

void MemorySection(CommandContext& c, Writer& w) {
  const int64_t used = UsedMemory();
  const int64_t rss = RssBytes();
  int64_t& peak = c.server.stats().used_memory_peak;
  peak = std::max(peak, used);
  w.Line("used_memory", used);
  w.Line("used_memory_human", Human(used));
  w.Line("used_memory_rss", rss);
  w.Line("used_memory_rss_human", Human(rss));
  w.Line("used_memory_peak", peak);
  w.Line("used_memory_peak_human", Human(peak));
  w.Line("used_memory_peak_perc", Fixed(peak > 0 ? 100.0 * used / peak : 0, 2) + "%");
  const int64_t total = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  w.Line("total_system_memory", total);
  w.Line("total_system_memory_human", Human(total));
  w.Line("maxmemory", c.server.settings().maxmemory);
  w.Line("maxmemory_human", Human(c.server.settings().maxmemory));
  w.Line("maxmemory_policy", c.server.settings().maxmemory_policy);
  w.Line("mem_fragmentation_ratio", Fixed(used > 0 ? static_cast<double>(rss) / used : 0, 2));
  w.Line("mem_fragmentation_bytes", rss - used);
  w.Line("mem_allocator", "libc");
  w.Line("lazyfree_pending_objects", 0);
  w.Line("lazyfreed_objects", 0);
}

void PersistenceSection(CommandContext& c, Writer& w) {
  if (const persistence::Persistence* p = c.server.persistence()) {
    p->AppendInfo(w.text);
    return;
  }
  // In-process tests run without persistence.
  w.Line("loading", 0);
  w.Line("async_loading", 0);
  w.Line("rdb_changes_since_last_save", 0);
  w.Line("rdb_bgsave_in_progress", 0);
  w.Line("rdb_last_save_time", c.server.start_ms() / 1000);
  w.Line("rdb_last_bgsave_status", "ok");
  w.Line("rdb_saves", 0);
  w.Line("aof_enabled", 0);
  w.Line("aof_rewrite_in_progress", 0);
  w.Line("aof_last_write_status", "ok");
}

void StatsSection(CommandContext& c, Writer& w) {
  const command::ServerStats& st = c.server.stats();
  const storage::KeyspaceStats& ks = c.server.keyspace().stats();
  w.Line("total_connections_received", static_cast<int64_t>(st.total_connections_received));
  w.Line("total_commands_processed", static_cast<int64_t>(st.total_commands_processed));
  w.Line("instantaneous_ops_per_sec", c.server.OpsPerSecond());
  w.Line("total_net_input_bytes", static_cast<int64_t>(st.net_input_bytes));
  w.Line("total_net_output_bytes", static_cast<int64_t>(st.net_output_bytes));
  w.Line("rejected_connections", static_cast<int64_t>(st.rejected_connections));
  const replication::Replication* repl = c.server.replication();
  w.Line("sync_full", repl != nullptr ? repl->sync_full() : 0);
  w.Line("sync_partial_ok", repl != nullptr ? repl->sync_partial_ok() : 0);
  w.Line("sync_partial_err", repl != nullptr ? repl->sync_partial_err() : 0);
  w.Line("expired_keys", static_cast<int64_t>(ks.expired_keys));
  w.Line("expire_cycle_cpu_milliseconds",
         static_cast<int64_t>(ks.expire_cycle_time_used_us / 1000));
  w.Line("evicted_keys", 0);
  w.Line("evicted_clients", 0);
  w.Line("keyspace_hits", static_cast<int64_t>(ks.keyspace_hits));
  w.Line("keyspace_misses", static_cast<int64_t>(ks.keyspace_misses));
  const pubsub::Registry& ps = c.server.pubsub();
  w.Line("pubsub_channels", static_cast<int64_t>(ps.NameCount(pubsub::Kind::kChannel)));
  w.Line("pubsub_patterns", static_cast<int64_t>(ps.NameCount(pubsub::Kind::kPattern)));
  w.Line("pubsubshard_channels", static_cast<int64_t>(ps.NameCount(pubsub::Kind::kShard)));
  const persistence::Persistence* p = c.server.persistence();
  w.Line("latest_fork_usec", p != nullptr ? p->latest_fork_usec() : 0);
  w.Line("total_forks", p != nullptr ? p->total_forks() : 0);
  w.Line("total_error_replies", static_cast<int64_t>(st.errors.total));
  w.Line("client_query_buffer_limit_disconnections",
         static_cast<int64_t>(st.client_query_buffer_limit_disconnections));
  w.Line("client_output_buffer_limit_disconnections",
         static_cast<int64_t>(st.client_output_buffer_limit_disconnections));
}

void ReplicationSection(CommandContext& c, Writer& w) {
  if (const replication::Replication* r = c.server.replication()) {
    r->AppendInfo(w.text);
    return;
  }
  // In-process tests run without replication.
  w.Line("role", "master");
  w.Line("connected_slaves", 0);
  w.Line("master_failover_state", "no-failover");
  w.Line("master_replid", c.server.run_id());
  w.Line("master_replid2", std::string(40, '0'));
  w.Line("master_repl_offset", 0);
  w.Line("second_repl_offset", -1);
  w.Line("repl_backlog_active", 0);
  w.Line("repl_backlog_size", 1048576);
  w.Line("repl_backlog_first_byte_offset", 0);
  w.Line("repl_backlog_histlen", 0);
}

void CpuSection(CommandContext&, Writer& w) {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto secs = [](const timeval& tv) {
    return Fixed(static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6, 6);
  };
  w.Line("used_cpu_sys", secs(self.ru_stime));
  w.Line("used_cpu_user", secs(self.ru_utime));
  w.Line("used_cpu_sys_children", secs(children.ru_stime));
  w.Line("used_cpu_user_children", secs(children.ru_utime));
  // One thread does all the work, so the main thread's figures are the process's.
  w.Line("used_cpu_sys_main_thread", secs(self.ru_stime));
  w.Line("used_cpu_user_main_thread", secs(self.ru_utime));
}

void ModulesSection(CommandContext&, Writer&) {}

void CommandStatsLine(CommandContext& c, Writer& w, const command::CommandSpec& spec,
                      const command::CommandSpec* parent) {
  const auto& all = c.server.stats().commands;
  if (spec.id >= all.size()) return;
  const command::CommandStats& cs = all[spec.id];
  if (cs.calls == 0 && cs.rejected_calls == 0 && cs.failed_calls == 0) return;
  const double per_call = cs.calls > 0 ? static_cast<double>(cs.usec) / cs.calls : 0;
  w.Line("cmdstat_" + command::Registry::FullName(spec, parent),
         "calls=" + std::to_string(cs.calls) + ",usec=" + std::to_string(cs.usec) +
             ",usec_per_call=" + Fixed(per_call, 2) +
             ",rejected_calls=" + std::to_string(cs.rejected_calls) +
             ",failed_calls=" + std::to_string(cs.failed_calls));
}

void CommandStatsSection(CommandContext& c, Writer& w) {
  for (const command::CommandSpec& spec : command::CommandTable()) {
    CommandStatsLine(c, w, spec, nullptr);
    for (const command::CommandSpec& sub : spec.subcommands) CommandStatsLine(c, w, sub, &spec);
  }
}

void ErrorStatsSection(CommandContext& c, Writer& w) {
  for (const auto& [code, count] : c.server.stats().errors.by_code) {
    w.Line("errorstat_" + code, "count=" + std::to_string(count));
  }
}

void ClusterSection(CommandContext&, Writer& w) { w.Line("cluster_enabled", 0); }

void KeyspaceSection(CommandContext& c, Writer& w) {
  storage::Keyspace& ks = c.keyspace();
  for (int i = 0; i < ks.count(); ++i) {
    const storage::Database& d = ks.db(i);
    if (d.dict.size() == 0) continue;
    w.Line("db" + std::to_string(i), "keys=" + std::to_string(d.dict.size()) +
                                         ",expires=" + std::to_string(d.expires.size()) +
                                         ",avg_ttl=0");
  }
}

struct Section {
  std::string_view name;
  std::string_view title;
  bool in_default;
  void (*write)(CommandContext&, Writer&);
};

constexpr Section kSections[] = {
    {"server", "Server", true, ServerSection},
    {"clients", "Clients", true, ClientsSection},
    {"memory", "Memory", true, MemorySection},
    {"persistence", "Persistence", true, PersistenceSection},
    {"stats", "Stats", true, StatsSection},
    {"replication", "Replication", true, ReplicationSection},
    {"cpu", "CPU", true, CpuSection},
    {"modules", "Modules", true, ModulesSection},
    {"commandstats", "Commandstats", false, CommandStatsSection},
    {"errorstats", "Errorstats", true, ErrorStatsSection},
    {"cluster", "Cluster", true, ClusterSection},
    {"keyspace", "Keyspace", true, KeyspaceSection},
};

}  // namespace

void Info(CommandContext& c) {
  std::set<std::string_view> wanted;
  bool all = false, defaults = c.argc() == 1;
  for (size_t i = 1; i < c.argc(); ++i) {
    std::string_view a = c.arg(i);
    if (command::EqualsIgnoreCase(a, "all") || command::EqualsIgnoreCase(a, "everything")) {
      all = true;
    } else if (command::EqualsIgnoreCase(a, "default")) {
      defaults = true;
    } else {
      for (const Section& s : kSections) {
        if (command::EqualsIgnoreCase(a, s.name)) wanted.insert(s.name);
      }
    }
  }
  Writer w;
  bool first = true;
  for (const Section& s : kSections) {
    if (!(all || (defaults && s.in_default) || wanted.count(s.name) > 0)) continue;
    if (!first) w.text += "\r\n";
    first = false;
    w.text += "# ";
    w.text += s.title;
    w.text += "\r\n";
    s.write(c, w);
  }
  c.reply.Verbatim(w.text);
}

}  // namespace petrel::commands
