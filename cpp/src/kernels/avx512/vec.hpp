// The AVX-512 vector layer of the generic kernel bodies (kernels/generic/): 8 doubles a
// register. Included only by this directory's files, which alone are built with -mavx512f;
// the anonymous namespace keeps every function here, and every body instantiated with it,
// out of other translation units.
#pragma once

#include <immintrin.h>

namespace sapwood::kernels::avx512 {
namespace {

struct Vec {
  using Reg = __m512d;
  static constexpr int kLanes = 8;
  static Reg zero() { return _mm512_setzero_pd(); }
  static Reg set(double value) { return _mm512_set1_pd(value); }
  static void store(double* to, Reg a) { _mm512_storeu_pd(to, a); }
  static Reg load(const double* x) { return _mm512_loadu_pd(x); }
  static Reg load(const float* x) { return _mm512_cvtps_pd(_mm256_loadu_ps(x)); }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_pd(a, b); }
  static Reg add(Reg a, Reg b) { return _mm512_add_pd(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm512_sub_pd(a, b); }
  // 2^k for whole numbers k in [-1022, 1023], exactly.
  static Reg pow2(Reg k) { return _mm512_scalef_pd(_mm512_set1_pd(1.0), k); }
  // ((0+1)+(2+3))+((4+5)+(6+7)): each step adds a lane to its neighbour at distance 1, 2, 4.
  static double fold(Reg a) {
    const Reg pairs = _mm512_add_pd(a, _mm512_permute_pd(a, 0x55));
    const Reg quads = _mm512_add_pd(pairs, _mm512_permutex_pd(pairs, _MM_SHUFFLE(1, 0, 3, 2)));
    const Reg all = _mm512_add_pd(quads, _mm512_shuffle_f64x2(quads, quads, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm_cvtsd_f64(_mm512_castpd512_pd128(all));
  }
};

}  // namespace
}  // namespace sapwood::kernels::avx512
