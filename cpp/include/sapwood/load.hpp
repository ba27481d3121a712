// Loading and saving model files. sapwood reads its own format (written by save_model),
// XGBoost JSON and UBJSON, and LightGBM text; the format is detected from the content, so
// a file's name does not matter. Every reader is strict: a malformed,
// truncated or hostile file raises Error(kInvalidModel) saying what is wrong, and a valid
// file using something sapwood cannot evaluate raises Error(kUnsupported).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sapwood/export.h"
#include "sapwood/model.hpp"

namespace sapwood {

enum class ModelFormat : std::uint8_t {
  kUnknown = 0,  // as an argument: detect from the content
  kXGBoostJson = 1,
  kXGBoostUbjson = 2,
  kLightGBMText = 3,
  kSapwood = 4,  // sapwood's own format (docs/format.md)
};

SAPWOOD_API const char* format_name(ModelFormat format);

// The format of a model held in memory, or kUnknown.
SAPWOOD_API ModelFormat detect_format(const void* data, std::size_t size);

SAPWOOD_API Model load_model_from_memory(const void* data, std::size_t size,
                                         ModelFormat format = ModelFormat::kUnknown);
// Files are memory-mapped where the platform allows, not read into a buffer first.
SAPWOOD_API Model load_model(const std::string& path, ModelFormat format = ModelFormat::kUnknown);

// sapwood's own format: every array the model holds, checksummed, plus its metadata.
SAPWOOD_API std::vector<std::uint8_t> save_model_to_memory(const Model& model);
SAPWOOD_API void save_model(const Model& model, const std::string& path);

}  // namespace sapwood
