#include "formats/lightgbm_text.hpp"

#include "sapwood/error.hpp"

namespace sapwood::detail {

// Placeholder until the reader lands.
Model load_lightgbm_text(std::string_view) { throw Error(ErrorCode::kUnsupported, "LightGBM models are not supported yet"); }

}  // namespace sapwood::detail
