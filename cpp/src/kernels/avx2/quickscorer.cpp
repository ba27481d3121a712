// QuickScorer for a batch on AVX2: the lane layer of kernels/generic/quickscorer_groups.hpp.
// A group's words sit in the lanes of two 32-byte registers (8 rows of 64-bit words, or 16
// rows of 32-bit words when every tree has at most 32 leaves), so one entry's AND serves the
// whole group. Same file rules as avx2/kernels.cpp: the layer stays in the anonymous
// namespace and no C++ library header with inline functions is included.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC bug 105593, see avx2/kernels.cpp
#endif
#include <immintrin.h>

#include "kernels/engine.hpp"
#include "kernels/generic/quickscorer_groups.hpp"

namespace sapwood::kernels::avx2 {
namespace {

// Lane masks are all-ones words (the row goes right) or zeros. Clearing the mask's bits from
// those rows' words is word & ~(rows & ~mask).
inline void clear_where(void* line, __m256i rows, __m256i mask) {
  auto* words = static_cast<__m256i*>(line);
  _mm256_store_si256(words, _mm256_andnot_si256(_mm256_andnot_si256(mask, rows), _mm256_load_si256(words)));
}
inline bool none(__m256i rows) { return _mm256_testz_si256(rows, rows) != 0; }
inline __m256i invert(__m256i rows) { return _mm256_andnot_si256(rows, _mm256_set1_epi64x(-1)); }

// Where rows 0-7 of a group start (spare lanes repeat the group's last row; their leaves are
// not written).
inline __m256i eight_row_offsets(std::int32_t lanes, std::int32_t n_cols) {
  const __m256i lane = _mm256_min_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(lanes - 1));
  return _mm256_mullo_epi32(lane, _mm256_set1_epi32(n_cols));
}


// 4 rows' values, compared as doubles: float32 widens exactly, so the widened comparison is
// the float32 one. TwoWide below scores two such halves per pass.
struct Wide {
  static __m256d values(const float* column, __m256i offsets) {
    return _mm256_cvtps_pd(_mm_i32gather_ps(column, _mm256_castsi256_si128(offsets), 4));
  }
  static __m256d values(const double* column, __m256i offsets) {
    return _mm256_i32gather_pd(column, _mm256_castsi256_si128(offsets), 8);
  }
  static __m256i nan(__m256d x) { return _mm256_castpd_si256(_mm256_cmp_pd(x, x, _CMP_UNORD_Q)); }
};

// 8 rows' values and lane masks of 32 bits: float32 values compared as they are, float64 ones
// as two halves of 4 whose 64-bit lane masks are narrowed to 32 bits. TwoNarrow below scores
// two such halves per pass.
struct Narrow {
  struct Pair {
    __m256d low;
    __m256d high;
  };

  static __m256 values(const float* column, __m256i offsets) { return _mm256_i32gather_ps(column, offsets, 4); }
  static Pair values(const double* column, __m256i offsets) {
    return {_mm256_i32gather_pd(column, _mm256_castsi256_si128(offsets), 8),
            _mm256_i32gather_pd(column, _mm256_extracti128_si256(offsets, 1), 8)};
  }
  static __m256i narrowed(__m256d low, __m256d high) {
    const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    const __m128i low32 = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(low), even));
    const __m128i high32 = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(high), even));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(low32), high32, 1);
  }
  static __m256i nan(__m256 x) { return _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q)); }
  static __m256i nan(const Pair& x) {
    return narrowed(_mm256_cmp_pd(x.low, x.low, _CMP_UNORD_Q), _mm256_cmp_pd(x.high, x.high, _CMP_UNORD_Q));
  }
  static __m256i below(float threshold, __m256 x) {
    return _mm256_castps_si256(_mm256_cmp_ps(_mm256_set1_ps(threshold), x, _CMP_LT_OQ));
  }
  static __m256i below(double threshold, const Pair& x) {
    const __m256d t = _mm256_set1_pd(threshold);
    return narrowed(_mm256_cmp_pd(t, x.low, _CMP_LT_OQ), _mm256_cmp_pd(t, x.high, _CMP_LT_OQ));
  }
  using Index = __m256i;
  static Index buckets(__m256 x) { return _mm256_cvttps_epi32(x); }
  static Index buckets(const Pair& x) {
    return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm256_cvttpd_epi32(x.low)), _mm256_cvttpd_epi32(x.high), 1);
  }
  static Index word_index(Index buckets, std::int32_t first, std::int32_t words) {
    return _mm256_add_epi32(_mm256_set1_epi32(first), _mm256_mullo_epi32(buckets, _mm256_set1_epi32(words)));
  }
  static Index gather_words(const std::uint32_t* right, Index index, std::int32_t w) {
    return _mm256_i32gather_epi32(reinterpret_cast<const int*>(right), _mm256_add_epi32(index, _mm256_set1_epi32(w)), 4);
  }
  static __m256i with_bit(Index words, std::int32_t k) {
    const __m256i bit = _mm256_set1_epi32(static_cast<int>(std::uint32_t{1} << k));
    return _mm256_cmpeq_epi32(_mm256_and_si256(words, bit), bit);
  }
};

