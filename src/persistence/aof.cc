#include "petrel/persistence/aof.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "petrel/persistence/aof_loader.h"
#include "petrel/persistence/aof_rewrite.h"
#include "petrel/persistence/file_util.h"

namespace petrel::persistence {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

RdbOptions OptionsFrom(const config::Settings& s) {
  return RdbOptions{s.rdbcompression, s.rdbchecksum, 0, s.aof_rewrite_incremental_fsync};
}

}  // namespace

Aof::Aof(command::Dispatcher& server, asio::io_context& io) : server_(server), io_(io) {}

Aof::~Aof() {
  server_.propagator().RemoveSink(this);
  CloseFd();
  fsync_.Drain();
}

std::string Aof::dir() const { return server_.settings().appenddirname; }

std::string Aof::Path(std::string_view name) const { return JoinPath(dir(), name); }

std::optional<std::string> Aof::Load(bool* found) {
  const std::string& prefix = server_.settings().appendfilename;
  const std::string manifest_path = Path(prefix + ".manifest");
  std::vector<std::pair<std::string, bool>> files;  // path, is base
  if (FileExists(manifest_path)) {
    std::ifstream in(manifest_path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string error;
    auto manifest = AofManifest::Parse(text.str(), &error);
    if (!manifest) return error + " in " + manifest_path;
    manifest_ = std::move(*manifest);
    if (manifest_.base()) files.emplace_back(Path(manifest_.base()->name), true);
    for (const AofFileInfo& f : manifest_.incrs()) files.emplace_back(Path(f.name), false);
  } else if (FileExists(prefix)) {
    // A pre-7.0 single file in dir: loaded, then moved into the directory by Open.
    files.emplace_back(prefix, true);
    legacy_file_ = true;
  }
  *found = !files.empty();
  const auto start = std::chrono::steady_clock::now();
  int64_t total = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& [path, is_base] = files[i];
    if (!FileExists(path)) {
      return std::string(is_base ? "The base" : "The incr") + " AOF file " + path +
             " doesn't exist";
    }
    const bool last = i + 1 == files.size();
    const auto file_start = std::chrono::steady_clock::now();
    AofReplayResult r;
    if (auto error = ReplayAofFile(server_, path, last && server_.settings().aof_load_truncated,
                                   &r)) {
      return error;
    }
    if (r.truncated && !last) return "Fatal error: the truncated file is not the last file";
    spdlog::info("DB loaded from {} file {}: {:.3f} seconds", is_base ? "base" : "incr", path,
                 SecondsSince(file_start));
    const int64_t size = FileSize(path);
    total += size;
    if (is_base) base_file_size_ = size;
  }
  if (*found) spdlog::info("DB loaded from append only file: {:.3f} seconds", SecondsSince(start));
  current_size_ = rewrite_base_size_ = total;
  return std::nullopt;
}

std::optional<std::string> Aof::Open() {
  const config::Settings& s = server_.settings();
  const std::string& prefix = s.appendfilename;
  if (::mkdir(dir().c_str(), 0755) != 0 && errno != EEXIST) {
    return "Can't open or create append-only dir " + dir() + ": " + std::strerror(errno);
  }
  if (legacy_file_) {
    if (::rename(prefix.c_str(), Path(prefix).c_str()) != 0) {
      return "Error moving " + prefix + " into " + dir() + ": " + std::strerror(errno);
    }
    manifest_.AdoptLegacyBase(prefix);
    legacy_file_ = false;
    spdlog::info("Successfully migrated an old-style AOF into the AOF directory");
  }
  if (manifest_.empty()) {
    // Start from a base holding the dataset as it is now.
    const std::string name = manifest_.NewBase(prefix, s.aof_use_rdb_preamble, 0);
    RdbAux aux;
    aux.ctime = server_.clock().NowMs() / 1000;
    aux.aof_base = true;
    if (auto error = WriteAofBase(server_.keyspace(), s.aof_use_rdb_preamble, aux, OptionsFrom(s),
                                  Path(name))) {
      return error;
    }
    base_file_size_ = current_size_ = rewrite_base_size_ = FileSize(Path(name));
    spdlog::info("Creating AOF base file {} on server start", name);
  }
  const std::string incr =
      manifest_.incrs().empty() ? manifest_.NewIncr(prefix) : manifest_.incrs().back().name;
  if (auto error = OpenIncr(incr)) return error;
  if (auto error = PersistManifest()) return error;
  DeleteHistory();
  state_ = AofState::kOn;
  server_.propagator().AddSink(this);
  return std::nullopt;
}

std::optional<std::string> Aof::OpenIncr(const std::string& name) {
  const int fd = ::open(Path(name).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return "Can't open the append-only file " + name + ": " + std::string(std::strerror(errno));
  }
  CloseFd();
  fd_ = fd;
  selected_db_ = -1;  // each file starts in database 0 when replayed
  return std::nullopt;
}

