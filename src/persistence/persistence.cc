#include "petrel/persistence/persistence.h"

#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "petrel/persistence/aof_rewrite.h"
#include "petrel/persistence/file_util.h"
#include "petrel/persistence/rdb_reader.h"
#include "petrel/persistence/rdb_writer.h"
#include "petrel/persistence/socket_snapshot.h"
#include "petrel/util/memory.h"
#include "petrel/util/numbers.h"

namespace petrel::persistence {
namespace {

// After a failed background save, save points wait this long before trying again.
constexpr int64_t kBgsaveRetrySeconds = 5;

constexpr char kRdbMisconf[] =
    "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "
    "to disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
    "RDB error.";

std::vector<std::pair<int64_t, int64_t>> SavePointsOf(const std::string& text) {
  std::vector<std::pair<int64_t, int64_t>> points;
  size_t pos = 0;
  auto next = [&]() -> std::optional<int64_t> {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    const size_t start = pos;
    while (pos < text.size() && text[pos] != ' ') ++pos;
    if (start == pos) return std::nullopt;
    return util::ParseInt64(std::string_view(text).substr(start, pos - start));
  };
  for (;;) {
    auto seconds = next();
    auto changes = next();
    if (!seconds || !changes) return points;
    points.emplace_back(*seconds, *changes);
  }
}

}  // namespace

Persistence::Persistence(command::Dispatcher& server, asio::io_context& io)
    : server_(server), aof_(server, io) {
  server_.set_persistence(this);
  lastsave_s_ = server_.clock().NowMs() / 1000;
}

Persistence::~Persistence() {
  KillChild();
  server_.set_persistence(nullptr);
}

RdbAux Persistence::Aux(bool aof_base) const {
  RdbAux aux;
  aux.ctime = server_.clock().NowMs() / 1000;
  aux.used_mem = util::UsedMemoryBytes();
  aux.aof_base = aof_base;
  // A snapshot records where in the replication history it stands, so a restarted replica
  // can continue from it (Redis's rdbPopulateSaveInfo).
  if (replication_info) replication_info(&aux.repl_id, &aux.repl_offset, &aux.repl_stream_db);
  return aux;
}

RdbOptions Persistence::Options() const {
  const config::Settings& s = server_.settings();
  return RdbOptions{s.rdbcompression, s.rdbchecksum, s.rdb_key_save_delay,
                    s.rdb_save_incremental_fsync};
}

std::string Persistence::TempRdbName(pid_t pid) const {
  return "temp-" + std::to_string(pid) + ".rdb";
}

std::optional<std::string> Persistence::Start() {
  const config::Settings& s = server_.settings();
  storage::Keyspace& keyspace = server_.keyspace();
  keyspace.set_loading(true);
  std::optional<std::string> error;
  if (s.appendonly) {
    bool found = false;
    error = aof_.Load(&found);
  } else {
    error = LoadRdb();
  }
  keyspace.set_loading(false);
  if (error) return error;
  dirty_at_save_ = server_.dirty();
  if (s.appendonly) {
    if (auto open_error = aof_.Open()) return open_error;
  }
  return std::nullopt;
}

std::optional<std::string> Persistence::LoadRdb() {
  const config::Settings& s = server_.settings();
  struct stat st {};
  if (::stat(s.dbfilename.c_str(), &st) != 0 && errno == ENOENT) return std::nullopt;
  const auto start = std::chrono::steady_clock::now();
  RdbLoadOptions options;
  options.now_ms = server_.clock().NowMs();
  options.verify_checksum = s.rdbchecksum;
  options.hash_limits = {static_cast<size_t>(s.hash_max_listpack_entries),
                         static_cast<size_t>(s.hash_max_listpack_value)};
  RdbLoadResult result;
  if (auto error = LoadRdbFile(s.dbfilename, server_.keyspace(), options, &result)) {
    return *error + " (loading " + s.dbfilename + "). Fatal error loading the DB, check server "
                    "logs. Exiting.";
  }
  last_load_keys_ = result.keys_loaded;
  if (!result.repl_id.empty() && result.repl_offset >= 0) {
    loaded_repl_id_ = result.repl_id;
    loaded_repl_offset_ = result.repl_offset;
    loaded_repl_stream_db_ = std::max(result.repl_stream_db, 0);
  }
  last_load_expired_ = result.keys_expired;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", result.keys_loaded,
               result.keys_expired);
  spdlog::info("DB loaded from disk: {:.3f} seconds", seconds);
  return std::nullopt;
}

