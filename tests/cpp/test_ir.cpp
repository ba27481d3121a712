// Validation of model descriptions: every broken invariant is refused with kInvalidModel
// and a message that names it, before any prediction can read out of bounds.
#include <cmath>
#include <limits>

#include "check.hpp"
#include "model_fixtures.hpp"
#include "sapwood/sapwood.hpp"

using sapwood::ErrorCode;
using sapwood::ForestSpec;
using sapwood::LinearSpec;
using sapwood::Model;
using namespace sapwood_test;

SAPWOOD_TEST(valid_forest_builds_and_summarises) {
  const Model model = Model::from_forest(two_trees());
  const sapwood::ModelSummary summary = model.summary();
  CHECK(summary.kind == sapwood::ModelKind::kForest);
  CHECK(summary.n_trees == 2);
  CHECK(summary.n_nodes == 8);
  CHECK(summary.n_leaves == 5);
  CHECK(summary.max_depth == 2);
  CHECK(model.n_features() == 2);
  CHECK(model.n_outputs() == 1);
  CHECK(!model.is_classifier());
}

SAPWOOD_TEST(child_out_of_range_is_refused) {
  ForestSpec spec = two_trees();
  spec.right_child[2] = 9;
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "outside the tree");
  spec.right_child[2] = -5;
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "outside the tree");
}

SAPWOOD_TEST(cycle_is_refused) {
  ForestSpec spec = two_trees();
  spec.left_child[2] = 0;  // back to the root
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "reached twice");
}

SAPWOOD_TEST(shared_child_is_refused) {
  ForestSpec spec = two_trees();
  spec.right_child[2] = 3;  // both children of node 2 are node 3
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "reached twice");
}

SAPWOOD_TEST(half_leaf_is_refused) {
  ForestSpec spec = two_trees();
  spec.right_child[1] = 2;  // node 1 has a right child but no left one
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "outside the tree");
}

SAPWOOD_TEST(feature_out_of_range_is_refused) {
  ForestSpec spec = two_trees();
  spec.feature[2] = 2;
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "feature 2");
  spec.feature[2] = -1;
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "feature -1");
}

SAPWOOD_TEST(array_lengths_must_agree) {
  ForestSpec spec = two_trees();
  spec.threshold.pop_back();
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "threshold");
  spec = two_trees();
  spec.tree_offsets.back() = 9;
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "tree_offsets");
  spec = two_trees();
  spec.tree_offsets = {0};
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "at least one tree");
  spec = two_trees();
  spec.tree_offsets = {0, 5, 5, 8};
  spec.tree_outputs = {0, 0, 0};
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "no nodes");
}

SAPWOOD_TEST(nan_structure_is_refused) {
  ForestSpec spec = two_trees();
  spec.threshold[0] = std::nan("");
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "NaN threshold");
  spec = two_trees();
  spec.leaf_values[3] = std::nan("");
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "NaN value");
  spec = two_trees();
  spec.base_score = {std::nan("")};
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "base_score");
}

SAPWOOD_TEST(float32_threshold_must_be_a_float32_value) {
  CHECK_THROWS(Model::from_forest(stump(0.1, sapwood::split::kThresholdFloat32)), ErrorCode::kInvalidModel,
               "float32");
  Model::from_forest(stump(static_cast<double>(0.1f), sapwood::split::kThresholdFloat32));
}

SAPWOOD_TEST(unknown_flags_and_enums_are_refused) {
  ForestSpec spec = two_trees();
  spec.transform = static_cast<sapwood::Transform>(200);
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "transform");
  spec = two_trees();
  spec.class_rule = static_cast<sapwood::ClassRule>(77);
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "class rule");
  spec = two_trees();
  spec.aggregation = static_cast<sapwood::Aggregation>(9);
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "aggregation");
}

SAPWOOD_TEST(tree_output_must_exist) {
  ForestSpec spec = two_trees();
  spec.tree_outputs = {0, 1};
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "output 1");
}

