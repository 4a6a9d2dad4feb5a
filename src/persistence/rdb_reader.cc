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
// Most keys a RESIZEDB hint may make us pre-size a table for (the table grows past it as needed).
constexpr uint64_t kMaxPresize = uint64_t{1} << 24;

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

std::string_view RdbLoader::String(std::string& scratch, std::optional<int64_t>* integer) {
  if (integer != nullptr) integer->reset();
  bool encoded = false;
  const uint64_t len = Length(&encoded);
  if (!encoded) {
    Need(len);
    const std::string_view view(buf_.data() + pos_, len);
    pos_ += len;
    return view;
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
      scratch.resize(plain);
      if (LzfDecompress(buf_.data() + pos_, packed, scratch.data(), plain) != plain) {
        throw Fail{"Invalid LZF compressed string"};
      }
      pos_ += packed;
      return scratch;
    }
    default:
      throw Fail{"Unknown RDB string encoding type " + std::to_string(len)};
  }
  scratch = std::to_string(v);
  if (integer != nullptr) *integer = v;
  return scratch;
}

void RdbLoader::BuildHash(storage::Entry* e, std::string_view key) {
  pairs_.clear();
  for (size_t i = 0; i + 1 < spans_.size(); i += 2) {
    pairs_.emplace_back(std::string_view(arena_).substr(spans_[i].first, spans_[i].second),
                        std::string_view(arena_).substr(spans_[i + 1].first, spans_[i + 1].second));
  }
  if (!storage::hash::InitFromPairs(e, pairs_, options_.hash_limits)) {
    throw Fail{"Duplicate hash fields detected"};
  }
}

void RdbLoader::CollectPacked(uint8_t type, std::string_view blob, std::string_view key) {
  auto add = [&](std::string_view item) {
    spans_.emplace_back(arena_.size(), item.size());
    arena_.append(item);
    return true;
  };
  const bool ok = type == rdb::kTypeHashListpack ? ForEachListpackEntry(blob, add)
                                                : ForEachZiplistEntry(blob, add);
  if (!ok || spans_.size() % 2 != 0) {
    throw Fail{std::string(type == rdb::kTypeHashListpack ? "Hash listpack" : "Hash ziplist") +
               " integrity check failed for key '" + std::string(key) + "'"};
  }
}

void RdbLoader::LoadValue(uint8_t type, int db, int64_t expire_ms) {
  const std::string_view key_view = String(key_);
  const bool drop = options_.drop_expired && expire_ms != -1 && expire_ms < options_.now_ms;
  if (type != rdb::kTypeString && type != rdb::kTypeHash && type != rdb::kTypeHashZiplist &&
      type != rdb::kTypeHashListpack) {
    throw Fail{"Unsupported RDB value type " + std::to_string(type) + " (" +
               std::string(rdb::TypeName(type)) + ") for key '" + std::string(key_view) +
               "' in db " + std::to_string(db) + ": Petrel does not support this type yet"};
  }
  // The entry is created before its value is read, while the key's bytes are still in the
  // buffer: one copy of the key, one lookup.
  storage::Entry* e = nullptr;
  if (!drop) {
    e = keyspace_.AddIfAbsent(db, key_view);
    if (e == nullptr) {
      throw Fail{"Duplicated key '" + std::string(key_view) + "' found in RDB file"};
    }
  }
  // Keep the key for messages: reading the value may move the buffer under key_view.
  const std::string_view key = e != nullptr ? e->key() : std::string_view();
  if (type == rdb::kTypeString) {
    std::optional<int64_t> integer;
    const std::string_view value = String(value_, &integer);
    if (e != nullptr) {
      if (integer) {
        storage::StoreInteger(e, *integer);
      } else {
        storage::StoreString(e, value);
      }
    }
  } else {
    arena_.clear();
    spans_.clear();
    if (type == rdb::kTypeHash) {
      const uint64_t fields = Length();
      const bool one_by_one = fields > options_.hash_limits.max_listpack_entries;
      if (e != nullptr && one_by_one) storage::hash::InitForSize(e, fields, options_.hash_limits);
      for (uint64_t i = 0; i < fields; ++i) {
        if (one_by_one) {
          field_.assign(String(value_));
          const std::string_view value = String(value_);
          if (e != nullptr && !storage::hash::Set(e, field_, value, options_.hash_limits)) {
            throw Fail{"Duplicate hash fields detected"};
          }
        } else {
          for (int part = 0; part < 2; ++part) {
            const std::string_view item = String(value_);
            spans_.emplace_back(arena_.size(), item.size());
            arena_.append(item);
          }
        }
      }
      if (one_by_one) spans_.clear();
    } else {
      CollectPacked(type, String(value_), key);
    }
    if (e != nullptr && !spans_.empty()) BuildHash(e, key);
    if (e != nullptr && e->value_type() != storage::ValueType::kHash) {
      // An empty hash is not a key: Redis skips it with a warning.
      spdlog::warn("rdbLoadObject skipping empty key: {}", key);
      keyspace_.Delete(db, std::string(key));
      e = nullptr;
    }
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
          // Only a hint: a damaged one must not make us allocate what it says.
          const uint64_t keys = std::min<uint64_t>(Length(), kMaxPresize);
          Length();  // keys with an expire time
          keyspace_.db(db).dict.Reserve(keyspace_.db(db).dict.size() + keys);
          continue;
        }
        case rdb::kOpAux: {
          field_.assign(String(value_));
          const std::string_view value = String(value_);
          if (field_ == "repl-id") {
            result->repl_id = value;
          } else if (field_ == "repl-offset") {
            result->repl_offset = util::ParseInt64(value).value_or(-1);
          } else if (field_ == "repl-stream-db") {
            result->repl_stream_db = static_cast<int>(util::ParseInt64(value).value_or(-1));
          } else if (field_ == "aof-base") {
            result->aof_base = value == "1";
          } else if (field_ == "redis-ver") {
            spdlog::info("Loading RDB produced by version {}", value);
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
          LoadValue(type, db, expire_ms);
          expire_ms = -1;
      }
    }
  } catch (const Fail& f) {
    return f.reason;
  } catch (const std::exception&) {  // bad_alloc, length_error: a length no file can hold
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
