// The QuickScorer form of a compiled forest (kernels::QuickScorer, engine.hpp). It is built
// from the compiled nodes, so it makes exactly their decisions: one entry per split node, its
// threshold and default direction as compiled.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/engine.hpp"

namespace sapwood::kernels {

template <class T>
struct QuickScorerLayout {
  std::vector<QuickScorerEntry<T>> entries;
  std::vector<std::int64_t> feature_begin;
  std::vector<std::int64_t> scan_begin;
  std::vector<QuickScorerEntry<T>> nan_entries;
  std::vector<std::int64_t> nan_begin;
  std::vector<std::int32_t> leaf_of_bit;
  // entries and nan_entries with 32-bit masks, when every tree has at most 32 leaves.
  std::vector<QuickScorerEntry32<T>> entries32;
  std::vector<QuickScorerEntry32<T>> nan_entries32;
  bool narrow = false;
  std::int32_t n_features = 0;
  std::int64_t n_trees = 0;

  QuickScorer<T> view() const {
    return {entries.data(),
            feature_begin.data(),
            scan_begin.data(),
            nan_entries.data(),
            nan_begin.data(),
            leaf_of_bit.data(),
            narrow ? entries32.data() : nullptr,
            narrow ? nan_entries32.data() : nullptr,
            n_features,
            n_trees};
  }
};

constexpr std::int64_t kQuickScorerMaxLeaves = 64;

// The QuickScorer form of trees [0, n_trees) of a compiled forest (tree t's nodes are
// [tree_begin[t], tree_begin[t + 1]) of nodes, root first). False when some tree has more
// than 64 leaves.
template <class T>
bool build_quickscorer(const std::vector<CompiledNode<T>>& nodes, const std::vector<std::int64_t>& tree_begin,
                       std::int64_t n_trees, QuickScorerLayout<T>* out);

}  // namespace sapwood::kernels
