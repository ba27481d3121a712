// libFuzzer harness: any bytes through format detection and every reader. A model that
// loads is then saved, reloaded and asked to predict a few rows, so that hostile but valid
// models also reach the engine. Every input must end in a model or a sapwood::Error.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sapwood/sapwood.hpp"

#ifndef SAPWOOD_FUZZ_FORMAT
#define SAPWOOD_FUZZ_FORMAT kUnknown
#endif

namespace {

void exercise(const sapwood::Model& model) {
  const std::int32_t n = model.n_features();
  if (n > 4096) return;
  // Rows around 0 and the special values every split rule treats differently.
  const double probes[] = {0.0, -0.0, 0.5, -1.5, 1e-36, 3.0, 1e30, NAN, INFINITY, -INFINITY};
  std::vector<double> x(static_cast<std::size_t>(n) * 10);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = probes[(i * 7 + i / 10) % 10];
  sapwood::PredictOptions options;
  options.n_threads = 1;
  // Every traversal (a forest without the QuickScorer form walks either way); one row as well
  // as ten, since a single row takes its own path and ten fill a vector level's groups.
  for (const char* traversal : {"walk", "gather", "quickscorer"}) {
    sapwood::set_traversal(traversal);
    for (auto output : {sapwood::Output::kRaw, sapwood::Output::kValue}) {
      options.output = output;
      (void)model.predict(sapwood::MatrixView::row_major(x.data(), 10, n), options);
      (void)model.predict(sapwood::MatrixView::row_major(x.data(), 1, n), options);
    }
  }
  sapwood::set_traversal("");
  if (model.is_classifier()) {
    options.output = sapwood::Output::kClass;
    (void)model.predict(sapwood::MatrixView::row_major(x.data(), 10, n), options);
  }
  const std::vector<std::uint8_t> saved = sapwood::save_model_to_memory(model);
  (void)sapwood::load_model_from_memory(saved.data(), saved.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const sapwood::Model model =
        sapwood::load_model_from_memory(data, size, sapwood::ModelFormat::SAPWOOD_FUZZ_FORMAT);
    exercise(model);
  } catch (const sapwood::Error&) {
    // A clear error is a correct outcome; anything else (a crash, a sanitizer report, another
    // exception type escaping) is a finding.
  }
  return 0;
}
