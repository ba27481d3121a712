// XGBoost's model document (the JSON schema, also used by UBJSON) to a sapwood Model.
#pragma once

#include "formats/json.hpp"
#include "sapwood/model.hpp"

namespace sapwood::detail {

Model load_xgboost(const json::Value& document);

}  // namespace sapwood::detail
