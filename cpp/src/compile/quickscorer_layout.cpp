// Building the QuickScorer form: number each tree's leaves left to right, give every split
// node the mask that clears its left subtree's leaves, and sort the nodes of each feature by
// threshold.
#include "compile/quickscorer_layout.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>

namespace sapwood::compile {
namespace {

template <class T>
struct TreeNumbering {
  const kernels::CompiledNode<T>* nodes;  // the tree's, root at 0
  std::uint32_t tree;
  std::int32_t* leaf_of_bit;     // the tree's 64 slots
  std::vector<std::vector<kernels::QuickScorerEntry<T>>>& by_feature;
  std::vector<std::vector<kernels::QuickScorerEntry<T>>>& nan_by_feature;
  // Categorical nodes by column, with where each one's bitset starts (its threshold).
  std::vector<std::vector<kernels::QuickScorerEntry<T>>>& categorical_by_feature;
  std::int32_t next_bit = 0;

  // Numbers the leaves under `node` in order; returns how many there are. The caller has
  // checked that the tree has at most 64, so the recursion is at most 64 deep.
  std::int32_t number(std::int32_t node) {
    const kernels::CompiledNode<T>& n = nodes[node];
    if (n.left == node) {
      leaf_of_bit[next_bit++] = node;
      return 1;
    }
    const std::int32_t first_bit = next_bit;
    const std::int32_t left_leaves = number(n.left);
    // left_leaves < 64: the right subtree holds at least one leaf.
    const std::uint64_t left_bits = ((std::uint64_t{1} << left_leaves) - 1) << first_bit;
    const kernels::QuickScorerEntry<T> entry{n.threshold, tree, ~left_bits};
    const std::uint32_t feature = n.feature & kernels::kFeatureMask;
    if ((n.feature & kernels::kCategoryBit) != 0) {
      categorical_by_feature[feature].push_back(entry);
    } else {
      by_feature[feature].push_back(entry);
      if ((n.feature & kernels::kDefaultLeftBit) == 0) nan_by_feature[feature].push_back(entry);
    }
    return left_leaves + number(n.left + 1);
  }
};

template <class T>
std::vector<kernels::QuickScorerEntry32<T>> narrowed(const std::vector<kernels::QuickScorerEntry<T>>& entries) {
  std::vector<kernels::QuickScorerEntry32<T>> out;
  out.reserve(entries.size());
  for (const kernels::QuickScorerEntry<T>& e : entries) out.push_back({e.threshold, e.tree, static_cast<std::uint32_t>(e.mask)});
  return out;
}

template <class T>
void flatten(std::vector<std::vector<kernels::QuickScorerEntry<T>>>& by_feature, std::vector<kernels::QuickScorerEntry<T>>& entries,
             std::vector<std::int64_t>& begin) {
  begin.assign(1, 0);
  for (auto& list : by_feature) {
    entries.insert(entries.end(), list.begin(), list.end());
    begin.push_back(static_cast<std::int64_t>(entries.size()));
  }
}

// Column f's categorical nodes in one list, and for each bucket the nodes it sends right as
// a row of bits (the entries' thresholds hold where their bitsets start in category_bits).
// The vector kernels index these words with 32-bit lanes, and a forest with many
// categorical nodes over many categories would need buckets x nodes bits: past this bound
// the forest keeps the walk. Filling them costs a test per node and bucket, 32 per word, so
// the bound also bounds the build (8 MiB; real models need a few hundred KiB: 3,000 nodes
// over 250 levels).
constexpr std::int64_t kMaxCategoryRightWords = std::int64_t{1} << 21;

// A column's category (or NaN) nodes come tree by tree, and the nodes of one tree AND into the same line of
// words: in that order each AND waits for the previous one's store. Taking the trees in turn
// (every tree's first node on the column, then every tree's second, ...) puts other trees'
// ANDs between them (bench/families.py on AVX-512, LightGBM categorical: 128 k rows/s in the
// b7b29ca table, 236 k in the 8975ef4 one, bench/RESULTS.md). The AND of a tree's masks does
// not depend on their order.
template <class T>
void interleave_trees(std::vector<kernels::QuickScorerEntry<T>>& nodes) {
  std::vector<std::uint32_t> seen;
  std::vector<std::pair<std::uint32_t, std::size_t>> rank(nodes.size());
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const std::uint32_t tree = nodes[k].tree;
    if (tree >= seen.size()) seen.resize(static_cast<std::size_t>(tree) + 1, 0);
    rank[k] = {seen[tree]++, k};
  }
  std::sort(rank.begin(), rank.end());
  std::vector<kernels::QuickScorerEntry<T>> interleaved;
  interleaved.reserve(nodes.size());
  for (const auto& [depth_rank, k] : rank) interleaved.push_back(nodes[k]);
  nodes.swap(interleaved);
}

template <class T>
bool add_category_columns(std::vector<std::vector<kernels::QuickScorerEntry<T>>>& by_feature,
                          const std::vector<std::uint32_t>& category_bits,
                          const std::vector<std::int32_t>& column_buckets, QuickScorerLayout<T>& layout) {
  std::int64_t total_words = 0;
  for (std::size_t f = 0; f < by_feature.size(); ++f) {
    const std::int64_t buckets = f < column_buckets.size() ? column_buckets[f] : 0;
    total_words += buckets * static_cast<std::int64_t>((by_feature[f].size() + 31) / 32);
    if (total_words > kMaxCategoryRightWords) return false;
  }
  layout.category_begin.assign(1, 0);
  for (std::size_t f = 0; f < by_feature.size(); ++f) {
    interleave_trees(by_feature[f]);
    const auto& nodes = by_feature[f];
    const std::int32_t buckets = f < column_buckets.size() ? column_buckets[f] : 0;
    const auto words = static_cast<std::int32_t>((nodes.size() + 31) / 32);
    layout.category_words.push_back(nodes.empty() ? 0 : words);
    layout.category_right_begin.push_back(static_cast<std::int64_t>(layout.category_right.size()));
    const std::size_t first = layout.category_right.size();
    layout.category_right.resize(first + static_cast<std::size_t>(nodes.empty() ? 0 : buckets) * words, 0u);
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      for (std::int32_t b = 0; b < buckets; ++b) {
        if (kernels::category_goes_left(category_bits.data(), nodes[k].threshold, static_cast<T>(b))) continue;
        layout.category_right[first + static_cast<std::size_t>(b) * words + k / 32] |= std::uint32_t{1} << (k % 32);
      }
    }
    layout.category_entries.insert(layout.category_entries.end(), nodes.begin(), nodes.end());
    layout.category_begin.push_back(static_cast<std::int64_t>(layout.category_entries.size()));
  }
  return true;
}

}  // namespace

