// Tests for petrel/util/numbers.h. Expected texts were checked against redis-server 7.0.15
// (INCRBY, INCRBYFLOAT, ZADD/ZSCORE, CONFIG SET maxmemory).
#include "petrel/util/numbers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>

namespace petrel::util {
namespace {

using std::nullopt;
using std::optional;

constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();

// x86-64 long double (64-bit mantissa), which the INCRBYFLOAT texts below depend on.
constexpr bool kX87LongDouble = std::numeric_limits<long double>::digits == 64;

// a + '\0' + b.
std::string JoinWithNul(const std::string& a, const std::string& b) { return a + '\0' + b; }

// ---- ParseInt64 -----------------------------------------------------------------------------

TEST(ParseInt64Test, AcceptsPlainIntegers) {
  EXPECT_EQ(ParseInt64("0"), optional<int64_t>(0));
  EXPECT_EQ(ParseInt64("1"), optional<int64_t>(1));
  EXPECT_EQ(ParseInt64("-1"), optional<int64_t>(-1));
  EXPECT_EQ(ParseInt64("99"), optional<int64_t>(99));
  EXPECT_EQ(ParseInt64("-99"), optional<int64_t>(-99));
  EXPECT_EQ(ParseInt64("1234567890"), optional<int64_t>(1234567890));
}

TEST(ParseInt64Test, AcceptsBothExtremes) {
  EXPECT_EQ(ParseInt64("9223372036854775807"), optional<int64_t>(kMax64));
  EXPECT_EQ(ParseInt64("-9223372036854775808"), optional<int64_t>(kMin64));
}

TEST(ParseInt64Test, RejectsOverflowJustPastEachExtreme) {
  EXPECT_EQ(ParseInt64("9223372036854775808"), nullopt);
  EXPECT_EQ(ParseInt64("-9223372036854775809"), nullopt);
  EXPECT_EQ(ParseInt64("18446744073709551615"), nullopt);
  EXPECT_EQ(ParseInt64("18446744073709551616"), nullopt);
  EXPECT_EQ(ParseInt64("99999999999999999999"), nullopt);
  EXPECT_EQ(ParseInt64("123456789012345678901234567890"), nullopt);
}

TEST(ParseInt64Test, RejectsEmptyAndSignOnly) {
  EXPECT_EQ(ParseInt64(""), nullopt);
  EXPECT_EQ(ParseInt64("-"), nullopt);
  EXPECT_EQ(ParseInt64("+"), nullopt);
}

TEST(ParseInt64Test, RejectsPlusSignAndSpaces) {
  EXPECT_EQ(ParseInt64("+1"), nullopt);
  EXPECT_EQ(ParseInt64(" 1"), nullopt);
  EXPECT_EQ(ParseInt64("1 "), nullopt);
  EXPECT_EQ(ParseInt64("- 1"), nullopt);
  EXPECT_EQ(ParseInt64("\t1"), nullopt);
}

TEST(ParseInt64Test, RejectsLeadingZerosAndNegativeZero) {
  EXPECT_EQ(ParseInt64("01"), nullopt);
  EXPECT_EQ(ParseInt64("00"), nullopt);
  EXPECT_EQ(ParseInt64("-0"), nullopt);
  EXPECT_EQ(ParseInt64("-01"), nullopt);
}

TEST(ParseInt64Test, RejectsNonDigits) {
  EXPECT_EQ(ParseInt64("1.0"), nullopt);
  EXPECT_EQ(ParseInt64("1e3"), nullopt);
  EXPECT_EQ(ParseInt64("0x10"), nullopt);
  EXPECT_EQ(ParseInt64("12a"), nullopt);
  EXPECT_EQ(ParseInt64("--1"), nullopt);
  EXPECT_EQ(ParseInt64("1-"), nullopt);
}

TEST(ParseInt64Test, RejectsEmbeddedNulAndUsesOnlyTheViewLength) {
  EXPECT_EQ(ParseInt64(JoinWithNul("1", "2")), nullopt);
  // Bytes past the view's end are not read.
  const char buf[] = "12345";
  EXPECT_EQ(ParseInt64(std::string_view(buf, 2)), optional<int64_t>(12));
}

TEST(ParseInt64Test, RoundTripsRandomValuesThroughInt64ToString) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 10000; ++i) {
    const int64_t v = static_cast<int64_t>(rng()) >> (rng() % 64);
    EXPECT_EQ(ParseInt64(Int64ToString(v)), optional<int64_t>(v));
  }
}

// ---- ParseUint64 ----------------------------------------------------------------------------

