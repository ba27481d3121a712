// Compiling a forest into the compact node layout (see kernels/engine.hpp for the node and
// its walk rule). Every IR split rule a compiled node can carry is rewritten into the single
// rule "left iff x <= threshold, NaN goes the default way":
//
// - x < t for float64 x is x <= prev(t), the next double below t; for t = -inf nothing is
//   below, and a NaN threshold (every comparison false) sends every number right, as x < -inf
//   does.
// - For float32 x, x <= d holds iff x <= f, where f is the largest float32 not above d (no
//   float32 lies in (f, d]). So float32 rows compare against float32 thresholds in vector
//   lanes with exactly the decisions of the reference, which compares them as doubles.
// - kNanAsZero (without kZeroIsMissing): NaN is compared as 0.0, so where it goes depends on
//   the node only and becomes the default-left bit.
// - kZeroIsMissing: the node reads a column where 0 is NaN, and NaN goes its default way.
// - Categorical: the node reads a column of bucket ids and keeps a bitset over them
//   (compile/compiled_columns.hpp); its threshold holds where the bitset starts.
//
// Children are renumbered breadth first so that each node's two children are adjacent.
#include "compile/forest_layout.hpp"

#include <cmath>
#include <limits>

#include "sapwood/builder.hpp"  // split:: flag bits

