// Checks a caller's MatrixView against a model before any kernel reads it.
#pragma once

#include <cstdint>

#include "sapwood/matrix.hpp"

namespace sapwood::detail {

// Throws Error(kInvalidArgument) with what was expected: a known dtype, cols equal to
// n_features, non-negative rows, data present when there are rows, and strides whose
// furthest element offset fits in 64 bits.
void check_input(const MatrixView& x, std::int32_t n_features);

}  // namespace sapwood::detail
