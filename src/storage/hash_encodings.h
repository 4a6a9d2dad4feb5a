// The two hash encodings behind storage/hash.h. Internal to src/storage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <span>
#include <string_view>

namespace petrel::storage::hash {

using Visitor = std::function<void(std::string_view, std::string_view)>;

// A flat buffer: [uint32 used bytes][uint32 pairs] then field, value, field, value... each as a
// varint length and its bytes. Lookups scan it; it is only used while small.
class Listpack {
 public:
  static char* Create();
  // A buffer holding `pairs` in order, in one allocation (no duplicate check).
  static char* Build(std::span<const std::pair<std::string_view, std::string_view>> pairs);
  static void Destroy(char* lp);
  static uint32_t Pairs(const char* lp);
  static std::optional<std::string_view> Get(const char* lp, std::string_view field);
  // Returns the (possibly moved) buffer; *added says whether the field was new.
  static char* Set(char* lp, std::string_view field, std::string_view value, bool* added);
  static char* Delete(char* lp, std::string_view field, bool* deleted);
  static void ForEach(const char* lp, const Visitor& fn);
  static std::pair<std::string_view, std::string_view> At(const char* lp, uint32_t index);
  static size_t Bytes(const char* lp);
};

// Chained buckets of FieldEntry {next, field length, value length, field bytes, value bytes}.
class FieldTable {
 public:
  FieldTable() = default;
  FieldTable(const FieldTable&) = delete;
  FieldTable& operator=(const FieldTable&) = delete;
  ~FieldTable();

  size_t size() const { return size_; }
  std::optional<std::string_view> Get(std::string_view field) const;
  bool Set(std::string_view field, std::string_view value);  // true when new
  bool Delete(std::string_view field);
  void ForEach(const Visitor& fn) const;
  uint64_t ScanStep(uint64_t cursor, const Visitor& fn) const;
  std::pair<std::string_view, std::string_view> Random(std::mt19937_64& rng) const;
  size_t Bytes() const;

 private:
  struct FieldEntry;
  FieldEntry** Find(std::string_view field) const;
  void Resize(size_t buckets);

  FieldEntry** buckets_ = nullptr;
  size_t bucket_count_ = 0;
  size_t size_ = 0;
};

}  // namespace petrel::storage::hash
