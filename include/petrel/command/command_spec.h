// The declaration of one command: everything the dispatcher checks and COMMAND reports.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace petrel::command {

class CommandContext;
using Handler = void (*)(CommandContext&);

// A set of enumerators of E, each enumerator a bit index.
template <typename E>
class EnumSet {
 public:
  constexpr EnumSet() = default;
  constexpr EnumSet(std::initializer_list<E> items) {
    for (E e : items) bits_ |= Bit(e);
  }
  constexpr bool has(E e) const { return (bits_ & Bit(e)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr uint64_t bits() const { return bits_; }

 private:
  static constexpr uint64_t Bit(E e) { return uint64_t{1} << static_cast<unsigned>(e); }
  uint64_t bits_ = 0;
};

// Command flags, in the order Redis lists them in COMMAND INFO.
enum class Flag : uint8_t {
  kWrite, kReadonly, kDenyOom, kModule, kAdmin, kPubsub, kNoscript, kBlocking, kLoading,
  kStale, kSkipMonitor, kSkipSlowlog, kAsking, kFast, kNoAuth, kMayReplicate, kSentinel,
  kOnlySentinel, kNoMandatoryKeys, kProtected, kNoAsyncLoading, kNoMulti, kMovableKeys,
  kAllowBusy,
};
using Flags = EnumSet<Flag>;

// ACL categories, in the order Redis lists them.
enum class Acl : uint8_t {
  kKeyspace, kRead, kWrite, kSet, kSortedSet, kList, kHash, kString, kBitmap, kHyperloglog,
  kGeo, kStream, kPubsub, kAdmin, kFast, kSlow, kBlocking, kDangerous, kConnection,
  kTransaction, kScripting,
};
using AclCategories = EnumSet<Acl>;

enum class KeyFlag : uint8_t {
  kRO, kRW, kOW, kRM, kAccess, kUpdate, kInsert, kDelete, kNotKey, kIncomplete, kVariableFlags,
};
using KeyFlags = EnumSet<KeyFlag>;

// Redis 7 key specification: where the keys start (begin_search) and how to find them from there.
struct KeySpec {
  KeyFlags flags;
  // begin_search: by index, or after a keyword searched from `startfrom`.
  int index = 1;
  std::string_view keyword = {};
  int startfrom = 0;
  // find_keys: a range (lastkey relative to the start, -1 = last argument), or a key count.
  bool keynum = false;
  int lastkey = 0;
  int keystep = 1;
  int limit = 0;
  int keynumidx = 0;
  int firstkey = 1;
  std::string_view notes = {};
};

struct CommandSpec {
  std::string_view name;  // lower case; a subcommand's is the bare subcommand name
  int arity;              // negative: at least -arity arguments
  Flags flags;
  AclCategories acl;
  int first_key = 0;  // legacy key range reported by COMMAND INFO
  int last_key = 0;
  int key_step = 0;
  std::vector<KeySpec> key_specs;
  std::string_view tips;  // space-separated command tips, e.g. "nondeterministic_output"
  Handler handler = nullptr;
  // COMMAND DOCS: our own summary, plus Redis's facts (version, group, complexity) and the
  // argument grammar described in arg_grammar.h.
  std::string_view summary;
  std::string_view since;
  std::string_view group;
  std::string_view complexity;
  std::string_view arguments;
  std::vector<CommandSpec> subcommands;
  // Position among all commands and subcommands, set when the table is built; indexes the
  // per-command statistics.
  uint32_t id = 0;
};

}  // namespace petrel::command
