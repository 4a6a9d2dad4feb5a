// Replays one AOF file (a RESP base, an RDB-preamble base, or an incremental file) through the
// dispatcher, as a client of its own whose replies are dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "petrel/command/dispatcher.h"

namespace petrel::persistence {

struct AofReplayResult {
  uint64_t commands = 0;
  uint64_t rdb_keys = 0;  // keys from an RDB preamble
  bool empty = false;     // the file holds nothing
  bool truncated = false;  // a cut-short tail was dropped (and the file truncated)
};

// Replays the file at `path`. A tail cut short (the end of a command, or a MULTI without its
// EXEC) is dropped and the file truncated to its last whole command when `allow_truncated`
// (aof-load-truncated, only for the last file); otherwise it is an error. Any other damage is an
// error. Errors are the text to log before exiting.
std::optional<std::string> ReplayAofFile(command::Dispatcher& server, const std::string& path,
                                         bool allow_truncated, AofReplayResult* result);

}  // namespace petrel::persistence
