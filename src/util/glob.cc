// Glob matching with the exact semantics of Redis 7.0's stringmatchlen, including its quirks
// (unclosed classes, reversed ranges, escapes inside classes, signed-char range bounds).
#include "petrel/util/glob.h"

#include <cstddef>

namespace petrel::util {
namespace {

// Redis compares plain `char`s, which are signed on the platforms it targets; range bounds
// above 0x7f therefore sort below ASCII. We reproduce that explicitly.
inline int SignedByte(char c) { return static_cast<signed char>(c); }

// tolower() in the "C" locale: only ASCII letters change.
inline int AsciiLower(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

inline bool SameChar(char a, char b, bool nocase) {
  if (!nocase) return a == b;
  return AsciiLower(SignedByte(a)) == AsciiLower(SignedByte(b));
}

// Deep recursion guard (one level per '*'); Redis gives up beyond 1000 nested stars.
constexpr int kMaxNesting = 1000;

class Matcher {
 public:
  Matcher(std::string_view pattern, std::string_view text, bool nocase)
      : pat_(pattern), str_(text), nocase_(nocase) {}

  bool Run() { return Match(0, 0, 0); }

 private:
  // Pattern byte at i, or NUL past the end (Redis reads the sds terminator there).
  char P(size_t i) const { return i < pat_.size() ? pat_[i] : '\0'; }

  // Matches pat_[p..] against str_[s..].
  bool Match(size_t p, size_t s, int nesting) {
    if (nesting > kMaxNesting) return false;
    const size_t plen = pat_.size();
    const size_t slen = str_.size();
    while (p < plen && s < slen) {
      switch (pat_[p]) {
        case '*': {
          while (p + 1 < plen && pat_[p + 1] == '*') ++p;
          if (p + 1 == plen) return true;  // Trailing star matches everything.
          for (; s < slen; ++s) {
            if (Match(p + 1, s, nesting + 1)) return true;
            // A deeper star already scanned every suffix; longer matches here cannot help.
            if (skip_longer_) return false;
          }
          skip_longer_ = true;
          return false;
        }
        case '?':
          ++s;
          break;
        case '[': {
          if (!MatchClass(p, str_[s])) return false;
          ++s;
          break;
        }
        case '\\':
          if (plen - p >= 2) ++p;
          [[fallthrough]];
        default:
          if (!SameChar(pat_[p], str_[s], nocase_)) return false;
          ++s;
          break;
      }
      ++p;
      if (s == slen) {
        while (p < plen && pat_[p] == '*') ++p;
        break;
      }
    }
    return p == plen && s == slen;
  }

  // Matches one character against the class starting at pat_[p] == '['. On return p indexes
  // the class's closing ']' (or, for an unclosed class, its last byte).
  bool MatchClass(size_t& p, char c) {
    const size_t plen = pat_.size();
    ++p;
    const bool negate = P(p) == '^';
    if (negate) ++p;
    bool match = false;
    while (true) {
      const size_t left = plen - p;  // p never exceeds plen here.
      if (P(p) == '\\' && left >= 2) {
        ++p;
        if (pat_[p] == c) match = true;  // Escapes inside a class ignore nocase, as in Redis.
      } else if (P(p) == ']') {
        break;
      } else if (left == 0) {
        --p;  // Unclosed class: step back so the caller's advance lands on the end.
        break;
      } else if (left >= 3 && pat_[p + 1] == '-') {
        int start = SignedByte(pat_[p]);
        int end = SignedByte(pat_[p + 2]);
        int ch = SignedByte(c);
        if (start > end) {
          const int t = start;
          start = end;
          end = t;
        }
        if (nocase_) {
          start = AsciiLower(start);
          end = AsciiLower(end);
          ch = AsciiLower(ch);
        }
        p += 2;
        if (ch >= start && ch <= end) match = true;
      } else if (SameChar(pat_[p], c, nocase_)) {
        match = true;
      }
      ++p;
    }
    return negate ? !match : match;
  }

  std::string_view pat_;
  std::string_view str_;
  bool nocase_;
  bool skip_longer_ = false;
};

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  return Matcher(pattern, text, nocase).Run();
}

}  // namespace petrel::util
