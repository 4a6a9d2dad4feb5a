// The argument grammar of a command (CommandSpec::arguments): a one-line text that describes
// what COMMAND DOCS reports under "arguments" (and what redis-cli turns into its input hints).
//
// Grammar
//   list      := item ( sep item )*          sep is ' ' in a block, '|' in a oneof (never mixed)
//   item      := '[' body ']'                optional
//              | body
//   body      := [ TOKEN '=' ] core suffix*
//   core      := name ':' type               an argument with a value
//              | name '(' list ')'           a group: a oneof if its items are separated by '|',
//                                            otherwise a block (a group of one item is a block)
//              | name                        after TOKEN=: a pure token with its own name
//              | TOKEN                       alone: a pure token, named by the token in lower case
//   type      := string | integer | double | key | pattern | unix-time
//   suffix    := '@' version                 "since": the version that added the argument
//              | '!' version                 "deprecated_since"
//              | '#' digits                  key_spec_index of a key argument (see below)
//              | '...'                       may repeat ("multiple")
//              | '+...'                      may repeat, with the token before each value
//                                            ("multiple" and "multiple_token")
//
// Names may contain ':' (the last ':' of a word separates the type) and any character other
// than space, brackets, parentheses, '|', '=' and the suffix characters "@!#+.".
//
// Key arguments are numbered in order of appearance: the first gets key_spec_index 0 and every
// later one 1 + the highest index given so far, unless '#n' sets the index itself (LCS's two
// keys share key spec 0: "key1:key key2:key#0").
//
// Examples
//   SET     key:key value:string [condition(NX|XX)@2.6.12] [GET@6.2.0]
//           [expiration(EX=seconds:integer@2.6.12|PX=milliseconds:integer@2.6.12|
//                       EXAT=unix-time-seconds:unix-time@6.2.0|
//                       PXAT=unix-time-milliseconds:unix-time@6.2.0|KEEPTTL@6.0.0)]
//   MSET    key_value(key:key value:string)...
//   HELLO   [arguments(protover:integer [AUTH=username_password(username:string password:string)]
//                      [SETNAME=clientname:string])]
//   ZADD's CH, a pure token named "change":  [CH=change@3.0.2]
//
// The text is parsed once (the registry does it at start-up and refuses a malformed table).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace petrel::resp {
class ReplyBuilder;
}

namespace petrel::command {

enum class ArgType : uint8_t {
  kString, kInteger, kDouble, kKey, kPattern, kUnixTime, kPureToken, kOneof, kBlock,
};

// The name COMMAND DOCS uses for a type: "string", "unix-time", "pure-token", ...
std::string_view ArgTypeName(ArgType type);

struct ArgNode {
  std::string name;
  ArgType type = ArgType::kString;
  std::string token;             // empty: none
  std::string since;             // empty: none
  std::string deprecated_since;  // empty: none
  int key_spec_index = -1;       // only for kKey
  bool optional = false;
  bool multiple = false;
  bool multiple_token = false;
  std::vector<ArgNode> children;  // kOneof and kBlock
};

struct ArgGrammar {
  std::vector<ArgNode> args;
  std::string error;  // empty when the text parsed; else the problem and its offset
  bool ok() const { return error.empty(); }
};

// Parses a grammar text (see above). An empty text has no arguments.
ArgGrammar ParseArgGrammar(std::string_view text);

// Writes the value of COMMAND DOCS's "arguments": an array with one map per argument, with the
// keys Redis 7.0 sends in its order (name, type, key_spec_index, token, since,
// deprecated_since, flags, arguments), each present only when it applies.
void WriteArgDocs(resp::ReplyBuilder& reply, const std::vector<ArgNode>& args);

// Largest key_spec_index used in `args` (recursively), or -1 without key arguments.
int MaxKeySpecIndex(const std::vector<ArgNode>& args);

}  // namespace petrel::command