// 8 rows of 64-bit words in two registers: each entry's load, broadcast and loop step then
// serve twice the rows of Wide, and a tree's words fill its whole 64-byte line (rows 0-3 in
// the first half, 4-7 in the second).
struct Rows2 {
  __m256i low;
  __m256i high;
};

// What both layers share: a tree's words fill a 64-byte line of two registers, and a lane
// mask is two registers of all-ones or zero words.
struct TwoRegisters {
  static constexpr std::int64_t kLineBytes = 64;
  using Rows = Rows2;
  static void reset(void* line) {
    auto* words = static_cast<__m256i*>(line);
    _mm256_store_si256(words, _mm256_set1_epi64x(-1));
    _mm256_store_si256(words + 1, _mm256_set1_epi64x(-1));
  }
  static void copy_words(const void* line, void* words) {
    const auto* from = static_cast<const __m256i*>(line);
    auto* to = static_cast<__m256i*>(words);
    _mm256_store_si256(to, _mm256_load_si256(from));
    _mm256_store_si256(to + 1, _mm256_load_si256(from + 1));
  }
  static bool none(const Rows& rows) { return avx2::none(_mm256_or_si256(rows.low, rows.high)); }
  static Rows numbers(const Rows& nan) { return {invert(nan.low), invert(nan.high)}; }
};

struct TwoWide : TwoRegisters {
  static constexpr std::int32_t kLanes = kQuickScorerLanes;
  using Offsets = __m256i;
  static Offsets row_offsets(std::int32_t lanes, std::int32_t n_cols) { return eight_row_offsets(lanes, n_cols); }
  using Word = std::uint64_t;
  template <class T>
  using Entry = QuickScorerEntry<T>;
  struct Values {
    __m256d low;
    __m256d high;
  };

  static __m256i upper(__m256i offsets) { return _mm256_castsi128_si256(_mm256_extracti128_si256(offsets, 1)); }
  template <class T>
  static Values values(const T* column, __m256i offsets) {
    return {Wide::values(column, offsets), Wide::values(column, upper(offsets))};
  }
  static Rows nan(const Values& x) { return {Wide::nan(x.low), Wide::nan(x.high)}; }
  static Rows below(double threshold, const Values& x) {
    const __m256d t = _mm256_set1_pd(threshold);
    return {_mm256_castpd_si256(_mm256_cmp_pd(t, x.low, _CMP_LT_OQ)),
            _mm256_castpd_si256(_mm256_cmp_pd(t, x.high, _CMP_LT_OQ))};
  }
  static void send_right(void* line, const Rows& rows, Word mask) {
    const __m256i m = _mm256_set1_epi64x(static_cast<long long>(mask));
    clear_where(line, rows.low, m);
    clear_where(static_cast<char*>(line) + 32, rows.high, m);
  }
  using Index = __m256i;
  static Index category_index(const Values& x, std::int32_t first, std::int32_t words) {
    const __m256i buckets =
        _mm256_inserti128_si256(_mm256_castsi128_si256(_mm256_cvttpd_epi32(x.low)), _mm256_cvttpd_epi32(x.high), 1);
    return Narrow::word_index(buckets, first, words);
  }
  static Index gather_words(const std::uint32_t* right, Index index, std::int32_t w) {
    return Narrow::gather_words(right, index, w);
  }
  static Rows with_bit(Index words, std::int32_t k) {
    const __m256i rows = Narrow::with_bit(words, k);  // 8 lanes of 32 bits, widened to 64
    return {_mm256_cvtepi32_epi64(_mm256_castsi256_si128(rows)), _mm256_cvtepi32_epi64(_mm256_extracti128_si256(rows, 1))};
  }
};

