// LightGBM's text model format (Booster.save_model / model_to_string) to a sapwood Model.
#pragma once

#include <string_view>

#include "sapwood/model.hpp"

namespace sapwood::detail {

Model load_lightgbm_text(std::string_view text);

}  // namespace sapwood::detail
