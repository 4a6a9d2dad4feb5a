// Constants of the RDB file format, version 10 (Redis 7.0): opcodes, value types, and the length
// and string encodings.
#pragma once

#include <cstdint>
#include <string_view>

namespace petrel::persistence::rdb {

inline constexpr int kVersion = 10;
inline constexpr std::string_view kMagic = "REDIS";

// Value types Petrel reads and writes.
inline constexpr uint8_t kTypeString = 0;
inline constexpr uint8_t kTypeHash = 4;
inline constexpr uint8_t kTypeHashZiplist = 13;
inline constexpr uint8_t kTypeHashListpack = 16;

// Opcodes between keys.
inline constexpr uint8_t kOpFunction2 = 0xF5;
inline constexpr uint8_t kOpFunction = 0xF6;
inline constexpr uint8_t kOpModuleAux = 0xF7;
inline constexpr uint8_t kOpIdle = 0xF8;
inline constexpr uint8_t kOpFreq = 0xF9;
inline constexpr uint8_t kOpAux = 0xFA;
inline constexpr uint8_t kOpResizeDb = 0xFB;
inline constexpr uint8_t kOpExpireMs = 0xFC;
inline constexpr uint8_t kOpExpireSec = 0xFD;
inline constexpr uint8_t kOpSelectDb = 0xFE;
inline constexpr uint8_t kOpEof = 0xFF;

// Length encoding: the top two bits of the first byte.
inline constexpr uint8_t kLen6 = 0;        // 00xxxxxx
inline constexpr uint8_t kLen14 = 1;       // 01xxxxxx xxxxxxxx (big-endian)
inline constexpr uint8_t kLen32 = 0x80;    // then 4 bytes big-endian
inline constexpr uint8_t kLen64 = 0x81;    // then 8 bytes big-endian
inline constexpr uint8_t kEncoded = 3;     // 11xxxxxx: a special string encoding follows
inline constexpr uint8_t kEncInt8 = 0;
inline constexpr uint8_t kEncInt16 = 1;
inline constexpr uint8_t kEncInt32 = 2;
inline constexpr uint8_t kEncLzf = 3;

// Strings longer than this are offered to LZF, and only kept compressed if that saves bytes.
inline constexpr size_t kCompressMinLength = 20;
// Strings up to this long are tried as integers.
inline constexpr size_t kIntegerMaxLength = 11;

// The name Redis gives a value type, for the error when a file holds one Petrel cannot load.
std::string_view TypeName(uint8_t type);

}  // namespace petrel::persistence::rdb
