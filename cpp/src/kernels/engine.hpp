// The compact node layout the fast forest kernels walk, and the table of kernel entry points
// each instruction set exports. Only PODs, pointers and sizes cross this boundary, so the
// per-ISA translation units (compiled with wider instructions) share no inline code with the
// rest of the library.
//
// A compiled node always sends a row left iff `x <= threshold`, or, when x is NaN, iff its
// default-left bit is set; every other IR rule is folded into those two fields when the
// layout is built (compile/forest_layout.cpp). Children are adjacent: right = left + 1. A
// leaf points at itself with an infinite threshold and default-left set, so walking past it
// stays on it and a group of rows can take the same number of steps.
//
// A categorical node (kCategoryBit in its feature) reads a category column, whose values are
// bucket ids (compile/compiled_columns.hpp), and sends a row left iff bit x of its bitset is
// set; its threshold holds where that bitset starts in the forest's category_bits words.
#pragma once

#include <cstdint>

namespace sapwood::kernels {

constexpr std::uint32_t kDefaultLeftBit = 0x80000000u;  // in CompiledNode::feature
constexpr std::uint32_t kCategoryBit = 0x40000000u;
constexpr std::uint32_t kFeatureMask = 0x3fffffffu;

// The categorical rule: bucket x (an integer value) in the bitset that starts at word
// `first_word`.
template <class T>
inline bool category_goes_left(const std::uint32_t* category_bits, T first_word, T x) {
  const auto bucket = static_cast<std::uint32_t>(x);
  return ((category_bits[static_cast<std::uint32_t>(first_word) + (bucket >> 5)] >> (bucket & 31)) & 1u) != 0;
}

// T is float when the model reads float32 input (thresholds are then exact float32 bounds),
// else double. 12 or 16 bytes.
template <class T>
struct CompiledNode {
  T threshold;
  std::uint32_t feature;  // feature index | kDefaultLeftBit
  std::int32_t left;      // tree-local index of the left child; the right one follows it
};
using NodeF32 = CompiledNode<float>;
using NodeF64 = CompiledNode<double>;

// Walks one tree (nodes local to it, root at 0) for rows[0, n_rows), each n_cols values,
// taking at most `depth` steps, and writes each row's tree-local leaf index. n_rows * n_cols
// must fit in int32 (gathers index with 32-bit offsets). Every walk takes rows_have_nan:
// false promises that no value of the rows is NaN, so a walk may decide on `x <= threshold`
// alone; true always gives the right answer. category_bits: the forest's categorical
// bitsets, or nullptr when the tree has no categorical node (the gather walks take none).
using WalkF32 = void (*)(const NodeF32* nodes, std::int32_t depth, const float* rows,
                         std::int32_t n_rows, std::int32_t n_cols, std::int32_t* leaves, bool rows_have_nan,
                         const std::uint32_t* category_bits);
using WalkF64 = void (*)(const NodeF64* nodes, std::int32_t depth, const double* rows,
                         std::int32_t n_rows, std::int32_t n_cols, std::int32_t* leaves, bool rows_have_nan,
                         const std::uint32_t* category_bits);
// The top `depth` levels of a tree as a perfect tree, stored level by level, so node i's
// children are 2i+1 and 2i+2 and those levels take exactly `depth` steps with no child
// pointers to load. The 2^depth - 1 nodes hold a threshold and feature | kDefaultLeftBit
// (same rule as CompiledNode) in one 8- or 16-byte load; slot s (0 .. 2^depth - 1) reached by
// a row is leaf_map[s], the tree-local CompiledNode where the walk goes on. Leaves above
// `depth` are padded with always-left nodes (+inf, default left) whose slots below all map
// to that leaf. When the whole tree fits (rest_steps 0) every slot maps to a leaf; else the
// walk continues in `rest` (the tree's CompiledNodes) for at most rest_steps more steps, in
// lockstep (rest_lockstep) or each row on its own.
template <class T>
struct PerfectNode {
  T threshold;
  std::uint32_t feature;
};
template <class T>
struct PerfectTree {
  const PerfectNode<T>* nodes;
  const std::int32_t* leaf_map;
  std::int32_t depth;
  const CompiledNode<T>* rest;
  std::int32_t rest_steps;
  bool rest_lockstep;
  const std::uint32_t* category_bits;  // nullptr: the tree has no categorical node
};
using WalkPerfectF32 = void (*)(const PerfectTree<float>& tree, const float* rows, std::int32_t n_rows,
                                std::int32_t n_cols, std::int32_t* leaves, bool rows_have_nan);
using WalkPerfectF64 = void (*)(const PerfectTree<double>& tree, const double* rows, std::int32_t n_rows,
                                std::int32_t n_cols, std::int32_t* leaves, bool rows_have_nan);

// Every tree of a forest whose levels are all perfect (rest_steps 0), for one row: trees
// [begin, end) are walked several at a time so that their loads overlap, since a single row
// has no other rows to overlap with; leaves[t - begin] gets tree t's compiled leaf. Tree t's
// nodes start at nodes + node_begin[t], its slots at leaf_map + leaf_begin[t].
template <class T>
struct PerfectForest {
  const PerfectNode<T>* nodes;
  const std::int64_t* node_begin;
  const std::int32_t* leaf_map;
  const std::int64_t* leaf_begin;
  const std::int32_t* depth;
  const std::uint32_t* category_bits;  // nullptr: the forest has no categorical node
};
using WalkTreesF32 = void (*)(const PerfectForest<float>& forest, std::int64_t begin, std::int64_t end,
                              const float* row, std::int32_t* leaves, bool row_has_nan);
using WalkTreesF64 = void (*)(const PerfectForest<double>& forest, std::int64_t begin, std::int64_t end,
                              const double* row, std::int32_t* leaves, bool row_has_nan);

// QuickScorer (Lucchese et al., SIGIR 2015): a forest of trees with at most 64 leaves each,
// scored feature by feature instead of tree by tree. Each tree's leaves are numbered left to
// right as bits of a 64-bit word that starts all ones. A node that sends a row right clears
// the bits of the leaves under its left child (its entry's mask), and the row's leaf in that
// tree is then the lowest bit still set. The entries of feature f are
// entries[feature_begin[f], feature_begin[f + 1]): first those with a NaN threshold (x < -inf
// compiled: every number goes right) up to scan_begin[f], then the rest sorted by threshold,
// of which a number x sends right exactly those with threshold < x (the compiled rule,
// negated): a prefix, so the scan for f stops at the first entry it keeps, at the latest at
// the +inf sentinel that ends every feature's entries. A NaN x sends right
// the nodes without the default-left bit, nan_entries[nan_begin[f], nan_begin[f + 1]). Tree
// t's bit b is its tree-local CompiledNode leaf_of_bit[64 t + b].
template <class T>
struct QuickScorerEntry {
  T threshold;  // unused in nan_entries
  std::uint32_t tree;
  std::uint64_t mask;
};
// The same entries with 32-bit masks (bits 32-63 of a tree's word are never cleared when it
// has at most 32 leaves): a vector level then holds twice the rows per register.
template <class T>
struct QuickScorerEntry32 {
  T threshold;
  std::uint32_t tree;
  std::uint32_t mask;
};
template <class T>
struct QuickScorer {
  const QuickScorerEntry<T>* entries;
  const std::int64_t* feature_begin;
  const std::int64_t* scan_begin;
  const QuickScorerEntry<T>* nan_entries;
  const std::int64_t* nan_begin;
  const std::int32_t* leaf_of_bit;
  // entries and nan_entries with 32-bit masks, same positions; nullptr unless every tree has
  // at most 32 leaves.
  const QuickScorerEntry32<T>* entries32;
  const QuickScorerEntry32<T>* nan_entries32;
  // Category columns (category_words[f] > 0; their values are bucket ids, and their numeric
  // entries are just the sentinel): column f's categorical nodes are
  // category_entries[category_begin[f], category_begin[f + 1]) (threshold unused), and the
  // nodes bucket b sends right are the bits set in the category_words[f] words at
  // category_right + category_right_begin[f] + b * category_words[f] (bit k of word w: node
  // 32 w + k of the column's). A row's bucket thus names its nodes without a test each, and
  // a group of rows loads one word per row for 32 nodes. All null when no node is
  // categorical.
  const QuickScorerEntry<T>* category_entries;
  const QuickScorerEntry32<T>* category_entries32;  // with entries32
  const std::int64_t* category_begin;
  const std::uint32_t* category_right;
  const std::int64_t* category_right_begin;
  const std::int32_t* category_words;
  std::int32_t n_features;  // columns [0, n_features) of each row are read
  std::int64_t n_trees;
};
// Rows [0, n_rows) (each n_cols values) at once: leaves[t * n_rows + r] gets row r's leaf
// in tree t (tree by tree, as the walks give them). The vector levels score a group of rows
// per pass over the entries, one lane per row (quickscorer_lanes rows, quickscorer_narrow_lanes
// with the 32-bit entries), so each entry is loaded once for the group and a feature's scan
// runs as far as the group's largest value; the portable level scores the rows one by one. bits
// is scratch of quickscorer_rows_scratch(n_trees) words (n_trees suffice for the portable
// level).
using ScoreRowsF32 = void (*)(const QuickScorer<float>& forest, const float* rows, std::int32_t n_rows,
                              std::int32_t n_cols, std::uint64_t* bits, std::int32_t* leaves);
using ScoreRowsF64 = void (*)(const QuickScorer<double>& forest, const double* rows, std::int32_t n_rows,
                              std::int32_t n_cols, std::uint64_t* bits, std::int32_t* leaves);
// A tree's words for a group of rows fill at most one 64-byte line; the scratch holds a line
// per tree plus room to align them.
constexpr std::int32_t kQuickScorerLineWords = 8;
constexpr std::int64_t quickscorer_rows_scratch(std::int64_t n_trees) {
  return n_trees * kQuickScorerLineWords + kQuickScorerLineWords;
}

// out[r * n_outputs + k] = Σ_j x[r * row_stride + j] * coef[k * n + j] + intercept[k] over
// j < n, for the n_rows rows at x and each output k < n_outputs, in float64 (products rounded,
// no fused multiply-add). The order of additions is the kernel's own (kernels/generic/
// linear_rows.hpp), the same for every row, output, n_rows and n_outputs, so results may
// differ from a sequential sum by a few ulps.
using LinearRowsF32 = void (*)(const float* x, std::int64_t row_stride, std::int64_t n_rows, const double* coef,
                               const double* intercept, std::int64_t n, std::int64_t n_outputs, double* out);
using LinearRowsF64 = void (*)(const double* x, std::int64_t row_stride, std::int64_t n_rows, const double* coef,
                               const double* intercept, std::int64_t n, std::int64_t n_outputs, double* out);
// values[i] = exp(values[i]) for values in [-708, 0] (kernels/generic/exp.hpp: within 2 ulp,
// the same bits for a value wherever it sits in the buffer).
using ExpNonPositive = void (*)(double* values, std::int64_t n);

struct KernelTable {
  // Rows in lockstep: a group takes as many steps as its deepest row, which pays on
  // near-balanced trees (layout.lockstep).
  WalkF32 walk_f32;
  WalkF64 walk_f64;
  // The same with a vector level's gathers (nullptr in the portable table), used only when
  // the traversal is kGather: on the CPUs measured, a gather cost more than the plain loads
  // it replaces (bench/RESULTS.md).
  WalkF32 gather_walk_f32;
  WalkF64 gather_walk_f64;
  // Each row on its own path down, for deep unbalanced trees whose paths differ in length.
  WalkF32 walk_rows_f32;
  WalkF64 walk_rows_f64;
  // Perfect (padded) trees, for shallow trees whose padding stays small (layout.perfect).
  WalkPerfectF32 walk_perfect_f32;
  WalkPerfectF64 walk_perfect_f64;
  // One row through many perfect trees (small batches).
  WalkTreesF32 walk_trees_f32;
  WalkTreesF64 walk_trees_f64;
  // Forests stored in QuickScorer form (layout.quickscorer): quickscorer_lanes rows per pass
  // with 64-bit words and quickscorer_narrow_lanes with 32-bit ones (1: row by row, the
  // portable level, which also takes a vector level's calls of a few rows).
  ScoreRowsF32 score_rows_f32;
  ScoreRowsF64 score_rows_f64;
  std::int32_t quickscorer_lanes;
  std::int32_t quickscorer_narrow_lanes;
  LinearRowsF32 linear_rows_f32;
  LinearRowsF64 linear_rows_f64;
  ExpNonPositive exp_nonpositive;
};

// One per compiled instruction set; the avx2/avx512 ones exist only in x86-64 builds
// (SAPWOOD_KERNELS_AVX2 / SAPWOOD_KERNELS_AVX512) and are called only on CPUs that have them.
namespace portable {
const KernelTable& table();
// What a vector level adds to the portable table. The walks stay portable: on the perfect
// layouts plain loads beat gathers, a row walking alone has no lanes to fill, and the
// lockstep gather walks are kept for kGather only.
struct VectorKernels {
  WalkF32 gather_walk_f32;
  WalkF64 gather_walk_f64;
  ScoreRowsF32 score_rows_f32;
  ScoreRowsF64 score_rows_f64;
  std::int32_t quickscorer_lanes;
  std::int32_t quickscorer_narrow_lanes;
  LinearRowsF32 linear_rows_f32;
  LinearRowsF64 linear_rows_f64;
  ExpNonPositive exp_nonpositive;
};
KernelTable with_vector_kernels(const VectorKernels& vector);
}
namespace avx2 {
const KernelTable& table();
// Defined in avx2/quickscorer.cpp (kernels/generic/quickscorer_groups.hpp over its lanes).
extern const ScoreRowsF32 score_rows_f32;
extern const ScoreRowsF64 score_rows_f64;
constexpr std::int32_t kQuickScorerLanes = 8;        // 64-bit words in two 256-bit registers
constexpr std::int32_t kQuickScorerNarrowLanes = 16;  // 32-bit words in two registers
}
namespace avx512 {
const KernelTable& table();
// Defined in avx512/quickscorer.cpp (kernels/generic/quickscorer_groups.hpp over its lanes).
extern const ScoreRowsF32 score_rows_f32;
extern const ScoreRowsF64 score_rows_f64;
constexpr std::int32_t kQuickScorerLanes = 8;         // 64-bit words in a 512-bit register
constexpr std::int32_t kQuickScorerNarrowLanes = 16;  // 32-bit words
}

}  // namespace sapwood::kernels
