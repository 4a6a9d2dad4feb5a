#include "petrel/storage/lcs.h"

#include <algorithm>

namespace petrel::storage {

LcsResult ComputeLcs(std::string_view a, std::string_view b) {
  const size_t rows = a.size() + 1;
  const size_t cols = b.size() + 1;
  // table[i * cols + j] = LCS length of a[0..i) and b[0..j).
  std::vector<uint32_t> table(rows * cols, 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return table[i * cols + j]; };
  for (size_t i = 1; i < rows; ++i) {
    for (size_t j = 1; j < cols; ++j) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }

  LcsResult result;
  size_t len = at(rows - 1, cols - 1);
  result.sequence.assign(len, '\0');
  // Walk back from the end, collecting the sequence and grouping contiguous matches into ranges.
  size_t i = a.size();
  size_t j = b.size();
  bool in_range = false;
  LcsMatch range{};
  while (i > 0 && j > 0) {
    bool close_range = false;
    if (a[i - 1] == b[j - 1]) {
      result.sequence[--len] = a[i - 1];
      const auto ai = static_cast<int64_t>(i - 1);
      const auto bj = static_cast<int64_t>(j - 1);
      if (!in_range) {
        range = {ai, ai, bj, bj};
        in_range = true;
      } else {
        range.a_start = ai;
        range.b_start = bj;
      }
      if (ai == 0 || bj == 0) close_range = true;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (in_range) close_range = true;
    }
    if (close_range) {
      result.matches.push_back(range);
      in_range = false;
    }
  }
  return result;
}

}  // namespace petrel::storage
