// Linear margins: X · coef^T + intercept in float64, input read in place whatever its dtype
// or layout. The reference (level "scalar", and any input whose features are not contiguous)
// sums each output over features in order, then adds the intercept. The other levels hand a
// block of rows with contiguous features to the active level's linear kernel (a small GEMM in
// tiles of rows by outputs, kernels/generic/linear_rows.hpp), reading float32 or float64 X
// where it lies; their own order of additions makes them differ from the reference by a few
// ulps of the larger terms (scikit-learn's BLAS product has its own order too).
#include "kernels/dispatch.hpp"
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
  const kernels::KernelTable* kernels = kernels::kernels_for(kernels::active_isa());
  if (kernels != nullptr && (x.col_stride == 1 || x.cols <= 1)) {
    const LinearSpec& spec = linear.spec;
    if (x.dtype == DType::kFloat32) {
      const float* rows = static_cast<const float*>(x.data) + begin * x.row_stride;
      return kernels->linear_rows_f32(rows, x.row_stride, end - begin, spec.coef.data(), spec.intercept.data(),
                                      spec.n_features, spec.n_outputs, out);
    }
    const double* rows = static_cast<const double*>(x.data) + begin * x.row_stride;
    return kernels->linear_rows_f64(rows, x.row_stride, end - begin, spec.coef.data(), spec.intercept.data(),
                                    spec.n_features, spec.n_outputs, out);
  }
  if (x.dtype == DType::kFloat32) return margins_block<float>(linear, x, begin, end, out);
  return margins_block<double>(linear, x, begin, end, out);
}

}  // namespace sapwood::detail
