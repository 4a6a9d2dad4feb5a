#include "petrel/config/config.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "petrel/resp/parser.h"
#include "petrel/util/numbers.h"

namespace petrel::config {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

// "save '900 1'" given as one word: split it as Redis does for multi-word directives.
std::vector<std::string> SplitSingleWord(std::span<const std::string> words) {
  std::vector<std::string> out;
  if (words.size() != 1) return {words.begin(), words.end()};
  std::string_view w = words[0];
  size_t start = 0;
  while (start <= w.size()) {
    size_t sp = w.find(' ', start);
    if (sp == std::string_view::npos) sp = w.size();
    if (sp > start) out.emplace_back(w.substr(start, sp - start));
    start = sp + 1;
  }
  if (out.empty()) out.emplace_back();
  return out;
}

}  // namespace

std::string ConfigError::Format() const {
  std::ostringstream out;
  out << "\n*** FATAL CONFIG FILE ERROR (Petrel " << PETREL_VERSION << ") ***\n";
  if (file.empty()) {
    out << "Reading the configuration file, at line " << line << "\n";
  } else {
    out << "Reading the configuration file " << file << ", at line " << line << "\n";
  }
  out << ">>> '" << text << "'\n" << reason << "\n";
  return out.str();
}

Config::Config() {
  for (const Directive& d : Directives()) {
    std::vector<std::string> words;
    resp::SplitInlineArgs(d.default_value, words);
    if (auto err = Apply(d, words)) {
      throw std::logic_error("bad default for " + std::string(d.name) + ": " + *err);
    }
  }
}

std::optional<std::string> Config::Apply(const Directive& d, std::span<const std::string> words) {
  if (d.kind == Kind::kSpecial) {
    if (!d.split_one_word) return d.parse(settings_, words);
    std::vector<std::string> split = SplitSingleWord(words);
    if (words.empty()) split.clear();
    return d.parse(settings_, split);
  }
  if (words.size() != 1) return "wrong number of arguments";
  const std::string& w = words[0];
  switch (d.kind) {
    case Kind::kBool: {
      std::string v = Lower(w);
      if (v != "yes" && v != "no") return "argument must be 'yes' or 'no'";
      settings_.*std::get<bool Settings::*>(d.field) = v == "yes";
      return std::nullopt;
    }
    case Kind::kInt:
    case Kind::kMemory: {
      std::optional<int64_t> n;
      if (d.kind == Kind::kMemory) {
        n = util::ParseMemory(w);
        if (!n) return "argument must be a memory value";
      } else if (d.name == "unixsocketperm") {
        char* end = nullptr;
        long v = std::strtol(w.c_str(), &end, 8);
        if (w.empty() || *end != '\0') return "argument couldn't be parsed into an integer";
        n = v;
      } else {
        n = util::ParseInt64(w);
        if (!n) return "argument couldn't be parsed into an integer";
      }
      if (*n < d.min || *n > d.max) {
        return "argument must be between " + std::to_string(d.min) + " and " +
               std::to_string(d.max) + " inclusive";
      }
      if (d.name == "hz") n = std::clamp<int64_t>(*n, 1, 500);
      settings_.*std::get<int64_t Settings::*>(d.field) = *n;
      return std::nullopt;
    }
    case Kind::kEnum: {
      std::string v = Lower(w);
      for (std::string_view choice : d.choices) {
        if (v == choice) {
          settings_.*std::get<std::string Settings::*>(d.field) = v;
          return std::nullopt;
        }
      }
      std::string msg = "argument(s) must be one of the following: ";
      for (size_t i = 0; i < d.choices.size(); ++i) {
        if (i > 0) msg += ", ";
        msg += d.choices[i];
      }
      return msg;
    }
    case Kind::kString:
      settings_.*std::get<std::string Settings::*>(d.field) = w;
      return std::nullopt;
    case Kind::kSpecial:
      break;
  }
  return "unsupported directive";
}

std::string Config::Get(const Directive& d) const {
  switch (d.kind) {
    case Kind::kBool:
      return settings_.*std::get<bool Settings::*>(d.field) ? "yes" : "no";
    case Kind::kInt:
    case Kind::kMemory: {
      int64_t v = settings_.*std::get<int64_t Settings::*>(d.field);
      if (d.name == "unixsocketperm") {
        std::ostringstream o;
        o << std::oct << v;
        return o.str();
      }
      return std::to_string(v);
    }
    case Kind::kEnum:
    case Kind::kString:
      return settings_.*std::get<std::string Settings::*>(d.field);
    case Kind::kSpecial:
      return d.format(settings_);
  }
  return {};
}

