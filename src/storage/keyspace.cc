#include "petrel/storage/keyspace.h"

#include <malloc.h>

#include <chrono>

namespace petrel::storage {
namespace {

constexpr uint32_t kLruMax = (1u << 24) - 1;
constexpr int kKeysPerExpireStep = 20;  // keys examined between budget checks
// Keep sampling a database while more than this share of the sampled keys had expired.
constexpr int kAcceptableStalePercent = 10;

int64_t MonotonicUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Keyspace::Keyspace(int databases, const util::Clock& clock) : clock_(clock), dbs_(databases) {
  UpdateLruClock();
}

void Keyspace::UpdateLruClock() {
  lru_clock_ = static_cast<uint32_t>(clock_.NowMs() / 1000) & kLruMax;
}

int64_t Keyspace::IdleMs(const Entry* e) const {
  uint32_t now = LruClock();
  uint32_t then = e->lru;
  uint32_t idle = now >= then ? now - then : (kLruMax - then) + now;
  return static_cast<int64_t>(idle) * 1000;
}

bool Keyspace::IsExpired(int db, const Entry* e) const {
  if (!e->has_ttl || loading_ || primary_access_) return false;
  return dbs_[db].expires.Get(e) <= clock_.NowMs();
}

Entry* Keyspace::Find(int db, std::string_view key, Lookup mode) {
  Database& d = dbs_[db];
  Entry* e = d.dict.Find(key);
  if (e != nullptr && e->has_ttl && !loading_ && !primary_access_ &&
      d.expires.Get(e) <= clock_.NowMs()) {
    // A replica keeps it for its primary's DEL, unless a client writes it (writable replica).
    if ((!replica_mode_ && !expiry_paused_) || mode == Lookup::kWrite) DeleteExpired(db, e);
    e = nullptr;
  }
  if (mode == Lookup::kRead) {
    if (e != nullptr) {
      ++stats_.keyspace_hits;
    } else {
      ++stats_.keyspace_misses;
      if (on_read_miss) on_read_miss(db, key);
    }
  }
  if (e != nullptr && mode != Lookup::kNoTouch) e->lru = LruClock();
  return e;
}

Entry* Keyspace::Add(int db, std::string_view key) {
  Entry* e = dbs_[db].dict.Insert(key);
  e->lru = LruClock();
  if (on_added) on_added(db, key);
  return e;
}

Entry* Keyspace::AddIfAbsent(int db, std::string_view key) {
  Entry* e = dbs_[db].dict.TryInsert(key);
  if (e == nullptr) return nullptr;
  e->lru = LruClock();
  if (on_added) on_added(db, key);
  return e;
}

bool Keyspace::Delete(int db, std::string_view key) {
  Database& d = dbs_[db];
  Entry* e = d.dict.Detach(key);
  if (e == nullptr) return false;
  bool live = true;
  if (e->has_ttl) {
    live = d.expires.Get(e) > clock_.NowMs();
    d.expires.Erase(e);
  }
  FreeEntry(e);
  return live;
}

void Keyspace::Relocate(int from_db, Entry* e, int to_db, std::string_view to_key) {
  Database& from = dbs_[from_db];
  int64_t when = e->has_ttl ? from.expires.Get(e) : -1;
  Entry* detached = from.dict.Detach(e->key());
  if (e->has_ttl) from.expires.Erase(e);
  Entry* moved = dbs_[to_db].dict.Insert(to_key);
  // Transfer the value by copying the union and the value bits; the old entry gives it up.
  moved->v = detached->v;
  moved->type = detached->type;
  moved->encoding = detached->encoding;
  moved->inline_str = detached->inline_str;
  moved->lru = detached->lru;
  moved->has_ttl = 0;
  detached->type = static_cast<uint32_t>(ValueType::kString);
  detached->inline_str = 1;
  detached->has_ttl = 0;
  FreeEntry(detached);
  if (when >= 0) SetExpire(to_db, moved, when);
}

int64_t Keyspace::GetExpire(int db, const Entry* e) const {
  return e->has_ttl ? dbs_[db].expires.Get(e) : -1;
}

void Keyspace::SetExpire(int db, Entry* e, int64_t when_ms) {
  dbs_[db].expires.Set(e, when_ms);
  e->has_ttl = 1;
}

bool Keyspace::RemoveExpire(int db, Entry* e) {
  if (!e->has_ttl) return false;
  dbs_[db].expires.Erase(e);
  e->has_ttl = 0;
  return true;
}

void Keyspace::DeleteExpired(int db, Entry* e) {
  ++stats_.expired_keys;
  if (on_expired) on_expired(db, e->key());
  Database& d = dbs_[db];
  d.expires.Erase(e);
  d.dict.Detach(e->key());
  FreeEntry(e);
}

void Keyspace::FlushDb(int db) {
  dbs_[db].expires.Clear();
  dbs_[db].dict.Clear();
  dbs_[db].expire_cursor = 0;
  ReleaseFreeMemory();
}

void Keyspace::FlushAll() {
  for (int i = 0; i < count(); ++i) {
    dbs_[i].expires.Clear();
    dbs_[i].dict.Clear();
    dbs_[i].expire_cursor = 0;
  }
  ReleaseFreeMemory();
}

void Keyspace::Swap(int a, int b) { std::swap(dbs_[a], dbs_[b]); }

size_t Keyspace::TotalKeys() const {
  size_t n = 0;
  for (const Database& d : dbs_) n += d.dict.size();
  return n;
}

size_t Keyspace::ActiveExpireCycle(int64_t budget_us) {
  if (replica_mode_ || expiry_paused_) return 0;  // the primary's DELs do it, or a pause holds
  const int64_t start = MonotonicUs();
  const int64_t now = clock_.NowMs();
  size_t reclaimed = 0;
  bool out_of_time = false;
  for (int db = 0; db < count() && !out_of_time; ++db) {
    Database& d = dbs_[db];
    // Walk the expire table from where the last cycle stopped, a step of slots at a time, until
    // a step finds few expired keys or the time budget is spent.
    while (d.expires.size() > 0) {
      int sampled = 0;
      int expired = 0;
      size_t visited = 0;
      const size_t capacity = d.expires.capacity();
      while (sampled < kKeysPerExpireStep && visited < capacity) {
        if (d.expire_cursor >= capacity) d.expire_cursor = 0;
        const ExpireTable::Slot& s = d.expires.slot(d.expire_cursor);
        ++visited;
        if (s.entry == nullptr) {
          ++d.expire_cursor;
          continue;
        }
        ++sampled;
        if (s.when_ms <= now) {
          // Deleting shifts a later slot into this one, so look at the same slot again.
          DeleteExpired(db, s.entry);
          ++expired;
          ++reclaimed;
        } else {
          ++d.expire_cursor;
        }
      }
      if (MonotonicUs() - start > budget_us) {
        out_of_time = true;
        break;
      }
      if (sampled == 0 || expired * 100 <= sampled * kAcceptableStalePercent) break;
    }
  }
  stats_.expire_cycle_time_used_us += MonotonicUs() - start;
  return reclaimed;
}

void Keyspace::ShrinkTables() {
  for (Database& d : dbs_) {
    d.dict.MaybeShrink();
    d.expires.MaybeShrink();
  }
}

Entry* Keyspace::RandomLiveKey(int db) {
  Database& d = dbs_[db];
  // As Redis does, give up on expired samples after a bounded number of tries when every key
  // has a TTL (they may all be logically expired).
  for (int tries = 0; tries < 100 && d.dict.size() > 0; ++tries) {
    Entry* e = d.dict.Random(rng_);
    if (!IsExpired(db, e)) return e;
    if (!replica_mode_ && !expiry_paused_) DeleteExpired(db, e);
  }
  return nullptr;
}

}  // namespace petrel::storage

namespace petrel::storage {

void ReleaseFreeMemory() {
  // glibc keeps freed small chunks inside the heap; hand whole free pages back to the system
  // when a good share of the heap is free, so RSS follows the dataset down as it does with Redis.
  const struct mallinfo2 info = mallinfo2();
  constexpr size_t kMinFreeBytes = 8 * 1024 * 1024;
  if (info.fordblks > kMinFreeBytes && info.fordblks > info.uordblks / 4) malloc_trim(0);
}

}  // namespace petrel::storage