void Aof::CloseFd() {
  if (fd_ < 0) return;
  fsync_.Submit(fd_, true);  // after any fsync queued for it
  fd_ = -1;
}

std::optional<std::string> Aof::PersistManifest() {
  const std::string& prefix = server_.settings().appendfilename;
  const std::string temp = Path("temp-" + prefix + ".manifest");
  const std::string final_path = Path(prefix + ".manifest");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "Can't open the AOF manifest file " + temp + ": " + std::strerror(errno);
  const bool ok = WriteAll(fd, manifest_.Format()) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), final_path.c_str()) != 0) {
    return "Can't persist the AOF manifest file " + final_path + ": " +
           std::strerror(ok ? errno : saved);
  }
  SyncDirectoryOf(final_path);
  return std::nullopt;
}

void Aof::DeleteHistory() {
  if (manifest_.history().empty()) return;
  for (const AofFileInfo& f : manifest_.history()) {
    if (::unlink(Path(f.name).c_str()) == 0) spdlog::info("Removing the history file {}", f.name);
  }
  manifest_.ClearHistory();
  // The manifest on disk named them (so a crash before the unlinks loses nothing); now it
  // need not.
  if (auto error = PersistManifest()) spdlog::warn("{}", *error);
}

void Aof::Append(int db, std::string_view command) {
  if (state_ == AofState::kOff || fd_ < 0) return;
  if (db >= 0 && db != selected_db_) {
    const std::string index = std::to_string(db);
    const std::string_view select[] = {"SELECT", index};
    replication::EncodeCommand(select, buf_);
    selected_db_ = db;
  }
  buf_.append(command);
  PostFlush();
}

void Aof::PostFlush() {
  if (flush_posted_) return;
  flush_posted_ = true;
  // Runs after the connections that are ready now have run their commands: one write (and with
  // always, one fsync) for all of them.
  asio::post(io_, [this] {
    flush_posted_ = false;
    Flush();
    RunWaiters();
  });
}

void Aof::AwaitWritten(std::function<void()> then) {
  waiters_.push_back(std::move(then));
  PostFlush();
}

void Aof::RunWaiters() {
  std::vector<std::function<void()>> ready;
  ready.swap(waiters_);
  for (auto& fn : ready) fn();
}

void Aof::Flush(bool sync) {
  const config::Settings& s = server_.settings();
  if (fd_ >= 0 && !buf_.empty()) {
    const off_t size_before = ::lseek(fd_, 0, SEEK_END);
    if (!WriteAll(fd_, buf_)) {
      const int err = errno;
      // Drop a partial write, so the file ends with whole commands.
      if (size_before >= 0 && ::ftruncate(fd_, size_before) != 0) {
        spdlog::warn("Could not remove a partial AOF write: {}", std::strerror(errno));
      }
      if (write_errno_ == 0) spdlog::warn("Error writing to the AOF file: {}", std::strerror(err));
      write_errno_ = err;
      if (s.appendfsync == "always") {
        spdlog::warn("Can't recover from AOF write error when the AOF fsync policy is 'always'. "
                     "Exiting...");
        std::exit(1);
      }
      return;  // kept in the buffer; the cron retries
    }
    if (write_errno_ != 0) {
      spdlog::warn("AOF write error looks solved, Petrel can write again.");
      write_errno_ = 0;
    }
    current_size_ += static_cast<int64_t>(buf_.size());
    if (buf_.capacity() > (4 << 20)) {
      std::string().swap(buf_);
    } else {
      buf_.clear();
    }
    unsynced_ = true;
  }
  const bool skip = s.no_appendfsync_on_rewrite && child_active_;
  if (fd_ >= 0 && unsynced_ && (sync || (s.appendfsync == "always" && !skip))) {
    if (::fdatasync(fd_) != 0) {
      spdlog::warn("Can't persist AOF for fsync error when the AOF fsync policy is 'always': "
                   "{}. Exiting...", std::strerror(errno));
      std::exit(1);
    }
    unsynced_ = false;
    last_fsync_ms_ = server_.clock().NowMs();
  }
}

void Aof::Cron(bool child_active) {
  child_active_ = child_active;
  if (state_ == AofState::kOff) return;
  if (!buf_.empty() && !flush_posted_) Flush();
  const config::Settings& s = server_.settings();
  const int64_t now = server_.clock().NowMs();
  if (s.appendfsync == "everysec" && unsynced_ && fd_ >= 0 && now - last_fsync_ms_ >= 1000 &&
      !(s.no_appendfsync_on_rewrite && child_active)) {
    if (fsync_.pending() > 0) {
      ++delayed_fsyncs_;  // the disk is slower than our writes; try again next tick
      return;
    }
    fsync_.Submit(fd_, false);
    unsynced_ = false;
    last_fsync_ms_ = now;
  }
}