std::optional<ConfigError> Config::LoadText(std::string_view text, const std::string& origin) {
  int line_no = 0;
  size_t pos = 0;
  std::vector<std::string> words;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = Trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    auto fail = [&](std::string reason) {
      return ConfigError{origin, line_no, std::string(line), std::move(reason)};
    };
    words.clear();
    if (!resp::SplitInlineArgs(line, words)) return fail("Unbalanced quotes in configuration line");
    if (words.empty()) continue;
    std::string name = Lower(words[0]);
    std::span<const std::string> args(words.data() + 1, words.size() - 1);
    if (name == "include") {
      if (args.size() != 1) return fail("Bad directive or wrong number of arguments");
      if (auto err = LoadFile(args[0])) return err;
      continue;
    }
    const Directive* d = FindDirective(name);
    if (d == nullptr) return fail("Bad directive or wrong number of arguments");
    std::vector<std::string> save_words;
    if (name == "save") {
      // The first save line replaces the defaults; later ones add to it, as in Redis.
      const bool disables = args.empty() || (args.size() == 1 && args[0].empty());
      if (save_loaded_ && !disables && !settings_.save.empty()) {
        resp::SplitInlineArgs(settings_.save, save_words);
        save_words.insert(save_words.end(), args.begin(), args.end());
        args = save_words;
      }
      save_loaded_ = true;
    }
    if (auto err = Apply(*d, args)) return fail(*err);
  }
  return std::nullopt;
}

std::optional<ConfigError> Config::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return ConfigError{path, 0, "", "Fatal error, can't open config file '" + path + "'"};
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return LoadText(buf.str(), path);
}

std::optional<std::string> Config::Rewrite() const {
  if (config_file_.empty()) return "The server is running without a config file";
  std::ifstream in(config_file_, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  in.close();

  auto render = [&](const Directive& d) {
    std::string value = Get(d);
    std::string out(d.name);
    if (d.kind == Kind::kSpecial && (d.split_one_word || d.name == "bind")) {
      // Multi-word values are written as separate words; an empty one as "".
      // Single-word special values (dir, file names, event classes) are quoted as any string.
      out += ' ';
      out += value.empty() ? "\"\"" : value;
    } else {
      out += ' ';
      bool plain = !value.empty() && value.find_first_of(" \t\"'\\") == std::string::npos;
      out += plain ? value : "\"" + value + "\"";
    }
    return out;
  };

  std::vector<bool> written(Directives().size(), false);
  std::vector<std::string> result;
  for (const std::string& line : lines) {
    std::vector<std::string> words;
    std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed[0] == '#' || !resp::SplitInlineArgs(trimmed, words) ||
        words.empty()) {
      result.push_back(line);
      continue;
    }
    const Directive* d = FindDirective(Lower(words[0]));
    if (d == nullptr) {
      result.push_back(line);
      continue;
    }
    size_t idx = static_cast<size_t>(d - Directives().data());
    if (written[idx]) continue;  // later duplicates collapse into the first
    written[idx] = true;
    result.push_back(render(*d));
  }
  Config defaults;
  bool header = false;
  for (size_t i = 0; i < Directives().size(); ++i) {
    const Directive& d = Directives()[i];
    if (written[i] || Get(d) == defaults.Get(d)) continue;
    if (!header) {
      result.emplace_back("# Generated by CONFIG REWRITE");
      header = true;
    }
    result.push_back(render(d));
  }
  std::string tmp = config_file_ + ".tmp-rewrite";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    for (const std::string& l : result) out << l << '\n';
    if (!out) return "Rewriting config file: " + std::string(std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), config_file_.c_str()) != 0) {
    return "Rewriting config file: " + std::string(std::strerror(errno));
  }
  return std::nullopt;
}

std::string DirectivesMarkdown() {
  std::string out =
      "| directive | default | set at runtime | meaning |\n"
      "|---|---|---|---|\n";
  for (const Directive& d : Directives()) {
    std::string def(d.default_value);
    if (def == "\"\"") def = "\"\" (empty)";
    out += "| `" + std::string(d.name) + "` | `" + def + "` | " + (d.is_mutable ? "yes" : "no") +
           " | " + std::string(d.help) + " |\n";
  }
  return out;
}

std::string CommandLineToConfigText(std::span<const std::string> args) {
  std::string text;
  for (const std::string& a : args) {
    if (a.size() > 2 && a[0] == '-' && a[1] == '-') {
      if (!text.empty()) text += '\n';
      text.append(a, 2);
      text += ' ';
    } else {
      // Quote every value so spaces, quotes and empty strings survive the line splitting.
      text += '"';
      for (char c : a) {
        if (c == '"' || c == '\\') {
          text += '\\';
          text += c;
        } else if (c == '\n') {
          text += "\\n";
        } else if (c == '\r') {
          text += "\\r";
        } else {
          text += c;
        }
      }
      text += "\" ";
    }
  }
  return text;
}

}  // namespace petrel::config
