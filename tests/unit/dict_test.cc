#include "petrel/storage/dict.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "petrel/storage/expire_table.h"
#include "petrel/storage/string_value.h"

namespace petrel::storage {
namespace {

std::string Key(int i) { return "key:" + std::to_string(i); }

TEST(Dict, InsertFindDetach) {
  Dict d;
  for (int i = 0; i < 1000; ++i) d.Insert(Key(i));
  EXPECT_EQ(d.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_NE(d.Find(Key(i)), nullptr) << i;
  EXPECT_EQ(d.Find("nope"), nullptr);
  Entry* e = d.Detach(Key(5));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->key(), Key(5));
  FreeEntry(e);
  EXPECT_EQ(d.Find(Key(5)), nullptr);
  EXPECT_EQ(d.size(), 999u);
}

TEST(Dict, BinaryKeys) {
  Dict d;
  const std::string k1("a\0b", 3), k2("a\0c", 3), k3("a\r\n", 3);
  d.Insert(k1);
  d.Insert(k2);
  d.Insert(k3);
  EXPECT_NE(d.Find(k1), d.Find(k2));
  EXPECT_EQ(d.Find(k3)->key(), k3);
  EXPECT_EQ(d.Find(std::string("a", 1)), nullptr);
}

// Every key present for the whole scan is reported, while the table grows between calls.
TEST(Dict, ScanReportsStableKeysWhileTheTableGrows) {
  Dict d;
  for (int i = 0; i < 500; ++i) d.Insert(Key(i));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int added = 0;
  do {
    cursor = d.Scan(cursor, [&](Entry* e) { seen.insert(std::string(e->key())); });
    // Grow faster than the scan advances at first, forcing several resizes mid-scan.
    if (added < 4000) {
      for (int j = 0; j < 40; ++j) d.Insert("new:" + std::to_string(added++));
    }
  } while (cursor != 0);
  EXPECT_GE(d.bucket_count(), 4096u);
  for (int i = 0; i < 500; ++i) EXPECT_TRUE(seen.count(Key(i))) << i;
}

TEST(Dict, ScanReportsStableKeysWhileTheTableShrinks) {
  Dict d;
  for (int i = 0; i < 20000; ++i) d.Insert(Key(i));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int next_delete = 100;  // keys 0..99 stay for the whole scan
  do {
    cursor = d.Scan(cursor, [&](Entry* e) { seen.insert(std::string(e->key())); });
    for (int j = 0; j < 500 && next_delete < 20000; ++j) FreeEntry(d.Detach(Key(next_delete++)));
    d.MaybeShrink();
  } while (cursor != 0);
  EXPECT_LT(d.bucket_count(), 20000u);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.count(Key(i))) << i;
}

TEST(ExpireTable, SetGetEraseWithBackwardShift) {
  Dict d;
  ExpireTable t;
  std::vector<Entry*> entries;
  for (int i = 0; i < 2000; ++i) entries.push_back(d.Insert(Key(i)));
  for (int i = 0; i < 2000; ++i) t.Set(entries[i], 1000 + i);
  EXPECT_EQ(t.size(), 2000u);
  for (int i = 0; i < 2000; i += 2) EXPECT_TRUE(t.Erase(entries[i]));
  EXPECT_FALSE(t.Erase(entries[0]));
  for (int i = 0; i < 2000; ++i) {
    EXPECT_EQ(t.Get(entries[i]), i % 2 == 0 ? -1 : 1000 + i) << i;
  }
  t.MaybeShrink();
  for (int i = 1; i < 2000; i += 2) EXPECT_EQ(t.Get(entries[i]), 1000 + i);
}

TEST(StringValue, EncodingsFollowRedis) {
  Dict d;
  Entry* e = d.Insert("k");
  StoreString(e, "12345");
  EXPECT_EQ(e->value_encoding(), Encoding::kInt);
  IntText scratch;
  EXPECT_EQ(StringBytes(*e, scratch), "12345");
  StoreString(e, "012");
  EXPECT_EQ(e->value_encoding(), Encoding::kEmbstr);
  StoreString(e, std::string(44, 'x'));
  EXPECT_EQ(e->value_encoding(), Encoding::kEmbstr);
  StoreString(e, std::string(45, 'x'));
  EXPECT_EQ(e->value_encoding(), Encoding::kRaw);
  StoreString(e, "abc");
  char* buf = MutableString(e, 6);
  std::memcpy(buf + 3, "def", 3);
  EXPECT_EQ(e->value_encoding(), Encoding::kRaw);
  EXPECT_EQ(StringBytes(*e, scratch), "abcdef");
  StoreInteger(e, -7);
  EXPECT_EQ(StringLength(*e), 2u);
  int64_t v = 0;
  EXPECT_TRUE(StringAsInt(*e, &v));
  EXPECT_EQ(v, -7);
}

}  // namespace
}  // namespace petrel::storage
