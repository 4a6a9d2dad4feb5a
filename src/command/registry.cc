#include "petrel/command/registry.h"

#include <cstdint>
#include <stdexcept>

namespace petrel::command {

namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

// A key count: a non-negative decimal integer without sign, spaces or leading zeros (what
// Redis's string2ll accepts, negative values being invalid counts anyway).
bool ParseCount(std::string_view s, long long* out) {
  if (s.empty() || s.size() > 18 || (s[0] == '0' && s.size() > 1)) return false;
  long long value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = value;
  return true;
}

bool HasVariableFlags(const CommandSpec& spec) {
  for (const KeySpec& k : spec.key_specs) {
    if (k.flags.has(KeyFlag::kVariableFlags)) return true;
  }
  return false;
}

// SET's one key is written or overwritten, and also read when GET is among the options (after
// the value), which is why its key spec carries variable_flags.
void SetKeys(std::span<const std::string_view> args, std::vector<KeyRef>* keys) {
  KeyFlags flags{KeyFlag::kOW, KeyFlag::kUpdate};
  for (size_t i = 3; i < args.size(); ++i) {
    if (EqualsNoCase(args[i], "get")) {
      flags = KeyFlags{KeyFlag::kRW, KeyFlag::kAccess, KeyFlag::kUpdate};
      break;
    }
  }
  keys->push_back({1, flags});
}

// Commands whose key specs say variable_flags get their keys from a function that looks at
// the arguments, as Redis uses the command's own key finder for them.
using KeyFinder = void (*)(std::span<const std::string_view>, std::vector<KeyRef>*);
struct VariableKeys {
  std::string_view name;
  KeyFinder find;
};
constexpr VariableKeys kVariableKeyFinders[] = {{"set", SetKeys}};

// Where a key spec's keys start, or 0 if they cannot be found (keyword absent: *skip).
// Returns false when the spec cannot be applied to these arguments.
bool BeginSearch(const KeySpec& k, std::span<const std::string_view> args, int* first,
                 bool* skip) {
  const int argc = static_cast<int>(args.size());
  *skip = false;
  if (!k.keyword.empty()) {
    // Search for the keyword from `startfrom` (negative: from the end, backwards), stopping
    // before the far end of the arguments as Redis does.
    int start = k.startfrom > 0 ? k.startfrom : argc + k.startfrom;
    int end = k.startfrom > 0 ? argc - 1 : 1;
    int step = start <= end ? 1 : -1;
    for (int i = start; i != end; i += step) {
      if (i >= argc || i < 1) break;
      if (EqualsNoCase(args[i], k.keyword)) {
        *first = i + 1;
        return true;
      }
    }
    *skip = true;
    return true;
  }
  if (k.index <= 0) return false;  // "unknown": the keys cannot be found from the specs
  *first = k.index;
  return true;
}

}  // namespace

bool HasKeyArguments(const CommandSpec& spec) {
  for (const KeySpec& k : spec.key_specs) {
    if (!k.flags.has(KeyFlag::kNotKey)) return true;
  }
  return false;
}

bool ExtractKeys(const CommandSpec& spec, std::span<const std::string_view> args,
                 std::vector<KeyRef>* keys) {
  keys->clear();
  if (!HasKeyArguments(spec)) return true;
  if (HasVariableFlags(spec)) {
    for (const VariableKeys& v : kVariableKeyFinders) {
      if (v.name == spec.name) {
        v.find(args, keys);
        return true;
      }
    }
  }
  const int argc = static_cast<int>(args.size());
  for (const KeySpec& k : spec.key_specs) {
    if (k.flags.has(KeyFlag::kNotKey)) continue;
    int first = 0;
    bool skip = false;
    if (!BeginSearch(k, args, &first, &skip)) {
      keys->clear();
      return false;
    }
    if (skip) continue;
    int last = 0;
    int step = k.keystep;
    if (!k.keynum) {
      if (k.lastkey >= 0) {
        last = first + k.lastkey;
      } else if (k.limit == 0) {
        last = argc + k.lastkey;
      } else {
        last = first + ((argc - first) / k.limit + k.lastkey);
      }
    } else {
      long long count = 0;
      if (first + k.keynumidx >= argc || !ParseCount(args[first + k.keynumidx], &count) ||
          count > argc) {
        keys->clear();
        return false;
      }
      first += k.firstkey;
      last = first + static_cast<int>(count) - 1;
    }
    if (last >= argc || last < first || first >= argc || step <= 0 ||
        k.flags.has(KeyFlag::kIncomplete)) {
      keys->clear();
      return false;
    }
    for (int i = first; i <= last; i += step) keys->push_back({static_cast<size_t>(i), k.flags});
  }
  return true;
}

