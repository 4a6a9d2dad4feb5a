// Writes an AOF base file: the dataset as an RDB snapshot (aof-use-rdb-preamble yes) or as the
// commands that rebuild it (SELECT, SET, HMSET, PEXPIREAT), to a file that is fsynced.
#pragma once

#include <optional>
#include <string>

#include "petrel/persistence/rdb_writer.h"
#include "petrel/storage/keyspace.h"

namespace petrel::persistence {

std::optional<std::string> WriteAofBase(const storage::Keyspace& keyspace, bool rdb_preamble,
                                        const RdbAux& aux, const RdbOptions& options,
                                        const std::string& path);

}  // namespace petrel::persistence
