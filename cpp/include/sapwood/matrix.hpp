// MatrixView: the zero-copy description of caller input. Any float32/float64 matrix
// whose strides are whole elements (C order, Fortran order, slices) is read in place.
#pragma once

#include <cstdint>

namespace sapwood {

enum class DType : std::uint8_t { kFloat32 = 0, kFloat64 = 1 };

struct MatrixView {
  const void* data = nullptr;
  DType dtype = DType::kFloat64;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  // Strides in elements, not bytes, so every read is aligned for its type.
  std::int64_t row_stride = 0;
  std::int64_t col_stride = 1;

  static MatrixView row_major(const float* data, std::int64_t rows, std::int64_t cols) {
    return {data, DType::kFloat32, rows, cols, cols, 1};
  }
  static MatrixView row_major(const double* data, std::int64_t rows, std::int64_t cols) {
    return {data, DType::kFloat64, rows, cols, cols, 1};
  }
};

}  // namespace sapwood