namespace sapwood::compile {
namespace {

// The gathers index nodes with 32-bit word offsets (4 words a float64 node).
constexpr std::int64_t kMaxCompiledTreeNodes = std::numeric_limits<std::int32_t>::max() / 4;

// Lockstep walking costs the deepest row's steps for every row of a group; past this many
// levels more than the depth of a balanced tree with the same leaves, rows walk alone.
constexpr std::int32_t kLockstepSlack = 3;

bool near_balanced(std::int64_t leaves, std::int32_t depth) {
  std::int32_t balanced_depth = 0;
  while ((std::int64_t{1} << balanced_depth) < leaves) ++balanced_depth;
  return depth <= balanced_depth + kLockstepSlack;
}

// The threshold t' with "x <= t'" equivalent to the node's own comparison for every
// non-NaN double x.
double less_equal_bound(double threshold, bool less_equal) {
  if (less_equal) return threshold;
  if (threshold == -std::numeric_limits<double>::infinity()) return std::numeric_limits<double>::quiet_NaN();
  return std::nextafter(threshold, -std::numeric_limits<double>::infinity());
}

// The largest float32 value not above d (NaN stays NaN).
float float_floor(double d) {
  if (std::isnan(d)) return std::numeric_limits<float>::quiet_NaN();
  float f = static_cast<float>(d);
  if (static_cast<double>(f) > d) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

bool compilable(const kernels::ForestView& forest, const ColumnPlan& plan, std::int64_t begin, std::int64_t end) {
  if (end - begin > kMaxCompiledTreeNodes) return false;
  for (std::int64_t n = begin; n < end; ++n) {
    if (forest.left_child[n] != -1 && plan.node_column[static_cast<std::size_t>(n)] == -1) return false;
  }
  return true;
}

bool has_categorical_node(const kernels::ForestView& forest, std::int64_t begin, std::int64_t end) {
  for (std::int64_t n = begin; n < end; ++n) {
    if (forest.left_child[n] != -1 && (forest.split_flags[n] & split::kCategorical) != 0) return true;
  }
  return false;
}

template <class T>
kernels::CompiledNode<T> compile_split(const kernels::ForestView& forest, const ColumnPlan& plan, std::int64_t n, std::int32_t left) {
  const std::uint8_t flags = forest.split_flags[n];
  const auto column = static_cast<std::uint32_t>(plan.node_column[static_cast<std::size_t>(n)]);
  kernels::CompiledNode<T> node{};
  node.left = left;
  if ((flags & split::kCategorical) != 0) {
    // Word offsets stay below 2^22 (compiled_columns.cpp), exact in a float32.
    node.threshold = static_cast<T>(plan.node_category_bits[static_cast<std::size_t>(n)]);
    node.feature = column | kernels::kCategoryBit;
    return node;
  }
  const double threshold = forest.threshold[n];
  const bool less_equal = (flags & split::kLessEqual) != 0;
  const bool default_left = nan_goes_left(forest, n);
  const double bound = less_equal_bound(threshold, less_equal);
  if constexpr (sizeof(T) == sizeof(float)) {
    node.threshold = float_floor(bound);
  } else {
    node.threshold = bound;
  }
  node.feature = column | (default_left ? kernels::kDefaultLeftBit : 0u);
  return node;
}

// Appends tree [begin, end) to nodes and its leaf values to leaf_values, breadth first.
// Returns the IR-local node at each compiled position.
template <class T>
std::vector<std::int32_t> compile_tree(const kernels::ForestView& forest, const ColumnPlan& plan, std::int64_t begin,
                                       std::int64_t end, std::vector<kernels::CompiledNode<T>>& nodes,
                                       std::vector<double>& leaf_values) {
  const std::int64_t size = end - begin;
  const auto first = static_cast<std::int64_t>(nodes.size());
  nodes.resize(static_cast<std::size_t>(first + size));
  leaf_values.resize(static_cast<std::size_t>((first + size) * forest.leaf_size), 0.0);
  std::vector<std::int32_t> order{0};  // IR-local nodes in breadth-first order; position = new index
  order.reserve(static_cast<std::size_t>(size));
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::int64_t n = begin + order[i];
    const auto self = static_cast<std::int32_t>(i);
    kernels::CompiledNode<T>& node = nodes[static_cast<std::size_t>(first) + i];
    if (forest.left_child[n] == -1) {
      node.threshold = std::numeric_limits<T>::infinity();
      node.feature = kernels::kDefaultLeftBit;  // feature 0 is read but cannot change the decision
      node.left = self;
      const double* value = forest.leaf_values + n * forest.leaf_size;
      double* copy = leaf_values.data() + (first + self) * forest.leaf_size;
      for (std::int32_t k = 0; k < forest.leaf_size; ++k) copy[k] = value[k];
      continue;
    }
    node = compile_split<T>(forest, plan, n, static_cast<std::int32_t>(order.size()));
    order.push_back(forest.left_child[n]);
    order.push_back(forest.right_child[n]);
  }
  return order;
}

// A perfect top (kernels::PerfectTree) pays 2^depth slots whatever the leaves, so it covers
// as many levels as the tree's leaves fill well enough: all of a shallow bushy tree, the top
// of a deep one. Below 2 levels it would save nothing. Up to 12 levels, a depth-12 random
// forest tree (~1,000 leaves) is perfect all the way down: 32 KB of nodes, and no leaf tests
// or child loads, which measured 6% faster than a 10-level top and two compiled levels (a
// one-off timing loop; table 5 of bench/RESULTS.md has the combined effect).
constexpr std::int32_t kMaxPerfectDepth = 12;
constexpr std::int64_t kMaxPerfectPadding = 4;  // slots per real leaf, at most
constexpr std::int32_t kMinPerfectTop = 2;

// The levels to store perfect (0: none).
std::int32_t perfect_top(std::int32_t depth, std::int64_t n_leaves) {
  std::int32_t top = depth < kMaxPerfectDepth ? depth : kMaxPerfectDepth;
  while (top > 0 && (std::int64_t{1} << top) > kMaxPerfectPadding * n_leaves) --top;
  if (top == depth && depth >= 1) return top;
  return top >= kMinPerfectTop ? top : 0;
}

// Fills the perfect form of one tree below `slot` (level `level`) from IR node n.
template <class T>
struct PerfectBuilder {
  const kernels::ForestView& forest;
  const ColumnPlan& plan;
  std::int64_t begin;                     // the tree's first IR node
  std::int32_t depth;                     // levels stored perfect
  const std::vector<std::int32_t>& compiled_index;  // IR-local node -> compiled position
  kernels::PerfectNode<T>* nodes;
  std::int32_t* leaf_map;

