// The QuickScorer form of a compiled forest (kernels::QuickScorer, engine.hpp). It is built
// from the compiled nodes, so it makes exactly their decisions: one entry per split node, its
// threshold and default direction as compiled.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/engine.hpp"

namespace sapwood::compile {

template <class T>
struct QuickScorerLayout {
  std::vector<kernels::QuickScorerEntry<T>> entries;
  std::vector<std::int64_t> feature_begin;
  std::vector<std::int64_t> scan_begin;
  std::vector<kernels::QuickScorerEntry<T>> nan_entries;
  std::vector<std::int64_t> nan_begin;
  std::vector<std::int32_t> leaf_of_bit;
  // entries and nan_entries with 32-bit masks, when every tree has at most 32 leaves.
  std::vector<kernels::QuickScorerEntry32<T>> entries32;
  std::vector<kernels::QuickScorerEntry32<T>> nan_entries32;
  // Categorical nodes by column (QuickScorer::category_*); empty when there are none.
  std::vector<kernels::QuickScorerEntry<T>> category_entries;
  std::vector<kernels::QuickScorerEntry32<T>> category_entries32;
  std::vector<std::int64_t> category_begin;
  std::vector<std::uint32_t> category_right;
  std::vector<std::int64_t> category_right_begin;
  std::vector<std::int32_t> category_words;
  bool narrow = false;
  std::int32_t n_features = 0;
  std::int64_t n_trees = 0;

  kernels::QuickScorer<T> view() const {
    return {entries.data(),
            feature_begin.data(),
            scan_begin.data(),
            nan_entries.data(),
            nan_begin.data(),
            leaf_of_bit.data(),
            narrow ? entries32.data() : nullptr,
            narrow ? nan_entries32.data() : nullptr,
            category_begin.empty() ? nullptr : category_entries.data(),
            category_begin.empty() || !narrow ? nullptr : category_entries32.data(),
            category_begin.empty() ? nullptr : category_begin.data(),
            category_begin.empty() ? nullptr : category_right.data(),
            category_begin.empty() ? nullptr : category_right_begin.data(),
            category_begin.empty() ? nullptr : category_words.data(),
            n_features,
            n_trees};
  }
};

constexpr std::int64_t kQuickScorerMaxLeaves = 64;

// The QuickScorer form of trees [0, n_trees) of a compiled forest (tree t's nodes are
// [tree_begin[t], tree_begin[t + 1]) of nodes, root first; categorical nodes use
// category_bits, and column_buckets[f] is the bucket count of category column f, 0 for a
// numeric one). False when some tree has more than 64 leaves.
template <class T>
bool build_quickscorer(const std::vector<kernels::CompiledNode<T>>& nodes, const std::vector<std::int64_t>& tree_begin,
                       std::int64_t n_trees, const std::vector<std::uint32_t>& category_bits,
                       const std::vector<std::int32_t>& column_buckets, QuickScorerLayout<T>* out);

}  // namespace sapwood::compile
