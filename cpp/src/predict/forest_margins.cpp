// Forest margins. A block of rows is first gathered into a contiguous buffer, each value
// rounded as the source library rounds its input (so the walk reads one layout whatever the
// caller's dtype and strides); then trees are walked in model order and each leaf is added to
// its output(s) in the accumulation type. Adding trees in model order from the base score is
// what makes sums bit-identical to the source libraries, so both engines keep that order:
//
// - the reference engine (level "scalar") walks the IR with kernels/scalar, one row at a time;
// - the compiled engine (every other level) walks the forest's compiled layout with the
//   active level's kernels, a whole block per tree; its rows are float32 when the model
//   rounds input to float32 (the layout's thresholds are exact for them), rewritten into the
//   layout's compiled columns. Trees the layout could not compile take the reference walk
//   over a float64 copy of the block, which linear leaves read as well.
#include <cmath>
#include <vector>

#include "compile/forest_engine.hpp"
#include "compile/forest_view.hpp"
#include "compile/traversal.hpp"
#include "kernels/dispatch.hpp"
#include "kernels/scalar/tree_walk.hpp"
#include "predict/margins.hpp"
#include "predict/model_rows.hpp"

namespace sapwood::detail {
namespace {

// A linear leaf's output, or its plain value when a feature it reads is missing.
double linear_leaf(const ForestSpec& spec, std::int64_t leaf, const double* row) {
  const auto first = static_cast<std::size_t>(spec.linear_offsets[static_cast<std::size_t>(leaf)]);
  const auto last = static_cast<std::size_t>(spec.linear_offsets[static_cast<std::size_t>(leaf) + 1]);
  double value = spec.linear_const[static_cast<std::size_t>(leaf)];
  for (std::size_t i = first; i < last; ++i) {
    const double x = row[spec.linear_features[i]];
    if (std::isnan(x)) return spec.leaf_values[static_cast<std::size_t>(leaf)];
    value += spec.linear_coefs[i] * x;
  }
  return value;
}

// Accumulators for n_rows rows, each starting where the model's sum starts.
template <class Acc>
std::vector<Acc> start_sums(const Forest& forest, std::int64_t n_rows) {
  const ForestSpec& spec = forest.spec;
  const std::int64_t n_outputs = spec.n_outputs;
  const bool mean = spec.aggregation == Aggregation::kMean;
  std::vector<Acc> acc(static_cast<std::size_t>(n_rows * n_outputs));
  for (std::int64_t r = 0; r < n_rows; ++r) {
    for (std::int64_t k = 0; k < n_outputs; ++k) {
      acc[static_cast<std::size_t>(r * n_outputs + k)] =
          mean ? Acc{0} : static_cast<Acc>(spec.base_score[static_cast<std::size_t>(k)]);
    }
  }
  return acc;
}

template <class Acc>
void finish_sums(const Forest& forest, const std::vector<Acc>& acc, std::int64_t n_rows, double* out) {
  const ForestSpec& spec = forest.spec;
  const std::int64_t n_outputs = spec.n_outputs;
  const bool mean = spec.aggregation == Aggregation::kMean;
  for (std::int64_t r = 0; r < n_rows; ++r) {
    for (std::int64_t k = 0; k < n_outputs; ++k) {
      Acc margin = acc[static_cast<std::size_t>(r * n_outputs + k)];
      if (mean) {
        margin /= static_cast<Acc>(forest.trees_per_output[static_cast<std::size_t>(k)]);
        margin += static_cast<Acc>(spec.base_score[static_cast<std::size_t>(k)]);
      }
      out[r * n_outputs + k] = static_cast<double>(margin);
    }
  }
}

std::int64_t first_output(const ForestSpec& spec, std::int64_t tree) {
  return spec.leaf_size == 1 ? spec.tree_outputs[static_cast<std::size_t>(tree)] : 0;
}

template <class Acc>
void add_leaf(const double* value, std::int32_t leaf_size, Acc* row_acc) {
  for (std::int32_t k = 0; k < leaf_size; ++k) row_acc[k] += static_cast<Acc>(value[k]);
}

// The reference walk of tree t for every row, added to acc.
template <class Acc, bool kCategorical, bool kMissingRules>
void add_reference_tree(const Forest& forest, const kernels::ForestView& view, std::int64_t t,
                        const double* rows, std::int64_t n_rows, std::int64_t n_cols, Acc* acc) {
  const ForestSpec& spec = forest.spec;
  const std::int64_t n_outputs = spec.n_outputs;
  const std::int64_t tree_output = first_output(spec, t);
  for (std::int64_t r = 0; r < n_rows; ++r) {
    const double* row = rows + r * n_cols;
    const std::int64_t leaf = kernels::scalar::find_leaf<kCategorical, kMissingRules>(view, t, row);
    Acc* row_acc = acc + r * n_outputs + tree_output;
    if (forest.has_linear_leaves) {
      row_acc[0] += static_cast<Acc>(linear_leaf(spec, leaf, row));
    } else {
      add_leaf(spec.leaf_values.data() + leaf * spec.leaf_size, spec.leaf_size, row_acc);
    }
  }
}

template <class Acc, bool kCategorical, bool kMissingRules>
void reference_block(const Forest& forest, const double* rows, std::int64_t n_rows, std::int64_t n_cols,
                     double* out) {
  const kernels::ForestView view = compile::view_of(forest.spec);
  std::vector<Acc> acc = start_sums<Acc>(forest, n_rows);
  for (std::int64_t t = 0; t < forest.n_trees(); ++t) {
    add_reference_tree<Acc, kCategorical, kMissingRules>(forest, view, t, rows, n_rows, n_cols, acc.data());
  }
  finish_sums(forest, acc, n_rows, out);
}

template <class Acc>
void reference_block_for(const Forest& forest, const double* rows, std::int64_t n_rows, std::int64_t n_cols,
                         double* out) {
  if (forest.has_categorical) {
    if (forest.has_missing_rules) return reference_block<Acc, true, true>(forest, rows, n_rows, n_cols, out);
    return reference_block<Acc, true, false>(forest, rows, n_rows, n_cols, out);
  }
  if (forest.has_missing_rules) return reference_block<Acc, false, true>(forest, rows, n_rows, n_cols, out);
  reference_block<Acc, false, false>(forest, rows, n_rows, n_cols, out);
}

void reference_margins(const Forest& forest, const MatrixView& x, std::int64_t begin, std::int64_t end,
                       double* out) {
  const std::vector<double> rows = model_rows<double>(forest, x, begin, end);
  if (forest.spec.accumulation == Precision::kFloat32) {
    return reference_block_for<float>(forest, rows.data(), end - begin, x.cols, out);
  }
  reference_block_for<double>(forest, rows.data(), end - begin, x.cols, out);
}

using compile::kChunkRows;
using compile::kMinLockstepRows;

// A forest bigger than one tree block (ForestLayout::tree_blocks) walks blocks of up to
// kMaxBlockChunks chunks, their rows' copy within kBlockRowBytes, so that each tree block,
// loaded once, serves them all; more chunks gain little once loading a block costs a few
// percent of walking it.
constexpr std::int64_t kMaxBlockChunks = 8;
constexpr std::int64_t kBlockRowBytes = std::int64_t{1} << 20;


bool lockstep(const compile::ForestLayout& layout, std::int64_t t, std::int32_t n_rows) {
  return n_rows >= kMinLockstepRows && layout.lockstep[static_cast<std::size_t>(t)] != 0;
}

template <class T>
kernels::PerfectTree<T> perfect_tree(const compile::ForestLayout& layout,
                                     const std::vector<kernels::PerfectNode<T>>& top,
                                     const std::vector<kernels::CompiledNode<T>>& nodes, std::int64_t t) {
  const auto i = static_cast<std::size_t>(t);
  return {top.data() + layout.perfect_node_begin[i],
          layout.perfect_leaf_map.data() + layout.perfect_leaf_begin[i],
          layout.perfect_depth[i],
          nodes.data() + layout.tree_begin[i],
          layout.tree_depth[i] - layout.perfect_depth[i],
          layout.lockstep[i] != 0,
          layout.category_bits_of(t)};
}

// The vector level's gather walks, where asked for (compile/traversal.hpp) and compiled;
// they have no categorical rule, so those trees keep the portable walk.
bool gather_walks(const kernels::KernelTable& kernels, const compile::ForestLayout& layout, std::int64_t t) {
  return kernels.gather_walk_f32 != nullptr && compile::active_traversal() == compile::Traversal::kGather &&
         layout.categorical_tree[static_cast<std::size_t>(t)] == 0;
}

void walk_compiled(const kernels::KernelTable& kernels, const compile::ForestLayout& layout, std::int64_t t,
                   const float* rows, std::int32_t n_rows, std::int32_t n_cols, bool rows_have_nan, std::int32_t* leaves) {
  if (layout.perfect[static_cast<std::size_t>(t)] != 0) {
    return kernels.walk_perfect_f32(perfect_tree(layout, layout.perfect_nodes_f32, layout.nodes_f32, t), rows, n_rows,
                                   n_cols, leaves, rows_have_nan);
  }
  const auto walk = !lockstep(layout, t, n_rows)    ? kernels.walk_rows_f32
                    : gather_walks(kernels, layout, t) ? kernels.gather_walk_f32
                                                       : kernels.walk_f32;
  walk(layout.nodes_f32.data() + layout.tree_begin[static_cast<std::size_t>(t)],
       layout.tree_depth[static_cast<std::size_t>(t)], rows, n_rows, n_cols, leaves, rows_have_nan,
       layout.category_bits_of(t));
}

void walk_compiled(const kernels::KernelTable& kernels, const compile::ForestLayout& layout, std::int64_t t,
                   const double* rows, std::int32_t n_rows, std::int32_t n_cols, bool rows_have_nan, std::int32_t* leaves) {
  if (layout.perfect[static_cast<std::size_t>(t)] != 0) {
    return kernels.walk_perfect_f64(perfect_tree(layout, layout.perfect_nodes_f64, layout.nodes_f64, t), rows, n_rows,
                                   n_cols, leaves, rows_have_nan);
  }
  const auto walk = !lockstep(layout, t, n_rows)    ? kernels.walk_rows_f64
                    : gather_walks(kernels, layout, t) ? kernels.gather_walk_f64
                                                       : kernels.walk_f64;
  walk(layout.nodes_f64.data() + layout.tree_begin[static_cast<std::size_t>(t)],
       layout.tree_depth[static_cast<std::size_t>(t)], rows, n_rows, n_cols, leaves, rows_have_nan,
       layout.category_bits_of(t));
}

bool all_perfect(const compile::ForestLayout& layout, std::int64_t t) {
  const auto i = static_cast<std::size_t>(t);
  return layout.perfect[i] != 0 && layout.perfect_depth[i] == layout.tree_depth[i];
}

const std::uint32_t* forest_category_bits(const compile::ForestLayout& layout) {
  return layout.any_categorical_tree ? layout.category_bits.data() : nullptr;
}
kernels::PerfectForest<float> perfect_forest(const compile::ForestLayout& layout, const float*) {
  return {layout.perfect_nodes_f32.data(), layout.perfect_node_begin.data(), layout.perfect_leaf_map.data(),
          layout.perfect_leaf_begin.data(), layout.perfect_depth.data(), forest_category_bits(layout)};
}
kernels::PerfectForest<double> perfect_forest(const compile::ForestLayout& layout, const double*) {
  return {layout.perfect_nodes_f64.data(), layout.perfect_node_begin.data(), layout.perfect_leaf_map.data(),
          layout.perfect_leaf_begin.data(), layout.perfect_depth.data(), forest_category_bits(layout)};
}

void walk_trees(const kernels::KernelTable& kernels, const kernels::PerfectForest<float>& forest, std::int64_t begin,
                std::int64_t end, const float* row, bool row_has_nan, std::int32_t* leaves) {
  kernels.walk_trees_f32(forest, begin, end, row, leaves, row_has_nan);
}
void walk_trees(const kernels::KernelTable& kernels, const kernels::PerfectForest<double>& forest,
                std::int64_t begin, std::int64_t end, const double* row, bool row_has_nan, std::int32_t* leaves) {
  kernels.walk_trees_f64(forest, begin, end, row, leaves, row_has_nan);
}

// One row down one tree by the branchy compiled walk: with no other rows to overlap, a
// predicted branch lets the CPU start the next node's loads before the comparison is known,
// which a branch-free walk cannot (a deep tree's perfect top only lengthens its chain).
void walk_alone(const kernels::KernelTable& kernels, const compile::ForestLayout& layout, std::int64_t t,
                const float* row, std::int32_t n_cols, bool row_has_nan, std::int32_t* leaf) {
  const auto i = static_cast<std::size_t>(t);
  kernels.walk_rows_f32(layout.nodes_f32.data() + layout.tree_begin[i], layout.tree_depth[i], row, 1, n_cols, leaf,
                       row_has_nan, layout.category_bits_of(t));
}
void walk_alone(const kernels::KernelTable& kernels, const compile::ForestLayout& layout, std::int64_t t,
                const double* row, std::int32_t n_cols, bool row_has_nan, std::int32_t* leaf) {
  const auto i = static_cast<std::size_t>(t);
  kernels.walk_rows_f64(layout.nodes_f64.data() + layout.tree_begin[i], layout.tree_depth[i], row, 1, n_cols, leaf,
                       row_has_nan, layout.category_bits_of(t));
}

// Adds compiled tree t's leaves for rows [0, n_rows) (leaves[r]: row r's leaf) to their sums.
// Tree by tree over a group of rows, each row's sum still takes its trees in model order,
// and the rows' additions do not wait on each other.
template <class Acc>
void add_tree_leaves(const Forest& forest, const compile::ForestLayout& layout, std::int64_t t,
                     const std::int32_t* leaves, std::int32_t n_rows, Acc* acc) {
  const ForestSpec& spec = forest.spec;
  const std::int64_t n_outputs = spec.n_outputs;
  const double* values = layout.leaf_values.data() + layout.tree_begin[static_cast<std::size_t>(t)] * spec.leaf_size;
  if (spec.leaf_size == 1) {
    Acc* tree_acc = acc + first_output(spec, t);
    for (std::int32_t r = 0; r < n_rows; ++r) tree_acc[r * n_outputs] += static_cast<Acc>(values[leaves[r]]);
    return;
  }
  for (std::int32_t r = 0; r < n_rows; ++r) {
    add_leaf(values + static_cast<std::int64_t>(leaves[r]) * spec.leaf_size, spec.leaf_size, acc + r * n_outputs);
  }
}

// The same for linear leaves: each compiled leaf names its IR leaf, whose linear model reads
// the row's values as gathered (raw_rows, raw_cols a row), not its compiled columns.
template <class Acc>
void add_linear_tree_leaves(const Forest& forest, const compile::ForestLayout& layout, std::int64_t t,
                            const std::int32_t* leaves, std::int32_t n_rows,
                            const double* raw_rows, std::int64_t raw_cols, Acc* acc) {
  const ForestSpec& spec = forest.spec;
  const std::int64_t n_outputs = spec.n_outputs;
  const std::int64_t* ir_node = layout.ir_node.data() + layout.tree_begin[static_cast<std::size_t>(t)];
  const std::int64_t* offsets = spec.linear_offsets.data();
  const std::int32_t* features = spec.linear_features.data();
  const double* coefs = spec.linear_coefs.data();
  const double* constants = spec.linear_const.data();
  const double* fallbacks = spec.leaf_values.data();
  Acc* tree_acc = acc + first_output(spec, t);
  for (std::int32_t r = 0; r < n_rows; ++r) {
    // linear_leaf's sum in its order, with the NaN test folded into one flag instead of a
    // branch per term.
    const std::int64_t leaf = ir_node[leaves[r]];
    const double* row = raw_rows + r * raw_cols;
    double value = constants[leaf];
    bool missing = false;
    for (std::int64_t i = offsets[leaf]; i < offsets[leaf + 1]; ++i) {
      const double x = row[features[i]];
      missing |= x != x;
      value += coefs[i] * x;
    }
    tree_acc[r * n_outputs] += static_cast<Acc>(missing ? fallbacks[leaf] : value);
  }
}

// Adds one row's leaves (leaves[t]: tree t's compiled leaf) in model order; reference trees
// are walked here, on the row's float64 copy (which linear leaves read too).
template <class Acc>
void add_row_leaves(const Forest& forest, const compile::ForestLayout& layout, const kernels::ForestView& view,
                    const std::int32_t* leaves,
                    const double* reference_row, std::int64_t n_cols, Acc* row_acc) {
  const ForestSpec& spec = forest.spec;
  const std::int64_t n_trees = forest.n_trees();
  if (!layout.any_reference_tree && layout.ir_node.empty() && spec.leaf_size == 1) {
    // Scalar leaves, every tree compiled: the same sums in the same order without the
    // per-tree tests below (a third of the time on small trees).
    const double* values = layout.leaf_values.data();
    const std::int64_t* tree_begin = layout.tree_begin.data();
    if (spec.n_outputs == 1) {  // one sum, kept in a register rather than in memory
      Acc sum = row_acc[0];
      for (std::int64_t t = 0; t < n_trees; ++t) sum += static_cast<Acc>(values[tree_begin[t] + leaves[t]]);
      row_acc[0] = sum;
      return;
    }
    const std::int32_t* tree_output = spec.tree_outputs.data();
    for (std::int64_t t = 0; t < n_trees; ++t) {
      row_acc[tree_output[t]] += static_cast<Acc>(values[tree_begin[t] + leaves[t]]);
    }
    return;
  }
  for (std::int64_t t = 0; t < n_trees; ++t) {
    if (layout.reference_tree[static_cast<std::size_t>(t)] != 0) {
      add_reference_tree<Acc, true, true>(forest, view, t, reference_row, 1, n_cols, row_acc);
      continue;
    }
    if (!layout.ir_node.empty()) {
      add_linear_tree_leaves(forest, layout, t, leaves + t, 1, reference_row, n_cols, row_acc);
      continue;
    }
    const double* values = layout.leaf_values.data() + layout.tree_begin[static_cast<std::size_t>(t)] * spec.leaf_size;
    add_leaf(values + static_cast<std::int64_t>(leaves[t]) * spec.leaf_size, spec.leaf_size,
             row_acc + first_output(spec, t));
  }
}

// A few rows (a single-row call): too few to overlap rows, so each row walks runs of
// all-perfect trees together instead, and other trees alone; every leaf is then added in
// model order as usual.
template <class Row, class Acc>
void compiled_few_rows(const Forest& forest, const compile::ForestLayout& layout, const kernels::KernelTable& kernels, const std::vector<Row>& rows,
                       const std::vector<double>& reference_rows, std::int64_t reference_cols, std::int32_t n_rows,
                       std::int32_t n_cols, std::vector<Acc>& acc) {
  const kernels::ForestView view = compile::view_of(forest.spec);
  const std::int64_t n_trees = forest.n_trees();
  const auto perfect = perfect_forest(layout, rows.data());
  std::vector<std::int32_t> leaves(static_cast<std::size_t>(n_trees));
  for (std::int32_t r = 0; r < n_rows; ++r) {
    const Row* row = rows.data() + static_cast<std::int64_t>(r) * n_cols;
    const bool row_has_nan = any_nan(row, n_cols);
    for (std::int64_t t = 0; t < n_trees;) {
      if (all_perfect(layout, t)) {
        std::int64_t end = t + 1;
        while (end < n_trees && all_perfect(layout, end)) ++end;
        walk_trees(kernels, perfect, t, end, row, row_has_nan, leaves.data() + t);
        t = end;
        continue;
      }
      if (layout.reference_tree[static_cast<std::size_t>(t)] == 0) {
        walk_alone(kernels, layout, t, row, n_cols, row_has_nan, leaves.data() + t);
      }
      ++t;
    }
    const double* reference_row = reference_rows.empty() ? nullptr : reference_rows.data() + r * reference_cols;
    add_row_leaves(forest, layout, view, leaves.data(), reference_row, reference_cols, acc.data() + r * forest.spec.n_outputs);
  }
}

// Below kMinLockstepRows rows the portable kernel's row-by-row pass (a vector pass would
// score spare lanes), else the level's groups of rows.
void score_rows(const kernels::KernelTable& kernels, const kernels::QuickScorer<float>& forest, const float* rows,
                std::int32_t n_rows, std::int32_t n_cols, std::uint64_t* bits, std::int32_t* leaves) {
  const kernels::KernelTable& level = n_rows >= kMinLockstepRows ? kernels : kernels::portable::table();
  level.score_rows_f32(forest, rows, n_rows, n_cols, bits, leaves);
}
void score_rows(const kernels::KernelTable& kernels, const kernels::QuickScorer<double>& forest, const double* rows,
                std::int32_t n_rows, std::int32_t n_cols, std::uint64_t* bits, std::int32_t* leaves) {
  const kernels::KernelTable& level = n_rows >= kMinLockstepRows ? kernels : kernels::portable::table();
  level.score_rows_f64(forest, rows, n_rows, n_cols, bits, leaves);
}

kernels::QuickScorer<float> quickscorer(const compile::ForestLayout& layout, const float*) {
  return layout.quickscorer_f32.view();
}
kernels::QuickScorer<double> quickscorer(const compile::ForestLayout& layout, const double*) {
  return layout.quickscorer_f64.view();
}

// A forest in QuickScorer form (it has no reference trees), kQuickScorerBlock rows at a time
// so that their leaves stay in L1 until they are added.
constexpr std::int32_t kQuickScorerBlock = 16;

template <class Row, class Acc>
void quickscorer_rows(const Forest& forest, const compile::ForestLayout& layout, const kernels::KernelTable& kernels, const std::vector<Row>& rows,
                      const std::vector<double>& raw_rows, std::int64_t raw_cols, std::int32_t n_rows,
                      std::int32_t n_cols, std::vector<Acc>& acc) {
  const auto scorer = quickscorer(layout, rows.data());
  const std::int64_t n_trees = forest.n_trees();
  if (n_rows < kMinLockstepRows) {  // a single-row call: its sum is kept in a register
    const kernels::ForestView view = compile::view_of(forest.spec);
    std::vector<std::uint64_t> bits(static_cast<std::size_t>(n_trees));  // a word per tree, no group scratch
    std::vector<std::int32_t> leaves(static_cast<std::size_t>(n_trees));
    for (std::int32_t r = 0; r < n_rows; ++r) {
      score_rows(kernels, scorer, rows.data() + static_cast<std::int64_t>(r) * n_cols, 1, n_cols, bits.data(),
                 leaves.data());
      const double* raw_row = raw_rows.empty() ? nullptr : raw_rows.data() + r * raw_cols;
      add_row_leaves(forest, layout, view, leaves.data(), raw_row, raw_cols, acc.data() + r * forest.spec.n_outputs);
    }
    return;
  }
  const bool linear = !layout.ir_node.empty();
  std::vector<std::uint64_t> bits(static_cast<std::size_t>(kernels::quickscorer_rows_scratch(n_trees)));
  std::vector<std::int32_t> leaves(static_cast<std::size_t>(n_trees * kQuickScorerBlock));
  for (std::int32_t first = 0; first < n_rows; first += kQuickScorerBlock) {
    const std::int32_t block = n_rows - first < kQuickScorerBlock ? n_rows - first : kQuickScorerBlock;
    score_rows(kernels, scorer, rows.data() + static_cast<std::int64_t>(first) * n_cols, block, n_cols, bits.data(),
               leaves.data());
    Acc* block_acc = acc.data() + first * forest.spec.n_outputs;
    for (std::int64_t t = 0; t < n_trees; ++t) {
      if (linear) {
        add_linear_tree_leaves(forest, layout, t, leaves.data() + t * block, block, raw_rows.data() + first * raw_cols, raw_cols,
                               block_acc);
      } else {
        add_tree_leaves(forest, layout, t, leaves.data() + t * block, block, block_acc);
      }
    }
  }
}

// Every tree, tree block by tree block (compile/forest_layout.hpp), over a block's chunks:
// a block of trees is loaded into cache once for all the chunks, and each chunk's rows stay
// in cache while the block's trees walk them. Each row's sum still takes its trees in model
// order. A chunk without NaN walks in the kernels' NaN-free form.
template <class Row, class Acc>
void walk_block(const Forest& forest, const compile::ForestLayout& layout, const kernels::KernelTable& kernels, const std::vector<Row>& rows,
                const std::vector<double>& reference_rows, std::int64_t reference_cols, std::int32_t n_rows,
                std::int32_t n_cols, std::vector<Acc>& acc) {
  const kernels::ForestView view = compile::view_of(forest.spec);
  const std::int64_t n_outputs = forest.spec.n_outputs;
  const auto n_chunks = static_cast<std::size_t>((n_rows + kChunkRows - 1) / kChunkRows);
  std::vector<std::uint8_t> chunk_has_nan(n_chunks);
  for (std::size_t c = 0; c < n_chunks; ++c) {
    const std::int64_t first = static_cast<std::int64_t>(c) * kChunkRows;
    const std::int64_t size = n_rows - first < kChunkRows ? n_rows - first : kChunkRows;
    chunk_has_nan[c] = any_nan(rows.data() + first * n_cols, size * n_cols) ? 1 : 0;
  }
  std::vector<std::int32_t> leaves(static_cast<std::size_t>(kChunkRows));
  for (std::size_t b = 0; b + 1 < layout.tree_blocks.size(); ++b) {
    for (std::size_t c = 0; c < n_chunks; ++c) {
      const std::int64_t first = static_cast<std::int64_t>(c) * kChunkRows;
      const auto size = static_cast<std::int32_t>(n_rows - first < kChunkRows ? n_rows - first : kChunkRows);
      const Row* chunk_rows = rows.data() + first * n_cols;
      Acc* chunk_acc = acc.data() + first * n_outputs;
      for (std::int64_t t = layout.tree_blocks[b]; t < layout.tree_blocks[b + 1]; ++t) {
        if (layout.reference_tree[static_cast<std::size_t>(t)] != 0) {
          add_reference_tree<Acc, true, true>(forest, view, t, reference_rows.data() + first * reference_cols, size,
                                              reference_cols, chunk_acc);
          continue;
        }
        walk_compiled(kernels, layout, t, chunk_rows, size, n_cols, chunk_has_nan[c] != 0, leaves.data());
        if (layout.ir_node.empty()) {
          add_tree_leaves(forest, layout, t, leaves.data(), size, chunk_acc);
        } else {
          add_linear_tree_leaves(forest, layout, t, leaves.data(), size, reference_rows.data() + first * reference_cols,
                                 reference_cols, chunk_acc);
        }
      }
    }
  }
}

// One block of rows by the engine chosen for it (compile/forest_engine.hpp).
template <class Row, class Acc>
void compiled_block(const Forest& forest, const compile::ForestLayout& layout, const kernels::KernelTable& kernels,
                    compile::ForestEngine engine, const MatrixView& x, std::int64_t begin, std::int64_t end,
                    double* out) {
  const auto n_rows = static_cast<std::int32_t>(end - begin);
  std::int32_t n_cols = 0;
  const std::vector<Row> rows = compiled_rows<Row>(forest, layout.columns, x, begin, end, &n_cols);
  std::vector<double> reference_rows;  // the reference walk's and the linear leaves' rows
  if (layout.any_reference_tree || !layout.ir_node.empty()) reference_rows = model_rows<double>(forest, x, begin, end);

  std::vector<Acc> acc = start_sums<Acc>(forest, n_rows);
  if (engine == compile::ForestEngine::kQuickScorer) {
    quickscorer_rows(forest, layout, kernels, rows, reference_rows, x.cols, n_rows, n_cols, acc);
  } else if (n_rows < kMinLockstepRows) {
    compiled_few_rows(forest, layout, kernels, rows, reference_rows, x.cols, n_rows, n_cols, acc);
  } else {
    walk_block(forest, layout, kernels, rows, reference_rows, x.cols, n_rows, n_cols, acc);
  }
  finish_sums(forest, acc, n_rows, out);
}

template <class Acc>
void block_margins(const Forest& forest, const compile::ForestLayout* layout, const kernels::KernelTable* kernels,
                   const MatrixView& x, std::int64_t begin, std::int64_t end, double* out) {
  const compile::ForestEngine engine = compile::choose_forest_engine(layout, kernels, end - begin, x.cols);
  if (engine == compile::ForestEngine::kReference) return reference_margins(forest, x, begin, end, out);
  if (layout->float32) return compiled_block<float, Acc>(forest, *layout, *kernels, engine, x, begin, end, out);
  compiled_block<double, Acc>(forest, *layout, *kernels, engine, x, begin, end, out);
}

}  // namespace

std::int64_t forest_block_rows(const compile::ForestLayout* layout, std::int64_t n_cols) {
  if (layout == nullptr || layout->tree_blocks.size() <= 2) return kChunkRows;
  const std::int64_t row_bytes = (n_cols > 0 ? n_cols : 1) * (layout->float32 ? 4 : 8);
  const std::int64_t chunks = kBlockRowBytes / (row_bytes * kChunkRows);
  if (chunks <= 1) return kChunkRows;
  return kChunkRows * (chunks < kMaxBlockChunks ? chunks : kMaxBlockChunks);
}

void forest_margins(const Forest& forest, const compile::ForestLayout* layout, const MatrixView& x,
                    std::int64_t begin, std::int64_t end, double* out) {
  const kernels::KernelTable* kernels = kernels::kernels_for(kernels::active_isa());
  const std::int64_t n_outputs = forest.spec.n_outputs;
  const std::int64_t block_rows = forest_block_rows(layout, x.cols);
  for (std::int64_t first = begin; first < end; first += block_rows) {
    const std::int64_t last = first + block_rows < end ? first + block_rows : end;
    double* block_out = out + (first - begin) * n_outputs;
    if (forest.spec.accumulation == Precision::kFloat32) {
      block_margins<float>(forest, layout, kernels, x, first, last, block_out);
    } else {
      block_margins<double>(forest, layout, kernels, x, first, last, block_out);
    }
  }
}

}  // namespace sapwood::detail