SAPWOOD_TEST(categories_are_checked) {
  ForestSpec spec = categorical_stump();
  spec.categories = {3, 1, 40};
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "strictly increasing");
  spec = categorical_stump();
  spec.categories = {-1, 3, 40};
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "negative category");
  spec = categorical_stump();
  spec.category_offsets = {0, 3, 2, 3};
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "decrease");
  spec = categorical_stump();
  spec.category_offsets = {0, 3, 3, 5};
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "category_offsets end");
  spec = categorical_stump();
  spec.category_offsets.clear();
  spec.categories.clear();
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "need category_offsets");
}

SAPWOOD_TEST(output_shape_rules_are_checked) {
  ForestSpec spec = two_trees();
  spec.n_outputs = 0;
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "n_outputs");
  spec = two_trees();
  spec.n_outputs = 2;
  spec.leaf_size = 3;
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "leaf_size");
  spec = two_trees();
  spec.n_outputs = 2;
  spec.class_rule = sapwood::ClassRule::kRawPositive;
  spec.tree_outputs = {0, 1};
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "exactly 1 output");
  spec = two_trees();
  spec.n_outputs = 2;
  spec.aggregation = sapwood::Aggregation::kMean;
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "no trees to average");
  spec = two_trees();
  spec.info.feature_names = {"only_one"};
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "feature names");
}

SAPWOOD_TEST(linear_model_is_checked) {
  LinearSpec spec;
  spec.n_features = 3;
  spec.n_outputs = 2;
  spec.coef = {1, 2, 3, 4, 5};
  CHECK_THROWS(Model::from_linear(spec), ErrorCode::kInvalidModel, "coef has 5");
  spec.coef = {1, 2, 3, 4, 5, 6};
  spec.intercept = {1};
  CHECK_THROWS(Model::from_linear(spec), ErrorCode::kInvalidModel, "intercept has 1");
  spec.intercept = {1, std::nan("")};
  CHECK_THROWS(Model::from_linear(spec), ErrorCode::kInvalidModel, "intercept 1 is NaN");
  spec.intercept = {1, 2};
  spec.coef[4] = std::nan("");
  CHECK_THROWS(Model::from_linear(spec), ErrorCode::kInvalidModel, "coefficient 4 is NaN");
  spec.coef[4] = 5;
  const Model model = Model::from_linear(spec);
  CHECK(model.summary().kind == sapwood::ModelKind::kLinear);
  CHECK(model.linear_spec() != nullptr && model.forest_spec() == nullptr);
}

SAPWOOD_TEST(linear_leaves_are_checked) {
  ForestSpec spec = stump(0.0, 0, 2);
  spec.linear_offsets = {0, 0, 1, 3};
  spec.linear_features = {1, 0, 1};
  spec.linear_coefs = {0.5, 1, 2};
  spec.linear_const = {0, 1, 2};
  Model::from_forest(spec);
  ForestSpec bad = spec;
  bad.linear_features[2] = 2;
  CHECK_THROWS(Model::from_forest(bad), ErrorCode::kInvalidModel, "reads feature 2");
  bad = spec;
  bad.linear_offsets = {0, 2, 1, 3};
  CHECK_THROWS(Model::from_forest(bad), ErrorCode::kInvalidModel, "linear_offsets decrease");
  bad = spec;
  bad.linear_offsets.back() = 4;
  CHECK_THROWS(Model::from_forest(bad), ErrorCode::kInvalidModel, "linear_features");
  bad = spec;
  bad.linear_const.pop_back();
  CHECK_THROWS(Model::from_forest(bad), ErrorCode::kInvalidModel, "linear_const");
  bad = spec;
  bad.linear_coefs[0] = std::nan("");
  CHECK_THROWS(Model::from_forest(bad), ErrorCode::kInvalidModel, "coefficient 0 is NaN");
  bad = stump(0.0, 0);
  bad.linear_coefs = {1.0};
  CHECK_THROWS(Model::from_forest(bad), ErrorCode::kInvalidModel, "without linear_offsets");
}

