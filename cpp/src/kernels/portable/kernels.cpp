// The portable fast kernels: plain C++ with no instruction-set flags, so they build and run on
// any CPU (aarch64, x86-64 without AVX2). A tree walk advances a group of rows one level per
// step, branch-free, so the loads of different rows overlap instead of waiting on each other;
// the linear rows (kernels/generic/linear_rows.hpp over portable/vec.hpp) keep a tile of sums
// for the same reason. Every walk comes in two forms: rows that may hold NaN test each node's
// default direction, NaN-free rows (the usual case, told by the caller) let `x <= threshold`
// alone decide, which halves a step's instructions.
#include <cstddef>

#include "kernels/engine.hpp"
#include "kernels/generic/exp.hpp"
#include "kernels/generic/linear_rows.hpp"
#include "kernels/portable/quickscorer.hpp"
#include "kernels/portable/vec.hpp"

namespace sapwood::kernels::portable {
namespace {

// Rows walked together: enough independent loads in flight to hide an L2 hit.
constexpr std::int32_t kGroup = 8;

// The compiled rule (kernels/engine.hpp); for a number, `x <= threshold` alone.
template <bool kNaN, class T>
inline bool numeric_left(T x, T threshold, std::uint32_t feature) {
  if constexpr (kNaN) return (x <= threshold) | ((x != x) & ((feature & kDefaultLeftBit) != 0));
  return x <= threshold;
}

// kCat: the tree may hold categorical nodes. Both rules are evaluated and one is kept, so
// rows stepping together do not branch on the node's kind; a numeric node's operands stand
// in as bucket 0 of word 0 (category_bits always holds a word) and are never out of range.
template <bool kNaN, bool kCat, class T>
inline bool goes_left(T x, T threshold, std::uint32_t feature, const std::uint32_t* category_bits) {
  if constexpr (kCat) {
    const bool categorical = (feature & kCategoryBit) != 0;
    const bool category_left =
        category_goes_left(category_bits, categorical ? threshold : T{0}, categorical ? x : T{0});
    return categorical ? category_left : numeric_left<kNaN>(x, threshold, feature);
  } else {
    (void)category_bits;
    return numeric_left<kNaN>(x, threshold, feature);
  }
}

template <bool kNaN, bool kCat, class T>
void walk(const CompiledNode<T>* nodes, std::int32_t depth, const T* rows, std::int32_t n_rows,
          std::int32_t n_cols, std::int32_t* leaves, const std::uint32_t* category_bits) {
  for (std::int32_t first = 0; first < n_rows; first += kGroup) {
    const std::int32_t lanes = n_rows - first < kGroup ? n_rows - first : kGroup;
    std::int32_t node[kGroup] = {};
    const T* row[kGroup];
    // Spare lanes of the last group walk its last row again; their leaves are dropped.
    for (std::int32_t i = 0; i < kGroup; ++i) row[i] = rows + (first + (i < lanes ? i : lanes - 1)) * n_cols;
    for (std::int32_t step = 0; step < depth; ++step) {
      bool all_leaves = true;
      for (std::int32_t i = 0; i < kGroup; ++i) {
        const CompiledNode<T>& n = nodes[node[i]];
        const bool left = goes_left<kNaN, kCat>(row[i][n.feature & kFeatureMask], n.threshold, n.feature, category_bits);
        all_leaves &= n.left == node[i];
        node[i] = n.left + (left ? 0 : 1);
      }
      if (all_leaves) break;
    }
    for (std::int32_t i = 0; i < lanes; ++i) leaves[first + i] = node[i];
  }
}

// One row at a time down its own path; the child choice is branch-free, the loop exit is not.
template <bool kNaN, bool kCat, class T>
void walk_rows(const CompiledNode<T>* nodes, std::int32_t /*depth*/, const T* rows, std::int32_t n_rows,
               std::int32_t n_cols, std::int32_t* leaves, const std::uint32_t* category_bits) {
  for (std::int32_t r = 0; r < n_rows; ++r) {
    const T* row = rows + r * n_cols;
    std::int32_t node = 0;
    for (;;) {
      const CompiledNode<T>& n = nodes[node];
      if (n.left == node) break;
      node = n.left + (goes_left<kNaN, kCat>(row[n.feature & kFeatureMask], n.threshold, n.feature, category_bits) ? 0 : 1);
    }
    leaves[r] = node;
  }
}

// A perfect top: `kDepth` steps for every row, unrolled at compile time, then (for trees
// deeper than their top) the compiled walk from where each row landed. Full groups of rows
// step together so that their independent loads overlap (16 rows beat 8 by ~12% and 32 by
// ~9% on a random forest's 12 levels, in a one-off timing loop noted in bench/RESULTS.md's
// reading of table 5); the rows left over (and a single-row call)
// walk alone, with no spare lanes to pay for.
constexpr std::int32_t kPerfectGroup = 16;

// Slot is a pointer-sized index where the walk keeps it in a register (no sign extension
// before each load).
template <bool kNaN, bool kCat, class T, class Slot>
inline Slot perfect_step(const PerfectNode<T>* nodes, Slot node, const T* row, const std::uint32_t* category_bits) {
  const PerfectNode<T> n = nodes[node];
  const bool left = goes_left<kNaN, kCat>(row[n.feature & kFeatureMask], n.threshold, n.feature, category_bits);
  return 2 * node + 2 - static_cast<Slot>(left);
}

template <bool kNaN, bool kCat, class T>
inline std::int32_t compiled_step(const CompiledNode<T>& n, const T* row, const std::uint32_t* category_bits) {
  return n.left + (goes_left<kNaN, kCat>(row[n.feature & kFeatureMask], n.threshold, n.feature, category_bits) ? 0 : 1);
}

template <bool kNaN, bool kCat, class T>
inline std::int32_t finish_row(const PerfectTree<T>& tree, const T* row, std::int32_t node) {
  for (;;) {
    const CompiledNode<T>& n = tree.rest[node];
    if (n.left == node) return node;
    node = compiled_step<kNaN, kCat>(n, row, tree.category_bits);
  }
}

template <bool kNaN, bool kCat, class T>
void finish_group(const PerfectTree<T>& tree, const T* group, std::int32_t n_cols, std::int32_t* node) {
  if (tree.rest_lockstep) {
    for (std::int32_t step = 0; step < tree.rest_steps; ++step) {
      bool all_leaves = true;
      for (std::int32_t i = 0; i < kPerfectGroup; ++i) {
        const CompiledNode<T>& n = tree.rest[node[i]];
        all_leaves &= n.left == node[i];
        node[i] = compiled_step<kNaN, kCat>(n, group + i * n_cols, tree.category_bits);
      }
      if (all_leaves) return;
    }
    return;
  }
  for (std::int32_t i = 0; i < kPerfectGroup; ++i) node[i] = finish_row<kNaN, kCat>(tree, group + i * n_cols, node[i]);
}

template <bool kNaN, bool kCat, class T, std::int32_t kDepth>
void walk_perfect_depth(const PerfectTree<T>& tree, const T* rows, std::int32_t n_rows, std::int32_t n_cols,
                        std::int32_t* leaves) {
  constexpr std::int32_t kFirstLeaf = (1 << kDepth) - 1;
  const PerfectNode<T>* nodes = tree.nodes;
  std::int32_t first = 0;
  for (; first + kPerfectGroup <= n_rows; first += kPerfectGroup) {
    std::ptrdiff_t slot[kPerfectGroup] = {};
    const T* group = rows + static_cast<std::int64_t>(first) * n_cols;
    for (std::int32_t step = 0; step < kDepth; ++step) {
      for (std::int32_t i = 0; i < kPerfectGroup; ++i) {
        slot[i] = perfect_step<kNaN, kCat>(nodes, slot[i], group + i * n_cols, tree.category_bits);
      }
    }
    std::int32_t node[kPerfectGroup];
    for (std::int32_t i = 0; i < kPerfectGroup; ++i) node[i] = tree.leaf_map[slot[i] - kFirstLeaf];
    if (tree.rest_steps > 0) finish_group<kNaN, kCat>(tree, group, n_cols, node);
    for (std::int32_t i = 0; i < kPerfectGroup; ++i) leaves[first + i] = node[i];
  }
  for (std::int32_t r = first; r < n_rows; ++r) {
    const T* row = rows + static_cast<std::int64_t>(r) * n_cols;
    std::int32_t node = 0;
    for (std::int32_t step = 0; step < kDepth; ++step) node = perfect_step<kNaN, kCat>(nodes, node, row, tree.category_bits);
    node = tree.leaf_map[node - kFirstLeaf];
    leaves[r] = tree.rest_steps > 0 ? finish_row<kNaN, kCat>(tree, row, node) : node;
  }
}

template <bool kNaN, bool kCat, class T>
void walk_perfect(const PerfectTree<T>& tree, const T* rows, std::int32_t n_rows, std::int32_t n_cols,
                  std::int32_t* leaves) {
  switch (tree.depth) {
    case 1: return walk_perfect_depth<kNaN, kCat, T, 1>(tree, rows, n_rows, n_cols, leaves);
    case 2: return walk_perfect_depth<kNaN, kCat, T, 2>(tree, rows, n_rows, n_cols, leaves);
    case 3: return walk_perfect_depth<kNaN, kCat, T, 3>(tree, rows, n_rows, n_cols, leaves);
    case 4: return walk_perfect_depth<kNaN, kCat, T, 4>(tree, rows, n_rows, n_cols, leaves);
    case 5: return walk_perfect_depth<kNaN, kCat, T, 5>(tree, rows, n_rows, n_cols, leaves);
    case 6: return walk_perfect_depth<kNaN, kCat, T, 6>(tree, rows, n_rows, n_cols, leaves);
    case 7: return walk_perfect_depth<kNaN, kCat, T, 7>(tree, rows, n_rows, n_cols, leaves);
    case 8: return walk_perfect_depth<kNaN, kCat, T, 8>(tree, rows, n_rows, n_cols, leaves);
    case 9: return walk_perfect_depth<kNaN, kCat, T, 9>(tree, rows, n_rows, n_cols, leaves);
    case 10: return walk_perfect_depth<kNaN, kCat, T, 10>(tree, rows, n_rows, n_cols, leaves);
    case 11: return walk_perfect_depth<kNaN, kCat, T, 11>(tree, rows, n_rows, n_cols, leaves);
    default: return walk_perfect_depth<kNaN, kCat, T, 12>(tree, rows, n_rows, n_cols, leaves);
  }
}

// Trees walked together for one row; a tree shallower than the deepest of its group stops
// stepping when it reaches its slots.
constexpr std::int32_t kTreeGroup = 8;

template <bool kNaN, bool kCat, class T>
void walk_trees(const PerfectForest<T>& forest, std::int64_t begin, std::int64_t end, const T* row,
                std::int32_t* leaves) {
  std::int64_t t = begin;
  for (; t + kTreeGroup <= end; t += kTreeGroup) {
    const PerfectNode<T>* nodes[kTreeGroup];
    std::int32_t node[kTreeGroup] = {};
    std::int32_t depth = 0;
    for (std::int32_t i = 0; i < kTreeGroup; ++i) {
      nodes[i] = forest.nodes + forest.node_begin[t + i];
      depth = forest.depth[t + i] > depth ? forest.depth[t + i] : depth;
    }
    for (std::int32_t step = 0; step < depth; ++step) {
      for (std::int32_t i = 0; i < kTreeGroup; ++i) {
        const std::int32_t next = perfect_step<kNaN, kCat>(nodes[i], node[i], row, forest.category_bits);
        node[i] = step < forest.depth[t + i] ? next : node[i];
      }
    }
    for (std::int32_t i = 0; i < kTreeGroup; ++i) {
      const std::int32_t first_slot = (1 << forest.depth[t + i]) - 1;
      leaves[t + i - begin] = forest.leaf_map[forest.leaf_begin[t + i] + node[i] - first_slot];
    }
  }
  for (; t < end; ++t) {
    const PerfectNode<T>* nodes = forest.nodes + forest.node_begin[t];
    std::int32_t node = 0;
    for (std::int32_t step = 0; step < forest.depth[t]; ++step) {
      node = perfect_step<kNaN, kCat>(nodes, node, row, forest.category_bits);
    }
    leaves[t - begin] = forest.leaf_map[forest.leaf_begin[t] + node - ((1 << forest.depth[t]) - 1)];
  }
}

// Picks the form for the rows (NaN or not) and the tree (categorical nodes or not).
template <template <bool, bool, class> class Walk, class T, class... Args>
void dispatch_walk(bool rows_have_nan, bool categorical, Args&&... args) {
  if (categorical) {
    return rows_have_nan ? Walk<true, true, T>::run(args...) : Walk<false, true, T>::run(args...);
  }
  return rows_have_nan ? Walk<true, false, T>::run(args...) : Walk<false, false, T>::run(args...);
}

template <bool kNaN, bool kCat, class T>
struct Lockstep {
  static void run(const CompiledNode<T>* nodes, std::int32_t depth, const T* rows, std::int32_t n_rows,
                  std::int32_t n_cols, std::int32_t* leaves, const std::uint32_t* category_bits) {
    walk<kNaN, kCat>(nodes, depth, rows, n_rows, n_cols, leaves, category_bits);
  }
};
template <bool kNaN, bool kCat, class T>
struct Alone {
  static void run(const CompiledNode<T>* nodes, std::int32_t depth, const T* rows, std::int32_t n_rows,
                  std::int32_t n_cols, std::int32_t* leaves, const std::uint32_t* category_bits) {
    walk_rows<kNaN, kCat>(nodes, depth, rows, n_rows, n_cols, leaves, category_bits);
  }
};
template <bool kNaN, bool kCat, class T>
struct Perfect {
  static void run(const PerfectTree<T>& tree, const T* rows, std::int32_t n_rows, std::int32_t n_cols,
                  std::int32_t* leaves) {
    walk_perfect<kNaN, kCat>(tree, rows, n_rows, n_cols, leaves);
  }
};
template <bool kNaN, bool kCat, class T>
struct ManyTrees {
  static void run(const PerfectForest<T>& forest, std::int64_t begin, std::int64_t end, const T* row,
                  std::int32_t* leaves) {
    walk_trees<kNaN, kCat>(forest, begin, end, row, leaves);
  }
};

void walk_f32(const NodeF32* nodes, std::int32_t depth, const float* rows, std::int32_t n_rows,
              std::int32_t n_cols, std::int32_t* leaves, bool rows_have_nan, const std::uint32_t* category_bits) {
  dispatch_walk<Lockstep, float>(rows_have_nan, category_bits != nullptr, nodes, depth, rows, n_rows, n_cols, leaves,
                                 category_bits);
}
void walk_f64(const NodeF64* nodes, std::int32_t depth, const double* rows, std::int32_t n_rows,
              std::int32_t n_cols, std::int32_t* leaves, bool rows_have_nan, const std::uint32_t* category_bits) {
  dispatch_walk<Lockstep, double>(rows_have_nan, category_bits != nullptr, nodes, depth, rows, n_rows, n_cols, leaves,
                                  category_bits);
}
void walk_rows_f32(const NodeF32* nodes, std::int32_t depth, const float* rows, std::int32_t n_rows,
                   std::int32_t n_cols, std::int32_t* leaves, bool rows_have_nan, const std::uint32_t* category_bits) {
  dispatch_walk<Alone, float>(rows_have_nan, category_bits != nullptr, nodes, depth, rows, n_rows, n_cols, leaves,
                              category_bits);
}
void walk_rows_f64(const NodeF64* nodes, std::int32_t depth, const double* rows, std::int32_t n_rows,
                   std::int32_t n_cols, std::int32_t* leaves, bool rows_have_nan, const std::uint32_t* category_bits) {
  dispatch_walk<Alone, double>(rows_have_nan, category_bits != nullptr, nodes, depth, rows, n_rows, n_cols, leaves,
                               category_bits);
}
void walk_perfect_f32(const PerfectTree<float>& tree, const float* rows, std::int32_t n_rows, std::int32_t n_cols,
                      std::int32_t* leaves, bool rows_have_nan) {
  dispatch_walk<Perfect, float>(rows_have_nan, tree.category_bits != nullptr, tree, rows, n_rows, n_cols, leaves);
}
void walk_perfect_f64(const PerfectTree<double>& tree, const double* rows, std::int32_t n_rows, std::int32_t n_cols,
                      std::int32_t* leaves, bool rows_have_nan) {
  dispatch_walk<Perfect, double>(rows_have_nan, tree.category_bits != nullptr, tree, rows, n_rows, n_cols, leaves);
}
void walk_trees_f32(const PerfectForest<float>& forest, std::int64_t begin, std::int64_t end, const float* row,
                    std::int32_t* leaves, bool row_has_nan) {
  dispatch_walk<ManyTrees, float>(row_has_nan, forest.category_bits != nullptr, forest, begin, end, row, leaves);
}
void walk_trees_f64(const PerfectForest<double>& forest, std::int64_t begin, std::int64_t end, const double* row,
                    std::int32_t* leaves, bool row_has_nan) {
  dispatch_walk<ManyTrees, double>(row_has_nan, forest.category_bits != nullptr, forest, begin, end, row, leaves);
}

}  // namespace

// The linear rows in tiles of two rows by up to three outputs: 6 sums of 4 lanes stay in the
// baseline's 16 (SSE2) or 32 (NEON) registers with the loads beside them.
const KernelTable& table() {
  static const KernelTable kTable{walk_f32,         walk_f64,         nullptr,        nullptr,
                                  walk_rows_f32,    walk_rows_f64,    walk_perfect_f32, walk_perfect_f64,
                                  walk_trees_f32,   walk_trees_f64,   score_rows_f32, score_rows_f64,
                                  1,                1,
                                  generic::linear_rows<Vec, 2, 3, float>, generic::linear_rows<Vec, 2, 3, double>,
                                  generic::exp_nonpositive<Vec>};
  return kTable;
}

KernelTable with_vector_kernels(const VectorKernels& vector) {
  KernelTable vector_table = table();
  vector_table.gather_walk_f32 = vector.gather_walk_f32;
  vector_table.gather_walk_f64 = vector.gather_walk_f64;
  vector_table.score_rows_f32 = vector.score_rows_f32;
  vector_table.score_rows_f64 = vector.score_rows_f64;
  vector_table.quickscorer_lanes = vector.quickscorer_lanes;
  vector_table.quickscorer_narrow_lanes = vector.quickscorer_narrow_lanes;
  vector_table.linear_rows_f32 = vector.linear_rows_f32;
  vector_table.linear_rows_f64 = vector.linear_rows_f64;
  vector_table.exp_nonpositive = vector.exp_nonpositive;
  return vector_table;
}

}  // namespace sapwood::kernels::portable
