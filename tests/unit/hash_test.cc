#include "petrel/storage/hash.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "petrel/storage/dict.h"

namespace petrel::storage {
namespace {

// Runs the same random operations against a hash and a std::map, in both encodings.
void CheckAgainstModel(const hash::Limits& limits, int fields, int value_len) {
  Dict d;
  Entry* e = d.Insert("h");
  hash::Init(e);
  std::map<std::string, std::string> model;
  std::mt19937 rng(42);
  for (int i = 0; i < 5000; ++i) {
    std::string f = "f" + std::to_string(rng() % fields);
    if (rng() % 3 == 0) {
      EXPECT_EQ(hash::Delete(e, f), model.erase(f) == 1);
    } else {
      std::string v(rng() % value_len, static_cast<char>('a' + rng() % 26));
      const bool added = hash::Set(e, f, v, limits);
      EXPECT_EQ(added, model.count(f) == 0);
      model[f] = v;
    }
    ASSERT_EQ(hash::Length(*e), model.size());
  }
  for (const auto& [f, v] : model) EXPECT_EQ(hash::Get(*e, f), std::optional<std::string_view>(v));
  EXPECT_FALSE(hash::Get(*e, "missing"));
  size_t seen = 0;
  hash::ForEach(*e, [&](std::string_view f, std::string_view v) {
    ++seen;
    EXPECT_EQ(model.at(std::string(f)), v);
  });
  EXPECT_EQ(seen, model.size());
  FreeEntry(d.Detach("h"));
}

TEST(Hash, ListpackMatchesAModel) {
  CheckAgainstModel({1000, 1000}, 50, 40);
}

TEST(Hash, HashtableMatchesAModel) {
  CheckAgainstModel({4, 8}, 300, 20);
}

TEST(Hash, ConvertsPastTheLimitsAndKeepsInsertionOrderWhileSmall) {
  Dict d;
  Entry* e = d.Insert("h");
  hash::Init(e);
  const hash::Limits limits{3, 5};
  hash::Set(e, "b", "1", limits);
  hash::Set(e, "a", "2", limits);
  hash::Set(e, "c", "3", limits);
  EXPECT_EQ(e->value_encoding(), Encoding::kListpack);
  std::string order;
  hash::ForEach(*e, [&](std::string_view f, std::string_view) { order += f; });
  EXPECT_EQ(order, "bac");
  hash::Set(e, "a", "22", limits);  // an update keeps the position
  order.clear();
  hash::ForEach(*e, [&](std::string_view f, std::string_view) { order += f; });
  EXPECT_EQ(order, "bac");
  hash::Set(e, "d", "4", limits);  // a fourth field passes the entries limit
  EXPECT_EQ(e->value_encoding(), Encoding::kHashtable);
  EXPECT_EQ(hash::Get(*e, "a"), std::optional<std::string_view>("22"));

  Entry* v = d.Insert("v");
  hash::Init(v);
  hash::Set(v, "f", "123456", limits);  // a value longer than 5 bytes
  EXPECT_EQ(v->value_encoding(), Encoding::kHashtable);
}

TEST(Hash, ScanVisitsEveryFieldOfATable) {
  Dict d;
  Entry* e = d.Insert("h");
  hash::Init(e);
  for (int i = 0; i < 1000; ++i) hash::Set(e, "f" + std::to_string(i), "v", {16, 64});
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  do {
    cursor = hash::ScanStep(*e, cursor, [&](std::string_view f, std::string_view) {
      ++seen[std::string(f)];
    });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace petrel::storage
