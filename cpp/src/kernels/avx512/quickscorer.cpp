// QuickScorer for a batch on AVX-512 (kernels::ScoreRowsF32/F64 in engine.hpp): a group of
// rows per pass, one word per row in the lanes of a 64-byte register (8 rows of 64-bit words,
// or 16 rows of 32-bit words when every tree has at most 32 leaves), so each entry is loaded
// once for the group and applied with one masked AND to its tree's line of words. A feature's
// scan runs while any row still sends the next node right. Same file rules as
// avx512/kernels.cpp: helpers stay in the anonymous namespace and no C++ library header is
// included.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, see avx512/kernels.cpp
#endif
#include <immintrin.h>

#include "kernels/engine.hpp"

namespace sapwood::kernels::avx512 {
namespace {

inline std::int32_t lowest_bit(std::uint64_t word) { return __builtin_ctzll(word); }
inline std::int32_t lowest_bit(std::uint32_t word) { return __builtin_ctz(word); }

// 8 rows, a 64-bit word each. Values are compared as doubles: float32 widens exactly, so the
// widened comparison is the float32 one.
struct Wide {
  static constexpr std::int32_t kLanes = kQuickScorerLanes;
  using Word = std::uint64_t;
  using Rows = __mmask8;
  template <class T>
  using Entry = QuickScorerEntry<T>;

  static __m512d values(const float* column, __m512i offsets) {
    return _mm512_cvtps_pd(_mm256_i32gather_ps(column, _mm512_castsi512_si256(offsets), 4));
  }
  static __m512d values(const double* column, __m512i offsets) {
    return _mm512_i32gather_pd(_mm512_castsi512_si256(offsets), column, 8);
  }
  static Rows nan(__m512d x) { return _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q); }
  static Rows below(double threshold, __m512d x) { return _mm512_cmp_pd_mask(_mm512_set1_pd(threshold), x, _CMP_LT_OQ); }
  static void send_right(void* line, Rows rows, Word mask) {
    const __m512i word = _mm512_load_si512(line);
    _mm512_store_si512(line, _mm512_mask_and_epi64(word, rows, word, _mm512_set1_epi64(static_cast<long long>(mask))));
  }
  // Category columns: each row's bucket (an integer value) in a 32-bit lane; lanes past the
  // group's 8 hold bucket 0, a valid index whose rows are never used.
  static __m512i buckets(__m512d x) { return _mm512_inserti64x4(_mm512_setzero_si512(), _mm512_cvttpd_epi32(x), 0); }
};

// 16 rows, a 32-bit word each: float32 values compared as they are, float64 ones as two
// halves of 8.
struct Narrow {
  static constexpr std::int32_t kLanes = kQuickScorerNarrowLanes;
  using Word = std::uint32_t;
  using Rows = __mmask16;
  template <class T>
  using Entry = QuickScorerEntry32<T>;
  struct Pair {
    __m512d low;
    __m512d high;
  };

  static __m512 values(const float* column, __m512i offsets) { return _mm512_i32gather_ps(offsets, column, 4); }
  static Pair values(const double* column, __m512i offsets) {
    return {_mm512_i32gather_pd(_mm512_castsi512_si256(offsets), column, 8),
            _mm512_i32gather_pd(_mm512_extracti64x4_epi64(offsets, 1), column, 8)};
  }
  static Rows nan(__m512 x) { return _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q); }
  static Rows nan(const Pair& x) {
    return static_cast<Rows>(_mm512_cmp_pd_mask(x.low, x.low, _CMP_UNORD_Q) |
                             (_mm512_cmp_pd_mask(x.high, x.high, _CMP_UNORD_Q) << 8));
  }
  static Rows below(float threshold, __m512 x) { return _mm512_cmp_ps_mask(_mm512_set1_ps(threshold), x, _CMP_LT_OQ); }
  static Rows below(double threshold, const Pair& x) {
    const __m512d t = _mm512_set1_pd(threshold);
    return static_cast<Rows>(_mm512_cmp_pd_mask(t, x.low, _CMP_LT_OQ) | (_mm512_cmp_pd_mask(t, x.high, _CMP_LT_OQ) << 8));
  }
  static void send_right(void* line, Rows rows, Word mask) {
    const __m512i word = _mm512_load_si512(line);
    _mm512_store_si512(line, _mm512_mask_and_epi32(word, rows, word, _mm512_set1_epi32(static_cast<int>(mask))));
  }
  static __m512i buckets(__m512 x) { return _mm512_cvttps_epi32(x); }
  static __m512i buckets(const Pair& x) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvttpd_epi32(x.low)), _mm512_cvttpd_epi32(x.high), 1);
  }
};

