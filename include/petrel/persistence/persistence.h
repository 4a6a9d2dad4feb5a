// Persistence as the server sees it: loading at start-up, SAVE / BGSAVE and the save points,
// the AOF and its rewrites, the one forked child that either runs, what SHUTDOWN saves, the
// -MISCONF refusal of writes, and INFO persistence.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "petrel/command/dispatcher.h"
#include "petrel/persistence/aof.h"
#include "petrel/persistence/child_process.h"
#include "petrel/persistence/rdb_writer.h"

namespace petrel::persistence {

enum class StartResult {
  kStarted,
  kScheduled,       // runs when the other child is done
  kAlreadyRunning,  // one of the same kind runs
  kOtherChild,      // a child of the other kind runs
  kFailed,          // fork failed
};

enum class ShutdownSave { kDefault, kSave, kNoSave };

class Persistence {
 public:
  Persistence(command::Dispatcher& server, asio::io_context& io);
  ~Persistence();

  // Start-up: replays the AOF (appendonly yes) or loads the RDB file, then opens the AOF. The
  // error to log before exiting: Petrel never starts empty over a file it could not read.
  std::optional<std::string> Start();

  // SAVE: a snapshot written by the loop itself. The reason on failure.
  std::optional<std::string> Save();
  StartResult Bgsave(bool schedule);
  // Replication's full sync: a child writes `header` (+FULLRESYNC) and a snapshot carrying the
  // replication id and offset to the replicas' sockets; `done` gets whether it succeeded.
  StartResult StartReplicationSync(std::vector<int> fds, bool diskless, std::string header,
                                   std::string repl_id, int64_t repl_offset,
                                   std::function<void(bool)> done);
  // Before a replica loads its primary's snapshot: no child may go on writing the old data,
  // and the AOF starts over from the new data.
  void StopChildForSync() { KillChild(); }
  void RestartAofAfterSync();
  StartResult Bgrewriteaof();
  int64_t lastsave() const { return lastsave_s_; }
  // Replication's place in its history, written into snapshots (empty id: none to write).
  std::function<void(std::string* id, int64_t* offset, int* stream_db)> replication_info;
  // The history a loaded snapshot recorded (id empty if none).
  const std::string& loaded_repl_id() const { return loaded_repl_id_; }
  int64_t loaded_repl_offset() const { return loaded_repl_offset_; }
  int loaded_repl_stream_db() const { return loaded_repl_stream_db_; }
  // INFO stats: how long the last fork took, and how many there were.
  int64_t latest_fork_usec() const { return latest_fork_usec_; }
  int64_t total_forks() const { return total_forks_; }
  // Background work from the cron: children that ended, save points, AOF fsync and rewrites.
  void Cron();
  // Before the process exits: flushes the AOF, and saves when asked to or when save points
  // exist. False when the save failed (SHUTDOWN then refuses to exit).
  bool PrepareShutdown(ShutdownSave mode);
  // Whether writes are refused (a failed BGSAVE under stop-writes-on-bgsave-error, a failing
  // AOF), and the -MISCONF error they get.
  bool WritesRefused() const { return !last_bgsave_ok_ || aof_.write_failed(); }
  std::string WriteRefusal() const;
  void AppendInfo(std::string& out) const;
  // Replies to writes wait until the AOF has them.
  bool RepliesHeld() const { return aof_.HoldsReplies(); }
  void AwaitDurable(std::function<void()> then) { aof_.AwaitWritten(std::move(then)); }
  // CONFIG SET appendonly.
  void AppendonlyChanged();
  // FLUSHALL: stops a snapshot in progress and, with save points, saves the empty dataset.
  void AfterFlushAll();

 private:
  enum class ChildKind { kNone, kRdb, kAof, kReplication };
  std::optional<std::string> LoadRdb();
  StartResult StartChild(ChildKind kind);
  void ChildDone(const ChildResult& result);
  void KillChild();
  RdbAux Aux(bool aof_base) const;
  RdbOptions Options() const;
  void SavePoints();
  std::string TempRdbName(pid_t pid) const;

  command::Dispatcher& server_;
  Aof aof_;
  ChildProcess child_;
  ChildKind child_kind_ = ChildKind::kNone;
  int64_t child_start_ms_ = 0;
  pid_t last_child_pid_ = -1;
  std::function<void(bool)> replication_done_;
  bool bgsave_scheduled_ = false;
  bool rewrite_scheduled_ = false;
  uint64_t dirty_at_save_ = 0;   // Dispatcher::dirty() when the last save succeeded
  uint64_t dirty_at_fork_ = 0;   // ... when the running BGSAVE forked
  int64_t lastsave_s_ = 0;
  int64_t last_bgsave_try_s_ = 0;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_seconds_ = -1;
  int64_t last_rewrite_seconds_ = -1;
  int64_t rdb_saves_ = 0;
  int64_t last_rdb_cow_ = 0;
  int64_t last_aof_cow_ = 0;
  uint64_t last_load_keys_ = 0;
  uint64_t last_load_expired_ = 0;
  int64_t latest_fork_usec_ = 0;
  std::string loaded_repl_id_;
  int64_t loaded_repl_offset_ = -1;
  int loaded_repl_stream_db_ = 0;
  int64_t total_forks_ = 0;
};

}  // namespace petrel::persistence
