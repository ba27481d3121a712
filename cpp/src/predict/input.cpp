#include "predict/input.hpp"

#include <cstdlib>
#include <limits>
#include <string>

#include "sapwood/error.hpp"

namespace sapwood::detail {
namespace {

[[noreturn]] void bad_input(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, message);
}

bool offset_fits(std::int64_t count, std::int64_t stride) {
  if (count <= 1 || stride == 0) return true;
  const std::int64_t magnitude = stride < 0 ? -stride : stride;
  if (stride == std::numeric_limits<std::int64_t>::min()) return false;
  return count - 1 <= std::numeric_limits<std::int64_t>::max() / 2 / magnitude;
}

}  // namespace

void check_input(const MatrixView& x, std::int32_t n_features) {
  if (x.dtype != DType::kFloat32 && x.dtype != DType::kFloat64) bad_input("X must be float32 or float64");
  if (x.rows < 0 || x.cols < 0) bad_input("X has a negative dimension");
  if (x.cols != n_features) {
    bad_input("model expects " + std::to_string(n_features) + " features, X has " +
              std::to_string(x.cols));
  }
  if (x.rows > 0 && x.cols > 0 && x.data == nullptr) bad_input("X has rows but no data");
  if (!offset_fits(x.rows, x.row_stride) || !offset_fits(x.cols, x.col_stride)) {
    bad_input("X strides address beyond 64-bit offsets");
  }
}

void check_overrides(const FeatureValue* values, std::int64_t count, std::int32_t n_features) {
  if (count < 0) bad_input("the number of set_features is negative");
  if (count > 0 && values == nullptr) bad_input("set_features is null");
  for (std::int64_t i = 0; i < count; ++i) {
    if (values[i].feature < 0 || values[i].feature >= n_features) {
      bad_input("set_features names feature " + std::to_string(values[i].feature) + " but the model has " +
                std::to_string(n_features) + " features");
    }
  }
}

namespace {

template <class In>
void gather(const MatrixView& x, std::int64_t begin, std::int64_t end, double* out) {
  const auto* data = static_cast<const In*>(x.data);
  for (std::int64_t r = begin; r < end; ++r) {
    const In* row = data + r * x.row_stride;
    double* row_out = out + (r - begin) * x.cols;
    for (std::int64_t j = 0; j < x.cols; ++j) row_out[j] = static_cast<double>(row[j * x.col_stride]);
  }
}

}  // namespace

void gather_with_overrides(const MatrixView& x, std::int64_t begin, std::int64_t end,
                           const FeatureValue* values, std::int64_t count, double* out) {
  if (x.dtype == DType::kFloat32) {
    gather<float>(x, begin, end, out);
  } else {
    gather<double>(x, begin, end, out);
  }
  // An override reads as if X held it, so it is rounded to X's element type.
  const bool as_float = x.dtype == DType::kFloat32;
  for (std::int64_t r = 0; r < end - begin; ++r) {
    for (std::int64_t i = 0; i < count; ++i) {
      const double value = values[i].value;
      out[r * x.cols + values[i].feature] = as_float ? static_cast<double>(static_cast<float>(value)) : value;
    }
  }
}

}  // namespace sapwood::detail