std::optional<std::string> Persistence::Save() {
  if (child_kind_ == ChildKind::kRdb || child_kind_ == ChildKind::kReplication) {
    return std::string("Background save already in progress");
  }
  const config::Settings& s = server_.settings();
  aof_.Flush();
  const uint64_t dirty = server_.dirty();
  ++rdb_saves_;  // attempts, as Redis counts them
  if (auto error = SaveRdbFile(server_.keyspace(), Aux(false), Options(), s.dbfilename,
                               TempRdbName(::getpid()))) {
    spdlog::warn("{}", *error);
    return error;
  }
  spdlog::info("DB saved on disk");
  dirty_at_save_ = dirty;
  lastsave_s_ = server_.clock().NowMs() / 1000;
  last_bgsave_ok_ = true;
  return std::nullopt;
}

StartResult Persistence::Bgsave(bool schedule) {
  if (child_kind_ == ChildKind::kRdb || child_kind_ == ChildKind::kReplication) {
    return StartResult::kAlreadyRunning;
  }
  if (child_kind_ == ChildKind::kAof) {
    if (!schedule) return StartResult::kOtherChild;
    bgsave_scheduled_ = true;
    return StartResult::kScheduled;
  }
  return StartChild(ChildKind::kRdb);
}

StartResult Persistence::StartReplicationSync(std::vector<int> fds, bool diskless,
                                              std::string header, std::string repl_id,
                                              int64_t repl_offset,
                                              std::function<void(bool)> done) {
  if (child_kind_ != ChildKind::kNone) return StartResult::kOtherChild;
  aof_.Flush();
  const storage::Keyspace& keyspace = server_.keyspace();
  RdbAux aux = Aux(false);
  aux.repl_id = std::move(repl_id);
  aux.repl_offset = repl_offset;
  aux.repl_stream_db = 0;
  const RdbOptions options = Options();
  const int64_t timeout_ms = server_.settings().repl_timeout * 1000;
  const auto fork_start = std::chrono::steady_clock::now();
  const bool started = child_.Start(
      [&]() -> std::string {
        const std::string temp = "temp-" + std::to_string(::getpid()) + ".rdb";
        return SendSnapshot(keyspace, aux, options, fds, diskless, header, temp, timeout_ms);
      },
      fds);
  if (!started) {
    spdlog::warn("Can't save in background: fork: {}", std::strerror(errno));
    return StartResult::kFailed;
  }
  latest_fork_usec_ = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - fork_start)
                          .count();
  ++total_forks_;
  child_kind_ = ChildKind::kReplication;
  child_start_ms_ = server_.clock().NowMs();
  aof_.set_child_active(true);
  replication_done_ = std::move(done);
  spdlog::info("Background RDB transfer started by pid {}", child_.pid());
  return StartResult::kStarted;
}

void Persistence::RestartAofAfterSync() {
  if (aof_.state() == AofState::kOff) return;
  if (child_kind_ == ChildKind::kAof) KillChild();
  aof_.Stop();
  AppendonlyChanged();
}

StartResult Persistence::Bgrewriteaof() {
  if (child_kind_ == ChildKind::kAof) return StartResult::kAlreadyRunning;
  if (child_kind_ != ChildKind::kNone) {
    rewrite_scheduled_ = true;
    return StartResult::kScheduled;
  }
  return StartChild(ChildKind::kAof);
}

