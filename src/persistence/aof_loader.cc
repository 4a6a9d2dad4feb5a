#include "petrel/persistence/aof_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "petrel/command/arg_parser.h"
#include "petrel/command/registry.h"
#include "petrel/persistence/rdb_reader.h"
#include "petrel/resp/reply_builder.h"

namespace petrel::persistence {
namespace {

constexpr size_t kChunk = 1 << 20;

// Streams the commands of a RESP file: `*<n>` then n `$<len>` bulk strings; `#` lines are
// annotations (timestamps) and are skipped.
class CommandStream {
 public:
  CommandStream(int fd, uint64_t offset) : fd_(fd), offset_(offset) {
    struct stat st {};
    file_size_ = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : UINT64_MAX;
  }

  enum class Status { kCommand, kEnd, kTruncated, kBadFormat };
  // The next command into args (views valid until the next call).
  Status Next(std::vector<std::string_view>& args) {
    args.clear();
    Compact();
    size_t pos = pos_;
    for (;;) {
      std::string_view line;
      const Status s = Line(pos, line);
      if (s == Status::kEnd) return end_ > pos_ ? Status::kTruncated : Status::kEnd;
      if (s != Status::kCommand) return s;
      if (line.empty() || line[0] != '#') {
        if (line.empty() || line[0] != '*') return Status::kBadFormat;
        int64_t argc = 0;
        if (!Number(line.substr(1), &argc) || argc < 1) return Status::kBadFormat;
        std::vector<std::pair<size_t, size_t>> spans;
        for (int64_t i = 0; i < argc; ++i) {
          const Status ls = Line(pos, line);
          if (ls == Status::kEnd) return Status::kTruncated;
          if (ls != Status::kCommand) return ls;
          int64_t len = 0;
          if (line.empty() || line[0] != '$' || !Number(line.substr(1), &len) || len < 0) {
            return Status::kBadFormat;
          }
          // A length past the end of the file is a cut-short file, not a buffer to allocate.
          if (static_cast<uint64_t>(len) > file_size_ - std::min(file_size_, offset_ + pos) ||
              !Fill(pos + static_cast<size_t>(len) + 2)) {
            return Status::kTruncated;
          }
          if (buf_[pos + len] != '\r' || buf_[pos + len + 1] != '\n') return Status::kBadFormat;
          spans.emplace_back(pos, static_cast<size_t>(len));
          pos += static_cast<size_t>(len) + 2;
        }
        for (auto [at, len] : spans) args.emplace_back(buf_.data() + at, len);
        pos_ = pos;
        return Status::kCommand;
      }
      pos_ = pos;  // an annotation: skip it
    }
  }
  // File offset just past the last command returned.
  uint64_t offset() const { return offset_ + pos_; }

