// The reference split decision and tree walk: plain, branchy, and the oracle every faster
// kernel is tested against. The rules are the IR's (see ForestSpec in builder.hpp); how
// each source library maps onto them is in docs/semantics.md.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/forest_view.hpp"
#include "sapwood/builder.hpp"  // split:: flag bits

namespace sapwood::kernels::scalar {

// Categories are non-negative int32 values; x is truncated toward zero first, so
// negative, too large and non-finite values are never listed. With kTruncateCategory,
// x in (-1, 0) truncates to category 0 as C's conversion to int does.
inline bool category_listed(const ForestView& forest, std::int64_t node, double x) {
  const bool truncate = (forest.split_flags[node] & split::kTruncateCategory) != 0;
  if (!(x >= (truncate ? -1.0 : 0.0)) || x == -1.0 || x >= 2147483648.0) return false;
  const auto category = static_cast<std::int32_t>(x);
  const std::int32_t* first = forest.categories + forest.category_offsets[node];
  const std::int32_t* last = forest.categories + forest.category_offsets[node + 1];
  return std::binary_search(first, last, category);
}

// What a forest uses, known once per call so that the walk of a plain numeric forest
// carries no tests for rules it never meets.
struct WalkTraits {
  bool categorical;      // some node is categorical
  bool missing_rules;    // some node has kZeroIsMissing or kNanAsZero
};

template <bool kCategorical, bool kMissingRules>
inline bool goes_left(const ForestView& forest, std::int64_t node, double x) {
  const std::uint8_t flags = forest.split_flags[node];
  const bool default_left = (flags & split::kDefaultLeft) != 0;
  if constexpr (kCategorical) {
    if ((flags & split::kCategorical) != 0) {
      if (std::isnan(x)) return default_left;
      const bool listed_go_right = (flags & split::kCategoriesRight) != 0;
      return category_listed(forest, node, x) != listed_go_right;
    }
  }
  if constexpr (kMissingRules) {
    if (std::isnan(x)) {
      if ((flags & split::kNanAsZero) == 0 || (flags & split::kZeroIsMissing) != 0) return default_left;
      x = 0.0;
    }
    if ((flags & split::kZeroIsMissing) != 0 && x == 0.0) return default_left;
  } else {
    if (std::isnan(x)) return default_left;
  }
  const double threshold = forest.threshold[node];
  return (flags & split::kLessEqual) != 0 ? x <= threshold : x < threshold;
}

// Returns the global index of the leaf that `row` reaches in `tree`. The row holds every
// feature as a double, already rounded to the model's input precision.
template <bool kCategorical, bool kMissingRules>
std::int64_t find_leaf(const ForestView& forest, std::int64_t tree, const double* row) {
  const std::int64_t base = forest.tree_offsets[tree];
  std::int64_t node = base;
  while (forest.left_child[node] != -1) {
    const double x = row[forest.feature[node]];
    node = base + (goes_left<kCategorical, kMissingRules>(forest, node, x) ? forest.left_child[node]
                                                                           : forest.right_child[node]);
  }
  return node;
}

}  // namespace sapwood::kernels::scalar
