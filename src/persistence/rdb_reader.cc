#include "petrel/persistence/rdb_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "petrel/persistence/crc64.h"
#include "petrel/persistence/lzf.h"
#include "petrel/persistence/packed_lists.h"
#include "petrel/persistence/rdb_format.h"
#include "petrel/storage/string_value.h"
#include "petrel/util/numbers.h"

namespace petrel::persistence {
namespace {

constexpr size_t kReadChunk = 256 * 1024;
constexpr char kShortRead[] = "Short read or OOM loading DB. Unrecoverable error, aborting now.";
// An LZF item of 2-3 bytes expands to at most 264: a larger claimed size is corruption, and
// refusing it early avoids allocating whatever a damaged length says.
constexpr uint64_t kLzfMaxRatio = 133;

}  // namespace

namespace rdb {

std::string_view TypeName(uint8_t type) {
  switch (type) {
    case 0: return "string";
    case 1: return "list";
    case 2: return "set";
    case 3: case 5: return "zset";
    case 4: return "hash";
    case 6: case 7: return "module";
    case 9: return "hash (zipmap)";
    case 10: return "list (ziplist)";
    case 11: return "set (intset)";
    case 12: return "zset (ziplist)";
    case 13: return "hash (ziplist)";
    case 14: return "list (quicklist)";
    case 15: return "stream";
    case 16: return "hash (listpack)";
    case 17: return "zset (listpack)";
    case 18: return "list (quicklist)";
    case 19: return "stream";
    default: return "unknown";
  }
}

}  // namespace rdb

RdbLoader::RdbLoader(Read read, storage::Keyspace& keyspace, RdbLoadOptions options)
    : read_(std::move(read)), keyspace_(keyspace), options_(options) {
  buf_.resize(kReadChunk);
}

void RdbLoader::Need(size_t n) {
  while (end_ - pos_ < n) {
    if (pos_ > 0) {
      // Slide the unread bytes to the front, checksumming what was consumed.
      crc_ = Crc64(crc_, buf_.data() + crc_from_, pos_ - crc_from_);
      std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
      consumed_before_ += pos_;
      end_ -= pos_;
      pos_ = 0;
      crc_from_ = 0;
    }
    // Grow step by step: a corrupt length fails at the end of the file before it can make us
    // allocate what it claims.
    if (buf_.size() - end_ < kReadChunk && buf_.size() < n) {
      buf_.resize(std::max(buf_.size() * 2, end_ + kReadChunk));
    }
    const ssize_t got = read_(buf_.data() + end_, buf_.size() - end_);
    if (got <= 0) throw Fail{kShortRead};
    end_ += static_cast<size_t>(got);
  }
}

uint8_t RdbLoader::U8() {
  Need(1);
  return static_cast<uint8_t>(buf_[pos_++]);
}

uint64_t RdbLoader::BigEndian(int bytes) {
  Need(bytes);
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(buf_[pos_++]);
  return v;
}

uint64_t RdbLoader::LittleEndian(int bytes) {
  Need(bytes);
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(buf_[pos_++])) << (8 * i);
  return v;
}

uint64_t RdbLoader::Length(bool* encoded) {
  if (encoded != nullptr) *encoded = false;
  const uint8_t first = U8();
  switch (first >> 6) {
    case rdb::kLen6:
      return first & 0x3F;
    case rdb::kLen14:
      return (static_cast<uint64_t>(first & 0x3F) << 8) | U8();
    case rdb::kEncoded:
      if (encoded == nullptr) throw Fail{"Unknown length encoding in rdbLoadLen()"};
      *encoded = true;
      return first & 0x3F;
    default:
      if (first == rdb::kLen32) return BigEndian(4);
      if (first == rdb::kLen64) return BigEndian(8);
      throw Fail{"Unknown length encoding " + std::to_string(first) + " in rdbLoadLen()"};
  }
}

