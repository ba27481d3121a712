// Options and enums of the public API: what a prediction returns and how it runs.
#pragma once

#include <cstdint>

namespace sapwood {

// What a prediction writes for each row.
enum class Output : std::uint8_t {
  kRaw = 0,       // the margin: base score plus aggregated trees (or X·coef + intercept)
  kValue = 1,     // the margin after the model's transform: probabilities, rates, scores
  kClass = 2,     // classifiers: index of the predicted class (into the model's classes)
};

struct PredictOptions {
  Output output = Output::kValue;
  // Worker threads; 0 means one per available core.
  int n_threads = 0;
};

}  // namespace sapwood
