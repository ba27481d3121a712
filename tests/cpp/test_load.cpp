// Model files: format detection from content, and clear errors for what cannot be loaded.
#include <cstdio>
#include <string>

#include "check.hpp"
#include "sapwood/sapwood.hpp"

using sapwood::ErrorCode;
using sapwood::ModelFormat;

namespace {

ModelFormat detect(const std::string& bytes) { return sapwood::detect_format(bytes.data(), bytes.size()); }

}  // namespace

SAPWOOD_TEST(formats_are_detected_from_content) {
  CHECK(detect("{\"learner\": {}}") == ModelFormat::kXGBoostJson);
  CHECK(detect("\xEF\xBB\xBF  \n{\"learner\": {}}") == ModelFormat::kXGBoostJson);
  CHECK(detect(std::string("{L\0\0\0\0\0\0\0\x07learner", 17)) == ModelFormat::kXGBoostUbjson);
  CHECK(detect("{i\x07learner{}}") == ModelFormat::kXGBoostUbjson);
  CHECK(detect("tree\nversion=v4\n") == ModelFormat::kLightGBMText);
  CHECK(detect("tree\r\nversion=v4\r\n") == ModelFormat::kLightGBMText);
  CHECK(detect("trees\n") == ModelFormat::kUnknown);
  CHECK(detect("") == ModelFormat::kUnknown);
  CHECK(detect("\x89PNG") == ModelFormat::kUnknown);
  CHECK(sapwood::detect_format(nullptr, 0) == ModelFormat::kUnknown);
  CHECK(std::string(sapwood::format_name(ModelFormat::kLightGBMText)) == "lightgbm-text");
}

SAPWOOD_TEST(unloadable_input_gives_a_clear_error) {
  CHECK_THROWS(sapwood::load_model_from_memory("", 0), ErrorCode::kInvalidModel, "empty");
  CHECK_THROWS(sapwood::load_model_from_memory("GIF89a", 6), ErrorCode::kInvalidModel, "unrecognised model format");
  CHECK_THROWS(sapwood::load_model_from_memory("{\"learner\": ", 12), ErrorCode::kInvalidModel, "invalid JSON");
  CHECK_THROWS(sapwood::load_model_from_memory(nullptr, 5), ErrorCode::kInvalidArgument, "null");
  CHECK_THROWS(sapwood::load_model("/nonexistent/dir/model.json"), ErrorCode::kInvalidArgument, "cannot open");
}

SAPWOOD_TEST(files_are_read_whole) {
  const std::string path = "sapwood_test_load_garbage.bin";
  std::FILE* file = std::fopen(path.c_str(), "wb");
  CHECK(file != nullptr);
  if (file == nullptr) return;
  std::fputs("not a model", file);
  std::fclose(file);
  CHECK_THROWS(sapwood::load_model(path), ErrorCode::kInvalidModel, "unrecognised model format");
  std::remove(path.c_str());
}

SAPWOOD_TEST_MAIN()
