// Margins of a block of rows, per model kind: the part of prediction before the
// transform. Rows [begin, end) of x go to out, row-major, n_outputs columns.
#pragma once

#include <cstdint>

#include "ir/forest.hpp"
#include "ir/linear.hpp"
#include "sapwood/matrix.hpp"

namespace sapwood::detail {

void forest_margins(const Forest& forest, const MatrixView& x, std::int64_t begin,
                    std::int64_t end, double* out);
// Per row, per tree in model order: the tree-local index of the leaf reached (the reference
// walk; leaf indices are for inspection and feature engineering, not the hot path).
void forest_leaves(const Forest& forest, const MatrixView& x, std::int64_t begin, std::int64_t end,
                   double* out);
void linear_margins(const Linear& linear, const MatrixView& x, std::int64_t begin,
                    std::int64_t end, double* out);

}  // namespace sapwood::detail