// A category column for a group of rows: one gathered word per row names which of 32 nodes
// its bucket sends right, so each node costs a test and (where some row goes right) an AND.
template <class P, class T, class Entry, class Line, class Values>
void score_category_column(const QuickScorer<T>& forest, const Entry* category_entries, std::int32_t f,
                           const Values& x, const Line& line) {
  const std::int32_t words = forest.category_words[f];
  const __m512i index = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(forest.category_right_begin[f])),
                                         _mm512_mullo_epi32(P::buckets(x), _mm512_set1_epi32(words)));
  const Entry* nodes = category_entries + forest.category_begin[f];
  const std::int64_t n_nodes = forest.category_begin[f + 1] - forest.category_begin[f];
  for (std::int32_t w = 0; w < words; ++w) {
    const __m512i right = _mm512_i32gather_epi32(_mm512_add_epi32(index, _mm512_set1_epi32(w)), forest.category_right, 4);
    const std::int64_t in_word = n_nodes - 32 * w < 32 ? n_nodes - 32 * w : 32;
    for (std::int32_t k = 0; k < in_word; ++k) {
      const __m512i bit = _mm512_set1_epi32(static_cast<int>(std::uint32_t{1} << k));
      const auto rows = static_cast<typename P::Rows>(_mm512_test_epi32_mask(right, bit));
      if (rows != 0) P::send_right(line(nodes[32 * w + k].tree), rows, nodes[32 * w + k].mask);
    }
  }
}

// Each tree's words for the group fill one 64-byte line of the scratch.
template <class P, class T>
void score_rows(const QuickScorer<T>& forest, const typename P::template Entry<T>* entries,
                const typename P::template Entry<T>* nan_entries,
                const typename P::template Entry<T>* category_entries, const T* rows, std::int32_t n_rows,
                std::int32_t n_cols, std::uint64_t* scratch, std::int32_t* leaves) {
  using Entry = typename P::template Entry<T>;
  constexpr std::int32_t kLanes = P::kLanes;
  const auto first_line = (reinterpret_cast<std::uintptr_t>(scratch) + 63) & ~std::uintptr_t{63};
  auto* bits = reinterpret_cast<char*>(first_line);
  const auto line = [bits](std::int64_t tree) { return bits + tree * 64; };
  const __m512i all_leaves = _mm512_set1_epi64(-1);
  for (std::int32_t first = 0; first < n_rows; first += kLanes) {
    const std::int32_t lanes = n_rows - first < kLanes ? n_rows - first : kLanes;
    // Spare lanes repeat the group's last row; their leaves are not written.
    const __m512i lane = _mm512_min_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                          _mm512_set1_epi32(lanes - 1));
    const __m512i offsets = _mm512_mullo_epi32(lane, _mm512_set1_epi32(n_cols));
    const T* group = rows + static_cast<std::int64_t>(first) * n_cols;
    for (std::int64_t t = 0; t < forest.n_trees; ++t) _mm512_store_si512(line(t), all_leaves);
    for (std::int32_t f = 0; f < forest.n_features; ++f) {
      const auto x = P::values(group + f, offsets);
      if (forest.category_words != nullptr && forest.category_words[f] != 0) {
        score_category_column<P>(forest, category_entries, f, x, line);
        continue;
      }
      const typename P::Rows nan = P::nan(x);
      if (nan != 0) {
        const Entry* end = nan_entries + forest.nan_begin[f + 1];
        for (const Entry* e = nan_entries + forest.nan_begin[f]; e != end; ++e) P::send_right(line(e->tree), nan, e->mask);
      }
      const auto numbers = static_cast<typename P::Rows>(~nan);
      if (numbers == 0) continue;
      const Entry* e = entries + forest.feature_begin[f];
      for (const Entry* scan = entries + forest.scan_begin[f]; e != scan; ++e) {
        P::send_right(line(e->tree), numbers, e->mask);
      }
      // threshold < x is false for a NaN x and for the +inf sentinel, which ends the scan.
      for (;; ++e) {
        const typename P::Rows right = P::below(e->threshold, x);
        if (right == 0) break;
        P::send_right(line(e->tree), right, e->mask);
      }
    }
    alignas(64) typename P::Word words[kLanes];
    for (std::int64_t t = 0; t < forest.n_trees; ++t) {
      _mm512_store_si512(words, _mm512_load_si512(line(t)));
      std::int32_t* tree_leaves = leaves + t * n_rows + first;
      const std::int32_t* leaf_of_bit = forest.leaf_of_bit + t * 64;
      for (std::int32_t l = 0; l < lanes; ++l) tree_leaves[l] = leaf_of_bit[lowest_bit(words[l])];
    }
  }
}

template <class T>
void score_rows(const QuickScorer<T>& forest, const T* rows, std::int32_t n_rows, std::int32_t n_cols,
                std::uint64_t* bits, std::int32_t* leaves) {
  if (forest.entries32 != nullptr) {
    return score_rows<Narrow>(forest, forest.entries32, forest.nan_entries32, forest.category_entries32, rows, n_rows,
                              n_cols, bits, leaves);
  }
  score_rows<Wide>(forest, forest.entries, forest.nan_entries, forest.category_entries, rows, n_rows, n_cols, bits,
                   leaves);
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
