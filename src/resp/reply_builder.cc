#include "petrel/resp/reply_builder.h"

#include <cmath>
#include <cstring>

#include "petrel/util/numbers.h"

namespace petrel::resp {

void ReplyBuilder::Header(char type, int64_t n) {
  char buf[24];
  buf[0] = type;
  size_t len = 1 + util::FormatInt64(n, buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out_->append(buf, len);
}

void ReplyBuilder::SimpleString(std::string_view s) {
  size_t start = out_->size();
  out_->push_back('+');
  out_->append(s);
  for (size_t i = start + 1; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n");
}

void ReplyBuilder::Error(std::string_view text) {
  ++errors_written_;
  if (tally_ != nullptr) {
    ++tally_->total;
    std::string_view code = "ERR";
    if (!text.empty() && text[0] == '-') code = text.substr(1, text.find(' ') - 1);
    auto it = tally_->by_code.find(code);
    if (it == tally_->by_code.end()) it = tally_->by_code.emplace(std::string(code), 0).first;
    ++it->second;
  }
  size_t start = out_->size();
  if (text.empty() || text[0] != '-') out_->append("-ERR ");
  out_->append(text);
  // A newline inside an error would break the protocol: Redis replaces them with spaces.
  for (size_t i = start + 1; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n");
}

void ReplyBuilder::Integer(int64_t v) {
  if (v >= 0 && v < 10) {
    char buf[4] = {':', static_cast<char>('0' + v), '\r', '\n'};
    out_->append(buf, 4);
    return;
  }
  Header(':', v);
}

void ReplyBuilder::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n");
}

void ReplyBuilder::NullBulk() { Raw(protocol_ >= 3 ? "_\r\n" : "$-1\r\n"); }
void ReplyBuilder::NullArray() { Raw(protocol_ >= 3 ? "_\r\n" : "*-1\r\n"); }

void ReplyBuilder::Array(size_t n) { Header('*', static_cast<int64_t>(n)); }

void ReplyBuilder::Map(size_t pairs) {
  if (protocol_ >= 3) {
    Header('%', static_cast<int64_t>(pairs));
  } else {
    Header('*', static_cast<int64_t>(pairs * 2));
  }
}

void ReplyBuilder::Set(size_t n) { Header(protocol_ >= 3 ? '~' : '*', static_cast<int64_t>(n)); }
void ReplyBuilder::Push(size_t n) { Header(protocol_ >= 3 ? '>' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::Double(double v) {
  std::string text = util::DoubleToString(v);
  if (protocol_ >= 3) {
    out_->push_back(',');
    out_->append(text);
    out_->append("\r\n");
  } else {
    Bulk(text);
  }
}

void ReplyBuilder::Bool(bool v) {
  if (protocol_ >= 3) {
    Raw(v ? "#t\r\n" : "#f\r\n");
  } else {
    Raw(v ? ":1\r\n" : ":0\r\n");
  }
}

void ReplyBuilder::Verbatim(std::string_view text, std::string_view format) {
  if (protocol_ >= 3) {
    Header('=', static_cast<int64_t>(text.size() + 4));
    out_->append(format.substr(0, 3));
    out_->push_back(':');
    out_->append(text);
    out_->append("\r\n");
  } else {
    Bulk(text);
  }
}

}  // namespace petrel::resp
