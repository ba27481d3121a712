// The QuickScorer kernels (see kernels::QuickScorer in engine.hpp), portable C++: a row's
// work is scalar loads and ANDs on its own words, which the vector levels only beat by
// scoring several rows per pass (avx2/quickscorer.cpp, avx512/quickscorer.cpp).
#pragma once

#include "kernels/engine.hpp"

namespace sapwood::kernels::portable {

void score_rows_f32(const QuickScorer<float>& forest, const float* rows, std::int32_t n_rows, std::int32_t n_cols,
                    std::uint64_t* bits, std::int32_t* leaves);
void score_rows_f64(const QuickScorer<double>& forest, const double* rows, std::int32_t n_rows, std::int32_t n_cols,
                    std::uint64_t* bits, std::int32_t* leaves);

}  // namespace sapwood::kernels::portable
