// The AVX2 vector layer of the generic kernel bodies (kernels/generic/): 4 doubles a
// register. Included only by this directory's files, which alone are built with -mavx2; the
// anonymous namespace keeps every function here, and every body instantiated with it, out of
// other translation units.
#pragma once

#include <immintrin.h>

namespace sapwood::kernels::avx2 {
namespace {

struct Vec {
  using Reg = __m256d;
  static constexpr int kLanes = 4;
  static Reg zero() { return _mm256_setzero_pd(); }
  static Reg set(double value) { return _mm256_set1_pd(value); }
  static void store(double* to, Reg a) { _mm256_storeu_pd(to, a); }
  static Reg load(const double* x) { return _mm256_loadu_pd(x); }
  static Reg load(const float* x) { return _mm256_cvtps_pd(_mm_loadu_ps(x)); }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_pd(a, b); }
  static Reg add(Reg a, Reg b) { return _mm256_add_pd(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm256_sub_pd(a, b); }
  // 2^k for whole numbers k in [-1022, 1023], exactly: k + 2^52 + 1023 holds k + 1023 in its
  // low mantissa bits, which the shift moves into the exponent field.
  static Reg pow2(Reg k) {
    const __m256i biased = _mm256_castpd_si256(_mm256_add_pd(k, _mm256_set1_pd(0x1p52 + 1023.0)));
    return _mm256_castsi256_pd(_mm256_slli_epi64(biased, 52));
  }
  // (0+1)+(2+3)
  static double fold(Reg a) {
    const Reg pairs = _mm256_hadd_pd(a, a);
    return _mm_cvtsd_f64(_mm_add_pd(_mm256_castpd256_pd128(pairs), _mm256_extractf128_pd(pairs, 1)));
  }
};

}  // namespace
}  // namespace sapwood::kernels::avx2
