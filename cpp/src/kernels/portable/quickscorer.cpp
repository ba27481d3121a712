// One row through a forest in QuickScorer form: for each feature, the nodes it sends right
// clear their masks from their trees' words; each tree's leaf is then its word's lowest set
// bit. The work per row is the number of nodes sent right, not the length of the paths, and
// the ANDs of different nodes do not wait on each other as the steps of a path do.
#include "kernels/portable/quickscorer.hpp"

#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#endif

namespace sapwood::kernels::portable {
namespace {

// The index of the lowest set bit; `word` is never 0 (a row's own leaf is never cleared).
inline std::int32_t lowest_bit(std::uint64_t word) {
#if defined(_MSC_VER) && !defined(__clang__)
  unsigned long index = 0;
  _BitScanForward64(&index, word);
  return static_cast<std::int32_t>(index);
#else
  return __builtin_ctzll(word);
#endif
}
inline std::int32_t lowest_bit(std::uint32_t word) {
#if defined(_MSC_VER) && !defined(__clang__)
  unsigned long index = 0;
  _BitScanForward(&index, word);
  return static_cast<std::int32_t>(index);
#else
  return __builtin_ctz(word);
#endif
}

template <class T>
void score_row(const QuickScorer<T>& forest, const T* row, std::uint64_t* bits, std::int32_t* leaves,
               std::int64_t leaf_stride) {
  for (std::int64_t t = 0; t < forest.n_trees; ++t) bits[t] = ~std::uint64_t{0};
  for (std::int32_t f = 0; f < forest.n_features; ++f) {
    const T x = row[f];
    if (forest.category_words != nullptr && forest.category_words[f] != 0) {
      // The row's bucket names the nodes it sends right: visit just those.
      const std::int32_t words = forest.category_words[f];
      const std::uint32_t* right =
          forest.category_right + forest.category_right_begin[f] + static_cast<std::int64_t>(x) * words;
      const QuickScorerEntry<T>* nodes = forest.category_entries + forest.category_begin[f];
      for (std::int32_t w = 0; w < words; ++w) {
        for (std::uint32_t word = right[w]; word != 0; word &= word - 1) {
          const QuickScorerEntry<T>& e = nodes[32 * w + lowest_bit(word)];
          bits[e.tree] &= e.mask;
        }
      }
      continue;
    }
    if (x != x) {
      const QuickScorerEntry<T>* end = forest.nan_entries + forest.nan_begin[f + 1];
      for (const QuickScorerEntry<T>* e = forest.nan_entries + forest.nan_begin[f]; e != end; ++e) bits[e->tree] &= e->mask;
      continue;
    }
    const QuickScorerEntry<T>* e = forest.entries + forest.feature_begin[f];
    for (const QuickScorerEntry<T>* scan = forest.entries + forest.scan_begin[f]; e != scan; ++e) bits[e->tree] &= e->mask;
    for (; e->threshold < x; ++e) bits[e->tree] &= e->mask;
  }
  for (std::int64_t t = 0; t < forest.n_trees; ++t) {
    leaves[t * leaf_stride] = forest.leaf_of_bit[t * 64 + lowest_bit(bits[t])];
  }
}

template <class T>
void score_rows(const QuickScorer<T>& forest, const T* rows, std::int32_t n_rows, std::int32_t n_cols,
                std::uint64_t* bits, std::int32_t* leaves) {
  for (std::int32_t r = 0; r < n_rows; ++r) {
    score_row(forest, rows + static_cast<std::int64_t>(r) * n_cols, bits, leaves + r, n_rows);
  }
}

}  // namespace

void score_rows_f32(const QuickScorer<float>& forest, const float* rows, std::int32_t n_rows, std::int32_t n_cols,
                    std::uint64_t* bits, std::int32_t* leaves) {
  score_rows(forest, rows, n_rows, n_cols, bits, leaves);
}
void score_rows_f64(const QuickScorer<double>& forest, const double* rows, std::int32_t n_rows, std::int32_t n_cols,
                    std::uint64_t* bits, std::int32_t* leaves) {
  score_rows(forest, rows, n_rows, n_cols, bits, leaves);
}

}  // namespace sapwood::kernels::portable
