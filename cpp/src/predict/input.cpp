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

}  // namespace sapwood::detail
