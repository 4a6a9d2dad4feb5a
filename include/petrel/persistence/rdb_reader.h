// Loads an RDB file (versions 1 to 10) into the keyspace, streaming: strings in every encoding
// (plain, integer, LZF) and hashes as hash table, listpack or ziplist. Anything else (lists,
// sets, sorted sets, streams, modules, functions) is refused with an error naming it, before
// any of it is served: the caller exits rather than run with part of a file.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "petrel/storage/hash.h"
#include "petrel/storage/keyspace.h"

namespace petrel::persistence {

struct RdbLoadResult {
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;  // dropped because their time had passed
  int version = 0;
  bool aof_base = false;
  std::string repl_id;  // from the AUX fields, when the file carries replication state
  int64_t repl_offset = -1;
  int repl_stream_db = -1;
  uint64_t bytes = 0;  // the file's bytes up to and including the checksum
  bool checksum_checked = false;
};

struct RdbLoadOptions {
  bool drop_expired = true;  // a primary drops keys already expired; a replica keeps them
  bool verify_checksum = true;  // rdbchecksum
  int64_t now_ms = 0;
  storage::hash::Limits hash_limits;
};

class RdbLoader {
 public:
  // Fills `out` with up to `n` bytes; returns the count, 0 at the end, -1 on error.
  using Read = std::function<ssize_t(char* out, size_t n)>;
  RdbLoader(Read read, storage::Keyspace& keyspace, RdbLoadOptions options);

  // Reads the whole file into the keyspace; the reason (as Redis words it where it has one)
  // on failure, with the keyspace then holding part of the file.
  std::optional<std::string> Load(RdbLoadResult* result);

 private:
  struct Fail {
    std::string reason;
  };
  void Need(size_t n);  // throws Fail on a short read
  uint8_t U8();
  uint64_t BigEndian(int bytes);
  uint64_t LittleEndian(int bytes);
  // A length; `encoded` (when given) says whether it is a special string encoding instead.
  uint64_t Length(bool* encoded = nullptr);
  // A string: a view into the read buffer (valid until the next read), or into `scratch` for
  // compressed and integer-encoded ones (as decimal text, with *integer set when given).
  std::string_view String(std::string& scratch, std::optional<int64_t>* integer = nullptr);
  void LoadValue(uint8_t type, int db, int64_t expire_ms);
  // Collects a hash's pairs into pairs_ (their bytes in arena_) and builds the hash from them.
  void BuildHash(storage::Entry* e, std::string_view key);
  void CollectPacked(uint8_t type, std::string_view blob, std::string_view key);
  void Checksum(RdbLoadResult* result);

  Read read_;
  storage::Keyspace& keyspace_;
  RdbLoadOptions options_;
  std::string buf_;
  size_t pos_ = 0, end_ = 0;
  size_t crc_from_ = 0;  // bytes of buf_ before this are already in crc_
  uint64_t crc_ = 0;
  uint64_t consumed_before_ = 0;  // bytes of the file before buf_[0]
  std::string key_, field_, value_;
  std::string arena_;
  std::vector<std::pair<size_t, size_t>> spans_;  // offset, length in arena_
  std::vector<storage::hash::Pair> pairs_;
  RdbLoadResult* result_ = nullptr;
};

// Loads the RDB file at `path`; the reason on failure (file missing is an error too).
std::optional<std::string> LoadRdbFile(const std::string& path, storage::Keyspace& keyspace,
                                       const RdbLoadOptions& options, RdbLoadResult* result);

}  // namespace petrel::persistence