void RdbLoader::String(std::string& out, std::optional<int64_t>* integer) {
  if (integer != nullptr) integer->reset();
  bool encoded = false;
  const uint64_t len = Length(&encoded);
  if (!encoded) {
    Need(len);
    out.assign(buf_.data() + pos_, len);
    pos_ += len;
    return;
  }
  int64_t v = 0;
  switch (len) {
    case rdb::kEncInt8:
      v = static_cast<int8_t>(U8());
      break;
    case rdb::kEncInt16:
      v = static_cast<int16_t>(LittleEndian(2));
      break;
    case rdb::kEncInt32:
      v = static_cast<int32_t>(LittleEndian(4));
      break;
    case rdb::kEncLzf: {
      const uint64_t packed = Length();
      const uint64_t plain = Length();
      if (plain > packed * kLzfMaxRatio) throw Fail{"Invalid LZF compressed string"};
      Need(packed);
      out.resize(plain);
      if (LzfDecompress(buf_.data() + pos_, packed, out.data(), plain) != plain) {
        throw Fail{"Invalid LZF compressed string"};
      }
      pos_ += packed;
      return;
    }
    default:
      throw Fail{"Unknown RDB string encoding type " + std::to_string(len)};
  }
  out = std::to_string(v);
  if (integer != nullptr) *integer = v;
}

void RdbLoader::LoadPackedHash(storage::Entry* e, uint8_t type, const std::string& key) {
  bool have_field = false;
  bool duplicate = false;
  auto add = [&](std::string_view item) {
    if (!have_field) {
      field_.assign(item);
    } else if (e != nullptr && !storage::hash::Set(e, field_, item, options_.hash_limits)) {
      duplicate = true;
      return false;
    }
    have_field = !have_field;
    return true;
  };
  const bool ok = type == rdb::kTypeHashListpack ? ForEachListpackEntry(value_, add)
                                                : ForEachZiplistEntry(value_, add);
  if (duplicate) throw Fail{"Duplicate hash fields detected"};
  if (!ok || have_field) {
    throw Fail{std::string(type == rdb::kTypeHashListpack ? "Hash listpack" : "Hash ziplist") +
               " integrity check failed for key '" + key + "'"};
  }
}

void RdbLoader::LoadValue(uint8_t type, int db, const std::string& key, int64_t expire_ms) {
  const bool drop = options_.drop_expired && expire_ms != -1 && expire_ms < options_.now_ms;
  if (!drop && keyspace_.db(db).dict.Find(key) != nullptr) {
    throw Fail{"Duplicated key '" + key + "' found in RDB file"};
  }
  storage::Entry* e = nullptr;
  switch (type) {
    case rdb::kTypeString: {
      std::optional<int64_t> integer;
      String(value_, &integer);
      if (drop) break;
      e = keyspace_.Add(db, key);
      if (integer) {
        storage::StoreInteger(e, *integer);
      } else {
        storage::StoreString(e, value_);
      }
      break;
    }
    case rdb::kTypeHash: {
      const uint64_t fields = Length();
      if (!drop && fields > 0) {
        e = keyspace_.Add(db, key);
        storage::hash::InitForSize(e, fields, options_.hash_limits);
      }
      for (uint64_t i = 0; i < fields; ++i) {
        String(field_);
        String(value_);
        if (e != nullptr && !storage::hash::Set(e, field_, value_, options_.hash_limits)) {
          throw Fail{"Duplicate hash fields detected"};
        }
      }
      if (fields == 0) spdlog::warn("rdbLoadObject skipping empty key: {}", key);
      break;
    }
    case rdb::kTypeHashZiplist:
    case rdb::kTypeHashListpack: {
      String(value_);
      if (!drop) {
        e = keyspace_.Add(db, key);
        storage::hash::Init(e);
      }
      LoadPackedHash(e, type, key);
      if (e != nullptr && storage::hash::Length(*e) == 0) {
        spdlog::warn("rdbLoadObject skipping empty key: {}", key);
        keyspace_.Delete(db, key);
        e = nullptr;
      }
      break;
    }
    default:
      throw Fail{"Unsupported RDB value type " + std::to_string(type) + " (" +
                 std::string(rdb::TypeName(type)) + ") for key '" + key + "' in db " +
                 std::to_string(db) + ": Petrel does not support this type yet"};
  }
  if (drop) {
    ++result_->keys_expired;
    return;
  }
  if (e == nullptr) return;
  if (expire_ms != -1) keyspace_.SetExpire(db, e, expire_ms);
  ++result_->keys_loaded;
}

