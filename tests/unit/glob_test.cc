// Tests for GlobMatch. Expectations were checked against KEYS / CONFIG GET on redis-server
// 7.0.15, including its quirks around brackets and escapes.
#include "petrel/util/glob.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace petrel::util {
namespace {

// The keys of `universe` matched by `pattern`, in order (like a sorted KEYS reply).
std::vector<std::string> Matches(std::string_view pattern,
                                 const std::vector<std::string>& universe) {
  std::vector<std::string> out;
  for (const auto& k : universe) {
    if (GlobMatch(pattern, k)) out.push_back(k);
  }
  return out;
}

using Keys = std::vector<std::string>;

const Keys& HelloKeys() {
  static const Keys k = {"hallo", "heeello", "hello", "hllo", "hxllo", "hzllo"};
  return k;
}

// Keys with bracket/escape characters in the middle.
const Keys& SpecialKeys() {
  static const Keys k = {"\\",   "a",   "a*c", "a-c", "aXc", "a[c", "a\\",
                         "a\\c", "a]c", "a^c", "ab",  "abc", "ac",  "axc"};
  return k;
}

TEST(GlobMatchTest, LiteralPatternMatchesOnlyItself) {
  EXPECT_TRUE(GlobMatch("hello", "hello"));
  EXPECT_FALSE(GlobMatch("hello", "hell"));
  EXPECT_FALSE(GlobMatch("hello", "helloo"));
  EXPECT_FALSE(GlobMatch("hello", "Hello"));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
  EXPECT_FALSE(GlobMatch("a", ""));
}

TEST(GlobMatchTest, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_EQ(Matches("h?llo", HelloKeys()), (Keys{"hallo", "hello", "hxllo", "hzllo"}));
  EXPECT_FALSE(GlobMatch("?", ""));
  EXPECT_FALSE(GlobMatch("a?", "a"));
}

TEST(GlobMatchTest, StarMatchesAnyRunIncludingEmpty) {
  EXPECT_EQ(Matches("h*llo", HelloKeys()), HelloKeys());
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("a*", "a"));
  EXPECT_TRUE(GlobMatch("*a", "a"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXbYY"));
  EXPECT_TRUE(GlobMatch("a*?", "ab"));
  EXPECT_FALSE(GlobMatch("a*?", "a"));
}

TEST(GlobMatchTest, ConsecutiveStarsActLikeOne) {
  EXPECT_EQ(Matches("h**llo", HelloKeys()), Matches("h*llo", HelloKeys()));
  EXPECT_TRUE(GlobMatch("a***", "a"));
  EXPECT_TRUE(GlobMatch("***a", "bba"));
}

TEST(GlobMatchTest, EmptyTextMatchesOnlyTheEmptyPattern) {
  // As in Redis, even "*" fails on ""; KEYS and SCAN special-case a lone "*" to list "" too.
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("**", ""));
  EXPECT_FALSE(GlobMatch("[^]", ""));
}

TEST(GlobMatchTest, BracketSetMatchesListedCharacters) {
  EXPECT_EQ(Matches("h[ae]llo", HelloKeys()), (Keys{"hallo", "hello"}));
  EXPECT_EQ(Matches("a[b]c", SpecialKeys()), (Keys{"abc"}));
}

TEST(GlobMatchTest, CaretNegatesBracketSet) {
  EXPECT_EQ(Matches("h[^e]llo", HelloKeys()), (Keys{"hallo", "hxllo", "hzllo"}));
}

TEST(GlobMatchTest, ExclamationMarkIsLiteralInsideBrackets) {
  EXPECT_EQ(Matches("a[!b]c", SpecialKeys()), (Keys{"abc"}));
}

TEST(GlobMatchTest, RangesMatchInclusivelyAndReversedRangesAreSwapped) {
  EXPECT_EQ(Matches("h[a-e]llo", HelloKeys()), (Keys{"hallo", "hello"}));
  EXPECT_EQ(Matches("h[e-a]llo", HelloKeys()), (Keys{"hallo", "hello"}));
  EXPECT_EQ(Matches("h[^a-e]llo", HelloKeys()), (Keys{"hxllo", "hzllo"}));
  EXPECT_TRUE(GlobMatch("[0-9]", "5"));
  EXPECT_FALSE(GlobMatch("[0-9]", "a"));
}

TEST(GlobMatchTest, DashAloneOrFirstInBracketIsLiteral) {
  EXPECT_EQ(Matches("a[-]c", SpecialKeys()), (Keys{"a-c"}));
  // But "b-]" is a range from ']' to 'b', so this class is unclosed and also holds 'c'.
  EXPECT_EQ(Matches("a[b-]c", SpecialKeys()), (Keys{"ab", "ac"}));
  EXPECT_TRUE(GlobMatch("a[b-]c", "a^"));
  EXPECT_EQ(Matches("a[-b]c", SpecialKeys()), (Keys{"a-c", "abc"}));
}

TEST(GlobMatchTest, BackslashEscapesSpecialCharacters) {
  EXPECT_EQ(Matches("a\\*c", SpecialKeys()), (Keys{"a*c"}));
  EXPECT_EQ(Matches("a\\?c", SpecialKeys()), Keys{});
  EXPECT_EQ(Matches("a\\[c", SpecialKeys()), (Keys{"a[c"}));
  EXPECT_EQ(Matches("a\\\\c", SpecialKeys()), (Keys{"a\\c"}));
}

TEST(GlobMatchTest, BackslashBeforeOrdinaryCharacterMatchesThatCharacter) {
  EXPECT_TRUE(GlobMatch("\\a", "a"));
  EXPECT_FALSE(GlobMatch("\\a", "\\a"));
}

TEST(GlobMatchTest, TrailingBackslashMatchesLiteralBackslash) {
  EXPECT_EQ(Matches("\\", SpecialKeys()), (Keys{"\\"}));
  EXPECT_EQ(Matches("a\\", SpecialKeys()), (Keys{"a\\"}));
}

TEST(GlobMatchTest, EscapesWorkInsideBrackets) {
  EXPECT_EQ(Matches("a[\\]]c", SpecialKeys()), (Keys{"a]c"}));
  EXPECT_EQ(Matches("a[\\^]c", SpecialKeys()), (Keys{"a^c"}));
  EXPECT_EQ(Matches("a[\\-]c", SpecialKeys()), (Keys{"a-c"}));
  // The escape consumes the ']' so this class is unclosed: it holds ']' and 'c'.
  EXPECT_EQ(Matches("a[\\]c", SpecialKeys()), (Keys{"ac"}));
  EXPECT_TRUE(GlobMatch("a[\\]c", "a]"));
}

TEST(GlobMatchTest, OpenBracketInsideBracketIsLiteral) {
  EXPECT_EQ(Matches("a[[]c", SpecialKeys()), (Keys{"a[c"}));
}

TEST(GlobMatchTest, EmptyBracketNeverMatches) {
  EXPECT_EQ(Matches("a[]]c", SpecialKeys()), Keys{});
  EXPECT_EQ(Matches("[]", SpecialKeys()), Keys{});
  EXPECT_EQ(Matches("a[]c", SpecialKeys()), Keys{});
  EXPECT_FALSE(GlobMatch("[]", ""));
}

TEST(GlobMatchTest, NegatedEmptyBracketMatchesAnyOneCharacter) {
  EXPECT_EQ(Matches("a[^]c", SpecialKeys()),
            (Keys{"a*c", "a-c", "aXc", "a[c", "a\\c", "a]c", "a^c", "abc", "axc"}));
}

TEST(GlobMatchTest, UnclosedBracketUsesTheRestOfThePatternAsTheSet) {
  EXPECT_EQ(Matches("a[c", SpecialKeys()), (Keys{"ac"}));
  EXPECT_EQ(Matches("a[bc", SpecialKeys()), (Keys{"ab", "ac"}));
  EXPECT_EQ(Matches("a[", SpecialKeys()), Keys{});
  EXPECT_EQ(Matches("[", SpecialKeys()), Keys{});
  EXPECT_FALSE(GlobMatch("[", "["));
}

TEST(GlobMatchTest, UnclosedNegatedBracketMatchesAnyCharacter) {
  EXPECT_EQ(Matches("a[^", SpecialKeys()), (Keys{"a\\", "ab", "ac"}));
}

TEST(GlobMatchTest, HighBytesCompareAsSignedCharsInRanges) {
  // Redis compares signed chars, so 0xe9 sorts below 'a' and [a-\xe9] is really [\xe9-a].
  const Keys keys = {"-", "a", "b", "z", "\x80", "\xe9"};
  EXPECT_EQ(Matches("[a-\xe9]", keys), (Keys{"-", "a", "\xe9"}));
  EXPECT_EQ(Matches("[\xe9-a]", keys), (Keys{"-", "a", "\xe9"}));
  EXPECT_EQ(Matches("[\x80-\xe9]", keys), (Keys{"\x80", "\xe9"}));
  EXPECT_EQ(Matches("[\xe9-z]", keys), (Keys{"-", "a", "b", "z", "\xe9"}));
}

TEST(GlobMatchTest, MatchesBinaryDataIncludingNulBytes) {
  const std::string text("a\0b", 3);
  EXPECT_TRUE(GlobMatch(std::string_view("a\0b", 3), text));
  EXPECT_TRUE(GlobMatch("a?b", text));
  EXPECT_TRUE(GlobMatch("a*", text));
  EXPECT_FALSE(GlobMatch("ab", text));
  EXPECT_TRUE(GlobMatch(std::string_view("a[\0]b", 5), text));
}

TEST(GlobMatchTest, IsCaseSensitiveByDefault) {
  EXPECT_FALSE(GlobMatch("HELLO", "hello"));
  EXPECT_FALSE(GlobMatch("h[A-Z]llo", "hello"));
}

TEST(GlobMatchTest, NocaseFoldsLiteralsSetsAndRanges) {
  EXPECT_TRUE(GlobMatch("HELLO", "hello", true));
  EXPECT_TRUE(GlobMatch("h?LLO", "HeLlo", true));
  EXPECT_TRUE(GlobMatch("MAXMEMOR[X-Z]", "maxmemory", true));
  EXPECT_TRUE(GlobMatch("h[E]llo", "hello", true));
  EXPECT_FALSE(GlobMatch("maxmemor[^Y]", "maxmemory", true));
  EXPECT_TRUE(GlobMatch("\\H", "h", true));
}

TEST(GlobMatchTest, NocaseDoesNotApplyToEscapesInsideBrackets) {
  // CONFIG GET MAXMEMOR[\Y] finds nothing while MAXMEMOR[\y] finds maxmemory.
  EXPECT_FALSE(GlobMatch("MAXMEMOR[\\Y]", "maxmemory", true));
  EXPECT_TRUE(GlobMatch("MAXMEMOR[\\y]", "maxmemory", true));
}

TEST(GlobMatchTest, NocaseOnlyFoldsAsciiLetters) {
  EXPECT_FALSE(GlobMatch("\xc9", "\xe9", true));
  EXPECT_FALSE(GlobMatch("[", "{", true));
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(GlobMatchTest, ManyStarsAgainstLongTextFailQuickly) {
  const std::string text(5000, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatch("a*a*a*a*a*a*a*a*a*a*b", text));
  EXPECT_FALSE(GlobMatch(Repeat("*a", 30) + "b", text));
  EXPECT_TRUE(GlobMatch(Repeat("*a", 30), text));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(GlobMatchTest, GivesUpBeyondAThousandNestedStars) {
  // Redis stops recursing after 1000 nested '*'; a trailing star does not recurse.
  EXPECT_TRUE(GlobMatch(Repeat("*a", 1000), std::string(1000, 'a')));
  EXPECT_FALSE(GlobMatch(Repeat("*a", 1001), std::string(1001, 'a')));
  EXPECT_TRUE(GlobMatch(Repeat("a*", 1001), std::string(1001, 'a')));
  EXPECT_FALSE(GlobMatch(Repeat("a*", 1002), std::string(1002, 'a')));
}

}  // namespace
}  // namespace petrel::util
