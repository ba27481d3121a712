// exp of a buffer of doubles in [-708, 0], written once over the vector layer of each level
// (kernels/<isa>/vec.hpp: set, load, store, add, sub, mul, and pow2 of a whole number). For a
// softmax, whose every input is a margin minus the row's maximum, so ≤ 0; the caller checks the
// range (below -708 the result would leave the normal range, where the C library's exp is the
// one to take).
//
// Method: x = k·ln2 + r with k = round(x / ln2) (the add-and-subtract of 1.5·2^52 rounds to the
// nearest whole number) and r = (x - k·ln2_hi) - k·ln2_lo, |r| ≤ 0.347, ln2_hi with trailing
// zero bits so that k·ln2_hi is exact (the Cody–Waite split, as in fdlibm's e_exp.c); then
// exp(r) by its Taylor series to r^13 (truncation below 5e-18 relative) in Horner form, times
// 2^k, which is exact. Products and sums round separately (-ffp-contract=off), so every lane,
// and the tail run through a padded register, gives the same bits wherever it sits in the
// buffer. Within 2 ulp of the correctly rounded exp (tests/cpp/test_kernels.cpp checks it
// against std::exp); numpy's own exp, which scikit-learn's softmax takes, differs from the C
// library's by an ulp on about 5 % of inputs.
#pragma once

#include <cstdint>

namespace sapwood::kernels::generic {

template <class V>
inline typename V::Reg exp_nonpositive_reg(typename V::Reg x) {
  using Reg = typename V::Reg;
  const Reg round = V::set(0x1.8p52);
  const Reg k = V::sub(V::add(V::mul(x, V::set(0x1.71547652b82fep0)), round), round);
  const Reg r = V::sub(V::sub(x, V::mul(k, V::set(6.93147180369123816490e-01))),
                       V::mul(k, V::set(1.90821492927058770002e-10)));
  // 1/13!, 1/12!, …, 1/2!, 1, 1.
  constexpr double kTaylor[] = {1.6059043836821613e-10, 2.08767569878681e-09, 2.505210838544172e-08,
                                2.755731922398589e-07,  2.7557319223985893e-06, 2.48015873015873e-05,
                                0.0001984126984126984, 0.001388888888888889,  0.008333333333333333,
                                0.041666666666666664,  0.16666666666666666,   0.5,
                                1.0,                   1.0};
  Reg p = V::set(kTaylor[0]);
  for (int i = 1; i < 14; ++i) p = V::add(V::mul(p, r), V::set(kTaylor[i]));
  return V::mul(p, V::pow2(k));
}

template <class V>
inline void exp_nonpositive(double* values, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + V::kLanes <= n; i += V::kLanes) V::store(values + i, exp_nonpositive_reg<V>(V::load(values + i)));
  if (i == n) return;
  double lanes[V::kLanes] = {};
  for (std::int64_t j = i; j < n; ++j) lanes[j - i] = values[j];
  V::store(lanes, exp_nonpositive_reg<V>(V::load(lanes)));
  for (std::int64_t j = i; j < n; ++j) values[j] = lanes[j - i];
}

}  // namespace sapwood::kernels::generic
