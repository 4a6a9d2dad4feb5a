// Writes a snapshot of the keyspace in RDB version 10, byte-compatible with what Redis 7.0
// writes for strings and hashes, to any byte sink (a file, later a replica's socket).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "petrel/storage/keyspace.h"

namespace petrel::persistence {

// The AUX fields of the header.
struct RdbAux {
  int64_t ctime = 0;     // unix seconds
  int64_t used_mem = 0;  // bytes
  bool aof_base = false;  // the file is the base of an AOF
  // Replication state, written only when repl_id is set (a replica can resume from it).
  std::string repl_id;
  int64_t repl_offset = 0;
  int repl_stream_db = 0;
};

struct RdbOptions {
  bool compress = true;           // rdbcompression
  bool checksum = true;           // rdbchecksum (else the trailer is eight zero bytes)
  int64_t key_save_delay_us = 0;  // rdb-key-save-delay
  bool incremental_fsync = true;  // fsync a file every 4 MB (rdb-save-incremental-fsync)
};

class RdbWriter {
 public:
  // Receives the file's bytes in order, in chunks of tens of kilobytes; false aborts the save.
  using Sink = std::function<bool(std::string_view)>;
  RdbWriter(Sink sink, RdbOptions options);

  // The whole snapshot: header, AUX fields, each non-empty database, EOF and checksum. Keys
  // are written with their expire times, expired or not (a loader drops the expired ones).
  bool Write(const storage::Keyspace& keyspace, const RdbAux& aux);
  uint64_t keys_written() const { return keys_; }
  uint64_t bytes_written() const { return total_; }

 private:
  bool WriteDatabase(const storage::Keyspace& keyspace, int db);
  bool WriteEntry(const storage::Keyspace& keyspace, int db, const storage::Entry& e);
  void Byte(uint8_t b) { buf_.push_back(static_cast<char>(b)); }
  void Raw(std::string_view bytes) { buf_.append(bytes); }
  void Length(uint64_t len);
  void String(std::string_view s);
  void Integer(int64_t v);  // a string holding v's decimal text, int-encoded when it fits
  void Aux(std::string_view name, std::string_view value);
  bool Drain(bool force);

  Sink sink_;
  RdbOptions options_;
  std::string buf_;
  std::string scratch_;
  uint64_t crc_ = 0;
  uint64_t keys_ = 0;
  uint64_t total_ = 0;
  bool failed_ = false;
};

// Writes a snapshot to `path`: first to `temp_path` (same directory), then fsynced and renamed
// over `path`, and the directory synced, so a crash leaves either the old file or the new one.
// Returns the reason on failure (the temporary file is removed).
std::optional<std::string> SaveRdbFile(const storage::Keyspace& keyspace, const RdbAux& aux,
                                       const RdbOptions& options, const std::string& path,
                                       const std::string& temp_path,
                                       uint64_t* bytes_written = nullptr);

}  // namespace petrel::persistence