std::vector<size_t> KeyPositions(const CommandSpec& spec, std::span<const std::string_view> args) {
  std::vector<KeyRef> keys;
  std::vector<size_t> positions;
  if (!ExtractKeys(spec, args, &keys)) return positions;
  positions.reserve(keys.size());
  for (const KeyRef& k : keys) positions.push_back(k.pos);
  return positions;
}

const Registry& Registry::Get() {
  static const Registry registry;
  return registry;
}

Registry::Registry() {
  for (const CommandSpec& spec : CommandTable()) Add(spec, nullptr);
  for (const DocExtras& extras : CommandDocExtras()) {
    const CommandSpec* spec = FindByFullName(extras.full_name);
    if (spec == nullptr) {
      throw std::logic_error("command table: documentation for unknown command '" +
                             std::string(extras.full_name) + "'");
    }
    extras_[spec] = &extras;
  }
}

void Registry::Add(const CommandSpec& spec, const CommandSpec* parent) {
  std::string full_name = FullName(spec, parent);
  auto fail = [&](const std::string& why) {
    throw std::logic_error("command table: '" + full_name + "': " + why);
  };
  if (parent == nullptr) {
    if (Find(spec.name) != nullptr) fail("declared twice");
    AddName(&spec);
  } else {
    parents_[&spec] = parent;
    for (const CommandSpec& sibling : parent->subcommands) {
      if (&sibling != &spec && EqualsNoCase(sibling.name, spec.name)) fail("declared twice");
    }
  }
  ArgGrammar grammar = ParseArgGrammar(spec.arguments);
  if (!grammar.ok()) fail(grammar.error);
  if (MaxKeySpecIndex(grammar.args) >= static_cast<int>(spec.key_specs.size())) {
    fail("a key argument refers to a missing key spec");
  }
  if (spec.handler == nullptr && spec.subcommands.empty()) fail("no handler");
  arguments_.emplace(&spec, std::move(grammar.args));
  for (const CommandSpec& sub : spec.subcommands) Add(sub, &spec);
}

uint64_t Registry::NameHash(std::string_view name) {
  // FNV-1a over the lower-cased bytes: command names are short.
  uint64_t hash = 1469598103934665603ULL;
  for (char c : name) {
    hash ^= static_cast<unsigned char>(LowerAscii(c));
    hash *= 1099511628211ULL;
  }
  return hash;
}

void Registry::AddName(const CommandSpec* spec) {
  if ((top_level_count_ + 1) * 2 > names_.size()) {
    std::vector<NameSlot> old = std::move(names_);
    names_.assign(old.empty() ? 256 : old.size() * 2, NameSlot{});
    top_level_count_ = 0;
    for (const NameSlot& s : old) {
      if (s.spec != nullptr) AddName(s.spec);
    }
  }
  const size_t mask = names_.size() - 1;
  size_t i = NameHash(spec->name) & mask;
  while (names_[i].spec != nullptr) i = (i + 1) & mask;
  names_[i] = {spec, spec->name};
  ++top_level_count_;
}

const CommandSpec* Registry::Find(std::string_view name) const {
  if (names_.empty()) return nullptr;
  const size_t mask = names_.size() - 1;
  for (size_t i = NameHash(name) & mask; names_[i].spec != nullptr; i = (i + 1) & mask) {
    if (EqualsNoCase(names_[i].name, name)) return names_[i].spec;
  }
  return nullptr;
}

const CommandSpec* Registry::FindSub(const CommandSpec& parent, std::string_view name) {
  for (const CommandSpec& sub : parent.subcommands) {
    if (EqualsNoCase(sub.name, name)) return &sub;
  }
  return nullptr;
}

const CommandSpec* Registry::FindByFullName(std::string_view name) const {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return Find(name);
  const CommandSpec* base = Find(name.substr(0, bar));
  std::string_view sub = name.substr(bar + 1);
  if (base == nullptr || base->subcommands.empty() || sub.find('|') != std::string_view::npos) {
    return nullptr;
  }
  return FindSub(*base, sub);
}

std::string Registry::FullName(const CommandSpec& spec, const CommandSpec* parent) {
  if (parent == nullptr) return std::string(spec.name);
  std::string name(parent->name);
  name += '|';
  name += spec.name;
  return name;
}

const CommandSpec* Registry::ParentOf(const CommandSpec* spec) const {
  auto it = parents_.find(spec);
  return it == parents_.end() ? nullptr : it->second;
}

const std::vector<ArgNode>& Registry::Arguments(const CommandSpec& spec) const {
  static const std::vector<ArgNode> kNone;
  auto it = arguments_.find(&spec);
  return it == arguments_.end() ? kNone : it->second;
}

const DocExtras* Registry::Extras(const CommandSpec& spec) const {
  auto it = extras_.find(&spec);
  return it == extras_.end() ? nullptr : it->second;
}

}  // namespace petrel::command
