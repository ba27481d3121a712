// Validation shared by every model kind: output transform and classification settings.
#include "ir/check.hpp"

#include <cmath>

namespace sapwood::detail {

void check_output_settings(Transform transform, double transform_param, ClassRule class_rule,
                           std::int32_t n_outputs, std::int32_t n_features,
                           const ModelInfo& info) {
  if (static_cast<int>(transform) > static_cast<int>(Transform::kSignedSquare)) {
    throw_invalid_model("unknown transform ", static_cast<int>(transform));
  }
  if (static_cast<int>(class_rule) > static_cast<int>(ClassRule::kArgmaxValue)) {
    throw_invalid_model("unknown class rule ", static_cast<int>(class_rule));
  }
  if (!std::isfinite(transform_param)) {
    throw_invalid_model("transform parameter must be finite, got ", transform_param);
  }
  if ((class_rule == ClassRule::kRawPositive || class_rule == ClassRule::kRawNonNegative) &&
      n_outputs != 1) {
    throw_invalid_model("a sign-of-margin class rule needs exactly 1 output, the model has ",
                        n_outputs);
  }
  if (transform == Transform::kIsolationScore && n_outputs != 1) {
    throw_invalid_model("the isolation score transform needs exactly 1 output, the model has ",
                        n_outputs);
  }
  if (!info.feature_names.empty() &&
      static_cast<std::int64_t>(info.feature_names.size()) != n_features) {
    throw_invalid_model(info.feature_names.size(), " feature names for ", n_features,
                        " features");
  }
}

}  // namespace sapwood::detail
