#include "petrel/persistence/aof_manifest.h"

#include <algorithm>

#include "petrel/resp/parser.h"
#include "petrel/util/numbers.h"

namespace petrel::persistence {
namespace {

// Names with spaces, quotes or control bytes are written quoted and escaped, as Redis's
// sdscatrepr does, so that a newline in a name cannot split its line.
std::string QuoteIfNeeded(const std::string& name) {
  const bool plain = !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
    return c == ' ' || c == '"' || c == '\'' || c == '\\' || c < 32 || c == 127;
  });
  if (plain) return name;
  std::string out = "\"";
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (u < 32 || u >= 127) {
          static const char* kHex = "0123456789abcdef";
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

std::optional<AofManifest> AofManifest::Parse(std::string_view text, std::string* error) {
  // A manifest file is never written empty: an empty one is damage, not "no AOF files" (which
  // would have the server write a new base over the first one).
  if (text.empty()) {
    *error = "Found an empty AOF manifest";
    return std::nullopt;
  }
  AofManifest m;
  size_t pos = 0;
  std::vector<std::string> words;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    words.clear();
    if (!resp::SplitInlineArgs(line, words) || words.size() < 2 || words.size() % 2 != 0) {
      *error = "Invalid AOF manifest file format";
      return std::nullopt;
    }
    AofFileInfo info;
    bool have_name = false, have_seq = false, have_type = false;
    for (size_t i = 0; i + 1 < words.size(); i += 2) {
      if (words[i] == "file") {
        info.name = words[i + 1];
        have_name = !info.name.empty();
        // Names are opened, and history files deleted, inside the AOF directory.
        if (info.name.find_first_of("/\\") != std::string::npos) {
          *error = "File can't be a path, just a filename";
          return std::nullopt;
        }
      } else if (words[i] == "seq") {
        auto seq = util::ParseInt64(words[i + 1]);
        have_seq = seq && *seq > 0;
        if (have_seq) info.seq = *seq;
      } else if (words[i] == "type") {
        have_type = words[i + 1].size() == 1;
        if (have_type) info.type = words[i + 1][0];
      }  // unknown keys are skipped, as newer versions may add some
    }
    if (!have_name || !have_seq || !have_type ||
        (info.type != 'b' && info.type != 'i' && info.type != 'h')) {
      *error = "Invalid AOF manifest file format";
      return std::nullopt;
    }
    if (info.type == 'b') {
      if (m.base_) {
        *error = "Found duplicate base file information";
        return std::nullopt;
      }
      m.base_seq_ = info.seq;
      m.base_ = std::move(info);
    } else if (info.type == 'i') {
      if (info.seq <= m.incr_seq_) {
        *error = "Found a non-monotonic sequence number";
        return std::nullopt;
      }
      m.incr_seq_ = info.seq;
      m.incrs_.push_back(std::move(info));
    } else {
      m.history_.push_back(std::move(info));
    }
  }
  return m;
}

std::string AofManifest::Format() const {
  std::string out;
  auto line = [&out](const AofFileInfo& f) {
    out += "file " + QuoteIfNeeded(f.name) + " seq " + std::to_string(f.seq) + " type " +
           std::string(1, f.type) + "\n";
  };
  if (base_) line(*base_);
  for (const AofFileInfo& f : history_) line(f);
  for (const AofFileInfo& f : incrs_) line(f);
  return out;
}

std::string AofManifest::NewBase(std::string_view prefix, bool rdb, size_t keep_incrs) {
  if (base_) {
    base_->type = 'h';
    history_.push_back(*base_);
  }
  const size_t drop = incrs_.size() > keep_incrs ? incrs_.size() - keep_incrs : 0;
  for (size_t i = 0; i < drop; ++i) {
    incrs_[i].type = 'h';
    history_.push_back(incrs_[i]);
  }
  incrs_.erase(incrs_.begin(), incrs_.begin() + static_cast<ptrdiff_t>(drop));
  ++base_seq_;
  base_ = AofFileInfo{std::string(prefix) + "." + std::to_string(base_seq_) + ".base." +
                          (rdb ? "rdb" : "aof"),
                      base_seq_, 'b'};
  return base_->name;
}

std::string AofManifest::NewIncr(std::string_view prefix) {
  ++incr_seq_;
  incrs_.push_back(AofFileInfo{
      std::string(prefix) + "." + std::to_string(incr_seq_) + ".incr.aof", incr_seq_, 'i'});
  return incrs_.back().name;
}

}  // namespace petrel::persistence