  void fill(std::int64_t n, std::int64_t slot, std::int32_t level) const {
    const bool leaf = forest.left_child[n] == -1;
    if (level == depth) {  // a leaf, or where the compiled walk takes over
      leaf_map[slot - ((std::int64_t{1} << depth) - 1)] = compiled_index[static_cast<std::size_t>(n - begin)];
      return;
    }
    if (leaf) {
      nodes[slot] = {std::numeric_limits<T>::infinity(), kernels::kDefaultLeftBit};
      fill(n, 2 * slot + 1, level + 1);
      fill(n, 2 * slot + 2, level + 1);
      return;
    }
    const kernels::CompiledNode<T> node = compile_split<T>(forest, plan, n, 0);
    nodes[slot] = {node.threshold, node.feature};
    fill(begin + forest.left_child[n], 2 * slot + 1, level + 1);
    fill(begin + forest.right_child[n], 2 * slot + 2, level + 1);
  }
};

// order: the IR-local node at each compiled position (compile_tree). A tree may hold nodes
// its root never reaches; they have no compiled position, and the perfect form never
// visits them either.
template <class T>
void add_perfect_tree(const kernels::ForestView& forest, const ColumnPlan& plan, std::int64_t begin, std::int64_t end,
                      std::int32_t depth,
                      const std::vector<std::int32_t>& order, std::vector<kernels::PerfectNode<T>>& nodes, ForestLayout& layout,
                      std::int64_t t) {
  std::vector<std::int32_t> compiled_index(static_cast<std::size_t>(end - begin), -1);
  for (std::size_t i = 0; i < order.size(); ++i) compiled_index[static_cast<std::size_t>(order[i])] = static_cast<std::int32_t>(i);
  const std::int64_t n_internal = (std::int64_t{1} << depth) - 1;
  const auto node_begin = static_cast<std::int64_t>(nodes.size());
  const auto leaf_begin = static_cast<std::int64_t>(layout.perfect_leaf_map.size());
  nodes.resize(static_cast<std::size_t>(node_begin + n_internal));
  layout.perfect_leaf_map.resize(static_cast<std::size_t>(leaf_begin + n_internal + 1));
  const PerfectBuilder<T> builder{forest, plan, begin, depth, compiled_index, nodes.data() + node_begin,
                                  layout.perfect_leaf_map.data() + leaf_begin};
  builder.fill(begin, 0, 0);
  layout.perfect[static_cast<std::size_t>(t)] = 1;
  layout.perfect_depth[static_cast<std::size_t>(t)] = depth;
  layout.perfect_node_begin[static_cast<std::size_t>(t)] = node_begin;
  layout.perfect_leaf_begin[static_cast<std::size_t>(t)] = leaf_begin;
}

std::int64_t count_leaves(const kernels::ForestView& forest, std::int64_t begin, std::int64_t end) {
  std::int64_t leaves = 0;
  for (std::int64_t n = begin; n < end; ++n) leaves += forest.left_child[n] == -1 ? 1 : 0;
  return leaves;
}

template <class T>
void add_leaf_depths(const kernels::CompiledNode<T>* nodes, std::int32_t node, std::int32_t depth, std::int64_t* depth_sum,
                     std::int64_t* leaves) {
  const kernels::CompiledNode<T>& n = nodes[node];
  if (n.left == node) {
    *depth_sum += depth;
    ++*leaves;
    return;
  }
  add_leaf_depths(nodes, n.left, depth + 1, depth_sum, leaves);
  add_leaf_depths(nodes, n.left + 1, depth + 1, depth_sum, leaves);
}

// Only called on forests whose QuickScorer form was built (at most 64 leaves a tree, so the
// recursion is shallow).
template <class T>
TraversalCosts traversal_costs(const ForestLayout& layout, const std::vector<kernels::CompiledNode<T>>& nodes,
                               std::int32_t n_features) {
  TraversalCosts costs;
  costs.quickscorer_alone = 20.0 * n_features;
  const auto n_trees = static_cast<std::int64_t>(layout.tree_begin.size()) - 1;
  for (std::int64_t t = 0; t < n_trees; ++t) {
    const auto i = static_cast<std::size_t>(t);
    std::int64_t depth_sum = 0;
    std::int64_t leaves = 0;
    add_leaf_depths(nodes.data() + layout.tree_begin[i], 0, 0, &depth_sum, &leaves);
    const double levels = static_cast<double>(depth_sum) / static_cast<double>(leaves);
    const bool perfect = layout.perfect[i] != 0 && layout.perfect_depth[i] == layout.tree_depth[i];
    costs.quickscorer_alone += 0.8 * 0.5 * static_cast<double>(leaves - 1) + 1.0;
    costs.quickscorer_split_nodes += static_cast<double>(leaves - 1);
    costs.quickscorer_trees += 1.0;
    // A tree with categorical nodes steps in the walk's categorical form, which evaluates both
    // rules at every node: 1.4x the time a level (bench/families.py's LightGBM models on this
    // project's AVX2 machine: 58k against 79k rows/s for trees of the same size), while
    // QuickScorer's bucket words make its categorical nodes no dearer than numeric ones.
    const double kind = layout.categorical_tree[i] != 0 ? 1.4 : 1.0;
    costs.walk_batch += kind * levels * (perfect ? 1.05 : 2.6);
    // A row alone walks perfect trees several at a time, each its full (padded) depth.
    costs.walk_alone += kind * (perfect ? 2.1 * layout.tree_depth[i] : 5.0 * levels);
  }
  return costs;
}

// Builds the QuickScorer form when the forest can take it, with the estimates that decide
// where it pays.
template <class T>
void add_quickscorer(ForestLayout& layout, const std::vector<kernels::CompiledNode<T>>& nodes, QuickScorerLayout<T>& out) {
  const auto n_trees = static_cast<std::int64_t>(layout.tree_begin.size()) - 1;
  std::vector<std::int32_t> column_buckets;
  for (const CompiledColumn& column : layout.columns) {
    column_buckets.push_back(column.kind == ColumnKind::kCategory ? bucket_count(column.n_categories) : 0);
  }
  if (layout.any_reference_tree ||
      !build_quickscorer(nodes, layout.tree_begin, n_trees, layout.category_bits, column_buckets, &out)) {
    return;
  }
  layout.quickscorer = true;
  layout.traversal_costs = traversal_costs(layout, nodes, out.n_features);
}

// The cache one tree block may fill: about a fifth of an L2 (1.25 MiB on Ice Lake, 1-2 MiB
// on other current cores), leaving room for the rows and their sums; fewer bytes mean more
// passes over each chunk's rows.
constexpr std::int64_t kTreeBlockBytes = std::int64_t{256} << 10;

template <class T>
std::int64_t walked_bytes(const ForestLayout& layout, std::int64_t t, std::int32_t leaf_size) {
  const auto i = static_cast<std::size_t>(t);
  const std::int64_t nodes = layout.tree_begin[i + 1] - layout.tree_begin[i];
  std::int64_t bytes = nodes * (static_cast<std::int64_t>(sizeof(kernels::CompiledNode<T>)) + leaf_size * 8);
  if (layout.perfect[i] != 0) {
    const std::int64_t slots = std::int64_t{1} << layout.perfect_depth[i];
    bytes += (slots - 1) * static_cast<std::int64_t>(sizeof(kernels::PerfectNode<T>)) + slots * 4;
  }
  return bytes;
}

template <class T>
std::vector<std::int64_t> tree_blocks(const ForestLayout& layout, std::int64_t n_trees, std::int32_t leaf_size) {
  std::vector<std::int64_t> blocks{0};
  std::int64_t bytes = 0;
  for (std::int64_t t = 0; t < n_trees; ++t) {
    const std::int64_t tree = walked_bytes<T>(layout, t, leaf_size);
    if (bytes > 0 && bytes + tree > kTreeBlockBytes) {
      blocks.push_back(t);
      bytes = 0;
    }
    bytes += tree;
  }
  blocks.push_back(n_trees);
  return blocks;
}

// The tree just compiled (from IR node `begin`, its compiled nodes ending at n_compiled):
// each compiled position's global IR node.
void record_ir_nodes(std::int64_t begin, const std::vector<std::int32_t>& order, std::size_t n_compiled,
                     std::vector<std::int64_t>& ir_node) {
  const std::size_t first = ir_node.size();
  ir_node.resize(n_compiled, -1);
  for (std::size_t i = 0; i < order.size(); ++i) ir_node[first + i] = begin + order[i];
}

}  // namespace

ForestLayout compile_forest_layout(const kernels::ForestView& forest, std::int32_t n_features, std::int64_t n_nodes,
                                   std::int64_t n_trees, const std::int32_t* tree_depth, bool float32_input,
                                   bool linear_leaves) {
  ColumnPlan plan = plan_columns(forest, n_features, n_nodes);
  ForestLayout layout;
  layout.float32 = float32_input;
  layout.categorical_tree.assign(static_cast<std::size_t>(n_trees), 0);
  layout.tree_begin.assign(static_cast<std::size_t>(n_trees + 1), 0);
  layout.tree_depth.assign(tree_depth, tree_depth + n_trees);
  layout.reference_tree.assign(static_cast<std::size_t>(n_trees), 0);
  layout.lockstep.assign(static_cast<std::size_t>(n_trees), 0);
  layout.perfect.assign(static_cast<std::size_t>(n_trees), 0);
  layout.perfect_depth.assign(static_cast<std::size_t>(n_trees), 0);
  layout.perfect_node_begin.assign(static_cast<std::size_t>(n_trees), 0);
  layout.perfect_leaf_begin.assign(static_cast<std::size_t>(n_trees), 0);
  for (std::int64_t t = 0; t < n_trees; ++t) {
    const std::int64_t begin = forest.tree_offsets[t];
    const std::int64_t end = forest.tree_offsets[t + 1];
    if (!compilable(forest, plan, begin, end)) {
      layout.reference_tree[static_cast<std::size_t>(t)] = 1;
      layout.any_reference_tree = true;
      layout.tree_begin[static_cast<std::size_t>(t) + 1] = layout.tree_begin[static_cast<std::size_t>(t)];
      continue;
    }
    if (has_categorical_node(forest, begin, end)) {
      layout.categorical_tree[static_cast<std::size_t>(t)] = 1;
      layout.any_categorical_tree = true;
    }
    const std::int64_t leaves = count_leaves(forest, begin, end);
    layout.lockstep[static_cast<std::size_t>(t)] = near_balanced(leaves, tree_depth[t]) ? 1 : 0;
    const std::int32_t top = perfect_top(tree_depth[t], leaves);
    if (float32_input) {
      const auto order = compile_tree(forest, plan, begin, end, layout.nodes_f32, layout.leaf_values);
      if (top > 0) add_perfect_tree(forest, plan, begin, end, top, order, layout.perfect_nodes_f32, layout, t);
      if (linear_leaves) record_ir_nodes(begin, order, layout.nodes_f32.size(), layout.ir_node);
    } else {
      const auto order = compile_tree(forest, plan, begin, end, layout.nodes_f64, layout.leaf_values);
      if (top > 0) add_perfect_tree(forest, plan, begin, end, top, order, layout.perfect_nodes_f64, layout, t);
      if (linear_leaves) record_ir_nodes(begin, order, layout.nodes_f64.size(), layout.ir_node);
    }
    layout.tree_begin[static_cast<std::size_t>(t) + 1] =
        static_cast<std::int64_t>(float32_input ? layout.nodes_f32.size() : layout.nodes_f64.size());
  }
  layout.columns = std::move(plan.columns);
  layout.category_bits = std::move(plan.category_bits);
  layout.tree_blocks = float32_input ? tree_blocks<float>(layout, n_trees, forest.leaf_size)
                                     : tree_blocks<double>(layout, n_trees, forest.leaf_size);
  if (float32_input) {
    add_quickscorer(layout, layout.nodes_f32, layout.quickscorer_f32);
  } else {
    add_quickscorer(layout, layout.nodes_f64, layout.quickscorer_f64);
  }
  return layout;
}

}  // namespace sapwood::compile