StartResult Persistence::StartChild(ChildKind kind) {
  const config::Settings& s = server_.settings();
  // Whatever the snapshot holds must already be in the log, or a replay would apply it twice.
  aof_.Flush();
  const storage::Keyspace& keyspace = server_.keyspace();
  const RdbAux aux = Aux(kind == ChildKind::kAof);
  RdbOptions options = Options();
  if (kind == ChildKind::kAof) options.incremental_fsync = s.aof_rewrite_incremental_fsync;
  const std::string dbfilename = s.dbfilename;
  const bool preamble = s.aof_use_rdb_preamble;
  const std::string aof_dir = aof_.dir();
  if (kind == ChildKind::kAof && ::mkdir(aof_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    spdlog::warn("Can't open or create append-only dir {}: {}", aof_dir, std::strerror(errno));
    return StartResult::kFailed;
  }
  const int64_t now = server_.clock().NowMs();
  const uint64_t dirty = server_.dirty();
  const auto fork_start = std::chrono::steady_clock::now();
  const bool started = child_.Start([&]() -> std::string {
    const pid_t self = ::getpid();
    if (kind == ChildKind::kRdb) {
      return SaveRdbFile(keyspace, aux, options, dbfilename, TempRdbName(self)).value_or("");
    }
    const std::string temp = JoinPath(aof_dir, "temp-rewriteaof-bg-" + std::to_string(self) + ".aof");
    return WriteAofBase(keyspace, preamble, aux, options, temp).value_or("");
  });
  if (!started) {
    const char* reason = std::strerror(errno);
    if (kind == ChildKind::kRdb) {
      spdlog::warn("Can't save in background: fork: {}", reason);
      last_bgsave_ok_ = false;
      last_bgsave_try_s_ = now / 1000;
    } else {
      spdlog::warn("Can't rewrite append only file in background: fork: {}", reason);
      aof_.last_rewrite_ok_ = false;
    }
    return StartResult::kFailed;
  }
  latest_fork_usec_ = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::steady_clock::now() - fork_start)
                         .count();
  ++total_forks_;
  child_kind_ = kind;
  child_start_ms_ = now;
  aof_.set_child_active(true);
  if (kind == ChildKind::kRdb) {
    dirty_at_fork_ = dirty;
    last_bgsave_try_s_ = now / 1000;
    ++rdb_saves_;
    spdlog::info("Background saving started by pid {}", child_.pid());
  } else {
    aof_.PrepareRewrite(child_.pid());
    spdlog::info("Background append only file rewriting started by pid {}", child_.pid());
  }
  return StartResult::kStarted;
}

void Persistence::ChildDone(const ChildResult& r) {
  const ChildKind kind = child_kind_;
  child_kind_ = ChildKind::kNone;
  aof_.set_child_active(false);
  const int64_t now = server_.clock().NowMs();
  const int64_t elapsed_s = (now - child_start_ms_) / 1000;
  if (!r.error.empty()) spdlog::warn("{}", r.error);
  if (kind == ChildKind::kRdb) {
    last_rdb_cow_ = r.cow_bytes;
    last_bgsave_seconds_ = elapsed_s;
    if (r.ok) {
      spdlog::info("Background saving terminated with success");
      dirty_at_save_ = dirty_at_fork_;
      lastsave_s_ = now / 1000;
      last_bgsave_ok_ = true;
    } else if (r.signal != 0) {
      spdlog::warn("Background saving terminated by signal {}", r.signal);
      last_bgsave_ok_ = false;
    } else {
      spdlog::warn("Background saving error");
      last_bgsave_ok_ = false;
    }
  } else if (kind == ChildKind::kReplication) {
    spdlog::info("Background RDB transfer {}", r.ok ? "terminated with success" : "error");
    if (auto done = std::move(replication_done_)) done(r.ok);
  } else if (kind == ChildKind::kAof) {
    last_aof_cow_ = r.cow_bytes;
    last_rewrite_seconds_ = elapsed_s;
    aof_.FinishRewrite(r.ok, last_child_pid_);
    // Turning the AOF on waits for a base: try again until one is written.
    if (!r.ok && aof_.state() == AofState::kWaitRewrite) rewrite_scheduled_ = true;
  }
}

