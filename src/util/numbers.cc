// Number <-> text conversions following Redis's util.c rules (string2ll, string2ld, string2d,
// ld2string, memtoll).
#include "petrel/util/numbers.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace petrel::util {
namespace {

// Redis's MAX_LONG_DOUBLE_CHARS: longer float texts are rejected by string2ld.
constexpr size_t kMaxLongDoubleChars = 5 * 1024;

// Isspace() in the "C" locale.
inline bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses the magnitude shared by ParseInt64/ParseUint64: first digit 1-9 (or the lone "0"),
// then digits only, no overflow of uint64_t.
inline std::optional<uint64_t> ParseMagnitude(const char* p, const char* end) {
  if (p == end || *p < '1' || *p > '9') return std::nullopt;
  uint64_t v = static_cast<uint64_t>(*p++ - '0');
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (; p != end; ++p) {
    if (!IsDigit(*p)) return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(*p - '0');
    if (v > kMax / 10) return std::nullopt;
    v *= 10;
    if (v > kMax - d) return std::nullopt;
    v += d;
  }
  return v;
}

// Two-digit lookup table for integer formatting.
constexpr char kDigitPairs[201] =
    "00010203040506070809"
    "10111213141516171819"
    "20212223242526272829"
    "30313233343536373839"
    "40414243444546474849"
    "50515253545556575859"
    "60616263646566676869"
    "70717273747576777879"
    "80818283848586878889"
    "90919293949596979899";

inline size_t CountDigits(uint64_t v) {
  size_t n = 1;
  while (v >= 10000) {
    v /= 10000;
    n += 4;
  }
  if (v >= 1000) return n + 3;
  if (v >= 100) return n + 2;
  if (v >= 10) return n + 1;
  return n;
}

// Copies s into buf as a NUL-terminated string and runs fn(buf) -> result. Short inputs use
// the stack; longer ones a heap string.
template <typename Fn>
auto WithCString(std::string_view s, Fn fn) {
  char small[128];
  if (s.size() < sizeof(small)) {
    std::memcpy(small, s.data(), s.size());
    small[s.size()] = '\0';
    return fn(small);
  }
  std::string big(s);
  return fn(big.data());
}

}  // namespace

std::optional<int64_t> ParseInt64(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  if (s.size() == 1 && *p == '0') return 0;
  if (s.empty()) return std::nullopt;
  const bool negative = *p == '-';
  if (negative) ++p;
  const auto mag = ParseMagnitude(p, end);
  if (!mag) return std::nullopt;
  constexpr uint64_t kMaxPos = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (*mag > kMaxPos + 1) return std::nullopt;
    return static_cast<int64_t>(0 - *mag);  // Two's complement wrap gives INT64_MIN.
  }
  if (*mag > kMaxPos) return std::nullopt;
  return static_cast<int64_t>(*mag);
}

std::optional<uint64_t> ParseUint64(std::string_view s) {
  if (s.size() == 1 && s[0] == '0') return 0;
  return ParseMagnitude(s.data(), s.data() + s.size());
}

std::optional<long double> ParseLongDouble(std::string_view s) {
  if (s.empty() || s.size() >= kMaxLongDoubleChars) return std::nullopt;
  if (IsCSpace(s[0])) return std::nullopt;
  char buf[kMaxLongDoubleChars];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* eptr = nullptr;
  errno = 0;
  const long double v = std::strtold(buf, &eptr);
  if (static_cast<size_t>(eptr - buf) != s.size()) return std::nullopt;
  // Overflow to infinity or underflow to zero is an error; denormal results are kept.
  if (errno == ERANGE && (std::isinf(v) || v == 0.0L)) return std::nullopt;
  if (errno == EINVAL || std::isnan(v)) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  if (s.empty() || IsCSpace(s[0])) return std::nullopt;
  return WithCString(s, [&](const char* buf) -> std::optional<double> {
    char* eptr = nullptr;
    errno = 0;
    const double v = std::strtod(buf, &eptr);
    if (static_cast<size_t>(eptr - buf) != s.size()) return std::nullopt;
    if (errno == ERANGE && (std::isinf(v) || v == 0.0)) return std::nullopt;
    if (std::isnan(v)) return std::nullopt;
    return v;
  });
}

