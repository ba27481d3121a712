// Checks a caller's MatrixView against a model before any kernel reads it.
#pragma once

#include <cstdint>

#include "sapwood/matrix.hpp"
#include "sapwood/options.hpp"

namespace sapwood::detail {

// Throws Error(kInvalidArgument) with what was expected: a known dtype, cols equal to
// n_features, non-negative rows, data present when there are rows, and strides whose
// furthest element offset fits in 64 bits.
void check_input(const MatrixView& x, std::int32_t n_features);

// Throws Error(kInvalidArgument) unless every override names a feature below n_features.
void check_overrides(const FeatureValue* values, std::int64_t count, std::int32_t n_features);

// Rows [begin, end) of x as row-major doubles (exact for float32 and float64 input), with
// the overridden features replaced.
void gather_with_overrides(const MatrixView& x, std::int64_t begin, std::int64_t end,
                           const FeatureValue* values, std::int64_t count, double* out);

}  // namespace sapwood::detail