 private:
  // A line ending in \r\n starting at pos (advanced past it); kEnd if the file ends first.
  Status Line(size_t& pos, std::string_view& line) {
    for (;;) {
      const void* nl = std::memchr(buf_.data() + pos, '\n', end_ - pos);
      if (nl != nullptr) {
        const size_t at = static_cast<const char*>(nl) - buf_.data();
        if (at == pos || buf_[at - 1] != '\r') return Status::kBadFormat;
        line = std::string_view(buf_.data() + pos, at - 1 - pos);
        pos = at + 1;
        return Status::kCommand;
      }
      if (end_ - pos > 1024) return Status::kBadFormat;  // no header line is this long
      if (!Fill(end_ + 1)) return Status::kEnd;
    }
  }
  // Reads until buf_ holds `upto` bytes; false at the end of the file.
  bool Fill(size_t upto) {
    while (end_ < upto) {
      if (buf_.size() < upto) buf_.resize(std::max(upto, buf_.size() + kChunk));
      const ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      end_ += static_cast<size_t>(n);
    }
    return true;
  }
  void Compact() {
    if (pos_ < kChunk) return;
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    offset_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  static bool Number(std::string_view s, int64_t* out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && p == s.data() + s.size();
  }

  int fd_;
  uint64_t offset_;
  uint64_t file_size_;
  std::string buf_;
  size_t pos_ = 0, end_ = 0;
};

}  // namespace

std::optional<std::string> ReplayAofFile(command::Dispatcher& server, const std::string& path,
                                         bool allow_truncated, AofReplayResult* result) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return "Fatal error: can't open the append log file " + path + " for reading: " +
           std::strerror(errno);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  char magic[5];
  const ssize_t got = ::pread(fd, magic, sizeof(magic), 0);
  if (got == 0) {
    result->empty = true;
    return std::nullopt;
  }
  uint64_t start = 0;
  if (got == 5 && std::string_view(magic, 5) == "REDIS") {
    // A base written with the RDB preamble: the snapshot, then (in older single files) commands.
    RdbLoadOptions options;
    options.drop_expired = false;
    options.now_ms = server.clock().NowMs();
    options.verify_checksum = server.settings().rdbchecksum;
    options.hash_limits = {static_cast<size_t>(server.settings().hash_max_listpack_entries),
                           static_cast<size_t>(server.settings().hash_max_listpack_value)};
    RdbLoadResult rdb;
    RdbLoader loader([fd](char* out, size_t n) { return ::read(fd, out, n); },
                     server.keyspace(), options);
    if (auto error = loader.Load(&rdb)) {
      return "Bad file format reading the append only file " + path + ": " + *error;
    }
    result->rdb_keys = rdb.keys_loaded;
    start = rdb.bytes;
    if (::lseek(fd, static_cast<off_t>(start), SEEK_SET) < 0) return std::strerror(errno);
  }

  command::ClientState client;
  client.authenticated = true;
  client.addr = "AOF";
  std::string discarded;
  resp::ReplyBuilder reply(&discarded);
  CommandStream stream(fd, start);
  std::vector<std::string_view> args;
  uint64_t valid_up_to = start;
  uint64_t before_multi = 0;
  for (;;) {
    const CommandStream::Status status = stream.Next(args);
    if (status == CommandStream::Status::kEnd && !client.in_multi) return std::nullopt;
    if (status == CommandStream::Status::kBadFormat) {
      return "Bad file format reading the append only file " + path +
             ": make a backup of your AOF file, then use ./redis-check-aof --fix "
             "<filename.manifest>";
    } else if (status == CommandStream::Status::kCommand) {
      if (command::Registry::Get().Find(args[0]) == nullptr) {
        return "Unknown command '" + std::string(args[0]) + "' reading the append only file " +
               path;
      }
      const bool multi = !client.in_multi && args.size() == 1 &&
                         command::EqualsIgnoreCase(args[0], "multi");
      if (multi) before_multi = valid_up_to;
      server.Dispatch(client, args, reply);
      discarded.clear();
      ++result->commands;
      valid_up_to = stream.offset();
      continue;
    }
    // The file ends in the middle of a command or of a transaction. A transaction cut short
    // is dropped whole: cut after one of its commands, the file would end in a MULTI that
    // swallows (and on the next start reverts) every write appended after the repair.
    if (client.in_multi) {
      spdlog::warn("Revert incomplete MULTI/EXEC transaction in AOF file {}", path);
      valid_up_to = before_multi;
    }
    if (!allow_truncated) {
      return "Unexpected end of file reading the append only file " + path +
             ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
             "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
             "configuration option to yes and restart the server.";
    }
    spdlog::warn("!!! Warning: short read while loading the AOF file {}!!!", path);
    spdlog::warn("!!! Truncating the AOF {} at offset {} !!!", path, valid_up_to);
    if (::truncate(path.c_str(), static_cast<off_t>(valid_up_to)) != 0) {
      return "Error truncating the AOF file " + path + ": " + std::strerror(errno);
    }
    spdlog::warn("AOF {} loaded anyway because aof-load-truncated is enabled", path);
    if (client.in_multi) server.EndTransaction(client);
    result->truncated = true;
    return std::nullopt;
  }
}

}  // namespace petrel::persistence
