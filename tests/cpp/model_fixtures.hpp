// Small hand-made models shared by the C++ tests. Each fixture's expected predictions
// follow from the IR's documented rules, worked out by hand in the tests that use them.
#pragma once

#include <cstdint>
#include <vector>

#include "sapwood/builder.hpp"

namespace sapwood_test {

// One stump on feature 0 at `threshold`: left leaf -1, right leaf +1.
inline sapwood::ForestSpec stump(double threshold, std::uint8_t flags, std::int32_t n_features = 1) {
  sapwood::ForestSpec spec;
  spec.n_features = n_features;
  spec.tree_offsets = {0, 3};
  spec.tree_outputs = {0};
  spec.left_child = {1, -1, -1};
  spec.right_child = {2, -1, -1};
  spec.feature = {0, 0, 0};
  spec.threshold = {threshold, 0.0, 0.0};
  spec.split_flags = {flags, 0, 0};
  spec.leaf_values = {0.0, -1.0, 1.0};
  return spec;
}

// Two trees over 2 features:
//   tree 0: x0 < 0.5 ? 1 : (x1 < 2 ? 2 : 4)
//   tree 1: x1 < 1 ? 10 : 20   (missing x1 goes left)
inline sapwood::ForestSpec two_trees() {
  sapwood::ForestSpec spec;
  spec.n_features = 2;
  spec.tree_offsets = {0, 5, 8};
  spec.tree_outputs = {0, 0};
  spec.left_child = {1, -1, 3, -1, -1, 1, -1, -1};
  spec.right_child = {2, -1, 4, -1, -1, 2, -1, -1};
  spec.feature = {0, 0, 1, 0, 0, 1, 0, 0};
  spec.threshold = {0.5, 0, 2.0, 0, 0, 1.0, 0, 0};
  spec.split_flags = {0, 0, 0, 0, 0, sapwood::split::kDefaultLeft, 0, 0};
  spec.leaf_values = {0, 1, 0, 2, 4, 0, 10, 20};
  return spec;
}

// A categorical stump on feature 0: categories {1, 3, 40} go left (leaf -1), others right (+1).
inline sapwood::ForestSpec categorical_stump(std::uint8_t extra_flags = 0) {
  sapwood::ForestSpec spec = stump(0.0, static_cast<std::uint8_t>(sapwood::split::kCategorical | extra_flags));
  spec.category_offsets = {0, 3, 3, 3};
  spec.categories = {1, 3, 40};
  return spec;
}

}  // namespace sapwood_test