TEST(ParseUint64Test, AcceptsFullUnsignedRange) {
  EXPECT_EQ(ParseUint64("0"), optional<uint64_t>(0));
  EXPECT_EQ(ParseUint64("42"), optional<uint64_t>(42));
  EXPECT_EQ(ParseUint64("9223372036854775808"), optional<uint64_t>(9223372036854775808ULL));
  EXPECT_EQ(ParseUint64("18446744073709551615"),
            optional<uint64_t>(std::numeric_limits<uint64_t>::max()));
}

TEST(ParseUint64Test, RejectsNegativesOverflowAndMalformedText) {
  EXPECT_EQ(ParseUint64("18446744073709551616"), nullopt);
  EXPECT_EQ(ParseUint64("-1"), nullopt);
  EXPECT_EQ(ParseUint64("-0"), nullopt);
  EXPECT_EQ(ParseUint64(""), nullopt);
  EXPECT_EQ(ParseUint64("+1"), nullopt);
  EXPECT_EQ(ParseUint64("01"), nullopt);
  EXPECT_EQ(ParseUint64(" 1"), nullopt);
  EXPECT_EQ(ParseUint64("1 "), nullopt);
}

// ---- FormatInt64 / Int64ToString ------------------------------------------------------------

TEST(FormatInt64Test, WritesDigitsAndReturnsLength) {
  char buf[21];
  std::memset(buf, 'x', sizeof(buf));
  const size_t n = FormatInt64(-9223372036854775807LL - 1, buf);
  EXPECT_EQ(n, 20u);
  EXPECT_EQ(std::string(buf, n), "-9223372036854775808");
  EXPECT_EQ(buf[20], '\0');  // NUL-terminated within the documented 21 bytes.
}

TEST(FormatInt64Test, HandlesEveryDigitCountAndSign) {
  int64_t low = 1;  // Smallest value with `digits` digits.
  for (int digits = 1; digits <= 19; ++digits) {
    const int64_t high = digits == 19 ? kMax64 : low * 10 - 1;
    for (const int64_t v : {low, high, -low, -high}) {
      char buf[21];
      const size_t n = FormatInt64(v, buf);
      EXPECT_EQ(std::string(buf, n), std::to_string(v));
    }
    if (digits < 19) low *= 10;
  }
}

TEST(Int64ToStringTest, MatchesStdToString) {
  for (const int64_t v :
       {int64_t{0}, int64_t{7}, int64_t{-7}, int64_t{10}, int64_t{99}, int64_t{100}, int64_t{-100},
        int64_t{1000000007}, kMax64, kMin64, kMax64 - 1, kMin64 + 1}) {
    EXPECT_EQ(Int64ToString(v), std::to_string(v));
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10000; ++i) {
    const int64_t v = static_cast<int64_t>(rng()) >> (rng() % 64);
    EXPECT_EQ(Int64ToString(v), std::to_string(v));
  }
}

// ---- ParseLongDouble ------------------------------------------------------------------------

TEST(ParseLongDoubleTest, AcceptsDecimalExponentHexAndPlusForms) {
  EXPECT_EQ(ParseLongDouble("10.5"), optional<long double>(10.5L));
  EXPECT_EQ(ParseLongDouble("-3.5"), optional<long double>(-3.5L));
  EXPECT_EQ(ParseLongDouble("5.0e3"), optional<long double>(5000.0L));
  EXPECT_EQ(ParseLongDouble("0x10"), optional<long double>(16.0L));
  EXPECT_EQ(ParseLongDouble("0x1p-2"), optional<long double>(0.25L));
  EXPECT_EQ(ParseLongDouble("+2"), optional<long double>(2.0L));
  EXPECT_EQ(ParseLongDouble(".5"), optional<long double>(0.5L));
  EXPECT_EQ(ParseLongDouble("1."), optional<long double>(1.0L));
}

TEST(ParseLongDoubleTest, RejectsSurroundingSpaceAndTrailingGarbage) {
  EXPECT_EQ(ParseLongDouble(""), nullopt);
  EXPECT_EQ(ParseLongDouble(" 2"), nullopt);
  EXPECT_EQ(ParseLongDouble("\t2"), nullopt);
  EXPECT_EQ(ParseLongDouble("2 "), nullopt);
  EXPECT_EQ(ParseLongDouble("1e"), nullopt);
  EXPECT_EQ(ParseLongDouble("abc"), nullopt);
  EXPECT_EQ(ParseLongDouble("1_0"), nullopt);
  EXPECT_EQ(ParseLongDouble(JoinWithNul("1.5", "1")), nullopt);
}

