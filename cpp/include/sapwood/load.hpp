// Loading model files: XGBoost JSON and UBJSON, LightGBM text. The format is detected from
// the content, so a file's name does not matter. Every reader is strict: a malformed,
// truncated or hostile file raises Error(kInvalidModel) saying what is wrong, and a valid
// file using something sapwood cannot evaluate raises Error(kUnsupported).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "sapwood/export.h"
#include "sapwood/model.hpp"

namespace sapwood {

enum class ModelFormat : std::uint8_t {
  kUnknown = 0,  // as an argument: detect from the content
  kXGBoostJson = 1,
  kXGBoostUbjson = 2,
  kLightGBMText = 3,
};

SAPWOOD_API const char* format_name(ModelFormat format);

// The format of a model held in memory, or kUnknown.
SAPWOOD_API ModelFormat detect_format(const void* data, std::size_t size);

SAPWOOD_API Model load_model_from_memory(const void* data, std::size_t size,
                                         ModelFormat format = ModelFormat::kUnknown);
SAPWOOD_API Model load_model(const std::string& path, ModelFormat format = ModelFormat::kUnknown);

}  // namespace sapwood
