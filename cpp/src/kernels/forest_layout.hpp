// ForestLayout: the engine layout the fast kernels walk, compiled once per model from the
// validated forest (through its ForestView) and never saved. It is derived data: the IR stays
// the source of truth and the scalar reference walk reads the IR directly.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/engine.hpp"
#include "kernels/forest_view.hpp"
#include "kernels/quickscorer_layout.hpp"

namespace sapwood::kernels {

struct ForestLayout {
  // float32 nodes (and float32 rows) when the model rounds its input to float32; else float64.
  bool float32 = false;
  std::vector<NodeF32> nodes_f32;
  std::vector<NodeF64> nodes_f64;
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
  std::vector<PerfectNode<float>> perfect_nodes_f32;
  std::vector<PerfectNode<double>> perfect_nodes_f64;
  std::vector<std::int32_t> perfect_leaf_map;
  // The whole forest in QuickScorer form (the one matching `float32`), built when every tree
  // is compiled with at most 64 leaves, and where the cost estimates of forest_layout.cpp say
  // it beats walking: a batch of rows, a row alone (kernels/traversal.hpp can override).
  bool quickscorer = false;
  bool quickscorer_pays_batch = false;
  bool quickscorer_pays_alone = false;
  QuickScorerLayout<float> quickscorer_f32;
  QuickScorerLayout<double> quickscorer_f64;
  // leaf_size values per compiled node, read at leaves only (a copy of the IR's leaf values in
  // the compiled order).
  std::vector<double> leaf_values;
};

// Compiles every tree whose nodes the compact form can express exactly: numeric splits with
// or without default directions, kNanAsZero (NaN then goes where 0.0 goes, a per-node
// constant) and any threshold. Trees with categorical or kZeroIsMissing nodes stay on the
// reference walk. float32_input: the rows the kernels read hold float32 values, so each
// float64 threshold becomes the float32 bound that makes the same decision for every float32 x.
ForestLayout compile_forest_layout(const ForestView& forest, std::int64_t n_trees,
                                   const std::int32_t* tree_depth, bool float32_input);

}  // namespace sapwood::kernels