TEST(ParseLongDoubleTest, RejectsNanButReturnsInfinityForTheCallerToJudge) {
  EXPECT_EQ(ParseLongDouble("nan"), nullopt);
  EXPECT_EQ(ParseLongDouble("-nan"), nullopt);
  const auto inf = ParseLongDouble("inf");
  ASSERT_TRUE(inf.has_value());
  EXPECT_TRUE(std::isinf(*inf) && *inf > 0);
  const auto ninf = ParseLongDouble("-inf");
  ASSERT_TRUE(ninf.has_value());
  EXPECT_TRUE(std::isinf(*ninf) && *ninf < 0);
}

TEST(ParseLongDoubleTest, RejectsOverflowAndUnderflowToZero) {
  EXPECT_EQ(ParseLongDouble("1e5000"), nullopt);
  EXPECT_EQ(ParseLongDouble("-1e5000"), nullopt);
  EXPECT_EQ(ParseLongDouble("1e-5000"), nullopt);
}

TEST(ParseLongDoubleTest, KeepsDenormalResults) {
  if (!kX87LongDouble) GTEST_SKIP() << "needs 80-bit long double";
  const auto v = ParseLongDouble("4e-4940");  // Below LDBL_MIN, above the smallest denormal.
  ASSERT_TRUE(v.has_value());
  EXPECT_GT(*v, 0.0L);
}

TEST(ParseLongDoubleTest, RejectsTextOf5120CharsOrMore) {
  std::string s = "1." + std::string(5000, '0');
  s.resize(5119, '0');
  EXPECT_EQ(ParseLongDouble(s), optional<long double>(1.0L));
  s.push_back('0');
  EXPECT_EQ(ParseLongDouble(s), nullopt);
}

// ---- ParseDouble ----------------------------------------------------------------------------

TEST(ParseDoubleTest, AcceptsCommonForms) {
  EXPECT_EQ(ParseDouble("1"), optional<double>(1.0));
  EXPECT_EQ(ParseDouble("-1.5"), optional<double>(-1.5));
  EXPECT_EQ(ParseDouble("1e20"), optional<double>(1e20));
  EXPECT_EQ(ParseDouble("+0.25"), optional<double>(0.25));
  EXPECT_EQ(ParseDouble("0x10"), optional<double>(16.0));
  EXPECT_EQ(ParseDouble("1.7976931348623157e308"), optional<double>(1.7976931348623157e308));
}

