// Validation of linear models.
#include "ir/linear.hpp"

#include <cmath>

#include "ir/check.hpp"

namespace sapwood::detail {

Linear make_linear(LinearSpec spec) {
  if (spec.n_features < 0) throw_invalid_model("n_features is negative (", spec.n_features, ")");
  if (spec.n_outputs < 1) throw_invalid_model("n_outputs must be at least 1, got ", spec.n_outputs);
  const auto n_coef = static_cast<std::size_t>(spec.n_outputs) * static_cast<std::size_t>(spec.n_features);
  if (spec.coef.size() != n_coef) {
    throw_invalid_model("coef has ", spec.coef.size(), " values, expected n_outputs x n_features = ",
                        n_coef);
  }
  if (spec.intercept.empty()) spec.intercept.assign(static_cast<std::size_t>(spec.n_outputs), 0.0);
  if (spec.intercept.size() != static_cast<std::size_t>(spec.n_outputs)) {
    throw_invalid_model("intercept has ", spec.intercept.size(), " values for ", spec.n_outputs,
                        " outputs");
  }
  for (std::size_t i = 0; i < spec.coef.size(); ++i) {
    if (std::isnan(spec.coef[i])) throw_invalid_model("coefficient ", i, " is NaN");
  }
  for (std::size_t i = 0; i < spec.intercept.size(); ++i) {
    if (std::isnan(spec.intercept[i])) throw_invalid_model("intercept ", i, " is NaN");
  }
  check_output_settings(spec.transform, spec.transform_param, spec.class_rule, spec.n_outputs,
                        spec.n_features, spec.info);
  return Linear{std::move(spec)};
}

}  // namespace sapwood::detail
