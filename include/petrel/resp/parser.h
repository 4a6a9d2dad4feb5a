// Incremental RESP request parser: multibulk (`*N\r\n$len\r\n...`) and inline commands.
// It knows nothing of the server: it takes bytes and limits and returns one command at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace petrel::resp {

struct ParseLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  size_t max_inline_len = 64 * 1024;           // Redis's PROTO_INLINE_MAX_SIZE
  // Before AUTH, Redis refuses multibulk counts above 10 and bulks above 16384 bytes.
  bool auth_required = false;
  // Replication links from a primary are exempt from proto-max-bulk-len.
  bool from_primary = false;
};

enum class ParseStatus {
  kCommand,   // one command parsed (possibly empty: skip it); see args() and consumed()
  kNeedMore,  // the input ends inside a command: call again with the same bytes plus more
  kError,     // protocol error: reply "-ERR " + error() and close the connection after it
};

class Parser {
 public:
  // `input` is the unconsumed input: it starts where the previous command ended. Across kNeedMore
  // results the caller passes the same leading bytes again (with more appended, possibly moved in
  // memory); the parser resumes where it stopped instead of rescanning the command.
  ParseStatus Parse(std::string_view input, const ParseLimits& limits);

  // The arguments of the command just parsed, as views into `input` (or into the parser, for
  // inline commands with quoting). Valid until the next call to Parse or until `input` changes.
  std::span<const std::string_view> args() const { return args_; }
  // Bytes of `input` taken by the command just parsed.
  size_t consumed() const { return consumed_; }
  // Text after "-ERR " for kError, e.g. "Protocol error: invalid bulk length".
  const std::string& error() const { return error_; }
  // True while a command has started but is not complete (for the query buffer accounting).
  bool in_progress() const { return mode_ != Mode::kIdle; }
  // Forgets any partial command.
  void Reset();

 private:
  enum class Mode { kIdle, kInline, kMultibulk };

  ParseStatus ParseInline(std::string_view input, const ParseLimits& limits);
  ParseStatus ParseMultibulk(std::string_view input, const ParseLimits& limits);
  bool FindHeaderEnd(std::string_view input, size_t* cr);
  bool FindInlineEnd(std::string_view input, size_t* nl);
  ParseStatus Fail(std::string message);
  ParseStatus Finish(std::string_view input);

  // Progress within the current command, as offsets so the buffer may move.
  Mode mode_ = Mode::kIdle;
  size_t pos_ = 0;                   // next byte to read (start of the current line or bulk)
  size_t scan_ = 0;                  // no line terminator in [pos_, scan_); resumes the search
  size_t seen_ = 0;                  // input size at the previous call (guards against misuse)
  int64_t multibulk_remaining_ = 0;  // bulks still to read; 0 before the header is read
  int64_t bulk_len_ = -1;            // length of the bulk being read, -1 before its header
  std::vector<std::pair<size_t, size_t>> arg_offsets_;  // (offset, length) per argument

  std::vector<std::string> inline_storage_;  // unquoted inline arguments
  std::vector<std::string_view> args_;
  size_t consumed_ = 0;
  std::string error_;
};

// Splits an inline command line the way redis-cli and Redis's sdssplitargs do: words separated by
// spaces, "double quotes" with \n \r \t \b \a \\ \" \xHH escapes, 'single quotes' with \'.
// Returns false for unbalanced quotes or a closing quote followed by something other than a space.
// Replaces the contents of `out`. A NUL byte ends the line, as it ends sdssplitargs's C string.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>& out);

}  // namespace petrel::resp