size_t FormatInt64(int64_t v, char* buf) {
  // Magnitude via unsigned negation so INT64_MIN is safe.
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  size_t len = CountDigits(u);
  if (v < 0) {
    *buf++ = '-';
  }
  char* p = buf + len;
  *p = '\0';
  while (u >= 100) {
    const size_t i = static_cast<size_t>(u % 100) * 2;
    u /= 100;
    *--p = kDigitPairs[i + 1];
    *--p = kDigitPairs[i];
  }
  if (u >= 10) {
    const size_t i = static_cast<size_t>(u) * 2;
    *--p = kDigitPairs[i + 1];
    *--p = kDigitPairs[i];
  } else {
    *--p = static_cast<char>('0' + u);
  }
  return len + (v < 0 ? 1 : 0);
}

std::string Int64ToString(int64_t v) {
  char buf[24];
  return std::string(buf, FormatInt64(v, buf));
}

std::string LongDoubleToHuman(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char small[64];
  int n = std::snprintf(small, sizeof(small), "%.17Lf", v);
  if (n < 0) return {};
  std::string out;
  if (static_cast<size_t>(n) < sizeof(small)) {
    out.assign(small, static_cast<size_t>(n));
  } else {
    // Huge magnitudes print thousands of integer digits.
    out.resize(static_cast<size_t>(n) + 1);
    std::snprintf(out.data(), out.size(), "%.17Lf", v);
    out.resize(static_cast<size_t>(n));
  }
  if (out.find('.') != std::string::npos) {
    size_t len = out.size();
    while (out[len - 1] == '0') --len;
    if (out[len - 1] == '.') --len;
    out.resize(len);
  }
  if (out == "-0") out = "0";
  return out;
}

std::string DoubleToString(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const int n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

std::optional<int64_t> ParseMemory(std::string_view s) {
  size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) i = 1;
  const size_t digits_begin = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == digits_begin) return std::nullopt;

  // Unit suffix, case-insensitive.
  std::string_view unit = s.substr(i);
  char u[2] = {0, 0};
  if (unit.size() > 2) return std::nullopt;
  for (size_t k = 0; k < unit.size(); ++k) {
    const char c = unit[k];
    u[k] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  int64_t mul = 0;
  if (unit.empty() || (unit.size() == 1 && u[0] == 'b')) {
    mul = 1;
  } else if (unit.size() == 1) {
    if (u[0] == 'k') mul = 1000;
    if (u[0] == 'm') mul = 1000 * 1000;
    if (u[0] == 'g') mul = 1000LL * 1000 * 1000;
  } else if (u[1] == 'b') {
    if (u[0] == 'k') mul = 1024;
    if (u[0] == 'm') mul = 1024 * 1024;
    if (u[0] == 'g') mul = 1024LL * 1024 * 1024;
  }
  if (mul == 0) return std::nullopt;

  // Magnitude with overflow checks (leading zeros are fine here, as with strtoll).
  constexpr uint64_t kLimit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1;
  uint64_t mag = 0;
  for (size_t k = digits_begin; k < i; ++k) {
    const uint64_t d = static_cast<uint64_t>(s[k] - '0');
    if (mag > (kLimit - d) / 10) return std::nullopt;
    mag = mag * 10 + d;
  }
  if (mag > kLimit / static_cast<uint64_t>(mul)) return std::nullopt;
  mag *= static_cast<uint64_t>(mul);
  if (negative) {
    if (mag > kLimit) return std::nullopt;
    return static_cast<int64_t>(0 - mag);
  }
  if (mag > kLimit - 1) return std::nullopt;
  return static_cast<int64_t>(mag);
}

}  // namespace petrel::util
