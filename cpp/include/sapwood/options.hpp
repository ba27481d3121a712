// Options and enums of the public API: what a prediction returns and how it runs.
#pragma once

#include <cstdint>

namespace sapwood {

// What a prediction writes for each row.
enum class Output : std::uint8_t {
  kRaw = 0,       // the margin: base score plus aggregated trees (or X·coef + intercept)
  kValue = 1,     // the margin after the model's transform: probabilities, rates, scores
  kClass = 2,     // classifiers: index of the predicted class (into the model's classes)
  kLeaf = 3,      // forests: per tree, the tree-local index of the node the row ends in
};

// A feature whose value is replaced in every row (counterfactuals, partial dependence).
struct FeatureValue {
  std::int32_t feature = 0;
  double value = 0.0;  // NaN: the feature is missing in every row
};

struct PredictOptions {
  Output output = Output::kValue;
  // Worker threads; 0 means one per available core.
  int n_threads = 0;
  // Features to read as these values instead of X's columns, without copying X: only a
  // block of rows at a time is gathered. Applied in order, so a later entry wins; each
  // value is rounded to X's element type, as if X held it.
  const FeatureValue* set_features = nullptr;
  std::int64_t n_set_features = 0;
};

}  // namespace sapwood
