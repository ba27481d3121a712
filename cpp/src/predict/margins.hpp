// Margins of a block of rows, per model kind: the part of prediction before the
// transform. Rows [begin, end) of x go to out, row-major, n_outputs columns.
#pragma once

#include <cstdint>

#include "compile/forest_layout.hpp"
#include "ir/forest.hpp"
#include "ir/linear.hpp"
#include "sapwood/matrix.hpp"

namespace sapwood::detail {

// layout: what compile::compile_forest derived from the forest (null: the reference walk).
void forest_margins(const Forest& forest, const compile::ForestLayout* layout, const MatrixView& x,
                    std::int64_t begin, std::int64_t end, double* out);
// The rows forest_margins takes at once for input of n_cols columns: a call with more splits
// them, a call with fewer walks each tree block for fewer rows.
std::int64_t forest_block_rows(const compile::ForestLayout* layout, std::int64_t n_cols);
// Per row, per tree in model order: the tree-local index of the leaf reached (the reference
// walk; leaf indices are for inspection and feature engineering, not the hot path).
void forest_leaves(const Forest& forest, const MatrixView& x, std::int64_t begin, std::int64_t end,
                   double* out);
void linear_margins(const Linear& linear, const MatrixView& x, std::int64_t begin,
                    std::int64_t end, double* out);

}  // namespace sapwood::detail