void Persistence::KillChild() {
  if (!child_.running()) return;
  const pid_t pid = child_.pid();
  const ChildKind kind = child_kind_;
  child_.Kill();
  child_kind_ = ChildKind::kNone;
  aof_.set_child_active(false);
  if (kind == ChildKind::kRdb) {
    spdlog::info("Killing running RDB child: {}", pid);
    ::unlink(TempRdbName(pid).c_str());
  } else if (kind == ChildKind::kReplication) {
    spdlog::info("Killing running replication sync child: {}", pid);
    if (auto done = std::move(replication_done_)) done(false);
  } else if (kind == ChildKind::kAof) {
    spdlog::info("Killing running AOF rewrite child: {}", pid);
    ::unlink(JoinPath(aof_.dir(), "temp-rewriteaof-bg-" + std::to_string(pid) + ".aof").c_str());
  }
}

void Persistence::SavePoints() {
  const config::Settings& s = server_.settings();
  const int64_t now_s = server_.clock().NowMs() / 1000;
  const uint64_t changes = server_.dirty() - dirty_at_save_;
  for (auto [seconds, min_changes] : SavePointsOf(s.save)) {
    if (changes >= static_cast<uint64_t>(min_changes) && now_s - lastsave_s_ > seconds &&
        (now_s - last_bgsave_try_s_ > kBgsaveRetrySeconds || last_bgsave_ok_)) {
      spdlog::info("{} changes in {} seconds. Saving...", min_changes, seconds);
      StartChild(ChildKind::kRdb);
      return;
    }
  }
}

void Persistence::Cron() {
  if (child_.running()) {
    last_child_pid_ = child_.pid();
    if (auto result = child_.Poll()) ChildDone(*result);
  }
  aof_.Cron(child_.running());
  if (child_.running()) return;
  const int64_t now_s = server_.clock().NowMs() / 1000;
  // A failed rewrite is retried, but not in a tight loop.
  const bool rewrite_allowed =
      aof_.consecutive_failures_ == 0 ||
      now_s - (child_start_ms_ / 1000) >= std::min<int64_t>(60, aof_.consecutive_failures_);
  if (rewrite_scheduled_ && rewrite_allowed) {
    rewrite_scheduled_ = false;
    StartChild(ChildKind::kAof);
  } else if (bgsave_scheduled_) {
    bgsave_scheduled_ = false;
    StartChild(ChildKind::kRdb);
  } else {
    SavePoints();
    if (!child_.running() && rewrite_allowed && aof_.RewriteDue()) {
      spdlog::info("Starting automatic rewriting of AOF on {}% growth",
                   aof_.current_size_ * 100 / std::max<int64_t>(aof_.rewrite_base_size_, 1) - 100);
      StartChild(ChildKind::kAof);
    }
  }
}

bool Persistence::PrepareShutdown(ShutdownSave mode) {
  const config::Settings& s = server_.settings();
  spdlog::warn("User requested shutdown...");
  if (child_kind_ == ChildKind::kRdb) spdlog::warn("There is a child saving an .rdb. Killing it!");
  KillChild();
  if (aof_.state() != AofState::kOff) {
    spdlog::info("Calling fsync() on the AOF file.");
    aof_.Flush(true);
  }
  const bool save = mode == ShutdownSave::kSave || (mode == ShutdownSave::kDefault && !s.save.empty());
  if (save) {
    spdlog::info("Saving the final RDB snapshot before exiting.");
    if (Save()) {
      --rdb_saves_;  // a shutdown's failed save is not counted (Redis's is not either)
      spdlog::warn("Error trying to save the DB, can't exit.");
      spdlog::warn("Errors trying to shut down the server. Check the logs for more information.");
      return false;
    }
  }
  return true;
}

std::string Persistence::WriteRefusal() const {
  const config::Settings& s = server_.settings();
  if (s.stop_writes_on_bgsave_error && !s.save.empty() && !last_bgsave_ok_) return kRdbMisconf;
  if (aof_.state() != AofState::kOff && aof_.write_failed()) {
    return std::string("-MISCONF Errors writing to the AOF file: ") +
           std::strerror(aof_.write_errno());
  }
  return {};
}

