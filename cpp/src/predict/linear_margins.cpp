// Linear margins with the reference kernel: X · coef^T + intercept in float64, input read in
// place whatever its dtype or layout. Each output's sum runs over features in order, then the
// intercept is added.
#include "predict/margins.hpp"

namespace sapwood::detail {
namespace {

template <class In>
void margins_block(const Linear& linear, const MatrixView& x, std::int64_t begin, std::int64_t end,
                   double* out) {
  const LinearSpec& spec = linear.spec;
  const auto* data = static_cast<const In*>(x.data);
  const std::int64_t n_features = spec.n_features;
  const std::int64_t n_outputs = spec.n_outputs;
  for (std::int64_t r = begin; r < end; ++r) {
    const In* row = data + r * x.row_stride;
    for (std::int64_t k = 0; k < n_outputs; ++k) {
      const double* coef = spec.coef.data() + k * n_features;
      double sum = 0.0;  // a local, so the sum stays in a register
      for (std::int64_t j = 0; j < n_features; ++j) sum += static_cast<double>(row[j * x.col_stride]) * coef[j];
      out[(r - begin) * n_outputs + k] = sum + spec.intercept[static_cast<std::size_t>(k)];
    }
  }
}

}  // namespace

void linear_margins(const Linear& linear, const MatrixView& x, std::int64_t begin,
                    std::int64_t end, double* out) {
  if (x.dtype == DType::kFloat32) return margins_block<float>(linear, x, begin, end, out);
  return margins_block<double>(linear, x, begin, end, out);
}

}  // namespace sapwood::detail
