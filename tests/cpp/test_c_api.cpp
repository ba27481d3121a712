// The C ABI: status codes, the thread-local last error, struct-size checks and NULL
// arguments, exercised through sapwood.h exactly as a C caller would.
#include <cstddef>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "model_fixtures.hpp"
#include "sapwood/sapwood.h"
#include "sapwood/sapwood.hpp"

namespace {

std::vector<std::uint8_t> two_trees_bytes() {
  sapwood::ForestSpec spec = sapwood_test::two_trees();
  spec.info.feature_names = {"x0", "x1"};
  return sapwood::save_model_to_memory(sapwood::Model::from_forest(spec));
}

}  // namespace

SAPWOOD_TEST(load_predict_and_free) {
  const std::vector<std::uint8_t> bytes = two_trees_bytes();
  sapwood_model* model = nullptr;
  CHECK(sapwood_load_memory(bytes.data(), bytes.size(), &model) == SAPWOOD_OK);
  CHECK(model != nullptr);
  int32_t n = 0;
  CHECK(sapwood_n_features(model, &n) == SAPWOOD_OK && n == 2);
  CHECK(sapwood_n_outputs(model, &n) == SAPWOOD_OK && n == 1);
  const char* name = nullptr;
  CHECK(sapwood_feature_name(model, 1, &name) == SAPWOOD_OK && std::string(name) == "x1");
  CHECK(sapwood_feature_name(model, 2, &name) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(sapwood_last_error()).find("out of range") != std::string::npos);
  const char* metadata = nullptr;
  CHECK(sapwood_metadata_json(model, &metadata) == SAPWOOD_OK && metadata != nullptr && std::string(metadata).empty());
  CHECK(sapwood_metadata_json(model, nullptr) == SAPWOOD_ERROR_INVALID_ARGUMENT);

  // Column-major float32 input: rows (0, 0), (1, 1.5), (1, 5).
  const float x[] = {0, 1, 1, 0, 1.5f, 5};
  const sapwood_matrix matrix = {sizeof(sapwood_matrix), x, SAPWOOD_FLOAT32, 3, 2, 1, 3};
  const sapwood_predict_options options = {sizeof(sapwood_predict_options), SAPWOOD_OUTPUT_RAW, 1, nullptr, 0};
  int64_t size = 0;
  CHECK(sapwood_output_size(model, &matrix, &options, &size) == SAPWOOD_OK && size == 3);
  // rows x columns past int64_t is refused, not wrapped (2 leaf columns, one per tree).
  const sapwood_predict_options leaves = {sizeof(sapwood_predict_options), SAPWOOD_OUTPUT_LEAF, 1, nullptr, 0};
  sapwood_matrix huge = matrix;
  huge.rows = INT64_MAX / 2 + 1;
  int64_t huge_size = 0;
  CHECK(sapwood_output_size(model, &huge, &leaves, &huge_size) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(sapwood_last_error()).find("overflows") != std::string::npos);
  huge.rows = INT64_MAX / 2;
  CHECK(sapwood_output_size(model, &huge, &leaves, &huge_size) == SAPWOOD_OK && huge_size == INT64_MAX - 1);
  double out[3] = {0, 0, 0};
  CHECK(sapwood_predict(model, &matrix, &options, out, size) == SAPWOOD_OK);
  CHECK_EQ_EXACT(out[0], 11);
  CHECK_EQ_EXACT(out[1], 22);
  CHECK_EQ_EXACT(out[2], 24);
  CHECK(sapwood_predict(model, &matrix, nullptr, out, size) == SAPWOOD_OK);  // NULL options: defaults
  // x1 read as 1.5 in every row: (0, 1.5) -> 1 + 20; (1, 1.5) -> 2 + 20 twice.
  const sapwood_feature_value set[] = {{1, 1.5}};
  sapwood_predict_options with_set = options;
  with_set.set_features = set;
  with_set.n_set_features = 1;
  CHECK(sapwood_predict(model, &matrix, &with_set, out, size) == SAPWOOD_OK);
  CHECK_EQ_EXACT(out[0], 21);
  CHECK_EQ_EXACT(out[1], 22);
  CHECK_EQ_EXACT(out[2], 22);
  // A caller built against the first version of the struct: the new fields are not read.
  with_set.struct_size = offsetof(sapwood_predict_options, set_features);
  CHECK(sapwood_predict(model, &matrix, &with_set, out, size) == SAPWOOD_OK);
  CHECK_EQ_EXACT(out[0], 11);
  const sapwood_feature_value bad[] = {{5, 0.0}};
  with_set.struct_size = sizeof(sapwood_predict_options);
  with_set.set_features = bad;
  CHECK(sapwood_predict(model, &matrix, &with_set, out, size) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(sapwood_last_error()).find("feature 5") != std::string::npos);
  CHECK(sapwood_predict(model, &matrix, nullptr, out, size) == SAPWOOD_OK);
  CHECK(std::string(sapwood_last_error()).empty());  // a success clears the last error
  sapwood_free(model);
  sapwood_free(nullptr);
}