void Persistence::AppendonlyChanged() {
  const config::Settings& s = server_.settings();
  if (s.appendonly && aof_.state() == AofState::kOff) {
    aof_.StartWaitingForRewrite();
    if (child_kind_ != ChildKind::kNone) {
      spdlog::info("AOF was enabled but there is already another background operation. An AOF "
                   "background was scheduled to start when possible.");
      rewrite_scheduled_ = true;
    } else if (StartChild(ChildKind::kAof) != StartResult::kStarted) {
      rewrite_scheduled_ = true;
    }
  } else if (!s.appendonly && aof_.state() != AofState::kOff) {
    if (child_kind_ == ChildKind::kAof) KillChild();
    rewrite_scheduled_ = false;
    aof_.Stop();
  }
}

void Persistence::AfterFlushAll() {
  if (child_kind_ == ChildKind::kRdb) KillChild();
  if (!server_.settings().save.empty()) Save();
}

void Persistence::AppendInfo(std::string& out) const {
  const int64_t now = server_.clock().NowMs();
  auto field = [&out](std::string_view name, auto value) {
    out.append(name);
    out += ':';
    if constexpr (std::is_convertible_v<decltype(value), std::string_view>) {
      out.append(std::string_view(value));
    } else {
      out += std::to_string(value);
    }
    out += "\r\n";
  };
  const bool rdb_running = child_kind_ == ChildKind::kRdb || child_kind_ == ChildKind::kReplication;
  const bool aof_running = child_kind_ == ChildKind::kAof;
  field("loading", 0);
  field("async_loading", 0);
  field("current_cow_peak", 0);
  field("current_cow_size", 0);
  field("current_cow_size_age", 0);
  field("current_fork_perc", "0.00");
  field("current_save_keys_processed", 0);
  field("current_save_keys_total",
        child_kind_ != ChildKind::kNone ? static_cast<int64_t>(server_.keyspace().TotalKeys()) : 0);
  field("rdb_changes_since_last_save", static_cast<int64_t>(server_.dirty() - dirty_at_save_));
  field("rdb_bgsave_in_progress", rdb_running ? 1 : 0);
  field("rdb_last_save_time", lastsave_s_);
  field("rdb_last_bgsave_status", last_bgsave_ok_ ? "ok" : "err");
  field("rdb_last_bgsave_time_sec", last_bgsave_seconds_);
  field("rdb_current_bgsave_time_sec", rdb_running ? (now - child_start_ms_) / 1000 : -1);
  field("rdb_saves", rdb_saves_);
  field("rdb_last_cow_size", last_rdb_cow_);
  field("rdb_last_load_keys_expired", static_cast<int64_t>(last_load_expired_));
  field("rdb_last_load_keys_loaded", static_cast<int64_t>(last_load_keys_));
  field("aof_enabled", aof_.state() != AofState::kOff ? 1 : 0);
  field("aof_rewrite_in_progress", aof_running ? 1 : 0);
  field("aof_rewrite_scheduled", rewrite_scheduled_ ? 1 : 0);
  field("aof_last_rewrite_time_sec", last_rewrite_seconds_);
  field("aof_current_rewrite_time_sec", aof_running ? (now - child_start_ms_) / 1000 : -1);
  field("aof_last_bgrewrite_status", aof_.last_rewrite_ok_ ? "ok" : "err");
  field("aof_rewrites", aof_.rewrites_);
  field("aof_rewrites_consecutive_failures", aof_.consecutive_failures_);
  field("aof_last_write_status", aof_.write_failed() ? "err" : "ok");
  field("aof_last_cow_size", last_aof_cow_);
  field("module_fork_in_progress", 0);
  field("module_fork_last_cow_size", 0);
  if (aof_.state() != AofState::kOff) {
    field("aof_current_size", aof_.current_size_);
    field("aof_base_size", aof_.base_file_size_);
    field("aof_pending_rewrite", rewrite_scheduled_ ? 1 : 0);
    field("aof_buffer_length", static_cast<int64_t>(aof_.buf_.size()));
    field("aof_pending_bio_fsync", static_cast<int64_t>(aof_.fsync_.pending()));
    field("aof_delayed_fsync", aof_.delayed_fsyncs_);
  }
}

}  // namespace petrel::persistence