std::string Aof::PrepareRewrite(pid_t child) {
  const config::Settings& s = server_.settings();
  rewrite_rdb_ = s.aof_use_rdb_preamble;
  ::mkdir(dir().c_str(), 0755);
  if (state_ == AofState::kOn) {
    // Writes from now on go to a new incremental file, which the new base will come before.
    const std::string incr = manifest_.NewIncr(s.appendfilename);
    if (auto error = OpenIncr(incr)) spdlog::warn("{}", *error);
    if (auto error = PersistManifest()) spdlog::warn("{}", *error);
  } else if (state_ == AofState::kWaitRewrite) {
    const std::string temp = Path("temp-" + s.appendfilename + ".incr");
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
      spdlog::warn("Can't open the temp incr AOF file {}: {}", temp, std::strerror(errno));
    } else {
      CloseFd();
      fd_ = fd;
      selected_db_ = -1;
    }
  }
  return Path("temp-rewriteaof-bg-" + std::to_string(child) + ".aof");
}

void Aof::FinishRewrite(bool ok, pid_t child) {
  const config::Settings& s = server_.settings();
  const std::string temp = Path("temp-rewriteaof-bg-" + std::to_string(child) + ".aof");
  const std::string temp_incr = Path("temp-" + s.appendfilename + ".incr");
  if (ok) {
    Flush();
    const bool waiting = state_ == AofState::kWaitRewrite;
    // The incremental file opened at the fork stays; older ones are in the new base.
    const size_t keep = state_ == AofState::kOn ? 1 : 0;
    const std::string base = manifest_.NewBase(s.appendfilename, rewrite_rdb_, keep);
    if (::rename(temp.c_str(), Path(base).c_str()) != 0) {
      spdlog::warn("Error trying to rename the temporary AOF base file {} into {}: {}", temp,
                   base, std::strerror(errno));
      ok = false;
    } else {
      if (waiting) {
        const std::string incr = manifest_.NewIncr(s.appendfilename);
        if (::rename(temp_incr.c_str(), Path(incr).c_str()) != 0) {
          spdlog::warn("Error renaming the temp incr AOF file: {}", std::strerror(errno));
        }
        state_ = AofState::kOn;
      }
      if (auto error = PersistManifest()) spdlog::warn("{}", *error);
      DeleteHistory();
      base_file_size_ = FileSize(Path(base));
      current_size_ = base_file_size_;
      for (const AofFileInfo& f : manifest_.incrs()) current_size_ += FileSize(Path(f.name));
      rewrite_base_size_ = current_size_;
      spdlog::info("Background AOF rewrite finished successfully");
    }
  }
  if (ok) {
    last_rewrite_ok_ = true;
    consecutive_failures_ = 0;
    ++rewrites_;
    spdlog::info("Background AOF rewrite terminated with success");
    return;
  }
  ::unlink(temp.c_str());
  last_rewrite_ok_ = false;
  ++consecutive_failures_;
  if (state_ == AofState::kWaitRewrite) {
    CloseFd();
    ::unlink(temp_incr.c_str());
  }
  spdlog::warn("Background AOF rewrite terminated with error");
}

void Aof::StartWaitingForRewrite() {
  if (state_ != AofState::kOff) return;
  const std::string& prefix = server_.settings().appendfilename;
  ::mkdir(dir().c_str(), 0755);
  const std::string manifest_path = Path(prefix + ".manifest");
  if (manifest_.empty() && FileExists(manifest_path)) {
    std::ifstream in(manifest_path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string error;
    if (auto m = AofManifest::Parse(text.str(), &error)) manifest_ = std::move(*m);
  }
  state_ = AofState::kWaitRewrite;
  server_.propagator().AddSink(this);
}

void Aof::Stop() {
  if (state_ == AofState::kOff) return;
  Flush(true);
  const bool waiting = state_ == AofState::kWaitRewrite;
  CloseFd();
  if (waiting) ::unlink(Path("temp-" + server_.settings().appendfilename + ".incr").c_str());
  buf_.clear();
  state_ = AofState::kOff;
  server_.propagator().RemoveSink(this);
  RunWaiters();
}

bool Aof::RewriteDue() const {
  const config::Settings& s = server_.settings();
  if (state_ != AofState::kOn || s.auto_aof_rewrite_percentage <= 0 ||
      current_size_ <= s.auto_aof_rewrite_min_size) {
    return false;
  }
  const int64_t base = rewrite_base_size_ > 0 ? rewrite_base_size_ : 1;
  return current_size_ * 100 / base - 100 >= s.auto_aof_rewrite_percentage;
}

}  // namespace petrel::persistence
