// AofManifest: Redis 7.0's manifest text, parsed and written back, and the file names and
// sequence numbers of new base and incremental files. Errors are Redis's wording.
#include "petrel/persistence/aof_manifest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace petrel::persistence {
namespace {

// As redis-server 7.0 writes it on start with appendonly yes.
constexpr std::string_view kRedisManifest =
    "file appendonly.aof.1.base.rdb seq 1 type b\n"
    "file appendonly.aof.1.incr.aof seq 1 type i\n";

AofManifest MustParse(std::string_view text) {
  std::string error;
  auto m = AofManifest::Parse(text, &error);
  EXPECT_TRUE(m) << error;
  return m ? *m : AofManifest();
}

// The error for `text`, or "parsed" when it parses.
std::string ParseError(std::string_view text) {
  std::string error;
  return AofManifest::Parse(text, &error) ? "parsed" : error;
}

TEST(AofManifest, ParsesRedisManifestAndWritesItBackTheSame) {
  const AofManifest m = MustParse(kRedisManifest);
  ASSERT_TRUE(m.base());
  EXPECT_EQ(m.base()->name, "appendonly.aof.1.base.rdb");
  EXPECT_EQ(m.base()->seq, 1);
  EXPECT_EQ(m.base()->type, 'b');
  ASSERT_EQ(m.incrs().size(), 1u);
  EXPECT_EQ(m.incrs()[0].name, "appendonly.aof.1.incr.aof");
  EXPECT_EQ(m.incrs()[0].type, 'i');
  EXPECT_TRUE(m.history().empty());
  EXPECT_FALSE(m.empty());
  EXPECT_EQ(m.Format(), kRedisManifest);
}

TEST(AofManifest, NewFilesContinueTheSequences) {
  AofManifest m = MustParse(
      "file appendonly.aof.3.base.aof seq 3 type b\n"
      "file appendonly.aof.5.incr.aof seq 5 type i\n"
      "file appendonly.aof.6.incr.aof seq 6 type i\n");
  EXPECT_EQ(m.NewIncr("appendonly.aof"), "appendonly.aof.7.incr.aof");
  // A rewrite keeping the file written to now: the old base and the other incrs become history.
  EXPECT_EQ(m.NewBase("appendonly.aof", true, 1), "appendonly.aof.4.base.rdb");
  EXPECT_EQ(m.base()->seq, 4);
  EXPECT_EQ(m.base()->type, 'b');
  ASSERT_EQ(m.incrs().size(), 1u);
  EXPECT_EQ(m.incrs()[0].name, "appendonly.aof.7.incr.aof");
  std::multiset<std::string> history;
  for (const AofFileInfo& f : m.history()) {
    EXPECT_EQ(f.type, 'h') << f.name;
    history.insert(f.name + " " + std::to_string(f.seq));
  }
  EXPECT_EQ(history, (std::multiset<std::string>{"appendonly.aof.3.base.aof 3",
                                                 "appendonly.aof.5.incr.aof 5",
                                                 "appendonly.aof.6.incr.aof 6"}));
  // What is written parses back to the same manifest, history included.
  const std::string text = m.Format();
  EXPECT_EQ(MustParse(text).Format(), text);
  EXPECT_NE(text.find("file appendonly.aof.3.base.aof seq 3 type h\n"), std::string::npos);
  m.ClearHistory();
  EXPECT_EQ(m.Format(),
            "file appendonly.aof.4.base.rdb seq 4 type b\n"
            "file appendonly.aof.7.incr.aof seq 7 type i\n");
}

TEST(AofManifest, FromNothing) {
  AofManifest m;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.NewBase("appendonly.aof", false, 0), "appendonly.aof.1.base.aof");
  EXPECT_TRUE(m.history().empty());
  EXPECT_EQ(m.NewIncr("appendonly.aof"), "appendonly.aof.1.incr.aof");
  EXPECT_EQ(m.Format(), std::string("file appendonly.aof.1.base.aof seq 1 type b\n") +
                            "file appendonly.aof.1.incr.aof seq 1 type i\n");
  // keep_incrs 0: every incremental file goes to history.
  EXPECT_EQ(m.NewBase("appendonly.aof", true, 0), "appendonly.aof.2.base.rdb");
  EXPECT_TRUE(m.incrs().empty());
  EXPECT_EQ(m.history().size(), 2u);
  // The next incremental file still takes a new number (never reuses a deleted file's name).
  EXPECT_EQ(m.NewIncr("appendonly.aof"), "appendonly.aof.2.incr.aof");
}

