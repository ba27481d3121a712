// Format detection and dispatch to the readers.
#include "sapwood/load.hpp"

#include <cstring>
#include <fstream>
#include <string_view>
#include <vector>

#include "formats/json.hpp"
#include "formats/lightgbm_text.hpp"
#include "formats/native_io.hpp"
#include "formats/xgboost_model.hpp"
#include "util/mapped_file.hpp"
#include "sapwood/error.hpp"

namespace sapwood {
namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

const char* format_name(ModelFormat format) {
  switch (format) {
    case ModelFormat::kXGBoostJson: return "xgboost-json";
    case ModelFormat::kXGBoostUbjson: return "xgboost-ubjson";
    case ModelFormat::kLightGBMText: return "lightgbm-text";
    case ModelFormat::kSapwood: return "sapwood";
    case ModelFormat::kUnknown: break;
  }
  return "unknown";
}

ModelFormat detect_format(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  if (bytes == nullptr || size == 0) return ModelFormat::kUnknown;
  if (size >= sizeof detail::native::kMagic &&
      std::memcmp(bytes, detail::native::kMagic, sizeof detail::native::kMagic) == 0) {
    return ModelFormat::kSapwood;
  }
  // UBJSON opens an object with '{' and then a key length's integer marker or an
  // optimized-container marker; JSON text has a quote, a brace or white space there.
  if (bytes[0] == '{' && size > 1 && std::strchr("iUIlL$#", bytes[1]) != nullptr && bytes[1] != 0) {
    return ModelFormat::kXGBoostUbjson;
  }
  std::size_t i = 0;
  if (size >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) i = 3;  // UTF-8 BOM
  while (i < size && is_space(bytes[i])) ++i;
  if (i < size && bytes[i] == '{') return ModelFormat::kXGBoostJson;
  // LightGBM's text format opens with a line holding only "tree".
  const std::string_view text(reinterpret_cast<const char*>(bytes + i), size - i);
  if (text.substr(0, 4) == "tree" && (text.size() == 4 || text[4] == '\n' || text[4] == '\r')) {
    return ModelFormat::kLightGBMText;
  }
  return ModelFormat::kUnknown;
}

Model load_model_from_memory(const void* data, std::size_t size, ModelFormat format) {
  if (data == nullptr && size > 0) throw Error(ErrorCode::kInvalidArgument, "model bytes are null");
  if (format == ModelFormat::kUnknown) format = detect_format(data, size);
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  switch (format) {
    case ModelFormat::kXGBoostJson:
      return detail::load_xgboost(detail::json::parse_json(std::string_view(reinterpret_cast<const char*>(bytes), size)));
    case ModelFormat::kXGBoostUbjson:
      return detail::load_xgboost(detail::json::parse_ubjson(bytes, size));
    case ModelFormat::kLightGBMText:
      return detail::load_lightgbm_text(std::string_view(reinterpret_cast<const char*>(bytes), size));
    case ModelFormat::kSapwood:
      return detail::native::read_native(bytes, size);
    case ModelFormat::kUnknown:
      break;
  }
  throw Error(ErrorCode::kInvalidModel,
              size == 0 ? "the model is empty"
                        : "unrecognised model format: expected XGBoost JSON or UBJSON, or LightGBM text");
}

Model load_model(const std::string& path, ModelFormat format) {
  const detail::MappedFile file(path);
  return load_model_from_memory(file.data(), file.size(), format);
}

std::vector<std::uint8_t> save_model_to_memory(const Model& model) { return detail::native::write_native(model); }

void save_model(const Model& model, const std::string& path) {
  const std::vector<std::uint8_t> bytes = save_model_to_memory(model);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) throw Error(ErrorCode::kInvalidArgument, "cannot open '" + path + "' for writing");
  file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!file) throw Error(ErrorCode::kInvalidArgument, "cannot write '" + path + "'");
}

}  // namespace sapwood
