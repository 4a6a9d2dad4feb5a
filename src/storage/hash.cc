#include "petrel/storage/hash.h"

#include <algorithm>
#include <vector>

#include "hash_encodings.h"

namespace petrel::storage::hash {
namespace {

bool IsListpack(const Entry& e) { return e.value_encoding() == Encoding::kListpack; }
char* Lp(const Entry& e) { return static_cast<char*>(e.v.hash); }
FieldTable* Table(const Entry& e) { return static_cast<FieldTable*>(e.v.hash); }
void SetLp(Entry* e, char* lp) { e->v.hash = lp; }

void ConvertToTable(Entry* e) {
  auto* table = new FieldTable();
  Listpack::ForEach(Lp(*e), [&](std::string_view f, std::string_view v) { table->Set(f, v); });
  Listpack::Destroy(Lp(*e));
  e->v.hash = table;
  e->encoding = static_cast<uint32_t>(Encoding::kHashtable);
}

}  // namespace

// Makes `e` a hash held in the listpack `lp`.
void AdoptListpack(Entry* e, char* lp) {
  ClearValue(e);
  e->type = static_cast<uint32_t>(ValueType::kHash);
  e->encoding = static_cast<uint32_t>(Encoding::kListpack);
  e->inline_str = 0;
  SetLp(e, lp);
}

void Init(Entry* e) { AdoptListpack(e, Listpack::Create()); }

void InitForSize(Entry* e, size_t fields, const Limits& limits) {
  Init(e);
  if (fields > limits.max_listpack_entries) ConvertToTable(e);
}

namespace {

// Whether a field repeats: pairwise for the few fields of a small listpack (length and last
// byte first, which settle almost every pair without a memcmp), by sorting beyond.
bool HasDuplicateField(std::span<const Pair> pairs) {
  constexpr size_t kPairwise = 32;
  if (pairs.size() <= kPairwise) {
    for (size_t i = 1; i < pairs.size(); ++i) {
      const std::string_view f = pairs[i].first;
      for (size_t j = 0; j < i; ++j) {
        const std::string_view g = pairs[j].first;
        if (g.size() == f.size() && (f.empty() || g.back() == f.back()) && g == f) return true;
      }
    }
    return false;
  }
  std::vector<std::string_view> fields;
  fields.reserve(pairs.size());
  for (const Pair& p : pairs) fields.push_back(p.first);
  std::sort(fields.begin(), fields.end());
  return std::adjacent_find(fields.begin(), fields.end()) != fields.end();
}

}  // namespace

bool InitFromPairs(Entry* e, std::span<const Pair> pairs, const Limits& limits) {
  const bool small = pairs.size() <= limits.max_listpack_entries &&
                     std::all_of(pairs.begin(), pairs.end(), [&](const Pair& p) {
                       return p.first.size() <= limits.max_listpack_value &&
                              p.second.size() <= limits.max_listpack_value;
                     });
  if (!small) {
    InitForSize(e, pairs.size(), limits);
    for (const Pair& p : pairs) {
      if (!Set(e, p.first, p.second, limits)) return false;
    }
    return true;
  }
  if (HasDuplicateField(pairs)) {
    Init(e);
    return false;
  }
  AdoptListpack(e, Listpack::Build(pairs));
  return true;
}

void Free(Entry* e) {
  if (IsListpack(*e)) {
    Listpack::Destroy(Lp(*e));
  } else {
    delete Table(*e);
  }
  e->v.hash = nullptr;
}

size_t Length(const Entry& e) {
  return IsListpack(e) ? Listpack::Pairs(Lp(e)) : Table(e)->size();
}

std::optional<std::string_view> Get(const Entry& e, std::string_view field) {
  return IsListpack(e) ? Listpack::Get(Lp(e), field) : Table(e)->Get(field);
}

void ConvertForLengths(Entry* e, std::initializer_list<size_t> lengths, const Limits& limits) {
  if (!IsListpack(*e)) return;
  for (size_t n : lengths) {
    if (n > limits.max_listpack_value) {
      ConvertToTable(e);
      return;
    }
  }
}

bool Set(Entry* e, std::string_view field, std::string_view value, const Limits& limits) {
  ConvertForLengths(e, {field.size(), value.size()}, limits);
  if (!IsListpack(*e)) return Table(*e)->Set(field, value);
  bool added = false;
  SetLp(e, Listpack::Set(Lp(*e), field, value, &added));
  if (Listpack::Pairs(Lp(*e)) > limits.max_listpack_entries) ConvertToTable(e);
  return added;
}

bool Delete(Entry* e, std::string_view field) {
  if (!IsListpack(*e)) return Table(*e)->Delete(field);
  bool deleted = false;
  SetLp(e, Listpack::Delete(Lp(*e), field, &deleted));
  return deleted;
}

void ForEach(const Entry& e, const std::function<void(std::string_view, std::string_view)>& fn) {
  if (IsListpack(e)) {
    Listpack::ForEach(Lp(e), fn);
  } else {
    Table(e)->ForEach(fn);
  }
}

uint64_t ScanStep(const Entry& e, uint64_t cursor,
                  const std::function<void(std::string_view, std::string_view)>& fn) {
  if (IsListpack(e)) {
    Listpack::ForEach(Lp(e), fn);
    return 0;
  }
  return Table(e)->ScanStep(cursor, fn);
}

Pair Random(const Entry& e, std::mt19937_64& rng) {
  if (IsListpack(e)) {
    return Listpack::At(Lp(e), static_cast<uint32_t>(rng() % Listpack::Pairs(Lp(e))));
  }
  return Table(e)->Random(rng);
}

size_t MemoryBytes(const Entry& e) {
  return IsListpack(e) ? Listpack::Bytes(Lp(e)) : Table(e)->Bytes();
}

}  // namespace petrel::storage::hash
