// libFuzzer harness for the C ABI: load from memory, query, predict, free. No C++
// exception may escape any entry point, and every status must be a known code.
// Prediction runs on inputs derived from the model bytes, so the kernels meet NaN, ±inf,
// ±0, huge magnitudes and small integers (category codes), in both dtypes, in row counts
// that straddle the kernels' blocks.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <vector>

#include "sapwood/sapwood.h"

namespace {

void check_status(int status) {
  if (status < SAPWOOD_OK || status > SAPWOOD_ERROR_OUT_OF_MEMORY) std::abort();
}

double awkward_value(std::uint64_t* state) {
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  const std::uint64_t pick = *state >> 33;
  switch (pick % 10) {
    case 0: return std::numeric_limits<double>::quiet_NaN();
    case 1: return std::numeric_limits<double>::infinity();
    case 2: return -std::numeric_limits<double>::infinity();
    case 3: return -0.0;
    case 4: return 1e300;
    case 5: return -1e-300;
    case 6: return static_cast<double>((pick >> 4) % 70) - 3.0;  // category codes, some negative
    default: return (static_cast<double>((pick >> 4) % 20001) - 10000.0) / 97.0;
  }
}

template <class T>
void predict_rows(sapwood_model* model, std::int32_t n_features, std::int64_t rows, sapwood_dtype dtype,
                  int output, std::uint64_t seed) {
  std::vector<T> x(static_cast<std::size_t>(n_features) * static_cast<std::size_t>(rows));
  for (T& value : x) value = static_cast<T>(awkward_value(&seed));
  const sapwood_matrix matrix = {sizeof(sapwood_matrix), x.data(), dtype, rows, n_features, n_features, 1};
  const sapwood_feature_value set[] = {{0, -1.0}};
  const sapwood_predict_options options = {sizeof(sapwood_predict_options), output, 1, set,
                                           (n_features > 0 && (seed & 1)) ? 1 : 0};
  std::int64_t out_size = 0;
  const int status = sapwood_output_size(model, &matrix, &options, &out_size);
  check_status(status);
  if (status != SAPWOOD_OK) return;
  std::vector<double> out(static_cast<std::size_t>(out_size));
  check_status(sapwood_predict(model, &matrix, &options, out.data(), out_size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sapwood_model* model = nullptr;
  const int status = sapwood_load_memory(data, size, &model);
  check_status(status);
  if (status != SAPWOOD_OK) return 0;
  std::int32_t n_features = 0;
  if (sapwood_n_features(model, &n_features) != SAPWOOD_OK) std::abort();
  if (n_features <= 4096) {
    std::uint64_t seed = size;
    for (std::size_t i = 0; i < size && i < 64; ++i) seed = seed * 131 + data[i];
    predict_rows<double>(model, n_features, 3, SAPWOOD_FLOAT64, SAPWOOD_OUTPUT_VALUE, seed);
    predict_rows<float>(model, n_features, 37, SAPWOOD_FLOAT32, SAPWOOD_OUTPUT_RAW, seed ^ 0x9e37);
    predict_rows<double>(model, n_features, 1, SAPWOOD_FLOAT64, SAPWOOD_OUTPUT_CLASS, seed + 7);
    const char* name = nullptr;
    if (n_features > 0) check_status(sapwood_feature_name(model, n_features - 1, &name));
  }
  sapwood_free(model);
  return 0;
}
