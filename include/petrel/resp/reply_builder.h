// Writes replies in RESP2 or RESP3. Handlers describe the shape ("map of 3", "null", "double");
// the builder writes the form of the client's protocol version, so no handler branches on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace petrel::resp {

// Error replies counted by their code ("ERR", "WRONGTYPE"), for INFO stats and errorstats.
struct ErrorTally {
  uint64_t total = 0;
  std::map<std::string, uint64_t, std::less<>> by_code;
};

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out, int protocol = 2) : out_(out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int protocol) { protocol_ = protocol; }
  std::string* buffer() { return out_; }
  void set_error_tally(ErrorTally* tally) { tally_ = tally; }
  // Error replies written through this builder so far.
  uint64_t errors_written() const { return errors_written_; }
  void set_buffer(std::string* out) { out_ = out; }

  void SimpleString(std::string_view s);  // "+OK"; CR and LF in s become spaces
  void Ok() { Raw("+OK\r\n"); }
  // As Redis's addReplyError: a text starting with '-' carries its own code ("-WRONGTYPE ...");
  // any other text gets "-ERR " in front.
  void Error(std::string_view text);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void NullBulk();   // $-1 in RESP2, _ in RESP3
  void NullArray();  // *-1 in RESP2, _ in RESP3
  void Array(size_t n);
  void Map(size_t pairs);  // an array of 2n in RESP2
  void Set(size_t n);      // an array in RESP2
  void Push(size_t n);     // an array in RESP2 (pub/sub messages)
  void Double(double v);   // a bulk string in RESP2
  void Bool(bool v);       // :1 / :0 in RESP2
  void Verbatim(std::string_view text, std::string_view format = "txt");  // bulk in RESP2
  void EmptyArray() { Array(0); }
  // Bytes already in RESP form (shared replies, status lines).
  void Raw(std::string_view bytes) { out_->append(bytes); }

 private:
  void Header(char type, int64_t n);

  std::string* out_;
  int protocol_;
  ErrorTally* tally_ = nullptr;
  uint64_t errors_written_ = 0;
};

}  // namespace petrel::resp
