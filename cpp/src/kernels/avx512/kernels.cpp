// AVX-512 kernels (with avx512/quickscorer.cpp the only code built with -mavx512f): gather
// walks (SAPWOOD_TRAVERSAL=gather) that move 16 float32 rows (or 8 float64 rows) one level per
// step in vector lanes, with gathers for nodes and feature values and mask registers for the
// split decision, two groups at a time so one group's gathers overlap the other's; and the
// linear rows of kernels/generic/ over 8 double lanes (avx512/vec.hpp). Called only when the CPU and OS support AVX-512F
// (kernels/dispatch.cpp). Helpers stay in this file's anonymous namespace and the file
// includes no C++ library header with inline functions, so nothing compiled here with
// AVX-512 instructions can be picked up by other code.
// GCC 12's AVX-512 headers start unmasked intrinsics from _mm512_undefined_*(), which it then
// reports as maybe-uninitialized (or, for the permutes and shuffles of avx512/vec.hpp,
// uninitialized) once inlined (GCC bug 105593, fixed in GCC 13). The pragmas must come before
// the header is first included: a warning is placed at the header's line.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include "kernels/avx512/vec.hpp"
#include "kernels/engine.hpp"
#include "kernels/generic/exp.hpp"
#include "kernels/generic/gather_walk.hpp"
#include "kernels/generic/linear_rows.hpp"

namespace sapwood::kernels::avx512 {
namespace {

// One vector of rows walking one tree; `offset` holds each lane's row start in `rows`. For
// float64 only the low 8 lanes are used.
struct Lanes {
  __m512i node;
  __m512i offset;
};

inline Lanes start(std::int32_t first, std::int32_t lanes, std::int32_t n_cols) {
  // Spare lanes repeat the group's last row; their leaves are dropped.
  const __m512i lane = _mm512_min_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                        _mm512_set1_epi32(lanes - 1));
  return {_mm512_setzero_si512(),
          _mm512_mullo_epi32(_mm512_add_epi32(lane, _mm512_set1_epi32(first)), _mm512_set1_epi32(n_cols))};
}

// One level down for 16 rows; returns true when every lane already sat on a leaf.
inline bool step_f32(Lanes& s, const NodeF32* nodes, const float* rows) {
  const void* base = nodes;
  const __m512i word = _mm512_add_epi32(s.node, _mm512_add_epi32(s.node, s.node));  // 3 words a node
  const __m512 threshold = _mm512_i32gather_ps(word, base, 4);
  const __m512i feature = _mm512_i32gather_epi32(_mm512_add_epi32(word, _mm512_set1_epi32(1)), base, 4);
  const __m512i left = _mm512_i32gather_epi32(_mm512_add_epi32(word, _mm512_set1_epi32(2)), base, 4);
  const __m512i column = _mm512_and_si512(feature, _mm512_set1_epi32(static_cast<int>(kFeatureMask)));
  const __m512 x = _mm512_i32gather_ps(_mm512_add_epi32(s.offset, column), rows, 4);
  const __mmask16 le = _mm512_cmp_ps_mask(x, threshold, _CMP_LE_OQ);
  const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  const __mmask16 default_left = _mm512_test_epi32_mask(feature, _mm512_set1_epi32(static_cast<int>(kDefaultLeftBit)));
  const __mmask16 go_right = static_cast<__mmask16>(~(le | (nan & default_left)));
  const __mmask16 at_leaf = _mm512_cmpeq_epi32_mask(left, s.node);
  s.node = _mm512_mask_add_epi32(left, go_right, left, _mm512_set1_epi32(1));
  return at_leaf == 0xffff;
}

// Float64 nodes are 2 doubles (4 words) each; lanes 8..15 are masked off everywhere.
constexpr __mmask16 kLow8 = 0x00ff;

inline bool step_f64(Lanes& s, const NodeF64* nodes, const double* rows) {
  const void* base = nodes;
  const __m512i pair = _mm512_add_epi32(s.node, s.node);
  const __m512i word = _mm512_add_epi32(pair, pair);
  const __m512d threshold = _mm512_i32gather_pd(_mm512_castsi512_si256(pair), base, 8);
  const __m512i zero = _mm512_setzero_si512();
  const __m512i feature = _mm512_mask_i32gather_epi32(zero, kLow8, _mm512_add_epi32(word, _mm512_set1_epi32(2)), base, 4);
  const __m512i left = _mm512_mask_i32gather_epi32(zero, kLow8, _mm512_add_epi32(word, _mm512_set1_epi32(3)), base, 4);
  const __m512i column = _mm512_and_si512(feature, _mm512_set1_epi32(static_cast<int>(kFeatureMask)));
  const __m512d x = _mm512_i32gather_pd(_mm512_castsi512_si256(_mm512_add_epi32(s.offset, column)), rows, 8);
  const __mmask8 le = _mm512_cmp_pd_mask(x, threshold, _CMP_LE_OQ);
  const __mmask8 nan = _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q);
  const __mmask16 default_left = _mm512_test_epi32_mask(feature, _mm512_set1_epi32(static_cast<int>(kDefaultLeftBit)));
  const __mmask16 go_left = static_cast<__mmask16>(le | (nan & default_left));
  const __mmask16 go_right = static_cast<__mmask16>(~go_left & kLow8);
  const __mmask16 at_leaf = static_cast<__mmask16>(_mm512_cmpeq_epi32_mask(left, s.node) & kLow8);
  s.node = _mm512_mask_add_epi32(left, go_right, left, _mm512_set1_epi32(1));
  return at_leaf == kLow8;
}

inline void store(const Lanes& s, std::int32_t first, std::int32_t lanes, std::int32_t* leaves) {
  alignas(64) std::int32_t lane_node[16];
  _mm512_store_si512(lane_node, s.node);
  for (std::int32_t i = 0; i < lanes; ++i) leaves[first + i] = lane_node[i];
}

using StepF32 = generic::GatherStep<NodeF32, float, Lanes, 16, start, step_f32, store>;
using StepF64 = generic::GatherStep<NodeF64, double, Lanes, 8, start, step_f64, store>;

}  // namespace

// The linear rows in tiles of four rows by up to five outputs: 20 sums, the four rows and a
// coef load fill 25 of the 32 registers.
const KernelTable& table() {
  static const KernelTable kTable = portable::with_vector_kernels(
      {generic::gather_walk<StepF32>, generic::gather_walk<StepF64>, score_rows_f32, score_rows_f64, kQuickScorerLanes,
       kQuickScorerNarrowLanes,
       generic::linear_rows<Vec, 4, 5, float>, generic::linear_rows<Vec, 4, 5, double>,
       generic::exp_nonpositive<Vec>});
  return kTable;
}

}  // namespace sapwood::kernels::avx512
