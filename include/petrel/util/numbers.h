// Number <-> text conversions with Redis's exact rules, used by commands, config and replies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace petrel::util {

// Strict base-10 signed 64-bit parse as Redis's string2ll: optional '-', no '+', no spaces, no
// leading zeros (except "0"), no overflow, no empty string. "-0" is rejected.
std::optional<int64_t> ParseInt64(std::string_view s);
// Same rules, for unsigned 64-bit.
std::optional<uint64_t> ParseUint64(std::string_view s);

// Long double parse as Redis's string2ld (INCRBYFLOAT): whole string consumed, no leading space,
// not NaN; "inf"/"-inf" accepted by strtold are rejected by the caller where Redis rejects them.
std::optional<long double> ParseLongDouble(std::string_view s);
// Double parse as Redis's string2d / getDoubleFromObject: whole string, no leading space, not NaN.
std::optional<double> ParseDouble(std::string_view s);

// Decimal text of an integer (fast path used by the reply builder).
// Writes into buf (at least 21 bytes) and returns the length.
size_t FormatInt64(int64_t v, char* buf);
std::string Int64ToString(int64_t v);

// INCRBYFLOAT's result text: Redis's ld2string in LD_STR_HUMAN mode ("%.17Lf", trailing zeros and
// a trailing dot removed; "inf"/"-inf").
std::string LongDoubleToHuman(long double v);
// A double as Redis writes it in RESP3 replies and RESP2 bulk replies ("%.17g", "inf", "-inf").
std::string DoubleToString(double v);

// Memory sizes in redis.conf form: "1gb", "512mb", "100k", "42" (k=1000, kb=1024, m, mb, g, gb;
// case-insensitive). Returns nullopt for malformed text.
std::optional<int64_t> ParseMemory(std::string_view s);

}  // namespace petrel::util
