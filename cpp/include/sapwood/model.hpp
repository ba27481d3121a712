// sapwood::Model: an immutable, validated model that predicts from a MatrixView.
// Copies share one implementation, and every method is safe to call from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sapwood/builder.hpp"
#include "sapwood/export.h"
#include "sapwood/matrix.hpp"
#include "sapwood/options.hpp"

namespace sapwood {

enum class ModelKind : std::uint8_t { kForest = 0, kLinear = 1 };

struct ModelSummary {
  ModelKind kind = ModelKind::kForest;
  std::int64_t n_trees = 0;
  std::int64_t n_nodes = 0;
  std::int64_t n_leaves = 0;
  std::int32_t max_depth = 0;  // edges on the longest root-to-leaf path
  // How the fast (non-scalar) levels run a forest: compiled at all, how many trees stay on
  // the reference walk (past the compact form's bounds), whether the QuickScorer form was
  // built, and how many compiled trees have categorical nodes.
  bool compiled = false;
  std::int64_t n_reference_trees = 0;
  bool quickscorer_form = false;
  std::int64_t n_categorical_trees = 0;
  // The engine that runs a block of rows and a row alone under the active level and
  // traversal: "walk", "quickscorer" or "reference" (the IR walked as it is: level "scalar").
  std::string batch_engine;
  std::string row_engine;
};

class SAPWOOD_API Model {
 public:
  // Validate a description and build a model from it; throws sapwood::Error
  // (kInvalidModel) naming the first broken invariant.
  static Model from_forest(ForestSpec spec);
  static Model from_linear(LinearSpec spec);

  std::int32_t n_features() const;
  std::int32_t n_outputs() const;  // margin columns
  // Columns that `predict` writes per row for this kind of output.
  std::int64_t output_columns(Output output) const;
  bool is_classifier() const;
  ModelSummary summary() const;
  const ModelInfo& info() const;
  Transform transform() const;
  ClassRule class_rule() const;

  // A model of boosting iterations [begin, end) only (end -1: to the last), as the sources'
  // iteration_range / start_iteration + num_iteration do. Needs info().trees_per_iteration.
  Model select_iterations(std::int64_t begin, std::int64_t end) const;

  // The same model with info().metadata_json replaced.
  Model with_metadata(std::string metadata_json) const;

  // The description the model was built from (for serialisation and inspection).
  const ForestSpec* forest_spec() const;  // nullptr unless kind is kForest
  const LinearSpec* linear_spec() const;  // nullptr unless kind is kLinear

  // Writes rows x output_columns(options.output) values, row-major, into `out`,
  // which must hold `out_size` >= that many doubles.
  void predict(const MatrixView& x, const PredictOptions& options, double* out,
               std::int64_t out_size) const;
  std::vector<double> predict(const MatrixView& x, const PredictOptions& options = {}) const;

  class Impl;

 private:
  explicit Model(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sapwood
