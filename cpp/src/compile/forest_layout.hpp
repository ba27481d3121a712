// ForestLayout: the engine layout the fast kernels walk, compiled once per model from the
// validated forest (through its ForestView) and never saved. It is derived data: the IR stays
// the source of truth and the scalar reference walk reads the IR directly.
#pragma once

#include <cstdint>
#include <vector>

#include "compile/compiled_columns.hpp"
#include "kernels/engine.hpp"
#include "kernels/forest_view.hpp"
#include "compile/quickscorer_layout.hpp"

namespace sapwood::compile {

// The QuickScorer estimate against the walk's, per row, in nanoseconds of the machine they
// were measured on (bench/RESULTS.md, table 4, fitted to bench/traversal.py's models). One
// row at a time, scoring costs about 0.8 ns per node the row sends right (half the split
// nodes), 1 ns per tree and 20 ns per feature scanned; in groups of L rows (the vector
// levels), about 1.4 ns per entry a group passes (each feature's scan runs to the largest of
// the L values, L / (L + 1) of the entries) shared by L rows, and 2 ns per tree and row for
// the leaves. A walk (NaN-free rows, 16 rows a group on perfect trees) costs per level about
// 1.05 ns on perfect trees and 2.6 ns on the others in a batch, counted at each tree's mean
// leaf depth (boosted trees grow their deep leaves where the data is); a row alone walks
// perfect trees several at a time, each to its full padded depth at about 2.1 ns a level,
// and others at 5 ns per mean level (its branches mispredict).
struct TraversalCosts {
  double quickscorer_alone = 0;
  double quickscorer_split_nodes = 0;
  double quickscorer_trees = 0;
  double walk_batch = 0;
  double walk_alone = 0;

  double quickscorer_batch(std::int32_t lanes) const {
    if (lanes <= 1) return quickscorer_alone;
    return 1.4 * quickscorer_split_nodes / (lanes + 1) + 2.0 * quickscorer_trees;
  }
};

struct ForestLayout {
  // float32 nodes (and float32 rows) when the model rounds its input to float32; else float64.
  bool float32 = false;
  std::vector<kernels::NodeF32> nodes_f32;
  std::vector<kernels::NodeF64> nodes_f64;
  // Tree t's compiled nodes are [tree_begin[t], tree_begin[t + 1]); a tree the kernels cannot
  // take (see compile_forest_layout) has none and is walked by the reference instead.
  std::vector<std::int64_t> tree_begin;
  std::vector<std::int32_t> tree_depth;
  std::vector<std::uint8_t> reference_tree;  // 1: walk tree t with kernels::scalar
  // 1: tree t is near-balanced (depth close to log2 of its leaves), so rows walk it in
  // lockstep (KernelTable::walk_*); 0: each row takes its own path (walk_rows_*).
  std::vector<std::uint8_t> lockstep;
  bool any_reference_tree = false;
  // 1: tree t's top perfect_depth[t] levels are also stored as a perfect tree
  // (kernels::PerfectTree), where its walk starts. Their nodes are [perfect_node_begin[t],
  // + 2^depth - 1) of perfect_nodes_*, their slots [perfect_leaf_begin[t], + 2^depth) of
  // perfect_leaf_map.
  std::vector<std::uint8_t> perfect;
  std::vector<std::int32_t> perfect_depth;
  std::vector<std::int64_t> perfect_node_begin;
  std::vector<std::int64_t> perfect_leaf_begin;
  std::vector<kernels::PerfectNode<float>> perfect_nodes_f32;
  std::vector<kernels::PerfectNode<double>> perfect_nodes_f64;
  std::vector<std::int32_t> perfect_leaf_map;
  // Trees [tree_blocks[b], tree_blocks[b + 1]) are tree block b: consecutive trees whose
  // walked data (compiled and perfect nodes, slots, leaf values) fit together in a core's L2
  // cache, so that a block of rows can walk one tree block before the next and load each
  // tree once per block of rows rather than once per chunk. {0, n_trees} when the forest
  // fits whole.
  std::vector<std::int64_t> tree_blocks;
  // The whole forest in QuickScorer form (the one matching `float32`), built when every tree
  // is compiled with at most 64 leaves, and the estimates that choose between it and the walk
  // for a batch and for a row alone (read by compile/forest_engine.cpp, which decides).
  bool quickscorer = false;
  TraversalCosts traversal_costs;
  QuickScorerLayout<float> quickscorer_f32;
  QuickScorerLayout<double> quickscorer_f64;
  // leaf_size values per compiled node, read at leaves only (a copy of the IR's leaf values in
  // the compiled order).
  std::vector<double> leaf_values;
  // The columns the compiled rows hold (compile/compiled_columns.hpp); empty when they are
  // the features as gathered.
  std::vector<CompiledColumn> columns;
  // The bitsets of the categorical nodes (kernels/engine.hpp), and which trees have any.
  std::vector<std::uint32_t> category_bits;
  std::vector<std::uint8_t> categorical_tree;
  bool any_categorical_tree = false;

  // Linear leaves (LightGBM's linear_tree): the global IR node of each compiled node, so that
  // a leaf the walk or QuickScorer finds names its linear model; empty for constant leaves.
  std::vector<std::int64_t> ir_node;

  const std::uint32_t* category_bits_of(std::int64_t t) const {
    return categorical_tree[static_cast<std::size_t>(t)] != 0 ? category_bits.data() : nullptr;
  }
};

// Compiles every tree: numeric splits with or without default directions, kNanAsZero (NaN
// then goes where 0.0 goes, a per-node constant), any threshold, and through the compiled
// columns kZeroIsMissing and categorical splits. Only a tree past the compact form's bounds
// (node count, categories: see compiled_columns.cpp) stays on the reference walk.
// float32_input: the rows the kernels read hold float32 values, so each float64 threshold
// becomes the float32 bound that makes the same decision for every float32 x.
// linear_leaves: keep ir_node for the leaves' linear models.
ForestLayout compile_forest_layout(const kernels::ForestView& forest, std::int32_t n_features, std::int64_t n_nodes,
                                   std::int64_t n_trees, const std::int32_t* tree_depth, bool float32_input,
                                   bool linear_leaves = false);

}  // namespace sapwood::compile
