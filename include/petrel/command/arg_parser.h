// Typed reading of command arguments with Redis's error texts. Reading stops at the first
// failure; the handler checks once and sends that error.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace petrel::command {

// Case-insensitive comparison of an argument with an ASCII option name.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

class ArgParser {
 public:
  ArgParser(std::span<const std::string_view> args, size_t first)
      : args_(args), pos_(first) {}

  bool HasNext() const { return pos_ < args_.size(); }
  size_t remaining() const { return args_.size() - pos_; }
  size_t position() const { return pos_; }
  std::string_view Peek() const { return args_[pos_]; }
  std::string_view Next() { return args_[pos_++]; }
  // Consumes the next argument if it equals `option` (case-insensitive).
  bool Accept(std::string_view option);
  // Integer argument (value is not an integer or out of range).
  std::optional<int64_t> NextInt();
  // Float argument (value is not a valid float).
  std::optional<double> NextDouble();

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  void Fail(std::string_view message) {
    if (error_.empty()) error_ = std::string(message);
  }

 private:
  std::span<const std::string_view> args_;
  size_t pos_;
  std::string error_;
};

}  // namespace petrel::command
