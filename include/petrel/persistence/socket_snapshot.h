// What a forked child sends replicas for a full sync: the +FULLRESYNC line, then the snapshot,
// either streamed between `$EOF:<mark>` and the mark (diskless) or written to a file first and
// sent as `$<length>` and the file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "petrel/persistence/rdb_writer.h"
#include "petrel/storage/keyspace.h"

namespace petrel::persistence {

// Returns an error text when no replica received the whole snapshot. Sockets that fail or stay
// unwritable for `timeout_ms` are given up individually.
std::string SendSnapshot(const storage::Keyspace& keyspace, const RdbAux& aux,
                         const RdbOptions& options, std::span<const int> fds, bool diskless,
                         std::string_view header, const std::string& temp_path,
                         int64_t timeout_ms);

}  // namespace petrel::persistence
