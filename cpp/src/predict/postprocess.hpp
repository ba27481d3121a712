// From margins to what the caller asked for: the transform (probabilities, rates,
// anomaly scores) and the class decision, applied row by row.
#pragma once

#include <cstdint>
#include <vector>

#include "sapwood/builder.hpp"
#include "sapwood/options.hpp"

namespace sapwood::detail {

struct OutputRule {
  Transform transform = Transform::kIdentity;
  double transform_param = 1.0;
  ClassRule class_rule = ClassRule::kNone;
  std::int32_t n_outputs = 1;
  // The softmax may take the active level's vector exp (kernels/generic/exp.hpp, within 2 ulp)
  // instead of the C library's: set for linear models, whose source computes the exp with
  // numpy's own SIMD code, which differs from the C library's by an ulp on about 5 % of inputs,
  // so neither is closer to scikit-learn. Forests keep std::exp: LightGBM's softmax is the C
  // library's, and sapwood's matches it bit for bit.
  bool softmax_vector_exp = false;
  // Per output, what the margins are divided by before a value or class is taken (LightGBM
  // rf, Aggregation::kMeanAfterRaw: the trees of the output); empty: nothing.
  std::vector<double> value_divisor;
};

std::int64_t output_columns(const OutputRule& rule, Output output);

// margins: rows x rule.n_outputs, the caller's scratch (value_divisor divides it in place);
// out: rows x output_columns(rule, output).
void finalize_rows(const OutputRule& rule, Output output, double* margins, std::int64_t rows, double* out);

}  // namespace sapwood::detail
