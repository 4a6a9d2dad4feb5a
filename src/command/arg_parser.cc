#include "petrel/command/arg_parser.h"

#include "petrel/command/errors.h"
#include "petrel/util/numbers.h"

namespace petrel::command {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

bool ArgParser::Accept(std::string_view option) {
  if (HasNext() && EqualsIgnoreCase(args_[pos_], option)) {
    ++pos_;
    return true;
  }
  return false;
}

std::optional<int64_t> ArgParser::NextInt() {
  if (!HasNext()) {
    Fail(errors::kSyntax);
    return std::nullopt;
  }
  auto v = util::ParseInt64(Next());
  if (!v) Fail(errors::kNotInteger);
  return v;
}

std::optional<double> ArgParser::NextDouble() {
  if (!HasNext()) {
    Fail(errors::kSyntax);
    return std::nullopt;
  }
  auto v = util::ParseDouble(Next());
  if (!v) Fail(errors::kNotFloat);
  return v;
}

}  // namespace petrel::command
