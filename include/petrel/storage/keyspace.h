// The databases (16 by default): lookups with lazy expiry and access clocks, writes, expire times,
// the active expiry cycle, and the keyspace statistics INFO reports.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string_view>
#include <vector>

#include "petrel/storage/dict.h"
#include "petrel/storage/entry.h"
#include "petrel/storage/expire_table.h"
#include "petrel/util/clock.h"

namespace petrel::storage {

struct Database {
  Dict dict;
  ExpireTable expires;
  size_t expire_cursor = 0;  // where the active expiry cycle resumes in `expires`
};

struct KeyspaceStats {
  uint64_t expired_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expire_cycle_time_used_us = 0;
};

enum class Lookup {
  kRead,     // counts a hit or miss and updates the access clock
  kWrite,    // updates the access clock only
  kNoTouch,  // neither (TYPE-like introspection, OBJECT, TTL)
};

// Returns freed heap memory to the system when much of the heap is free (after flushes, mass
// expiry or deletion). Called from the cron and after FLUSHDB/FLUSHALL.
void ReleaseFreeMemory();

class Keyspace {
 public:
  Keyspace(int databases, const util::Clock& clock);

  int count() const { return static_cast<int>(dbs_.size()); }
  Database& db(int index) { return dbs_[index]; }
  const Database& db(int index) const { return dbs_[index]; }
  const util::Clock& clock() const { return clock_; }
  KeyspaceStats& stats() { return stats_; }

  // The live entry of `key`, or nullptr. An expired key found here is deleted (lazy expiry).
  Entry* Find(int db, std::string_view key, Lookup mode = Lookup::kRead);
  // Creates `key`, which must not exist (call Find first), holding an empty string.
  Entry* Add(int db, std::string_view key);
  // Creates `key` unless an entry (live or expired) exists: then nullptr (loading a file).
  Entry* AddIfAbsent(int db, std::string_view key);
  // Deletes `key` if present (expired or not); true if it existed and was live.
  bool Delete(int db, std::string_view key);
  // Moves a live entry under another key of another database (RENAME, MOVE), keeping value and
  // expire time. `to_key` must not exist in `to_db`.
  void Relocate(int from_db, Entry* e, int to_db, std::string_view to_key);

  // Expire times in unix ms; -1 for none.
  int64_t GetExpire(int db, const Entry* e) const;
  void SetExpire(int db, Entry* e, int64_t when_ms);
  bool RemoveExpire(int db, Entry* e);
  bool IsExpired(int db, const Entry* e) const;
  // While a file is loaded no key counts as expired: the commands replayed from an AOF must
  // see the data as it was when they ran (Redis does the same).
  void set_loading(bool loading) { loading_ = loading; }
  bool loading() const { return loading_; }
  // A replica does not expire keys: its primary sends the DELs. Clients still do not see keys
  // whose time has passed, but the primary's commands do (set_primary_access around them).
  void set_replica_mode(bool replica) { replica_mode_ = replica; }
  void set_primary_access(bool primary) { primary_access_ = primary; }
  // CLIENT PAUSE WRITE: expired keys are hidden but neither deleted nor actively expired.
  void set_expiry_paused(bool paused) { expiry_paused_ = paused; }

  void FlushDb(int db);
  void FlushAll();
  void Swap(int a, int b);
  // Exchanges every database with `other`'s (a replica's full sync, loaded aside).
  void SwapData(Keyspace& other) { dbs_.swap(other.dbs_); }
  size_t TotalKeys() const;

  // One bounded pass of active expiry: samples keys with a TTL and deletes the expired ones,
  // for at most `budget_us` microseconds. Returns the number of keys reclaimed.
  size_t ActiveExpireCycle(int64_t budget_us);
  // Shrinks sparse tables; called from the cron.
  void ShrinkTables();

  Entry* RandomLiveKey(int db);
  std::mt19937_64& rng() { return rng_; }

  // The 24-bit access clock in seconds (cached: the cron refreshes it, as Redis's is), and the
  // idle time of an entry in ms.
  uint32_t LruClock() const { return lru_clock_; }
  void UpdateLruClock();
  int64_t IdleMs(const Entry* e) const;

  // Called with (db, key) when a key is removed because it expired, before it is freed.
  std::function<void(int, std::string_view)> on_expired;
  // Called with (db, key) when a key is created, and when a read finds no key (keyspace
  // notifications' "new" and "keymiss").
  std::function<void(int, std::string_view)> on_added;
  std::function<void(int, std::string_view)> on_read_miss;

 private:
  void DeleteExpired(int db, Entry* e);

  const util::Clock& clock_;
  std::vector<Database> dbs_;
  KeyspaceStats stats_;
  std::mt19937_64 rng_{0x5eed};
  uint32_t lru_clock_ = 0;
  bool loading_ = false;
  bool replica_mode_ = false;
  bool primary_access_ = false;
  bool expiry_paused_ = false;
};

}  // namespace petrel::storage
