#include "petrel/command/arg_grammar.h"

#include <algorithm>
#include <cctype>

#include "petrel/resp/reply_builder.h"

namespace petrel::command {

namespace {

struct TypeName {
  ArgType type;
  std::string_view name;
};

constexpr TypeName kTypeNames[] = {
    {ArgType::kString, "string"},        {ArgType::kInteger, "integer"},
    {ArgType::kDouble, "double"},        {ArgType::kKey, "key"},
    {ArgType::kPattern, "pattern"},      {ArgType::kUnixTime, "unix-time"},
    {ArgType::kPureToken, "pure-token"}, {ArgType::kOneof, "oneof"},
    {ArgType::kBlock, "block"},
};

// Characters that end a word: separators, brackets and parentheses.
bool EndsWord(char c) {
  return c == ' ' || c == '|' || c == '(' || c == ')' || c == '[' || c == ']';
}

// Characters that start the suffixes of a word.
bool StartsSuffix(char c) { return c == '@' || c == '!' || c == '#' || c == '+' || c == '.'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Recursive-descent parser over one grammar text. Errors stop it at the first problem.
class GrammarParser {
 public:
  explicit GrammarParser(std::string_view text) : text_(text) {}

  ArgGrammar Run() {
    ArgGrammar result;
    bool oneof = false;
    result.args = List(&oneof);
    if (error_.empty() && pos_ < text_.size()) Fail("unexpected character");
    if (error_.empty() && oneof) Fail("'|' outside a group");
    if (!error_.empty()) {
      result.args.clear();
      result.error = error_;
    }
    return result;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  void Fail(std::string_view what) {
    if (error_.empty()) {
      error_ = std::string(what) + " at offset " + std::to_string(pos_) + " of \"" +
               std::string(text_) + "\"";
    }
  }

  void SkipSpaces() {
    while (Peek() == ' ') ++pos_;
  }

  // Items up to ')' or the end; *oneof tells whether they were separated by '|'.
  std::vector<ArgNode> List(bool* oneof) {
    std::vector<ArgNode> items;
    bool saw_space = false;
    bool saw_pipe = false;
    SkipSpaces();
    while (error_.empty() && !AtEnd() && Peek() != ')') {
      items.push_back(Item());
      if (!error_.empty()) break;
      size_t before = pos_;
      SkipSpaces();
      if (Peek() == '|') {
        saw_pipe = true;
        ++pos_;
        SkipSpaces();
        if (AtEnd() || Peek() == ')') Fail("nothing after '|'");
      } else if (pos_ > before && !AtEnd() && Peek() != ')') {
        saw_space = true;
      } else if (!AtEnd() && Peek() != ')') {
        Fail("expected a separator");
      }
    }
    if (saw_space && saw_pipe) Fail("a group mixes ' ' and '|'");
    *oneof = saw_pipe;
    return items;
  }

  ArgNode Item() {
    if (Peek() != '[') return Body();
    ++pos_;
    ArgNode node = Body();
    if (Peek() != ']') {
      Fail("expected ']'");
    } else {
      ++pos_;
    }
    node.optional = true;
    return node;
  }

  std::string_view Word() {
    size_t start = pos_;
    while (!AtEnd() && !EndsWord(Peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  ArgNode Body() {
    ArgNode node;
    std::string_view word = Word();
    std::string_view head = word;  // [TOKEN=]core, before the suffixes
    if (size_t eq = word.find('='); eq != std::string_view::npos) {
      node.token = std::string(word.substr(0, eq));
      if (node.token.empty()) Fail("empty token");
      head = word.substr(eq + 1);
    }
    size_t core_end = 0;
    while (core_end < head.size() && !StartsSuffix(head[core_end])) ++core_end;
    std::string_view core = head.substr(0, core_end);
    std::string_view suffixes = head.substr(core_end);

    if (Peek() == '(') {
      if (!suffixes.empty()) Fail("suffixes before '('");
      if (core.empty()) Fail("a group needs a name");
      ++pos_;
      bool oneof = false;
      node.name = std::string(core);
      node.children = List(&oneof);
      node.type = oneof ? ArgType::kOneof : ArgType::kBlock;
      if (Peek() != ')') {
        Fail("expected ')'");
        return node;
      }
      ++pos_;
      if (node.children.empty()) Fail("empty group");
      suffixes = Word();  // suffixes follow the closing parenthesis
    } else if (size_t colon = core.rfind(':'); colon != std::string_view::npos) {
      node.name = std::string(core.substr(0, colon));
      std::string_view type = core.substr(colon + 1);
      auto it = std::find_if(std::begin(kTypeNames), std::end(kTypeNames),
                             [&](const TypeName& t) { return t.name == type; });
      if (it == std::end(kTypeNames) || it->type == ArgType::kPureToken ||
          it->type == ArgType::kOneof || it->type == ArgType::kBlock) {
        Fail("unknown argument type");
      } else {
        node.type = it->type;
      }
      if (node.name.empty()) Fail("empty argument name");
    } else {
      // A pure token: "NX" (named "nx") or "CH=change".
      node.type = ArgType::kPureToken;
      if (node.token.empty()) {
        node.token = std::string(core);
        node.name = Lower(core);
      } else {
        node.name = std::string(core);
      }
      if (core.empty()) Fail("empty pure token");
    }
    Suffixes(suffixes, &node);
    if (node.type == ArgType::kKey && node.key_spec_index < 0) node.key_spec_index = next_key_++;
    if (node.type != ArgType::kKey && node.key_spec_index >= 0) Fail("'#' on a non-key argument");
    return node;
  }

  // Reads a version ("6.2.0") from the start of s; returns its length.
  static size_t VersionLength(std::string_view s) {
    size_t n = 0;
    while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) ||
                            (s[n] == '.' && n + 1 < s.size() &&
                             std::isdigit(static_cast<unsigned char>(s[n + 1]))))) {
      ++n;
    }
    return n;
  }

  void Suffixes(std::string_view s, ArgNode* node) {
    while (!s.empty() && error_.empty()) {
      if (s.substr(0, 3) == "...") {
        node->multiple = true;
        s.remove_prefix(3);
      } else if (s.substr(0, 4) == "+...") {
        node->multiple = true;
        node->multiple_token = true;
        s.remove_prefix(4);
      } else if (s[0] == '@' || s[0] == '!') {
        size_t n = VersionLength(s.substr(1));
        if (n == 0) {
          Fail("expected a version");
          return;
        }
        (s[0] == '@' ? node->since : node->deprecated_since) = std::string(s.substr(1, n));
        s.remove_prefix(1 + n);
      } else if (s[0] == '#') {
        size_t n = 1;
        int index = 0;
        while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) {
          index = index * 10 + (s[n] - '0');
          ++n;
        }
        if (n == 1) {
          Fail("expected a key spec index");
          return;
        }
        node->key_spec_index = index;
        next_key_ = std::max(next_key_, index + 1);
        s.remove_prefix(n);
      } else {
        Fail("unknown suffix");
        return;
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  int next_key_ = 0;
  std::string error_;
};

void WriteArg(resp::ReplyBuilder& reply, const ArgNode& arg) {
  size_t flag_count = (arg.optional ? 1 : 0) + (arg.multiple ? 1 : 0) + (arg.multiple_token ? 1 : 0);
  size_t fields = 2 + (arg.key_spec_index >= 0 ? 1 : 0) + (arg.token.empty() ? 0 : 1) +
                  (arg.since.empty() ? 0 : 1) + (arg.deprecated_since.empty() ? 0 : 1) +
                  (flag_count > 0 ? 1 : 0) + (arg.children.empty() ? 0 : 1);
  reply.Map(fields);
  reply.Bulk("name");
  reply.Bulk(arg.name);
  reply.Bulk("type");
  reply.Bulk(ArgTypeName(arg.type));
  if (arg.key_spec_index >= 0) {
    reply.Bulk("key_spec_index");
    reply.Integer(arg.key_spec_index);
  }
  if (!arg.token.empty()) {
    reply.Bulk("token");
    reply.Bulk(arg.token);
  }
  if (!arg.since.empty()) {
    reply.Bulk("since");
    reply.Bulk(arg.since);
  }
  if (!arg.deprecated_since.empty()) {
    reply.Bulk("deprecated_since");
    reply.Bulk(arg.deprecated_since);
  }
  if (flag_count > 0) {
    reply.Bulk("flags");
    reply.Set(flag_count);
    if (arg.optional) reply.SimpleString("optional");
    if (arg.multiple) reply.SimpleString("multiple");
    if (arg.multiple_token) reply.SimpleString("multiple_token");
  }
  if (!arg.children.empty()) {
    reply.Bulk("arguments");
    WriteArgDocs(reply, arg.children);
  }
}

}  // namespace

std::string_view ArgTypeName(ArgType type) {
  for (const TypeName& t : kTypeNames) {
    if (t.type == type) return t.name;
  }
  return "string";
}

ArgGrammar ParseArgGrammar(std::string_view text) { return GrammarParser(text).Run(); }

void WriteArgDocs(resp::ReplyBuilder& reply, const std::vector<ArgNode>& args) {
  reply.Array(args.size());
  for (const ArgNode& arg : args) WriteArg(reply, arg);
}

int MaxKeySpecIndex(const std::vector<ArgNode>& args) {
  int max = -1;
  for (const ArgNode& arg : args) {
    max = std::max({max, arg.key_spec_index, MaxKeySpecIndex(arg.children)});
  }
  return max;
}

}  // namespace petrel::command
