// A block of rows as a forest reads them: gathered from any dtype and strides into one
// contiguous buffer, each value rounded as the source library rounds its input and
// flushed as LightGBM flushes near-zero values.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "compile/compiled_columns.hpp"
#include "ir/forest.hpp"
#include "sapwood/matrix.hpp"

namespace sapwood::detail {

template <class In, class Row>
void gather_rows(const MatrixView& x, std::int64_t begin, std::int64_t end, bool round_to_float,
                 Row* rows) {
  const auto* data = static_cast<const In*>(x.data);
  for (std::int64_t r = begin; r < end; ++r) {
    const In* row = data + r * x.row_stride;
    Row* out = rows + (r - begin) * x.cols;
    for (std::int64_t j = 0; j < x.cols; ++j) {
      const In value = row[j * x.col_stride];
      out[j] = round_to_float ? static_cast<Row>(static_cast<float>(value)) : static_cast<Row>(value);
    }
  }
}

// LightGBM reads dense input through a filter that drops |x| <= its zero threshold, so
// those values reach the trees as 0 (zero_threshold in ForestSpec).
template <class Row>
void flush_near_zero(double threshold, std::int64_t n_values, Row* rows) {
  for (std::int64_t i = 0; i < n_values; ++i) {
    if (std::fabs(static_cast<double>(rows[i])) <= threshold) rows[i] = Row{0};
  }
}

// Rows [begin, end) of x, rounded to the model's input precision and flushed, as Row values.
template <class Row>
std::vector<Row> model_rows(const Forest& forest, const MatrixView& x, std::int64_t begin, std::int64_t end) {
  const bool round_to_float = forest.spec.input_precision == Precision::kFloat32;
  std::vector<Row> rows(static_cast<std::size_t>((end - begin) * x.cols));
  if (x.dtype == DType::kFloat32) {
    gather_rows<float>(x, begin, end, round_to_float, rows.data());
  } else {
    gather_rows<double>(x, begin, end, round_to_float, rows.data());
  }
  if (forest.spec.zero_threshold > 0.0) {
    flush_near_zero(forest.spec.zero_threshold, static_cast<std::int64_t>(rows.size()), rows.data());
  }
  return rows;
}

// Rows [begin, end) as the compiled engine reads them: model_rows rewritten into the
// layout's columns (compile/compiled_columns.hpp), n_columns values a row; the rows as they
// are when the layout keeps the features as gathered.
template <class Row>
std::vector<Row> compiled_rows(const Forest& forest, const std::vector<compile::CompiledColumn>& columns,
                               const MatrixView& x, std::int64_t begin, std::int64_t end, std::int32_t* n_columns) {
  std::vector<Row> rows = model_rows<Row>(forest, x, begin, end);
  *n_columns = static_cast<std::int32_t>(x.cols);
  if (columns.empty()) return rows;
  const auto width = static_cast<std::int64_t>(columns.size());
  *n_columns = static_cast<std::int32_t>(width);
  std::vector<Row> out(static_cast<std::size_t>((end - begin) * width));
  for (std::int64_t r = 0; r < end - begin; ++r) {
    const Row* row = rows.data() + r * x.cols;
    Row* compiled = out.data() + r * width;
    for (std::int64_t c = 0; c < width; ++c) {
      const compile::CompiledColumn& column = columns[static_cast<std::size_t>(c)];
      compiled[c] = compile::compiled_value(column, row[column.feature]);
    }
  }
  return out;
}

// Whether any of n values is NaN: the walks have a faster form for rows without.
template <class Row>
bool any_nan(const Row* values, std::int64_t n) {
  int found = 0;  // an int, not a bool, so the loop vectorizes
  for (std::int64_t i = 0; i < n; ++i) found |= values[i] != values[i] ? 1 : 0;
  return found != 0;
}

}  // namespace sapwood::detail
