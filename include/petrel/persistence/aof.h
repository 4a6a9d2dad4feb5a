// The append-only file in Redis 7's multi-part layout: <appenddirname>/ holds a base file (RDB
// or RESP), incremental RESP files, and the manifest naming them in order. Writes arrive as the
// propagated command log, are buffered during a batch of commands, written before the replies
// go out, and fsynced per appendfsync (always: before the replies; everysec: by a background
// thread once a second; no: by the kernel).
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "petrel/command/dispatcher.h"
#include "petrel/persistence/aof_manifest.h"
#include "petrel/persistence/fsync_worker.h"
#include "petrel/replication/propagator.h"

namespace petrel::persistence {

enum class AofState { kOff, kOn, kWaitRewrite };

class Aof final : public replication::CommandLogSink {
 public:
  Aof(command::Dispatcher& server, asio::io_context& io);
  ~Aof() override;

  // Start-up with appendonly yes: replays the manifest's files in order (or a pre-7.0 single
  // appendonly.aof); the error to exit with on failure. `found` says whether files existed.
  std::optional<std::string> Load(bool* found);
  // Start-up: opens the log for appending, creating a base from the dataset and a first
  // incremental file when there are none, and starts taking writes.
  std::optional<std::string> Open();

  // CommandLogSink: one propagated command.
  void Append(int db, std::string_view command) override;

  // Replies wait until the log holds the writes they acknowledge.
  bool HoldsReplies() const { return !buf_.empty(); }
  void AwaitWritten(std::function<void()> then);
  // Writes the buffer now, fsyncing as appendfsync says (or always, with `sync`).
  void Flush(bool sync = false);
  // Once per cron tick: everysec fsyncs, retrying failed writes.
  void Cron(bool child_active);

  // BGREWRITEAOF, in two steps around the fork: Prepare starts a new incremental file for the
  // writes that come during the rewrite and returns the path the child writes the base to.
  std::string PrepareRewrite(pid_t child);
  void FinishRewrite(bool ok, pid_t child);
  // CONFIG SET appendonly yes (the log starts after a rewrite) / no.
  void StartWaitingForRewrite();
  void Stop();

  AofState state() const { return state_; }
  bool write_failed() const { return write_errno_ != 0 || fsync_.last_error() != 0; }
  int write_errno() const { return write_errno_ != 0 ? write_errno_ : fsync_.last_error(); }
  // Whether an automatic rewrite is due (auto-aof-rewrite-percentage / -min-size).
  bool RewriteDue() const;
  void set_child_active(bool active) { child_active_ = active; }
  std::string dir() const;

 private:
  std::optional<std::string> PersistManifest();
  std::optional<std::string> OpenIncr(const std::string& name);
  void DeleteHistory();
  void PostFlush();
  void RunWaiters();
  std::string Path(std::string_view name) const;
  void CloseFd();

  command::Dispatcher& server_;
  asio::io_context& io_;
  AofState state_ = AofState::kOff;
  AofManifest manifest_;
  int fd_ = -1;
  std::string buf_;
  int selected_db_ = -1;
  bool flush_posted_ = false;
  std::vector<std::function<void()>> waiters_;
  FsyncWorker fsync_;
  int64_t last_fsync_ms_ = 0;
  bool unsynced_ = false;
  int write_errno_ = 0;
  // Sizes: of every file in the manifest, and of the log right after the last rewrite.
  int64_t current_size_ = 0;
  int64_t rewrite_base_size_ = 0;
  int64_t base_file_size_ = 0;
  bool rewrite_rdb_ = true;   // the running rewrite writes an RDB base
  bool legacy_file_ = false;  // loaded a pre-7.0 single file, to move into the directory
  bool child_active_ = false;
  // INFO persistence figures (Persistence formats them).
  friend class Persistence;
  bool last_rewrite_ok_ = true;
  int64_t rewrites_ = 0;
  int64_t consecutive_failures_ = 0;
  int64_t delayed_fsyncs_ = 0;
};

}  // namespace petrel::persistence
