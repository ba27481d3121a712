// QuickScorer for a batch on AVX-512 (kernels::ScoreRowsF32/F64 in engine.hpp): 8 rows per
// pass, one 64-bit word per row in the lanes of a register, so each entry is loaded once for
// the 8 rows and applied with one masked AND to its tree's line of words. A feature's scan
// runs while any row still sends the next node right. Same file rules as avx512/kernels.cpp:
// helpers stay in the anonymous namespace and no C++ library header is included.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, see avx512/kernels.cpp
#endif
#include <immintrin.h>

#include "kernels/engine.hpp"

namespace sapwood::kernels::avx512 {
namespace {

constexpr std::int32_t kLanes = kQuickScorerLanes;

// Feature values of the group's rows as doubles. float32 widens exactly, so comparing the
// widened value with the widened float32 threshold is the float32 comparison.
inline __m512d feature_values(const float* rows, __m256i offsets) {
  return _mm512_cvtps_pd(_mm256_i32gather_ps(rows, offsets, 4));
}
inline __m512d feature_values(const double* rows, __m256i offsets) { return _mm512_i32gather_pd(offsets, rows, 8); }

// Clears the mask's bits from the words of the lanes in `rows` (their rows go right).
inline void send_right(std::uint64_t* words, __mmask8 rows, std::uint64_t mask) {
  const __m512i word = _mm512_load_si512(words);
  _mm512_store_si512(words, _mm512_mask_and_epi64(word, rows, word, _mm512_set1_epi64(static_cast<long long>(mask))));
}

template <class T>
void score_rows(const QuickScorer<T>& forest, const T* rows, std::int32_t n_rows, std::int32_t n_cols,
                std::uint64_t* scratch, std::int32_t* leaves) {
  const auto line = (reinterpret_cast<std::uintptr_t>(scratch) + 63) & ~std::uintptr_t{63};
  auto* bits = reinterpret_cast<std::uint64_t*>(line);
  const __m512i all_leaves = _mm512_set1_epi64(-1);
  for (std::int32_t first = 0; first < n_rows; first += kLanes) {
    const std::int32_t lanes = n_rows - first < kLanes ? n_rows - first : kLanes;
    // Spare lanes repeat the group's last row; their leaves are not written.
    const __m256i lane = _mm256_min_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(lanes - 1));
    const __m256i row_offsets = _mm256_mullo_epi32(lane, _mm256_set1_epi32(n_cols));
    const T* group = rows + static_cast<std::int64_t>(first) * n_cols;
    for (std::int64_t t = 0; t < forest.n_trees; ++t) _mm512_store_si512(bits + t * kLanes, all_leaves);
    for (std::int32_t f = 0; f < forest.n_features; ++f) {
      const __m512d x = feature_values(group, _mm256_add_epi32(row_offsets, _mm256_set1_epi32(f)));
      const __mmask8 nan = _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q);
      if (nan != 0) {
        const QuickScorerEntry<T>* end = forest.nan_entries + forest.nan_begin[f + 1];
        for (const QuickScorerEntry<T>* e = forest.nan_entries + forest.nan_begin[f]; e != end; ++e) {
          send_right(bits + static_cast<std::int64_t>(e->tree) * kLanes, nan, e->mask);
        }
      }
      const auto numbers = static_cast<__mmask8>(~nan);
      if (numbers == 0) continue;
      const QuickScorerEntry<T>* e = forest.entries + forest.feature_begin[f];
      for (const QuickScorerEntry<T>* scan = forest.entries + forest.scan_begin[f]; e != scan; ++e) {
        send_right(bits + static_cast<std::int64_t>(e->tree) * kLanes, numbers, e->mask);
      }
      // threshold < x is false for a NaN x and for the +inf sentinel, which ends the scan.
      for (;; ++e) {
        const __mmask8 right = _mm512_cmp_pd_mask(_mm512_set1_pd(static_cast<double>(e->threshold)), x, _CMP_LT_OQ);
        if (right == 0) break;
        send_right(bits + static_cast<std::int64_t>(e->tree) * kLanes, right, e->mask);
      }
    }
    for (std::int64_t t = 0; t < forest.n_trees; ++t) {
      std::int32_t* tree_leaves = leaves + t * n_rows + first;
      const std::int32_t* leaf_of_bit = forest.leaf_of_bit + t * 64;
      for (std::int32_t l = 0; l < lanes; ++l) tree_leaves[l] = leaf_of_bit[__builtin_ctzll(bits[t * kLanes + l])];
    }
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

}  // namespace sapwood::kernels::avx512
