// Small helpers that validation code shares: a formatted kInvalidModel error and checks
// of the settings that forests and linear models have in common.
#pragma once

#include <sstream>
#include <string>
#include <utility>

#include "sapwood/builder.hpp"
#include "sapwood/error.hpp"

namespace sapwood::detail {

template <class... Parts>
[[noreturn]] void throw_invalid_model(Parts&&... parts) {
  std::ostringstream message;
  message << "invalid model: ";
  (message << ... << std::forward<Parts>(parts));
  throw Error(ErrorCode::kInvalidModel, message.str());
}

// Transform, class rule and feature names, which both model kinds carry.
void check_output_settings(Transform transform, double transform_param, ClassRule class_rule,
                           std::int32_t n_outputs, std::int32_t n_features,
                           const ModelInfo& info);

}  // namespace sapwood::detail
