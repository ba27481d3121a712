// The QuickScorer kernel (see kernels::QuickScorer in engine.hpp), portable C++: its work is
// scalar loads and ANDs on one row's words, which no vector level does better.
#pragma once

#include "kernels/engine.hpp"

namespace sapwood::kernels::portable {

void score_row_f32(const QuickScorer<float>& forest, const float* row, std::uint64_t* bits, std::int32_t* leaves);
void score_row_f64(const QuickScorer<double>& forest, const double* row, std::uint64_t* bits, std::int32_t* leaves);

}  // namespace sapwood::kernels::portable
