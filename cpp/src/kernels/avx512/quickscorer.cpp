// QuickScorer for a batch on AVX-512: the lane layer of kernels/generic/quickscorer_groups.hpp.
// A group's words sit in the lanes of one 64-byte register (8 rows of 64-bit words, or 16 rows
// of 32-bit words when every tree has at most 32 leaves) and a lane mask is a mask register,
// so one entry costs one masked AND for the whole group. Same file rules as
// avx512/kernels.cpp: the layer stays in the anonymous namespace and no C++ library header
// with inline functions is included.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, see avx512/kernels.cpp
#endif
#include <immintrin.h>

#include "kernels/engine.hpp"
#include "kernels/generic/quickscorer_groups.hpp"

namespace sapwood::kernels::avx512 {
namespace {

// What both layers share: a tree's words fill one 64-byte line, rows start at 16 lane
// offsets (Wide reads the low 8), and a category column's buckets sit in 32-bit lanes.
struct OneRegister {
  static constexpr std::int64_t kLineBytes = 64;
  using Offsets = __m512i;
  using Index = __m512i;
  static Offsets row_offsets(std::int32_t lanes, std::int32_t n_cols) {
    // Spare lanes repeat the group's last row; their leaves are not written.
    const __m512i lane = _mm512_min_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                          _mm512_set1_epi32(lanes - 1));
    return _mm512_mullo_epi32(lane, _mm512_set1_epi32(n_cols));
  }
  static void reset(void* line) { _mm512_store_si512(line, _mm512_set1_epi64(-1)); }
  static void copy_words(const void* line, void* words) { _mm512_store_si512(words, _mm512_load_si512(line)); }
  template <class Rows>
  static bool none(Rows rows) {
    return rows == 0;
  }
  template <class Rows>
  static Rows numbers(Rows nan) {
    return static_cast<Rows>(~nan);
  }
  static Index word_index(__m512i buckets, std::int32_t first, std::int32_t words) {
    return _mm512_add_epi32(_mm512_set1_epi32(first), _mm512_mullo_epi32(buckets, _mm512_set1_epi32(words)));
  }
  static Index gather_words(const std::uint32_t* right, Index index, std::int32_t w) {
    return _mm512_i32gather_epi32(_mm512_add_epi32(index, _mm512_set1_epi32(w)), right, 4);
  }
  static __mmask16 bit_set(Index words, std::int32_t k) {
    return _mm512_test_epi32_mask(words, _mm512_set1_epi32(static_cast<int>(std::uint32_t{1} << k)));
  }
};

// 8 rows, a 64-bit word each. Values are compared as doubles: float32 widens exactly, so the
// widened comparison is the float32 one.
struct Wide : OneRegister {
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
  static Index category_index(__m512d x, std::int32_t first, std::int32_t words) {
    return word_index(_mm512_inserti64x4(_mm512_setzero_si512(), _mm512_cvttpd_epi32(x), 0), first, words);
  }
  static Rows with_bit(Index words, std::int32_t k) { return static_cast<Rows>(bit_set(words, k)); }
};

// 16 rows, a 32-bit word each: float32 values compared as they are, float64 ones as two
// halves of 8.
struct Narrow : OneRegister {
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
  static Index category_index(__m512 x, std::int32_t first, std::int32_t words) {
    return word_index(_mm512_cvttps_epi32(x), first, words);
  }
  static Index category_index(const Pair& x, std::int32_t first, std::int32_t words) {
    return word_index(
        _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvttpd_epi32(x.low)), _mm512_cvttpd_epi32(x.high), 1), first,
        words);
  }
  static Rows with_bit(Index words, std::int32_t k) { return bit_set(words, k); }
};

}  // namespace

// Constant-initialised, so avx512/kernels.cpp's table may read them at any time.
const ScoreRowsF32 score_rows_f32 = generic::score_rows<Wide, Narrow, float>;
const ScoreRowsF64 score_rows_f64 = generic::score_rows<Wide, Narrow, double>;

}  // namespace sapwood::kernels::avx512
