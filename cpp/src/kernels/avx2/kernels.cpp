// AVX2 kernels (with avx2/quickscorer.cpp the only code built with -mavx2): the steps of
// kernels/generic/gather_walk.hpp (SAPWOOD_TRAVERSAL=gather), 8 float32 rows (or 4 float64
// rows) one level down, loading nodes and feature values with gathers; and the linear rows of
// kernels/generic/ over 4 double lanes (avx2/vec.hpp). Called only
// when the CPU reports AVX2 (kernels/dispatch.cpp). Helpers stay in this file's anonymous
// namespace and the file includes no C++ library header with inline functions, so nothing
// compiled here with AVX2 instructions can be picked up by other code.
// GCC 12's AVX2 gather intrinsics start from _mm256_undefined_pd(), which it then reports as
// maybe-uninitialized once inlined (GCC bug 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "kernels/avx2/vec.hpp"
#include "kernels/engine.hpp"
#include "kernels/generic/exp.hpp"
#include "kernels/generic/gather_walk.hpp"
#include "kernels/generic/linear_rows.hpp"

namespace sapwood::kernels::avx2 {
namespace {

// One vector of rows walking one tree. `offset` holds each lane's row start in `rows`.
struct LanesF32 {
  __m256i node;
  __m256i offset;
};

inline LanesF32 start8(std::int32_t first, std::int32_t lanes, std::int32_t n_cols) {
  // Spare lanes repeat the group's last row; their leaves are dropped.
  const __m256i lane = _mm256_min_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(lanes - 1));
  return {_mm256_setzero_si256(),
          _mm256_mullo_epi32(_mm256_add_epi32(lane, _mm256_set1_epi32(first)), _mm256_set1_epi32(n_cols))};
}

// One level down for 8 rows; returns true when every lane already sat on a leaf.
inline bool step_f32(LanesF32& s, const NodeF32* nodes, const float* rows) {
  const auto* words = reinterpret_cast<const int*>(nodes);
  const auto* floats = reinterpret_cast<const float*>(nodes);
  const __m256i word = _mm256_add_epi32(s.node, _mm256_add_epi32(s.node, s.node));  // 3 words a node
  const __m256 threshold = _mm256_i32gather_ps(floats, word, 4);
  const __m256i feature = _mm256_i32gather_epi32(words, _mm256_add_epi32(word, _mm256_set1_epi32(1)), 4);
  const __m256i left = _mm256_i32gather_epi32(words, _mm256_add_epi32(word, _mm256_set1_epi32(2)), 4);
  const __m256i column = _mm256_and_si256(feature, _mm256_set1_epi32(static_cast<int>(kFeatureMask)));
  const __m256 x = _mm256_i32gather_ps(rows, _mm256_add_epi32(s.offset, column), 4);
  const __m256 le = _mm256_cmp_ps(x, threshold, _CMP_LE_OQ);
  const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
  const __m256i default_left = _mm256_srai_epi32(feature, 31);  // all ones where the bit is set
  const __m256i go_left = _mm256_or_si256(_mm256_castps_si256(le),
                                          _mm256_and_si256(_mm256_castps_si256(nan), default_left));
  const int at_leaf = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(left, s.node)));
  // go_left is -1 where the row goes left: left + 1 + go_left picks left or left + 1.
  s.node = _mm256_add_epi32(_mm256_add_epi32(left, _mm256_set1_epi32(1)), go_left);
  return at_leaf == 0xff;
}

inline void store8(const LanesF32& s, std::int32_t first, std::int32_t lanes, std::int32_t* leaves) {
  alignas(32) std::int32_t lane_node[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lane_node), s.node);
  for (std::int32_t i = 0; i < lanes; ++i) leaves[first + i] = lane_node[i];
}

// Float64: 4 lanes; node indices and feature columns stay in 128-bit integer vectors.
struct LanesF64 {
  __m128i node;
  __m128i offset;
};

inline LanesF64 start4(std::int32_t first, std::int32_t lanes, std::int32_t n_cols) {
  const __m128i lane = _mm_min_epi32(_mm_setr_epi32(0, 1, 2, 3), _mm_set1_epi32(lanes - 1));
  return {_mm_setzero_si128(), _mm_mullo_epi32(_mm_add_epi32(lane, _mm_set1_epi32(first)), _mm_set1_epi32(n_cols))};
}

// The low 32 bits of each 64-bit compare mask, packed into 4 int32 lanes.
inline __m128i narrow_mask(__m256d mask) {
  const __m256i packed = _mm256_permutevar8x32_epi32(_mm256_castpd_si256(mask), _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6));
  return _mm256_castsi256_si128(packed);
}

inline bool step_f64(LanesF64& s, const NodeF64* nodes, const double* rows) {
  const auto* words = reinterpret_cast<const int*>(nodes);
  const auto* doubles = reinterpret_cast<const double*>(nodes);
  const __m128i pair = _mm_add_epi32(s.node, s.node);  // a node is 2 doubles, 4 words
  const __m128i word = _mm_add_epi32(pair, pair);
  const __m256d threshold = _mm256_i32gather_pd(doubles, pair, 8);
  const __m128i feature = _mm_i32gather_epi32(words, _mm_add_epi32(word, _mm_set1_epi32(2)), 4);
  const __m128i left = _mm_i32gather_epi32(words, _mm_add_epi32(word, _mm_set1_epi32(3)), 4);
  const __m128i column = _mm_and_si128(feature, _mm_set1_epi32(static_cast<int>(kFeatureMask)));
  const __m256d x = _mm256_i32gather_pd(rows, _mm_add_epi32(s.offset, column), 8);
  const __m128i le = narrow_mask(_mm256_cmp_pd(x, threshold, _CMP_LE_OQ));
  const __m128i nan = narrow_mask(_mm256_cmp_pd(x, x, _CMP_UNORD_Q));
  const __m128i go_left = _mm_or_si128(le, _mm_and_si128(nan, _mm_srai_epi32(feature, 31)));
  const int at_leaf = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(left, s.node)));
  s.node = _mm_add_epi32(_mm_add_epi32(left, _mm_set1_epi32(1)), go_left);
  return at_leaf == 0xf;
}

inline void store4(const LanesF64& s, std::int32_t first, std::int32_t lanes, std::int32_t* leaves) {
  alignas(16) std::int32_t lane_node[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(lane_node), s.node);
  for (std::int32_t i = 0; i < lanes; ++i) leaves[first + i] = lane_node[i];
}

using StepF32 = generic::GatherStep<NodeF32, float, LanesF32, 8, start8, step_f32, store8>;
using StepF64 = generic::GatherStep<NodeF64, double, LanesF64, 4, start4, step_f64, store4>;

}  // namespace

// The linear rows in tiles of two rows by up to five outputs: 10 sums, the two rows and a coef
// load fill 13 of the 16 registers.
const KernelTable& table() {
  static const KernelTable kTable = portable::with_vector_kernels(
      {generic::gather_walk<StepF32>, generic::gather_walk<StepF64>, score_rows_f32, score_rows_f64, kQuickScorerLanes,
       kQuickScorerNarrowLanes,
       generic::linear_rows<Vec, 2, 5, float>, generic::linear_rows<Vec, 2, 5, double>,
       generic::exp_nonpositive<Vec>});
  return kTable;
}

}  // namespace sapwood::kernels::avx2
