// libFuzzer harness for the C ABI: load from memory, query, predict, free. No C++
// exception may escape any entry point, and every status must be a known code.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "sapwood/sapwood.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sapwood_model* model = nullptr;
  const int status = sapwood_load_memory(data, size, &model);
  if (status < SAPWOOD_OK || status > SAPWOOD_ERROR_OUT_OF_MEMORY) std::abort();
  if (status != SAPWOOD_OK) return 0;
  int32_t n_features = 0;
  if (sapwood_n_features(model, &n_features) != SAPWOOD_OK) std::abort();
  if (n_features <= 4096) {
    std::vector<double> x(static_cast<std::size_t>(n_features) * 3, 0.25);
    const sapwood_matrix matrix = {sizeof(sapwood_matrix), x.data(), SAPWOOD_FLOAT64, 3, n_features, n_features, 1};
    const sapwood_feature_value set[] = {{0, -1.0}};
    const sapwood_predict_options options = {sizeof(sapwood_predict_options), SAPWOOD_OUTPUT_VALUE, 1, set,
                                             n_features > 0 ? 1 : 0};
    int64_t out_size = 0;
    if (sapwood_output_size(model, &matrix, &options, &out_size) == SAPWOOD_OK) {
      std::vector<double> out(static_cast<std::size_t>(out_size));
      (void)sapwood_predict(model, &matrix, &options, out.data(), out_size);
    }
    const char* name = nullptr;
    if (n_features > 0) (void)sapwood_feature_name(model, n_features - 1, &name);
  }
  sapwood_free(model);
  return 0;
}