SAPWOOD_TEST(errors_become_status_codes) {
  sapwood_model* model = reinterpret_cast<sapwood_model*>(0x1);
  CHECK(sapwood_load_file("/no/such/model.json", &model) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  CHECK(model == nullptr);
  CHECK(std::string(sapwood_last_error()).find("cannot open") != std::string::npos);
  CHECK(sapwood_load_memory("garbage", 7, &model) == SAPWOOD_ERROR_INVALID_MODEL);
  CHECK(sapwood_load_memory("garbage", 7, nullptr) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  CHECK(sapwood_load_file(nullptr, &model) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  CHECK(sapwood_n_features(nullptr, nullptr) == SAPWOOD_ERROR_INVALID_ARGUMENT);

  const std::vector<std::uint8_t> bytes = two_trees_bytes();
  CHECK(sapwood_load_memory(bytes.data(), bytes.size(), &model) == SAPWOOD_OK);
  const double x[] = {0, 0};
  sapwood_matrix matrix = {sizeof(sapwood_matrix), x, SAPWOOD_FLOAT64, 1, 2, 2, 1};
  sapwood_predict_options options = {sizeof(sapwood_predict_options), SAPWOOD_OUTPUT_VALUE, 0, nullptr, 0};
  double out[1];
  matrix.struct_size = 8;
  CHECK(sapwood_predict(model, &matrix, &options, out, 1) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(sapwood_last_error()).find("struct_size") != std::string::npos);
  matrix.struct_size = sizeof(sapwood_matrix);
  options.struct_size = 4;
  CHECK(sapwood_predict(model, &matrix, &options, out, 1) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  options.struct_size = sizeof(sapwood_predict_options);
  options.output = 7;
  CHECK(sapwood_predict(model, &matrix, &options, out, 1) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  options.output = SAPWOOD_OUTPUT_CLASS;  // not a classifier
  CHECK(sapwood_predict(model, &matrix, &options, out, 1) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  options.output = SAPWOOD_OUTPUT_VALUE;
  CHECK(sapwood_predict(model, &matrix, &options, out, 0) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  CHECK(sapwood_predict(model, &matrix, &options, nullptr, 1) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  matrix.dtype = 3;
  CHECK(sapwood_predict(model, &matrix, &options, out, 1) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  matrix.dtype = SAPWOOD_FLOAT64;
  matrix.cols = 3;
  CHECK(sapwood_predict(model, &matrix, &options, out, 1) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(sapwood_last_error()).find("expects 2 features") != std::string::npos);
  matrix.cols = 2;
  matrix.rows = INT64_MAX;
  int64_t size = 0;
  CHECK(sapwood_predict(model, &matrix, &options, out, 1) == SAPWOOD_ERROR_INVALID_ARGUMENT);
  (void)size;
  sapwood_free(model);
}

SAPWOOD_TEST(last_error_is_per_thread) {
  sapwood_model* model = nullptr;
  CHECK(sapwood_load_memory("garbage", 7, &model) == SAPWOOD_ERROR_INVALID_MODEL);
  std::string other;
  std::thread([&] { other = sapwood_last_error(); }).join();
  CHECK(other.empty());
  CHECK(!std::string(sapwood_last_error()).empty());
  CHECK(std::strlen(sapwood_version()) > 0);
}

SAPWOOD_TEST_MAIN()