SAPWOOD_TEST(zero_threshold_must_be_finite_and_non_negative) {
  ForestSpec spec = stump(0.0, 0);
  spec.zero_threshold = -1.0;
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "zero_threshold");
  spec.zero_threshold = std::numeric_limits<double>::infinity();
  CHECK_THROWS(Model::from_forest(spec), ErrorCode::kInvalidModel, "zero_threshold");
}

SAPWOOD_TEST(iterations_are_selected_by_whole_rounds) {
  ForestSpec spec = two_trees();
  spec.base_score = {0.5};
  const Model all = Model::from_forest(spec);
  CHECK_THROWS(all.select_iterations(0, 1), ErrorCode::kInvalidArgument, "no boosting iterations");
  spec.info.trees_per_iteration = 1;
  const Model model = Model::from_forest(spec);
  const double x[] = {0, 0};
  const sapwood::MatrixView view = sapwood::MatrixView::row_major(x, 1, 2);
  CHECK_EQ_EXACT(model.select_iterations(0, 1).predict(view)[0], 0.5 + 1);
  CHECK_EQ_EXACT(model.select_iterations(1, -1).predict(view)[0], 0.5 + 10);
  CHECK_EQ_EXACT(model.select_iterations(0, -1).predict(view)[0], 0.5 + 11);
  CHECK(model.select_iterations(1, 2).summary().n_nodes == 3);
  CHECK_THROWS(model.select_iterations(1, 1), ErrorCode::kInvalidArgument, "non-empty range");
  CHECK_THROWS(model.select_iterations(0, 3), ErrorCode::kInvalidArgument, "non-empty range");
  CHECK_THROWS(model.select_iterations(-1, 1), ErrorCode::kInvalidArgument, "non-empty range");
  spec.info.trees_per_iteration = 3;
  CHECK_THROWS(Model::from_forest(spec).select_iterations(0, 1), ErrorCode::kInvalidArgument, "whole iterations");
}

SAPWOOD_TEST(deep_chain_does_not_overflow_the_stack) {
  // A degenerate tree 100k nodes deep: validation is iterative, so it must not recurse.
  const std::int32_t depth = 100000;
  ForestSpec spec;
  spec.n_features = 1;
  const std::int32_t n_nodes = 2 * depth + 1;
  spec.tree_offsets = {0, n_nodes};
  spec.tree_outputs = {0};
  spec.left_child.assign(static_cast<std::size_t>(n_nodes), -1);
  spec.right_child.assign(static_cast<std::size_t>(n_nodes), -1);
  spec.feature.assign(static_cast<std::size_t>(n_nodes), 0);
  spec.threshold.assign(static_cast<std::size_t>(n_nodes), 0.0);
  spec.split_flags.assign(static_cast<std::size_t>(n_nodes), 0);
  spec.leaf_values.assign(static_cast<std::size_t>(n_nodes), 0.0);
  for (std::int32_t level = 0; level < depth; ++level) {
    const std::int32_t node = 2 * level;
    spec.left_child[static_cast<std::size_t>(node)] = node + 1;  // a leaf with value level
    spec.right_child[static_cast<std::size_t>(node)] = node + 2;
    spec.threshold[static_cast<std::size_t>(node)] = static_cast<double>(level);
    spec.leaf_values[static_cast<std::size_t>(node + 1)] = static_cast<double>(level);
  }
  spec.leaf_values.back() = -1.0;
  const Model model = Model::from_forest(spec);
  CHECK(model.summary().max_depth == depth);
  const double x[3] = {-1.0, 500.5, 1e9};  // leaves at levels 0, 501 and the last one
  const std::vector<double> out = model.predict(sapwood::MatrixView::row_major(x, 3, 1));
  CHECK_EQ_EXACT(out[0], 0.0);
  CHECK_EQ_EXACT(out[1], 501.0);
  CHECK_EQ_EXACT(out[2], -1.0);
}

SAPWOOD_TEST_MAIN()