// 16 rows of 32-bit words in two registers, Narrow's rules on each half (rows 0-7 in the
// first half of a tree's 64-byte line, 8-15 in the second).
struct Int32Halves {  // 16 row offsets, buckets or words
  __m256i low;
  __m256i high;
};
struct FloatHalves {
  __m256 low;
  __m256 high;
};
struct DoubleHalves {
  Narrow::Pair low;
  Narrow::Pair high;
};

struct TwoNarrow : TwoRegisters {
  static constexpr std::int32_t kLanes = kQuickScorerNarrowLanes;
  using Word = std::uint32_t;
  template <class T>
  using Entry = QuickScorerEntry32<T>;
  using Offsets = Int32Halves;
  using Index = Int32Halves;

  static Offsets row_offsets(std::int32_t lanes, std::int32_t n_cols) {
    const __m256i last = _mm256_set1_epi32(lanes - 1);
    const __m256i stride = _mm256_set1_epi32(n_cols);
    return {_mm256_mullo_epi32(_mm256_min_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), last), stride),
            _mm256_mullo_epi32(_mm256_min_epi32(_mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15), last), stride)};
  }
  static FloatHalves values(const float* column, const Offsets& offsets) {
    return {Narrow::values(column, offsets.low), Narrow::values(column, offsets.high)};
  }
  static DoubleHalves values(const double* column, const Offsets& offsets) {
    return {Narrow::values(column, offsets.low), Narrow::values(column, offsets.high)};
  }
  template <class Values>
  static Rows nan(const Values& x) {
    return {Narrow::nan(x.low), Narrow::nan(x.high)};
  }
  template <class Threshold, class Values>
  static Rows below(Threshold threshold, const Values& x) {
    return {Narrow::below(threshold, x.low), Narrow::below(threshold, x.high)};
  }
  static void send_right(void* line, const Rows& rows, Word mask) {
    const __m256i m = _mm256_set1_epi32(static_cast<int>(mask));
    clear_where(line, rows.low, m);
    clear_where(static_cast<char*>(line) + 32, rows.high, m);
  }
  template <class Values>
  static Index category_index(const Values& x, std::int32_t first, std::int32_t words) {
    return {Narrow::word_index(Narrow::buckets(x.low), first, words),
            Narrow::word_index(Narrow::buckets(x.high), first, words)};
  }
  static Index gather_words(const std::uint32_t* right, const Index& index, std::int32_t w) {
    return {Narrow::gather_words(right, index.low, w), Narrow::gather_words(right, index.high, w)};
  }
  static Rows with_bit(const Index& words, std::int32_t k) {
    return {Narrow::with_bit(words.low, k), Narrow::with_bit(words.high, k)};
  }
};

}  // namespace

// Constant-initialised, so avx2/kernels.cpp's table may read them at any time.
const ScoreRowsF32 score_rows_f32 = generic::score_rows<TwoWide, TwoNarrow, float>;
const ScoreRowsF64 score_rows_f64 = generic::score_rows<TwoWide, TwoNarrow, double>;

}  // namespace sapwood::kernels::avx2
