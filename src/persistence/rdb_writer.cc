#include "petrel/persistence/rdb_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <thread>

#include "petrel/persistence/crc64.h"
#include "petrel/persistence/file_util.h"
#include "petrel/persistence/lzf.h"
#include "petrel/persistence/packed_lists.h"
#include "petrel/persistence/rdb_format.h"
#include "petrel/storage/hash.h"
#include "petrel/storage/string_value.h"
#include "petrel/util/numbers.h"
#include "petrel/version.h"

namespace petrel::persistence {
namespace {

constexpr size_t kChunk = 64 * 1024;

// The int64 a string holds when it is a canonical integer of at most 11 characters (the only
// strings Redis int-encodes), fitting 32 bits.
std::optional<int32_t> SmallInteger(std::string_view s) {
  if (s.empty() || s.size() > rdb::kIntegerMaxLength) return std::nullopt;
  auto v = util::ParseInt64(s);
  if (!v || *v < std::numeric_limits<int32_t>::min() || *v > std::numeric_limits<int32_t>::max()) {
    return std::nullopt;
  }
  // Only canonical text: "007" or "+1" must come back byte for byte.
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof(buf), *v).ptr;
  if (std::string_view(buf, end - buf) != s) return std::nullopt;
  return static_cast<int32_t>(*v);
}

}  // namespace

RdbWriter::RdbWriter(Sink sink, RdbOptions options)
    : sink_(std::move(sink)), options_(options) {
  buf_.reserve(kChunk + 1024);
}

void RdbWriter::Length(uint64_t len) {
  if (len < (1 << 6)) {
    Byte(static_cast<uint8_t>(len));
  } else if (len < (1 << 14)) {
    Byte(static_cast<uint8_t>(0x40 | (len >> 8)));
    Byte(static_cast<uint8_t>(len & 0xFF));
  } else if (len <= std::numeric_limits<uint32_t>::max()) {
    Byte(rdb::kLen32);
    for (int shift = 24; shift >= 0; shift -= 8) Byte(static_cast<uint8_t>(len >> shift));
  } else {
    Byte(rdb::kLen64);
    for (int shift = 56; shift >= 0; shift -= 8) Byte(static_cast<uint8_t>(len >> shift));
  }
}

void RdbWriter::Integer(int64_t v) {
  const uint8_t special = rdb::kEncoded << 6;
  if (v >= std::numeric_limits<int8_t>::min() && v <= std::numeric_limits<int8_t>::max()) {
    Byte(special | rdb::kEncInt8);
    Byte(static_cast<uint8_t>(v));
  } else if (v >= std::numeric_limits<int16_t>::min() &&
             v <= std::numeric_limits<int16_t>::max()) {
    Byte(special | rdb::kEncInt16);
    Byte(static_cast<uint8_t>(v));
    Byte(static_cast<uint8_t>(v >> 8));
  } else if (v >= std::numeric_limits<int32_t>::min() &&
             v <= std::numeric_limits<int32_t>::max()) {
    Byte(special | rdb::kEncInt32);
    for (int shift = 0; shift < 32; shift += 8) Byte(static_cast<uint8_t>(v >> shift));
  } else {
    char text[24];
    auto end = std::to_chars(text, text + sizeof(text), v).ptr;
    Length(static_cast<uint64_t>(end - text));
    Raw(std::string_view(text, end - text));
  }
}

void RdbWriter::String(std::string_view s) {
  if (auto small = SmallInteger(s)) {
    Integer(*small);
    return;
  }
  if (options_.compress && s.size() > rdb::kCompressMinLength) {
    scratch_.resize(s.size());
    const size_t packed = LzfCompress(s.data(), s.size(), scratch_.data(), s.size() - 4);
    if (packed != 0) {
      Byte((rdb::kEncoded << 6) | rdb::kEncLzf);
      Length(packed);
      Length(s.size());
      Raw(std::string_view(scratch_.data(), packed));
      return;
    }
  }
  Length(s.size());
  Raw(s);
}

void RdbWriter::Aux(std::string_view name, std::string_view value) {
  Byte(rdb::kOpAux);
  String(name);
  String(value);
}

bool RdbWriter::Drain(bool force) {
  if (failed_) return false;
  if (buf_.empty() || (!force && buf_.size() < kChunk)) return true;
  if (options_.checksum) crc_ = Crc64(crc_, buf_.data(), buf_.size());
  total_ += buf_.size();
  if (!sink_(buf_)) failed_ = true;
  buf_.clear();
  return !failed_;
}

