// Linear margins of a block of rows, X · coef^T + intercept in float64, written once over the
// thin vector layer each instruction set supplies (kernels/<isa>/vec.hpp: a register of
// V::kLanes doubles, zero, load of float or double, mul, add, and the fold of a register's
// lanes). Each level's kernels.cpp instantiates it with its own layer, whose types have
// internal linkage there, so no body compiled with wider instructions is shared.
//
// The block is cut into tiles of R rows by G outputs: a tile keeps R·G sums in registers, so
// each load of X serves G outputs and each load of coef serves R rows (the register blocking
// of a small GEMM; with one row at a time, as before, every product needed its own coef load,
// and the loads, not the arithmetic, bounded a multiclass model).
//
// Order of additions, per (row, output), whatever the tile, the row's place in the block or
// the thread: the products (rounded, never fused: -ffp-contract=off) of each whole vector of
// features are added lane by lane, in feature order; V::fold adds the lanes pairwise
// ((0+1)+(2+3))+…; the features left over are added one by one, then the intercept. It
// differs from the reference's sequential sum by a few ulps of the larger terms.
#pragma once

#include <cstdint>

namespace sapwood::kernels::generic {

template <class V, int R, int G, bool kPrefetch, class In>
inline void linear_tile(const In* x, std::int64_t row_stride, const double* coef, const double* intercept,
                        std::int64_t n, std::int64_t n_outputs, double* out) {
  using Reg = typename V::Reg;
  Reg sum[R][G];
  for (int r = 0; r < R; ++r) {
    for (int g = 0; g < G; ++g) sum[r][g] = V::zero();
  }
  std::int64_t j = 0;
  for (; j + V::kLanes <= n; j += V::kLanes) {
    Reg row[R];
    for (int r = 0; r < R; ++r) row[r] = V::load(x + r * row_stride + j);
    if constexpr (kPrefetch) {
      for (int r = 0; r < R; ++r) V::prefetch(x + (r + R) * row_stride + j);
    }
    for (int g = 0; g < G; ++g) {
      const Reg c = V::load(coef + g * n + j);
      for (int r = 0; r < R; ++r) sum[r][g] = V::add(sum[r][g], V::mul(row[r], c));
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int g = 0; g < G; ++g) {
      double total = V::fold(sum[r][g]);
      for (std::int64_t tail = j; tail < n; ++tail) {
        total += static_cast<double>(x[r * row_stride + tail]) * coef[g * n + tail];
      }
      out[r * n_outputs + g] = total + intercept[g];
    }
  }
}

// The last group of outputs, fewer than kMaxG (the cases past kMaxG - 1 are never taken but
// keep the switch one shape).
template <class V, int R, int kMaxG, bool kPrefetch, class In>
inline void linear_last_group(const In* x, std::int64_t row_stride, const double* coef, const double* intercept,
                              std::int64_t n, std::int64_t n_outputs, std::int64_t size, double* out) {
  switch (size) {
    case 1:
      return linear_tile<V, R, 1, kPrefetch>(x, row_stride, coef, intercept, n, n_outputs, out);
    case 2:
      return linear_tile<V, R, (kMaxG > 2 ? 2 : 1), kPrefetch>(x, row_stride, coef, intercept, n, n_outputs, out);
    case 3:
      return linear_tile<V, R, (kMaxG > 3 ? 3 : 1), kPrefetch>(x, row_stride, coef, intercept, n, n_outputs, out);
    default:
      return linear_tile<V, R, (kMaxG > 4 ? 4 : 1), kPrefetch>(x, row_stride, coef, intercept, n, n_outputs, out);
  }
}

// R rows of every output: groups of kMaxG outputs, then one group of the rest. kPrefetch: the
// next R rows are in the block, and the first group asks for them while it reads these (on a
// block too big for the caches the loads of X, not the arithmetic, bounded the kernel: 5.1 M
// rows/s without, 7.8 M with, 10 classes x 200 float32 features, AVX-512, bench/RESULTS.md).
template <class V, int R, int kMaxG, bool kPrefetch, class In>
inline void linear_row_tile(const In* x, std::int64_t row_stride, const double* coef, const double* intercept,
                            std::int64_t n, std::int64_t n_outputs, double* out) {
  std::int64_t k = 0;
  if (n_outputs >= kMaxG) {
    linear_tile<V, R, kMaxG, kPrefetch>(x, row_stride, coef, intercept, n, n_outputs, out);
    k = kMaxG;
  }
  for (; k + kMaxG <= n_outputs; k += kMaxG) {
    linear_tile<V, R, kMaxG, false>(x, row_stride, coef + k * n, intercept + k, n, n_outputs, out + k);
  }
  const std::int64_t rest = n_outputs - k;
  if (rest == 0) return;
  if (k == 0) {
    return linear_last_group<V, R, kMaxG, kPrefetch>(x, row_stride, coef, intercept, n, n_outputs, rest, out);
  }
  linear_last_group<V, R, kMaxG, false>(x, row_stride, coef + k * n, intercept + k, n, n_outputs, rest, out + k);
}

// out[r * n_outputs + k] for the n_rows rows at x (features contiguous, rows row_stride apart).
// Tiles of kRows rows pay when a row meets at least one full group of outputs; with fewer
// outputs each value of X serves only those few sums, the kernel streams X at memory speed, and
// rows one at a time (one read stream) measured faster: Ridge 200 features 30-38 M rows/s
// against 15-18 M in tiles of 4 (AVX-512; the 10-class model: 8.0 M in tiles against 6.7 M).
template <class V, int kRows, int kMaxG, class In>
inline void linear_rows(const In* x, std::int64_t row_stride, std::int64_t n_rows, const double* coef,
                        const double* intercept, std::int64_t n, std::int64_t n_outputs, double* out) {
  static_assert(kMaxG >= 1 && kMaxG <= 5, "linear_last_group handles groups of up to 5 outputs");
  std::int64_t r = 0;
  if (n_outputs >= kMaxG) {
    for (; r + 2 * kRows <= n_rows; r += kRows) {
      linear_row_tile<V, kRows, kMaxG, true>(x + r * row_stride, row_stride, coef, intercept, n, n_outputs,
                                             out + r * n_outputs);
    }
    for (; r + kRows <= n_rows; r += kRows) {
      linear_row_tile<V, kRows, kMaxG, false>(x + r * row_stride, row_stride, coef, intercept, n, n_outputs,
                                              out + r * n_outputs);
    }
  }
  for (; r < n_rows; ++r) {
    linear_row_tile<V, 1, kMaxG, false>(x + r * row_stride, row_stride, coef, intercept, n, n_outputs,
                                        out + r * n_outputs);
  }
}

}  // namespace sapwood::kernels::generic