template <class T>
bool build_quickscorer(const std::vector<kernels::CompiledNode<T>>& nodes, const std::vector<std::int64_t>& tree_begin,
                       std::int64_t n_trees, const std::vector<std::uint32_t>& category_bits,
                       const std::vector<std::int32_t>& column_buckets, QuickScorerLayout<T>* out) {
  std::uint32_t n_features = 0;
  std::int64_t most_leaves = 0;
  for (std::int64_t t = 0; t < n_trees; ++t) {
    std::int64_t leaves = 0;
    for (std::int64_t i = tree_begin[static_cast<std::size_t>(t)]; i < tree_begin[static_cast<std::size_t>(t) + 1]; ++i) {
      const kernels::CompiledNode<T>& n = nodes[static_cast<std::size_t>(i)];
      const bool leaf = n.left == static_cast<std::int32_t>(i - tree_begin[static_cast<std::size_t>(t)]);
      if (!leaf) n_features = std::max(n_features, (n.feature & kernels::kFeatureMask) + 1);
      leaves += leaf ? 1 : 0;
    }
    if (leaves > kQuickScorerMaxLeaves || leaves == 0) return false;
    most_leaves = std::max(most_leaves, leaves);
  }
  QuickScorerLayout<T> layout;
  layout.n_features = static_cast<std::int32_t>(n_features);
  layout.n_trees = n_trees;
  layout.leaf_of_bit.assign(static_cast<std::size_t>(n_trees * kQuickScorerMaxLeaves), 0);
  std::vector<std::vector<kernels::QuickScorerEntry<T>>> by_feature(n_features);
  std::vector<std::vector<kernels::QuickScorerEntry<T>>> nan_by_feature(n_features);
  std::vector<std::vector<kernels::QuickScorerEntry<T>>> categorical_by_feature(n_features);
  for (std::int64_t t = 0; t < n_trees; ++t) {
    TreeNumbering<T> numbering{nodes.data() + tree_begin[static_cast<std::size_t>(t)],
                               static_cast<std::uint32_t>(t),
                               layout.leaf_of_bit.data() + t * kQuickScorerMaxLeaves,
                               by_feature,
                               nan_by_feature,
                               categorical_by_feature};
    numbering.number(0);
  }
  const bool any_categorical = std::any_of(categorical_by_feature.begin(), categorical_by_feature.end(),
                                           [](const auto& list) { return !list.empty(); });
  if (any_categorical && !add_category_columns(categorical_by_feature, category_bits, column_buckets, layout)) {
    return false;
  }
  layout.feature_begin.assign(1, 0);
  for (auto& list : by_feature) {
    // NaN thresholds first (they compare as neither below nor above), then ascending.
    const auto numbers = std::stable_partition(list.begin(), list.end(),
                                               [](const kernels::QuickScorerEntry<T>& e) { return std::isnan(e.threshold); });
    std::stable_sort(numbers, list.end(),
                     [](const kernels::QuickScorerEntry<T>& a, const kernels::QuickScorerEntry<T>& b) { return a.threshold < b.threshold; });
    layout.scan_begin.push_back(static_cast<std::int64_t>(layout.entries.size() + static_cast<std::size_t>(numbers - list.begin())));
    layout.entries.insert(layout.entries.end(), list.begin(), list.end());
    // No number is above +inf, so the scan stops here without a bounds test of its own; the
    // mask would change nothing anyway.
    layout.entries.push_back({std::numeric_limits<T>::infinity(), 0, ~std::uint64_t{0}});
    layout.feature_begin.push_back(static_cast<std::int64_t>(layout.entries.size()));
  }
  for (auto& list : nan_by_feature) interleave_trees(list);  // all of a list is applied at once
  flatten(nan_by_feature, layout.nan_entries, layout.nan_begin);
  if (most_leaves <= 32) {
    layout.narrow = true;
    layout.entries32 = narrowed(layout.entries);
    layout.nan_entries32 = narrowed(layout.nan_entries);
    layout.category_entries32 = narrowed(layout.category_entries);
  }
  *out = std::move(layout);
  return true;
}

template bool build_quickscorer(const std::vector<kernels::CompiledNode<float>>&, const std::vector<std::int64_t>&,
                                std::int64_t, const std::vector<std::uint32_t>&, const std::vector<std::int32_t>&,
                                QuickScorerLayout<float>*);
template bool build_quickscorer(const std::vector<kernels::CompiledNode<double>>&, const std::vector<std::int64_t>&,
                                std::int64_t, const std::vector<std::uint32_t>&, const std::vector<std::int32_t>&,
                                QuickScorerLayout<double>*);

}  // namespace sapwood::compile