TEST(AofManifest, AdoptsALegacyFileAsBase) {
  AofManifest m;
  m.AdoptLegacyBase("appendonly.aof");
  EXPECT_EQ(m.NewIncr("appendonly.aof"), "appendonly.aof.1.incr.aof");
  EXPECT_EQ(m.Format(),
            "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
  EXPECT_EQ(m.NewBase("appendonly.aof", true, 1), "appendonly.aof.2.base.rdb");
}

TEST(AofManifest, QuotedNamesRoundTrip) {
  const AofManifest m = MustParse(
      "file \"my file.aof\" seq 1 type b\n"
      "file \"say \\\"hi\\\"\" seq 2 type i\n");
  EXPECT_EQ(m.base()->name, "my file.aof");
  EXPECT_EQ(m.incrs()[0].name, "say \"hi\"");
  EXPECT_EQ(m.Format(),
            "file \"my file.aof\" seq 1 type b\n"
            "file \"say \\\"hi\\\"\" seq 2 type i\n");
  // Control and non-ASCII bytes are escaped (as sdscatrepr does): one line per file.
  for (std::string name : {"tab\there", "it's", "new\nline", "cr\rx", "bell\a", "caf\xc3\xa9"}) {
    AofManifest one;
    one.AdoptLegacyBase(name);
    const std::string text = one.Format();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    std::string error;
    auto back = AofManifest::Parse(text, &error);
    EXPECT_TRUE(back && back->base() && back->base()->name == name)
        << "name " << ::testing::PrintToString(name) << " written as "
        << ::testing::PrintToString(text) << ": " << error;
  }
  AofManifest newline;
  newline.AdoptLegacyBase("a\nb");
  EXPECT_EQ(newline.Format(), "file \"a\\nb\" seq 1 type b\n");
}

TEST(AofManifest, CommentsAndLineEndings) {
  const AofManifest m = MustParse(
      "# written by hand\n"
      "file appendonly.aof.1.base.rdb seq 1 type b\r\n"
      "#file appendonly.aof.9.incr.aof seq 9 type i\n"
      "file appendonly.aof.1.incr.aof seq 1 type i   \n"
      "file appendonly.aof.2.incr.aof seq 2 type i startoffset 0");  // unknown keys, no newline
  EXPECT_EQ(m.base()->name, "appendonly.aof.1.base.rdb");
  ASSERT_EQ(m.incrs().size(), 2u);
  EXPECT_EQ(m.incrs()[1].name, "appendonly.aof.2.incr.aof");
  // Blank lines are skipped (Redis 7.0 refuses them; Petrel never writes any).
  EXPECT_EQ(MustParse("\nfile a seq 1 type b\n\n  \nfile b seq 1 type i\n").incrs().size(), 1u);
  // Keys in any order.
  EXPECT_EQ(MustParse("type b seq 4 file x\n").base()->name, "x");
}

TEST(AofManifest, InvalidLines) {
  EXPECT_EQ(ParseError("file a seq 1\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("file a type i\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("seq 1 type i\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("file a seq 1 type\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("file a seq x type i\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("file a seq 0 type i\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("file a seq 1 type z\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("file \"a seq 1 type i\n"), "Invalid AOF manifest file format");
  EXPECT_EQ(ParseError("file a seq 1 type b\nfile b seq 2 type b\n"),
            "Found duplicate base file information");
  EXPECT_EQ(ParseError("file a seq 2 type i\nfile b seq 2 type i\n"),
            "Found a non-monotonic sequence number");
  EXPECT_EQ(ParseError("file a seq 3 type i\nfile b seq 1 type i\n"),
            "Found a non-monotonic sequence number");
  // History entries do not take part in the order.
  EXPECT_EQ(ParseError("file a seq 3 type i\nfile h seq 1 type h\nfile b seq 4 type i\n"),
            "parsed");
}

// Redis refuses a manifest naming anything but a file of the AOF directory: the names are
// opened, and history files deleted, under that directory.
TEST(AofManifest, NamesMustBeFileNamesNotPaths) {
  EXPECT_EQ(ParseError("file ../dump.rdb seq 1 type h\n"), "File can't be a path, just a filename");
  EXPECT_EQ(ParseError("file /etc/passwd seq 1 type b\n"), "File can't be a path, just a filename");
  EXPECT_EQ(ParseError("file \"a\\\\b\" seq 1 type i\n"), "File can't be a path, just a filename");
}

// A manifest file with nothing in it is damage (Redis: "Found an empty AOF manifest"), not a
// server without AOF files, which would then write a new base over appendonly.aof.1.base.*.
TEST(AofManifest, EmptyTextIsAnError) { EXPECT_EQ(ParseError(""), "Found an empty AOF manifest"); }

}  // namespace
}  // namespace petrel::persistence
