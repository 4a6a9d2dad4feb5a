// Longest common subsequence of two strings, with the matching ranges LCS ... IDX reports.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace petrel::storage {

struct LcsMatch {
  int64_t a_start, a_end, b_start, b_end;
  int64_t length() const { return a_end - a_start + 1; }
};

struct LcsResult {
  std::string sequence;
  std::vector<LcsMatch> matches;  // from the end of the strings backwards, as Redis lists them
};

// Computes the LCS of a and b with a (|a|+1)*(|b|+1) table; the caller checks the size first.
LcsResult ComputeLcs(std::string_view a, std::string_view b);

}  // namespace petrel::storage
