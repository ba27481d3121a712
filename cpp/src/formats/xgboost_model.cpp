#include "formats/xgboost_model.hpp"

#include "sapwood/error.hpp"

namespace sapwood::detail {

// Placeholder until the reader lands.
Model load_xgboost(const json::Value&) { throw Error(ErrorCode::kUnsupported, "XGBoost models are not supported yet"); }

}  // namespace sapwood::detail
