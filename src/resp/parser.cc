#include "petrel/resp/parser.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

namespace petrel::resp {
namespace {

constexpr int64_t kMaxMultibulkLen = std::numeric_limits<int32_t>::max();
// Before AUTH Redis caps these (networking.c).
constexpr int64_t kUnauthMaxMultibulkLen = 10;
constexpr int64_t kUnauthMaxBulkLen = 16384;
// Redis allocates argv for at most this many arguments up front, whatever the count says.
constexpr int64_t kMaxArgsReserve = 1024;

// Redis's string2ll: optional '-', then "0" alone or a digit 1-9 and more digits, at most 20 bytes,
// within int64. No '+', spaces or leading zeros; "-0" is rejected.
bool ParseStrictInt(const char* s, size_t len, int64_t* out) {
  if (len == 0 || len > 20) return false;
  if (len == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  const bool negative = s[0] == '-';
  size_t i = negative ? 1 : 0;
  if (i == len || s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  // Up to 19 digits cannot overflow 64 bits, so only longer numbers pay for the check.
  const bool may_overflow = len - i > 19;
  for (; i < len; ++i) {
    const unsigned digit = static_cast<unsigned char>(s[i]) - static_cast<unsigned>('0');
    if (digit > 9) return false;
    if (may_overflow && v > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > (uint64_t{1} << 63)) return false;
    *out = static_cast<int64_t>(0 - v);  // modular, so 2^63 becomes INT64_MIN
  } else {
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// isspace() in the C locale.
bool IsCSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char Unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

// A quoted section ends the word, and its closing quote must be followed by whitespace or the end.
bool ClosesWord(std::string_view line, size_t after_quote) {
  return after_quote == line.size() || IsCSpace(line[after_quote]);
}

// Reads a "double quoted" section: `i` starts past the opening quote, ends past the closing one.
bool ReadDoubleQuoted(std::string_view line, size_t& i, std::string& word) {
  const size_t n = line.size();
  while (i < n) {
    const char c = line[i];
    if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
        HexValue(line[i + 3]) >= 0) {
      word.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
      i += 4;
    } else if (c == '\\' && i + 1 < n) {
      word.push_back(Unescape(line[i + 1]));
      i += 2;
    } else if (c == '"') {
      return ClosesWord(line, ++i);
    } else {
      word.push_back(c);
      ++i;
    }
  }
  return false;  // unterminated
}

// Reads a 'single quoted' section, where only \' is an escape.
bool ReadSingleQuoted(std::string_view line, size_t& i, std::string& word) {
  const size_t n = line.size();
  while (i < n) {
    const char c = line[i];
    if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
      word.push_back('\'');
      i += 2;
    } else if (c == '\'') {
      return ClosesWord(line, ++i);
    } else {
      word.push_back(c);
      ++i;
    }
  }
  return false;  // unterminated
}

}  // namespace

bool SplitInlineArgs(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  line = line.substr(0, line.find('\0'));
  const size_t n = line.size();
  size_t i = 0;
  while (true) {
    // Any isspace() byte separates words, but only these four end an unquoted word (sdssplitargs).
    while (i < n && IsCSpace(line[i])) ++i;
    if (i == n) return true;
    std::string& word = out.emplace_back();
    bool done = false;
    while (!done && i < n) {
      const char c = line[i++];
      switch (c) {
        case ' ':
        case '\n':
        case '\r':
        case '\t':
          done = true;
          break;
        case '"':
        case '\'': {
          const bool ok =
              c == '"' ? ReadDoubleQuoted(line, i, word) : ReadSingleQuoted(line, i, word);
          if (!ok) {
            out.clear();
            return false;
          }
          done = true;
          break;
        }
        default:
          word.push_back(c);
      }
    }
  }
}

ParseStatus Parser::Parse(std::string_view input, const ParseLimits& limits) {
  args_.clear();
  consumed_ = 0;
  error_.clear();
  if (input.size() < seen_) Reset();  // not our earlier bytes plus more: start over safely
  seen_ = input.size();
  if (mode_ == Mode::kIdle) {
    if (input.empty()) return ParseStatus::kNeedMore;
    mode_ = input[0] == '*' ? Mode::kMultibulk : Mode::kInline;
  }
  return mode_ == Mode::kMultibulk ? ParseMultibulk(input, limits) : ParseInline(input, limits);
}

void Parser::Reset() {
  mode_ = Mode::kIdle;
  pos_ = 0;
  scan_ = 0;
  seen_ = 0;
  multibulk_remaining_ = 0;
  bulk_len_ = -1;
  arg_offsets_.clear();
}

// Redis looks for line ends with strchr() on its NUL-terminated query buffer, so a NUL byte before
// the terminator hides it: the request then waits for more input until it is too big. Both finders
// leave scan_ on such a NUL so later calls stop there at once.
bool Parser::FindInlineEnd(std::string_view input, size_t* nl) {
  const char* p = input.data();
  const size_t n = input.size();
  if (scan_ < n && p[scan_] == '\0') return false;
  const char* start = p + scan_;
  const auto* hit = static_cast<const char*>(std::memchr(start, '\n', n - scan_));
  const char* limit = hit != nullptr ? hit : p + n;
  const auto* nul = static_cast<const char*>(std::memchr(start, '\0', limit - start));
  if (nul != nullptr) {
    scan_ = nul - p;
    return false;
  }
  if (hit == nullptr) {
    scan_ = n;
    return false;
  }
  *nl = hit - p;
  return true;
}

// Finds the '\r' ending the header line at pos_. Headers are a few bytes long, where a plain loop
// beats memchr; scan_ makes a header trickling in byte by byte linear anyway.
bool Parser::FindHeaderEnd(std::string_view input, size_t* cr) {
  const char* p = input.data();
  const size_t n = input.size();
  size_t i = scan_;
  while (i < n && p[i] != '\r' && p[i] != '\0') ++i;
  scan_ = i;
  if (i == n || p[i] == '\0') return false;
  *cr = i;
  return true;
}

ParseStatus Parser::ParseInline(std::string_view input, const ParseLimits& limits) {
  size_t nl;
  if (!FindInlineEnd(input, &nl)) {
    if (input.size() > limits.max_inline_len) {
      return Fail("Protocol error: too big inline request");
    }
    return ParseStatus::kNeedMore;
  }
  const size_t len = nl > 0 && input[nl - 1] == '\r' ? nl - 1 : nl;
  if (!SplitInlineArgs(input.substr(0, len), inline_storage_)) {
    return Fail("Protocol error: unbalanced quotes in request");
  }
  pos_ = nl + 1;
  return Finish(input);
}

ParseStatus Parser::ParseMultibulk(std::string_view input, const ParseLimits& limits) {
  const char* p = input.data();
  const size_t n = input.size();
  if (multibulk_remaining_ == 0) {
    size_t cr;
    if (!FindHeaderEnd(input, &cr)) {
      if (n > limits.max_inline_len) return Fail("Protocol error: too big mbulk count string");
      return ParseStatus::kNeedMore;
    }
    // Redis wants one more byte after the '\r' and skips it without checking it is '\n'.
    if (cr + 1 >= n) return ParseStatus::kNeedMore;
    int64_t count;
    if (!ParseStrictInt(p + 1, cr - 1, &count) || count > kMaxMultibulkLen) {
      return Fail("Protocol error: invalid multibulk length");
    }
    if (count > kUnauthMaxMultibulkLen && limits.auth_required) {
      return Fail("Protocol error: unauthenticated multibulk length");
    }
    pos_ = scan_ = cr + 2;
    if (count <= 0) return Finish(input);  // an empty command, which the caller skips
    multibulk_remaining_ = count;
    arg_offsets_.reserve(static_cast<size_t>(std::min(count, kMaxArgsReserve)));
  }
  while (multibulk_remaining_ > 0) {
    if (bulk_len_ < 0) {
      size_t cr;
      if (!FindHeaderEnd(input, &cr)) {
        if (n - pos_ > limits.max_inline_len) {
          return Fail("Protocol error: too big bulk count string");
        }
        return ParseStatus::kNeedMore;
      }
      if (cr + 1 >= n) return ParseStatus::kNeedMore;
      if (p[pos_] != '$') {
        return Fail(std::string("Protocol error: expected '$', got '") + p[pos_] + "'");
      }
      int64_t len;
      if (!ParseStrictInt(p + pos_ + 1, cr - pos_ - 1, &len) || len < 0 ||
          (!limits.from_primary && len > limits.max_bulk_len)) {
        return Fail("Protocol error: invalid bulk length");
      }
      if (len > kUnauthMaxBulkLen && limits.auth_required) {
        return Fail("Protocol error: unauthenticated bulk length");
      }
      pos_ = cr + 2;
      bulk_len_ = len;
    }
    // The data is followed by two bytes that Redis skips without checking they are "\r\n".
    if (n - pos_ < static_cast<uint64_t>(bulk_len_) + 2) return ParseStatus::kNeedMore;
    arg_offsets_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ += static_cast<size_t>(bulk_len_) + 2;
    scan_ = pos_;
    bulk_len_ = -1;
    --multibulk_remaining_;
  }
  return Finish(input);
}

ParseStatus Parser::Fail(std::string message) {
  error_ = std::move(message);
  Reset();
  return ParseStatus::kError;
}

ParseStatus Parser::Finish(std::string_view input) {
  if (mode_ == Mode::kInline) {
    args_.assign(inline_storage_.begin(), inline_storage_.end());
  } else {
    args_.reserve(arg_offsets_.size());
    for (const auto& [offset, len] : arg_offsets_) args_.emplace_back(input.data() + offset, len);
  }
  consumed_ = pos_;
  Reset();
  return ParseStatus::kCommand;
}

}  // namespace petrel::resp
