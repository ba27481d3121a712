// The forest IR: a validated ForestSpec plus what validation learns about its shape.
#pragma once

#include <cstdint>
#include <vector>

#include "sapwood/builder.hpp"

namespace sapwood::detail {

struct Forest {
  ForestSpec spec;
  std::vector<std::int32_t> trees_per_output;  // how many trees add to each output
  std::vector<std::int32_t> tree_depth;        // per tree, edges on its longest path
  std::int64_t n_leaves = 0;
  bool has_categorical = false;    // some node is categorical
  bool has_missing_rules = false;  // some node treats zero as missing or NaN as zero
  bool has_linear_leaves = false;

  std::int64_t n_trees() const { return static_cast<std::int64_t>(spec.tree_offsets.size()) - 1; }
  std::int64_t n_nodes() const { return static_cast<std::int64_t>(spec.left_child.size()); }
};

// Checks every invariant the engines rely on and throws Error(kInvalidModel) naming the
// first one broken: array sizes, child indices in range, every tree a tree (no cycles,
// no shared children), feature indices below n_features, well-formed category lists. What
// the engines derive from it is compile/'s (compile/forest_engine.hpp).
Forest make_forest(ForestSpec spec);

}  // namespace sapwood::detail
