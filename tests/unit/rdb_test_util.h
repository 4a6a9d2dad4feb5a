// Helpers for the RDB tests: a snapshot into a string and back, a readable dump of a keyspace to
// compare with, hex, and hand-made files with a valid checksum.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "petrel/persistence/crc64.h"
#include "petrel/persistence/rdb_reader.h"
#include "petrel/persistence/rdb_writer.h"
#include "petrel/storage/hash.h"
#include "petrel/storage/keyspace.h"
#include "petrel/storage/string_value.h"

namespace petrel::persistence::testing {

// Hex digits to bytes; spaces between them are ignored.
inline std::string FromHex(std::string_view spaced) {
  std::string hex;
  for (char c : spaced) {
    if (c != ' ') hex += c;
  }
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

inline std::string ToHex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

inline std::string Save(const storage::Keyspace& ks, RdbOptions options = {},
                        const RdbAux& aux = {}) {
  std::string out;
  RdbWriter writer(
      [&out](std::string_view bytes) {
        out.append(bytes);
        return true;
      },
      options);
  if (!writer.Write(ks, aux)) return "<write failed>";
  return out;
}

// Loads `bytes`, handing the loader at most `chunk` bytes per read.
inline std::optional<std::string> Load(const std::string& bytes, storage::Keyspace& ks,
                                       RdbLoadOptions options, size_t chunk = 4096,
                                       RdbLoadResult* result = nullptr) {
  RdbLoadResult local;
  size_t pos = 0;
  RdbLoader loader(
      [&](char* out, size_t n) -> ssize_t {
        const size_t take = std::min({n, chunk, bytes.size() - pos});
        std::memcpy(out, bytes.data() + pos, take);
        pos += take;
        return static_cast<ssize_t>(take);
      },
      ks, options);
  return loader.Load(result != nullptr ? result : &local);
}

// One line per key, sorted: "<db> <key> string <value> [px <ms>]" or "<db> <key> hash
// {f=v,...} [px <ms>]", with bytes outside printable ASCII as \xNN.
inline std::string Dump(const storage::Keyspace& ks) {
  auto esc = [](std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
      if (c >= 32 && c < 127 && c != '\\') {
        out += static_cast<char>(c);
      } else {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\x%02x", c);
        out += buf;
      }
    }
    return out;
  };
  std::map<std::pair<int, std::string>, std::string> lines;
  for (int db = 0; db < ks.count(); ++db) {
    ks.db(db).dict.ForEach([&](const storage::Entry* e) {
      std::string line;
      if (e->value_type() == storage::ValueType::kString) {
        storage::IntText scratch;
        line = "string " + esc(storage::StringBytes(*e, scratch));
      } else {
        std::map<std::string, std::string> fields;
        storage::hash::ForEach(*e, [&](std::string_view f, std::string_view v) {
          fields[std::string(f)] = std::string(v);
        });
        line = "hash {";
        for (const auto& [f, v] : fields) line += esc(f) + "=" + esc(v) + ",";
        line += "}";
      }
      const int64_t expire = ks.GetExpire(db, e);
      if (expire != -1) line += " px " + std::to_string(expire);
      lines[{db, std::string(e->key())}] = line;
    });
  }
  std::string out;
  for (const auto& [where, line] : lines) {
    out += std::to_string(where.first) + " " + esc(where.second) + " " + line + "\n";
  }
  return out;
}

inline storage::Entry* PutString(storage::Keyspace& ks, int db, std::string_view key,
                                 std::string_view value) {
  storage::Entry* e = ks.Add(db, key);
  storage::StoreString(e, value);
  return e;
}

inline storage::Entry* PutHash(storage::Keyspace& ks, int db, std::string_view key,
                               const std::map<std::string, std::string>& fields) {
  storage::Entry* e = ks.Add(db, key);
  storage::hash::Init(e);
  for (const auto& [f, v] : fields) storage::hash::Set(e, f, v, storage::hash::Limits{});
  return e;
}

inline std::string LittleEndian64(uint64_t v) {
  std::string out;
  for (int shift = 0; shift < 64; shift += 8) out += static_cast<char>((v >> shift) & 0xFF);
  return out;
}

// "REDIS<version>" + body + EOF + the checksum of it all: a file made by hand.
inline std::string MakeRdb(std::string_view body, std::string_view version = "0010") {
  std::string out = "REDIS" + std::string(version) + std::string(body) + "\xff";
  return out + LittleEndian64(Crc64(0, out.data(), out.size()));
}

}  // namespace petrel::persistence::testing
