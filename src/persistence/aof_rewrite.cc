#include "petrel/persistence/aof_rewrite.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "petrel/persistence/file_util.h"
#include "petrel/replication/propagator.h"
#include "petrel/storage/hash.h"
#include "petrel/storage/string_value.h"

namespace petrel::persistence {
namespace {

// Hash fields per HMSET, as Redis batches them, so no command gets huge.
constexpr size_t kItemsPerCommand = 64;
constexpr size_t kFlushAt = 64 * 1024;

bool WriteCommands(const storage::Keyspace& keyspace, int fd, IncrementalSync& sync) {
  std::string out;
  std::vector<std::string_view> args;
  auto flush = [&](bool force) {
    if (out.size() < kFlushAt && !force) return true;
    const bool ok = WriteAll(fd, out) && sync.Wrote(out.size());
    out.clear();
    return ok;
  };
  for (int db = 0; db < keyspace.count(); ++db) {
    const storage::Database& d = keyspace.db(db);
    if (d.dict.size() == 0) continue;
    const std::string index = std::to_string(db);
    const std::string_view select[] = {"SELECT", index};
    replication::EncodeCommand(select, out);
    bool ok = true;
    d.dict.ForEach([&](const storage::Entry* e) {
      if (!ok) return;
      if (e->value_type() == storage::ValueType::kString) {
        storage::IntText scratch;
        const std::string_view set[] = {"SET", e->key(), storage::StringBytes(*e, scratch)};
        replication::EncodeCommand(set, out);
      } else {
        args.assign({"HMSET", e->key()});
        storage::hash::ForEach(*e, [&](std::string_view field, std::string_view value) {
          args.push_back(field);
          args.push_back(value);
          if (args.size() == 2 + kItemsPerCommand * 2) {
            replication::EncodeCommand(args, out);
            args.resize(2);
          }
        });
        if (args.size() > 2) replication::EncodeCommand(args, out);
      }
      const int64_t expire = keyspace.GetExpire(db, e);
      if (expire != -1) {
        const std::string when = std::to_string(expire);
        const std::string_view pexpireat[] = {"PEXPIREAT", e->key(), when};
        replication::EncodeCommand(pexpireat, out);
      }
      ok = flush(false);
    });
    if (!ok) return false;
  }
  return flush(true);
}

}  // namespace

std::optional<std::string> WriteAofBase(const storage::Keyspace& keyspace, bool rdb_preamble,
                                        const RdbAux& aux, const RdbOptions& options,
                                        const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return "Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): " +
           std::string(std::strerror(errno));
  }
  bool ok = true;
  IncrementalSync sync(fd, options.incremental_fsync);
  if (rdb_preamble) {
    RdbWriter writer(
        [&](std::string_view bytes) { return WriteAll(fd, bytes) && sync.Wrote(bytes.size()); },
        options);
    ok = writer.Write(keyspace, aux);
  } else {
    ok = WriteCommands(keyspace, fd, sync);
  }
  if (ok) ok = ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return "Write error writing append only file on disk: " +
           std::string(std::strerror(saved_errno));
  }
  return std::nullopt;
}

}  // namespace petrel::persistence