bool RdbWriter::WriteEntry(const storage::Keyspace& keyspace, int db, const storage::Entry& e) {
  const int64_t expire = keyspace.GetExpire(db, &e);
  if (expire != -1) {
    Byte(rdb::kOpExpireMs);
    for (int shift = 0; shift < 64; shift += 8) Byte(static_cast<uint8_t>(expire >> shift));
  }
  if (e.value_type() == storage::ValueType::kString) {
    Byte(rdb::kTypeString);
    String(e.key());
    if (e.value_encoding() == storage::Encoding::kInt) {
      Integer(e.v.integer);
    } else {
      storage::IntText scratch;
      String(storage::StringBytes(e, scratch));
    }
  } else if (e.value_encoding() == storage::Encoding::kListpack) {
    // Small hashes go out as a listpack blob, as Redis writes them, so Redis loads them as is.
    Byte(rdb::kTypeHashListpack);
    String(e.key());
    ListpackBuilder builder;
    storage::hash::ForEach(e, [&](std::string_view field, std::string_view value) {
      builder.Add(field);
      builder.Add(value);
    });
    String(builder.Finish());
  } else {
    Byte(rdb::kTypeHash);
    String(e.key());
    Length(storage::hash::Length(e));
    storage::hash::ForEach(e, [&](std::string_view field, std::string_view value) {
      String(field);
      String(value);
      if (buf_.size() >= kChunk) Drain(false);
    });
  }
  ++keys_;
  if (options_.key_save_delay_us > 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(options_.key_save_delay_us));
  }
  return Drain(false);
}

bool RdbWriter::WriteDatabase(const storage::Keyspace& keyspace, int db) {
  const storage::Database& d = keyspace.db(db);
  if (d.dict.size() == 0) return true;
  Byte(rdb::kOpSelectDb);
  Length(static_cast<uint64_t>(db));
  Byte(rdb::kOpResizeDb);
  Length(d.dict.size());
  Length(d.expires.size());
  bool ok = true;
  d.dict.ForEach([&](const storage::Entry* e) {
    if (ok) ok = WriteEntry(keyspace, db, *e);
  });
  return ok;
}

bool RdbWriter::Write(const storage::Keyspace& keyspace, const RdbAux& aux) {
  char version[8];
  std::snprintf(version, sizeof(version), "%04d", rdb::kVersion);
  Raw(rdb::kMagic);
  Raw(version);
  Aux("redis-ver", kRedisCompatVersion);
  Aux("redis-bits", std::to_string(sizeof(void*) * 8));
  Aux("ctime", std::to_string(aux.ctime));
  Aux("used-mem", std::to_string(aux.used_mem));
  if (!aux.repl_id.empty()) {
    Aux("repl-stream-db", std::to_string(aux.repl_stream_db));
    Aux("repl-id", aux.repl_id);
    Aux("repl-offset", std::to_string(aux.repl_offset));
  }
  Aux("aof-base", aux.aof_base ? "1" : "0");
  for (int db = 0; db < keyspace.count(); ++db) {
    if (!WriteDatabase(keyspace, db)) return false;
  }
  Byte(rdb::kOpEof);
  if (options_.checksum) crc_ = Crc64(crc_, buf_.data(), buf_.size());
  uint64_t trailer = options_.checksum ? crc_ : 0;
  const bool saved_checksum = options_.checksum;
  options_.checksum = false;  // the trailer itself is not checksummed
  for (int shift = 0; shift < 64; shift += 8) Byte(static_cast<uint8_t>(trailer >> shift));
  const bool ok = Drain(true);
  options_.checksum = saved_checksum;
  return ok;
}

std::optional<std::string> SaveRdbFile(const storage::Keyspace& keyspace, const RdbAux& aux,
                                       const RdbOptions& options, const std::string& path,
                                       const std::string& temp_path, uint64_t* bytes_written) {
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return "Failed opening the temp RDB file " + temp_path + " (in server root dir " +
           CurrentDirectory() + ") for saving: " + std::strerror(errno);
  }
  int write_errno = 0;
  IncrementalSync sync(fd, options.incremental_fsync);
  RdbWriter writer(
      [&](std::string_view bytes) {
        if (WriteAll(fd, bytes) && sync.Wrote(bytes.size())) return true;
        write_errno = errno;
        return false;
      },
      options);
  const bool written = writer.Write(keyspace, aux);
  std::optional<std::string> error;
  if (!written) {
    error = std::string("Write error saving DB on disk: ") + std::strerror(write_errno);
  } else if (::fsync(fd) != 0) {
    error = std::string("Write error saving DB on disk: ") + std::strerror(errno);
  }
  ::close(fd);
  if (!error && ::rename(temp_path.c_str(), path.c_str()) != 0) {
    error = "Error moving temp DB file " + temp_path + " on the final destination " + path +
            " (in server root dir " + CurrentDirectory() + "): " + std::strerror(errno);
  }
  if (error) {
    ::unlink(temp_path.c_str());
    return error;
  }
  SyncDirectoryOf(path);
  if (bytes_written != nullptr) *bytes_written = writer.bytes_written();
  return std::nullopt;
}

}  // namespace petrel::persistence