void RdbLoader::Checksum(RdbLoadResult* result) {
  crc_ = Crc64(crc_, buf_.data() + crc_from_, pos_ - crc_from_);
  crc_from_ = pos_;
  const uint64_t computed = crc_;
  const uint64_t stored = LittleEndian(8);
  crc_from_ = pos_;
  if (stored == 0) {
    spdlog::warn("RDB file was saved with checksum disabled: no check performed.");
    return;
  }
  if (!options_.verify_checksum) return;
  if (stored != computed) {
    char text[128];
    std::snprintf(text, sizeof(text),
                  "Wrong RDB checksum expected: (%llx) got: (%llx). Aborting now.",
                  static_cast<unsigned long long>(stored),
                  static_cast<unsigned long long>(computed));
    throw Fail{text};
  }
  result->checksum_checked = true;
}

std::optional<std::string> RdbLoader::Load(RdbLoadResult* result) {
  result_ = result;
  try {
    Need(9);
    if (std::string_view(buf_.data(), 5) != rdb::kMagic) {
      return "Wrong signature trying to load DB from file";
    }
    int version = 0;
    const char* digits = buf_.data() + 5;
    auto [end, ec] = std::from_chars(digits, digits + 4, version);
    if (ec != std::errc() || end != digits + 4 || version < 1 || version > rdb::kVersion) {
      return "Can't handle RDB format version " + std::string(digits, 4);
    }
    result->version = version;
    pos_ = 9;
    int db = 0;
    int64_t expire_ms = -1;
    for (;;) {
      const uint8_t type = U8();
      switch (type) {
        case rdb::kOpExpireMs:
          expire_ms = static_cast<int64_t>(LittleEndian(8));
          continue;
        case rdb::kOpExpireSec:
          expire_ms = static_cast<int64_t>(static_cast<int32_t>(LittleEndian(4))) * 1000;
          continue;
        case rdb::kOpIdle:
          Length();
          continue;
        case rdb::kOpFreq:
          U8();
          continue;
        case rdb::kOpSelectDb: {
          const uint64_t index = Length();
          if (index >= static_cast<uint64_t>(keyspace_.count())) {
            return "FATAL: Data file was created with a Redis server configured to handle more "
                   "than " + std::to_string(keyspace_.count()) + " databases. Exiting";
          }
          db = static_cast<int>(index);
          continue;
        }
        case rdb::kOpResizeDb: {
          const uint64_t keys = Length();
          Length();  // keys with an expire time
          keyspace_.db(db).dict.Reserve(keyspace_.db(db).dict.size() + keys);
          continue;
        }
        case rdb::kOpAux: {
          String(field_);
          String(value_);
          if (field_ == "repl-id") {
            result->repl_id = value_;
          } else if (field_ == "repl-offset") {
            result->repl_offset = util::ParseInt64(value_).value_or(-1);
          } else if (field_ == "repl-stream-db") {
            result->repl_stream_db = static_cast<int>(util::ParseInt64(value_).value_or(-1));
          } else if (field_ == "aof-base") {
            result->aof_base = value_ == "1";
          } else if (field_ == "redis-ver") {
            spdlog::info("Loading RDB produced by version {}", value_);
          }
          continue;
        }
        case rdb::kOpModuleAux:
          return "The RDB file holds module data (opcode 0xF7): Petrel does not support modules";
        case rdb::kOpFunction:
        case rdb::kOpFunction2:
          return "The RDB file holds functions (opcode " + std::to_string(type) +
                 "): Petrel does not support functions yet";
        case rdb::kOpEof:
          if (result->version >= 5) Checksum(result);
          result->bytes = consumed_before_ + pos_;
          return std::nullopt;
        default:
          String(key_);
          LoadValue(type, db, key_, expire_ms);
          expire_ms = -1;
      }
    }
  } catch (const Fail& f) {
    return f.reason;
  } catch (const std::bad_alloc&) {
    return kShortRead;
  }
}

std::optional<std::string> LoadRdbFile(const std::string& path, storage::Keyspace& keyspace,
                                       const RdbLoadOptions& options, RdbLoadResult* result) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "Can't open " + path + ": " + std::strerror(errno);
  RdbLoader loader([fd](char* out, size_t n) { return ::read(fd, out, n); }, keyspace, options);
  auto error = loader.Load(result);
  ::close(fd);
  return error;
}

}  // namespace petrel::persistence