TEST(ParseDoubleTest, AcceptsInfinities) {
  EXPECT_EQ(ParseDouble("inf"), optional<double>(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(ParseDouble("-inf"), optional<double>(-std::numeric_limits<double>::infinity()));
  EXPECT_EQ(ParseDouble("+inf"), optional<double>(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(ParseDouble("Infinity"), optional<double>(std::numeric_limits<double>::infinity()));
}

TEST(ParseDoubleTest, RejectsNanSpacesGarbageAndEmpty) {
  EXPECT_EQ(ParseDouble(""), nullopt);
  EXPECT_EQ(ParseDouble("nan"), nullopt);
  EXPECT_EQ(ParseDouble("NaN"), nullopt);
  EXPECT_EQ(ParseDouble(" 1"), nullopt);
  EXPECT_EQ(ParseDouble("\n1"), nullopt);
  EXPECT_EQ(ParseDouble("1 "), nullopt);
  EXPECT_EQ(ParseDouble("1x"), nullopt);
  EXPECT_EQ(ParseDouble("e1"), nullopt);
  EXPECT_EQ(ParseDouble(JoinWithNul("2", "5")), nullopt);
}

TEST(ParseDoubleTest, RejectsRangeErrorsThatOverflowOrFlushToZero) {
  EXPECT_EQ(ParseDouble("1e309"), nullopt);
  EXPECT_EQ(ParseDouble("-1e309"), nullopt);
  EXPECT_EQ(ParseDouble("1e-400"), nullopt);
  const auto denormal = ParseDouble("4e-320");
  ASSERT_TRUE(denormal.has_value());
  EXPECT_GT(*denormal, 0.0);
}

TEST(ParseDoubleTest, ParsesLongInputsWithoutTruncating) {
  const std::string s = "0." + std::string(300, '0') + "1";
  EXPECT_EQ(ParseDouble(s), optional<double>(1e-301));
  const std::string bad = std::string(300, '1') + "z";
  EXPECT_EQ(ParseDouble(bad), nullopt);
}

TEST(ParseDoubleTest, ReadsOnlyTheViewBytes) {
  const char buf[] = "12.5";
  EXPECT_EQ(ParseDouble(std::string_view(buf, 2)), optional<double>(12.0));
}

// ---- LongDoubleToHuman (INCRBYFLOAT replies) ------------------------------------------------

// a + b printed as INCRBYFLOAT prints it.
std::string AddHuman(const char* a, const char* b) {
  const auto x = ParseLongDouble(a);
  const auto y = ParseLongDouble(b);
  if (!x || !y) return "<parse error>";
  return LongDoubleToHuman(*x + *y);
}

TEST(LongDoubleToHumanTest, MatchesRedisIncrbyfloatResults) {
  if (!kX87LongDouble) GTEST_SKIP() << "needs 80-bit long double";
  EXPECT_EQ(AddHuman("10.5", "0.1"), "10.6");
  EXPECT_EQ(AddHuman("10.6", "5.0e3"), "5010.60000000000000009");
  EXPECT_EQ(AddHuman("3.0e3", "0.1"), "3000.10000000000000009");
  EXPECT_EQ(AddHuman("0.1", "0.2"), "0.3");
  EXPECT_EQ(AddHuman("1.1", "2.2"), "3.3");
  EXPECT_EQ(AddHuman("1e17", "1"), "100000000000000001");
  EXPECT_EQ(AddHuman("5", "-5.0000000001"), "-0.0000000001");
  EXPECT_EQ(AddHuman("12345678.9", "0.01"), "12345678.90999999999985448");
  EXPECT_EQ(AddHuman("0", "1.23456789012345678"), "1.23456789012345678");
  EXPECT_EQ(AddHuman("0", "0.00000000000000001"), "0.00000000000000001");
  EXPECT_EQ(AddHuman("0", "3.0000000000000000001"), "3");
}

TEST(LongDoubleToHumanTest, StripsTrailingZerosAndDot) {
  EXPECT_EQ(LongDoubleToHuman(1500.0L), "1500");
  EXPECT_EQ(LongDoubleToHuman(-3.5L), "-3.5");
  EXPECT_EQ(LongDoubleToHuman(0.25L), "0.25");
  EXPECT_EQ(LongDoubleToHuman(100.0L), "100");  // Integer zeros before the dot stay.
  EXPECT_EQ(LongDoubleToHuman(1e20L), "100000000000000000000");
}

TEST(LongDoubleToHumanTest, PrintsTinyAndNegativeZeroValuesAsZero) {
  EXPECT_EQ(LongDoubleToHuman(0.0L), "0");
  EXPECT_EQ(LongDoubleToHuman(-0.0L), "0");
  EXPECT_EQ(LongDoubleToHuman(1e-20L), "0");
  EXPECT_EQ(LongDoubleToHuman(-1e-18L), "0");
  EXPECT_EQ(LongDoubleToHuman(-0.5e-17L), "0");
}

TEST(LongDoubleToHumanTest, PrintsInfinitiesByName) {
  EXPECT_EQ(LongDoubleToHuman(std::numeric_limits<long double>::infinity()), "inf");
  EXPECT_EQ(LongDoubleToHuman(-std::numeric_limits<long double>::infinity()), "-inf");
}

TEST(LongDoubleToHumanTest, PrintsHugeValuesInFull) {
  if (!kX87LongDouble) GTEST_SKIP() << "needs 80-bit long double";
  const std::string big = LongDoubleToHuman(*ParseLongDouble("1e300"));
  EXPECT_EQ(big.size(), 301u);
  EXPECT_EQ(big.substr(0, 30), "100000000000000000000899732407");
  const std::string huge = LongDoubleToHuman(*ParseLongDouble("1e4000"));
  EXPECT_EQ(huge.size(), 4000u);
  EXPECT_EQ(huge.substr(0, 30), "999999999999999999996546387309");
}

// ---- DoubleToString -------------------------------------------------------------------------

TEST(DoubleToStringTest, UsesSeventeenSignificantDigitsLikeZscore) {
  EXPECT_EQ(DoubleToString(1.0), "1");
  EXPECT_EQ(DoubleToString(-1.0), "-1");
  EXPECT_EQ(DoubleToString(0.1), "0.10000000000000001");
  EXPECT_EQ(DoubleToString(3.14159), "3.1415899999999999");
  EXPECT_EQ(DoubleToString(1e20), "1e+20");
  EXPECT_EQ(DoubleToString(1e17), "1e+17");
  EXPECT_EQ(DoubleToString(1.5e300), "1.5000000000000001e+300");
  EXPECT_EQ(DoubleToString(12345678901234567.0), "12345678901234568");
  EXPECT_EQ(DoubleToString(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(DoubleToString(1e-7), "9.9999999999999995e-08");
  EXPECT_EQ(DoubleToString(-0.000001), "-9.9999999999999995e-07");
}

TEST(DoubleToStringTest, PrintsInfinitiesAndSignedZero) {
  EXPECT_EQ(DoubleToString(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(DoubleToString(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(DoubleToString(0.0), "0");
  EXPECT_EQ(DoubleToString(-0.0), "-0");  // Skiplist ZSCORE shows "-0"; callers may normalise.
}

TEST(DoubleToStringTest, RoundTripsThroughParseDouble) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> dist(-1e6, 1e6);
  for (int i = 0; i < 2000; ++i) {
    const double v = dist(rng);
    EXPECT_EQ(ParseDouble(DoubleToString(v)), optional<double>(v));
  }
}

// ---- ParseMemory ----------------------------------------------------------------------------

TEST(ParseMemoryTest, AcceptsPlainBytes) {
  EXPECT_EQ(ParseMemory("0"), optional<int64_t>(0));
  EXPECT_EQ(ParseMemory("42"), optional<int64_t>(42));
  EXPECT_EQ(ParseMemory("42b"), optional<int64_t>(42));
  EXPECT_EQ(ParseMemory("01k"), optional<int64_t>(1000));
}

TEST(ParseMemoryTest, DistinguishesDecimalAndBinaryUnits) {
  EXPECT_EQ(ParseMemory("100k"), optional<int64_t>(100000));
  EXPECT_EQ(ParseMemory("100kb"), optional<int64_t>(102400));
  EXPECT_EQ(ParseMemory("3m"), optional<int64_t>(3000000));
  EXPECT_EQ(ParseMemory("512mb"), optional<int64_t>(512LL * 1024 * 1024));
  EXPECT_EQ(ParseMemory("2g"), optional<int64_t>(2000000000));
  EXPECT_EQ(ParseMemory("1gb"), optional<int64_t>(1073741824));
}

TEST(ParseMemoryTest, UnitsAreCaseInsensitive) {
  EXPECT_EQ(ParseMemory("1GB"), optional<int64_t>(1073741824));
  EXPECT_EQ(ParseMemory("2Gb"), optional<int64_t>(2147483648LL));
  EXPECT_EQ(ParseMemory("1kB"), optional<int64_t>(1024));
  EXPECT_EQ(ParseMemory("5M"), optional<int64_t>(5000000));
  EXPECT_EQ(ParseMemory("7B"), optional<int64_t>(7));
}

TEST(ParseMemoryTest, AcceptsNegativeNumbers) {
  EXPECT_EQ(ParseMemory("-1"), optional<int64_t>(-1));
  EXPECT_EQ(ParseMemory("-2kb"), optional<int64_t>(-2048));
}

TEST(ParseMemoryTest, RejectsMalformedText) {
  EXPECT_EQ(ParseMemory(""), nullopt);
  EXPECT_EQ(ParseMemory("-"), nullopt);
  EXPECT_EQ(ParseMemory("kb"), nullopt);
  EXPECT_EQ(ParseMemory("+1"), nullopt);
  EXPECT_EQ(ParseMemory(" 1"), nullopt);
  EXPECT_EQ(ParseMemory("1 gb"), nullopt);
  EXPECT_EQ(ParseMemory("1.5gb"), nullopt);
  EXPECT_EQ(ParseMemory("1e3"), nullopt);
  EXPECT_EQ(ParseMemory("1t"), nullopt);
  EXPECT_EQ(ParseMemory("1gbb"), nullopt);
  EXPECT_EQ(ParseMemory("1bb"), nullopt);
  EXPECT_EQ(ParseMemory("1mbx"), nullopt);
}

TEST(ParseMemoryTest, RejectsValuesOutsideInt64) {
  EXPECT_EQ(ParseMemory("9223372036854775807"), optional<int64_t>(kMax64));
  EXPECT_EQ(ParseMemory("-9223372036854775808"), optional<int64_t>(kMin64));
  EXPECT_EQ(ParseMemory("9223372036854775808"), nullopt);
  EXPECT_EQ(ParseMemory("99999999999999999999"), nullopt);
  EXPECT_EQ(ParseMemory("8589934592gb"), nullopt);  // 2^33 GiB = 2^63 bytes.
  EXPECT_EQ(ParseMemory("-8589934592gb"), optional<int64_t>(kMin64));
  EXPECT_EQ(ParseMemory("9999999999gb"), nullopt);
}

}  // namespace
}  // namespace petrel::util
