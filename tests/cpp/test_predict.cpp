// The reference engine's split rules, aggregation, transforms and input handling, on
// hand-made models whose answers follow from the IR's rules (see builder.hpp).
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "check.hpp"
#include "model_fixtures.hpp"
#include "sapwood/sapwood.hpp"

using sapwood::ErrorCode;
using sapwood::ForestSpec;
using sapwood::LinearSpec;
using sapwood::MatrixView;
using sapwood::Model;
using sapwood::Output;
using sapwood::PredictOptions;
namespace split = sapwood::split;
using namespace sapwood_test;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> predict_column(const Model& model, const std::vector<double>& column,
                                   Output output = Output::kValue) {
  PredictOptions options;
  options.output = output;
  return model.predict(MatrixView::row_major(column.data(), static_cast<std::int64_t>(column.size()), 1),
                       options);
}

}  // namespace

SAPWOOD_TEST(less_than_and_less_equal_differ_only_at_the_threshold) {
  const Model less = Model::from_forest(stump(0.5, 0));
  const Model less_equal = Model::from_forest(stump(0.5, split::kLessEqual));
  const std::vector<double> x = {std::nextafter(0.5, 0.0), 0.5, std::nextafter(0.5, 1.0)};
  const std::vector<double> a = predict_column(less, x);
  const std::vector<double> b = predict_column(less_equal, x);
  CHECK_EQ_EXACT(a[0], -1);
  CHECK_EQ_EXACT(a[1], 1);
  CHECK_EQ_EXACT(a[2], 1);
  CHECK_EQ_EXACT(b[0], -1);
  CHECK_EQ_EXACT(b[1], -1);
  CHECK_EQ_EXACT(b[2], 1);
}

SAPWOOD_TEST(float32_input_precision_rounds_x_before_comparing) {
  // 0.1 as a double lies below float(0.1); rounded to float32 it equals the threshold.
  const double threshold = static_cast<double>(0.1f);
  ForestSpec spec = stump(threshold, split::kThresholdFloat32 | split::kLessEqual);
  const Model exact = Model::from_forest(spec);
  spec.input_precision = sapwood::Precision::kFloat32;
  const Model rounded = Model::from_forest(spec);
  const std::vector<double> x = {0.1, std::nextafter(threshold, 1.0)};
  CHECK(0.1 < threshold);
  CHECK_EQ_EXACT(predict_column(exact, x)[0], -1);
  CHECK_EQ_EXACT(predict_column(rounded, x)[0], -1);
  // Just above the float32 threshold in double, but it rounds down onto it in float32.
  CHECK_EQ_EXACT(predict_column(exact, x)[1], 1);
  CHECK_EQ_EXACT(predict_column(rounded, x)[1], -1);
}

SAPWOOD_TEST(missing_values_take_the_default_branch) {
  const Model right = Model::from_forest(stump(0.5, 0));
  const Model left = Model::from_forest(stump(0.5, split::kDefaultLeft));
  CHECK_EQ_EXACT(predict_column(right, {kNaN})[0], 1);
  CHECK_EQ_EXACT(predict_column(left, {kNaN})[0], -1);
  // Infinities are values, not missing.
  CHECK_EQ_EXACT(predict_column(left, {std::numeric_limits<double>::infinity()})[0], 1);
  CHECK_EQ_EXACT(predict_column(right, {-std::numeric_limits<double>::infinity()})[0], -1);
}

SAPWOOD_TEST(zero_is_missing_and_nan_as_zero) {
  // Threshold -1: 0 would go right, but as a missing value it goes left by default.
  const Model zero_missing = Model::from_forest(stump(-1.0, split::kZeroIsMissing | split::kDefaultLeft));
  const std::vector<double> z = predict_column(zero_missing, {0.0, -0.0, kNaN, 0.5, -2.0});
  CHECK_EQ_EXACT(z[0], -1);
  CHECK_EQ_EXACT(z[1], -1);
  CHECK_EQ_EXACT(z[2], -1);
  CHECK_EQ_EXACT(z[3], 1);
  CHECK_EQ_EXACT(z[4], -1);
  // NaN compared as 0: 0 < 0.5 goes left even though the default is right.
  const Model nan_zero = Model::from_forest(stump(0.5, split::kNanAsZero));
  CHECK_EQ_EXACT(predict_column(nan_zero, {kNaN})[0], -1);
  const Model nan_zero_negative = Model::from_forest(stump(-0.5, split::kNanAsZero | split::kDefaultLeft));
  CHECK_EQ_EXACT(predict_column(nan_zero_negative, {kNaN})[0], 1);
}

SAPWOOD_TEST(categorical_splits_follow_the_listed_side) {
  const Model listed_left = Model::from_forest(categorical_stump());
  const Model listed_right = Model::from_forest(categorical_stump(split::kCategoriesRight));
  const std::vector<double> x = {1.0, 3.0, 3.9, 40.0, 2.0, 0.0, -1.0, 1e12, kNaN,
                                 std::numeric_limits<double>::infinity()};
  const std::vector<double> expected_left = {-1, -1, -1, -1, 1, 1, 1, 1, 1, 1};
  const std::vector<double> a = predict_column(listed_left, x);
  const std::vector<double> b = predict_column(listed_right, x);
  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK_EQ_EXACT(a[i], expected_left[i]);
    // NaN takes the default branch (right) in both; everything else flips sides.
    CHECK_EQ_EXACT(b[i], std::isnan(x[i]) ? 1.0 : -expected_left[i]);
  }
  const Model nan_left = Model::from_forest(categorical_stump(split::kDefaultLeft));
  CHECK_EQ_EXACT(predict_column(nan_left, {kNaN})[0], -1);
}

SAPWOOD_TEST(truncated_categories_take_fractions_above_minus_one_as_zero) {
  ForestSpec spec = categorical_stump(split::kTruncateCategory);
  spec.category_offsets = {0, 2, 2, 2};
  spec.categories = {0, 3};
  const Model model = Model::from_forest(spec);
  const std::vector<double> x = {0.0, -0.0, -0.5, -0.999, -1.0, -1.5, 3.7, 1.0, kNaN};
  const std::vector<double> expected = {-1, -1, -1, -1, 1, 1, -1, 1, 1};
  const std::vector<double> out = predict_column(model, x);
  for (std::size_t i = 0; i < x.size(); ++i) CHECK_EQ_EXACT(out[i], expected[i]);
  // Without the flag, (-1, 0) is not a category at all.
  spec.split_flags[0] = split::kCategorical;
  CHECK_EQ_EXACT(predict_column(Model::from_forest(spec), {-0.5})[0], 1);
}

SAPWOOD_TEST(zero_threshold_flushes_tiny_inputs_to_zero) {
  // Zero is missing and goes left; with the flush, tiny values are zero too.
  ForestSpec spec = stump(-1.0, split::kZeroIsMissing | split::kDefaultLeft);
  const std::vector<double> x = {1e-36, -1e-36, 1e-35, 1e-30, kNaN};
  const std::vector<double> plain = predict_column(Model::from_forest(spec), x);
  spec.zero_threshold = static_cast<double>(1e-35f);
  const std::vector<double> flushed = predict_column(Model::from_forest(spec), x);
  const std::vector<double> expected_plain = {1, 1, 1, 1, -1};
  const std::vector<double> expected_flushed = {-1, -1, -1, 1, -1};
  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK_EQ_EXACT(plain[i], expected_plain[i]);
    CHECK_EQ_EXACT(flushed[i], expected_flushed[i]);
  }
}

SAPWOOD_TEST(linear_leaves_add_their_terms_or_fall_back_on_nan) {
  // Left leaf: 1 + 0.5 * x1; right leaf: 2 + 1 * x0 + 2 * x1; fallbacks -1 and +1.
  ForestSpec spec = stump(0.0, 0, 2);
  spec.linear_offsets = {0, 0, 1, 3};
  spec.linear_features = {1, 0, 1};
  spec.linear_coefs = {0.5, 1, 2};
  spec.linear_const = {0, 1, 2};
  const Model model = Model::from_forest(spec);
  const double x[] = {-1, 4, 3, 5, 3, kNaN, -1, kNaN};
  const std::vector<double> out = model.predict(MatrixView::row_major(x, 4, 2));
  CHECK_EQ_EXACT(out[0], 1 + 0.5 * 4);
  CHECK_EQ_EXACT(out[1], 2 + 3 + 2 * 5);
  CHECK_EQ_EXACT(out[2], 1);   // right leaf reads x1 = NaN: its plain value
  CHECK_EQ_EXACT(out[3], -1);  // left leaf reads x1 = NaN: its plain value
}

SAPWOOD_TEST(trees_sum_onto_the_base_score) {
  ForestSpec spec = two_trees();
  spec.base_score = {0.25};
  const Model model = Model::from_forest(spec);
  // rows (x0, x1): (0, 0) -> 1 + 10; (1, 1.5) -> 2 + 20; (1, 5) -> 4 + 20; (NaN, NaN) -> 4 + 10
  const double x[] = {0, 0, 1, 1.5, 1, 5, kNaN, kNaN};
  const std::vector<double> out = model.predict(MatrixView::row_major(x, 4, 2));
  CHECK_EQ_EXACT(out[0], 11.25);
  CHECK_EQ_EXACT(out[1], 22.25);
  CHECK_EQ_EXACT(out[2], 24.25);
  CHECK_EQ_EXACT(out[3], 14.25);
}

SAPWOOD_TEST(mean_aggregation_averages_trees_per_output) {
  ForestSpec spec = two_trees();
  spec.aggregation = sapwood::Aggregation::kMean;
  spec.base_score = {1.0};
  const Model model = Model::from_forest(spec);
  const double x[] = {0, 0};
  CHECK_EQ_EXACT(model.predict(MatrixView::row_major(x, 1, 2))[0], (1.0 + 10.0) / 2.0 + 1.0);
}

SAPWOOD_TEST(vector_leaves_add_to_every_output) {
  ForestSpec spec = stump(0.0, 0);
  spec.n_outputs = 2;
  spec.leaf_size = 2;
  spec.tree_outputs.clear();
  spec.leaf_values = {0, 0, 1, 2, 3, 4};
  spec.base_score = {10, 20};
  const Model model = Model::from_forest(spec);
  const std::vector<double> out = predict_column(model, {-1.0, 1.0});
  CHECK_EQ_EXACT(out[0], 11);
  CHECK_EQ_EXACT(out[1], 22);
  CHECK_EQ_EXACT(out[2], 13);
  CHECK_EQ_EXACT(out[3], 24);
}

SAPWOOD_TEST(binary_sigmoid_reports_two_columns_and_classes) {
  ForestSpec spec = stump(0.0, 0);
  spec.transform = sapwood::Transform::kSigmoid;
  spec.class_rule = sapwood::ClassRule::kRawPositive;
  const Model model = Model::from_forest(spec);
  CHECK(model.is_classifier());
  CHECK(model.output_columns(Output::kValue) == 2);
  const std::vector<double> value = predict_column(model, {-1.0, 1.0});
  const double p = 1.0 / (1.0 + std::exp(1.0));
  CHECK_NEAR(value[0], 1.0 - p, 1e-15);
  CHECK_NEAR(value[1], p, 1e-15);
  CHECK_NEAR(value[2], p, 1e-15);
  CHECK_NEAR(value[3], 1.0 - p, 1e-15);
  const std::vector<double> classes = predict_column(model, {-1.0, 1.0}, Output::kClass);
  CHECK_EQ_EXACT(classes[0], 0);
  CHECK_EQ_EXACT(classes[1], 1);
  const std::vector<double> raw = predict_column(model, {-1.0}, Output::kRaw);
  CHECK(raw.size() == 1);
  CHECK_EQ_EXACT(raw[0], -1);
}

SAPWOOD_TEST(softmax_and_argmax_over_outputs) {
  LinearSpec spec;
  spec.n_features = 1;
  spec.n_outputs = 3;
  spec.coef = {1, 0, -1};
  spec.intercept = {0, 0.5, 0};
  spec.transform = sapwood::Transform::kSoftmax;
  spec.class_rule = sapwood::ClassRule::kArgmaxRaw;
  const Model model = Model::from_linear(spec);
  const std::vector<double> value = predict_column(model, {2.0});
  const double e0 = std::exp(2.0 - 2.0), e1 = std::exp(0.5 - 2.0), e2 = std::exp(-2.0 - 2.0);
  const double sum = e0 + e1 + e2;
  CHECK_NEAR(value[0], e0 / sum, 1e-15);
  CHECK_NEAR(value[1], e1 / sum, 1e-15);
  CHECK_NEAR(value[2], e2 / sum, 1e-15);
  const std::vector<double> classes = predict_column(model, {2.0, -2.0, 0.5, 0.0}, Output::kClass);
  CHECK_EQ_EXACT(classes[0], 0);
  CHECK_EQ_EXACT(classes[1], 2);
  CHECK_EQ_EXACT(classes[2], 0);  // a tie between outputs 0 and 1 goes to the first
  CHECK_EQ_EXACT(classes[3], 1);
}

SAPWOOD_TEST(argmax_last_breaks_ties_toward_the_last_output) {
  LinearSpec spec;
  spec.n_features = 1;
  spec.n_outputs = 2;
  spec.coef = {1, 1};
  spec.class_rule = sapwood::ClassRule::kArgmaxRawLast;
  const Model model = Model::from_linear(spec);
  CHECK_EQ_EXACT(predict_column(model, {3.0}, Output::kClass)[0], 1);
}

SAPWOOD_TEST(normalising_transforms_handle_zero_rows) {
  LinearSpec spec;
  spec.n_features = 2;
  spec.n_outputs = 2;
  spec.coef = {1, 0, 0, 1};
  spec.transform = sapwood::Transform::kNormalize;
  const Model normalize = Model::from_linear(spec);
  const double x[] = {1, 3, 0, 0};
  const std::vector<double> a = normalize.predict(MatrixView::row_major(x, 2, 2));
  CHECK_EQ_EXACT(a[0], 0.25);
  CHECK_EQ_EXACT(a[1], 0.75);
  CHECK_EQ_EXACT(a[2], 0);  // a zero row stays zero
  CHECK_EQ_EXACT(a[3], 0);
  spec.transform = sapwood::Transform::kModifiedHuber;
  const Model huber = Model::from_linear(spec);
  const double y[] = {-5, -5, 0.5, -0.5};
  const std::vector<double> b = huber.predict(MatrixView::row_major(y, 2, 2));
  CHECK_EQ_EXACT(b[0], 0.5);  // both clip to 0: uniform
  CHECK_EQ_EXACT(b[1], 0.5);
  CHECK_EQ_EXACT(b[2], 0.75);  // (0.75, 0.25) already sums to 1
  CHECK_EQ_EXACT(b[3], 0.25);
}

SAPWOOD_TEST(exp_and_isolation_score) {
  LinearSpec spec;
  spec.n_features = 1;
  spec.coef = {1};
  spec.transform = sapwood::Transform::kExp;
  CHECK_NEAR(predict_column(Model::from_linear(spec), {1.5})[0], std::exp(1.5), 1e-15);
  spec.transform = sapwood::Transform::kIsolationScore;
  spec.transform_param = 4.0;
  CHECK_NEAR(predict_column(Model::from_linear(spec), {2.0})[0], -std::pow(2.0, -0.5), 1e-15);
}

SAPWOOD_TEST(step_and_softplus) {
  LinearSpec spec;
  spec.n_features = 1;
  spec.coef = {1};
  spec.transform = sapwood::Transform::kStep;
  const std::vector<double> step = predict_column(Model::from_linear(spec), {-1.0, 0.0, 1e-300});
  CHECK_EQ_EXACT(step[0], 0);
  CHECK_EQ_EXACT(step[1], 0);
  CHECK_EQ_EXACT(step[2], 1);
  spec.transform = sapwood::Transform::kSoftplus;
  CHECK_NEAR(predict_column(Model::from_linear(spec), {0.5})[0], std::log1p(std::exp(0.5)), 1e-15);
}

SAPWOOD_TEST(layouts_and_dtypes_give_the_same_answer) {
  const Model model = Model::from_forest(two_trees());
  const double c_order[] = {0, 0, 1, 1.5, 1, 5};
  const std::vector<double> expected = model.predict(MatrixView::row_major(c_order, 3, 2));
  const double fortran[] = {0, 1, 1, 0, 1.5, 5};
  const std::vector<double> f = model.predict(MatrixView{fortran, sapwood::DType::kFloat64, 3, 2, 1, 3});
  // Every other row of a 6-row matrix whose rows hold 3 values (a strided slice).
  const float strided[] = {0, 0, 9, 7, 7, 7, 1, 1.5f, 9, 7, 7, 7, 1, 5, 9};
  const std::vector<double> s = model.predict(MatrixView{strided, sapwood::DType::kFloat32, 3, 2, 6, 1});
  // Reversed rows: a negative row stride starting from the last row.
  const double reversed[] = {1, 5, 1, 1.5, 0, 0};
  const std::vector<double> r = model.predict(MatrixView{reversed + 4, sapwood::DType::kFloat64, 3, 2, -2, 1});
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK_EQ_EXACT(f[i], expected[i]);
    CHECK_EQ_EXACT(s[i], expected[i]);
    CHECK_EQ_EXACT(r[i], expected[i]);
  }
}

SAPWOOD_TEST(many_rows_on_many_threads_match_one_thread) {
  const Model model = Model::from_forest(two_trees());
  const std::int64_t rows = 10007;  // not a multiple of the block size
  std::vector<double> x(static_cast<std::size_t>(rows * 2));
  for (std::int64_t i = 0; i < rows; ++i) {
    x[static_cast<std::size_t>(2 * i)] = static_cast<double>(i % 7) * 0.2;
    x[static_cast<std::size_t>(2 * i + 1)] = static_cast<double>(i % 11) * 0.5;
  }
  PredictOptions one;
  one.n_threads = 1;
  PredictOptions four;
  four.n_threads = 4;
  const std::vector<double> a = model.predict(MatrixView::row_major(x.data(), rows, 2), one);
  const std::vector<double> b = model.predict(MatrixView::row_major(x.data(), rows, 2), four);
  CHECK(a == b);
  CHECK_EQ_EXACT(a[1], 1 + 10);   // x = (0.2, 0.5)
  CHECK_EQ_EXACT(a[5], 4 + 20);   // x = (1.0, 2.5)
}

SAPWOOD_TEST(bad_input_is_refused) {
  const Model model = Model::from_forest(two_trees());
  const double x[] = {0, 0, 0};
  CHECK_THROWS(model.predict(MatrixView::row_major(x, 1, 3)), ErrorCode::kInvalidArgument,
               "expects 2 features, X has 3");
  CHECK_THROWS(model.predict(MatrixView{nullptr, sapwood::DType::kFloat64, 2, 2, 2, 1}),
               ErrorCode::kInvalidArgument, "no data");
  CHECK_THROWS(model.predict(MatrixView{x, static_cast<sapwood::DType>(5), 1, 2, 2, 1}),
               ErrorCode::kInvalidArgument, "float32 or float64");
  CHECK_THROWS(model.predict(MatrixView{x, sapwood::DType::kFloat64, -1, 2, 2, 1}),
               ErrorCode::kInvalidArgument, "negative");
  PredictOptions options;
  options.n_threads = -2;
  CHECK_THROWS(model.predict(MatrixView::row_major(x, 1, 2), options), ErrorCode::kInvalidArgument,
               "n_threads");
  options = {};
  options.output = Output::kClass;
  CHECK_THROWS(model.predict(MatrixView::row_major(x, 1, 2), options), ErrorCode::kInvalidArgument,
               "classifier");
  double out[1];
  CHECK_THROWS(model.predict(MatrixView::row_major(x, 1, 2), {}, out, 0), ErrorCode::kInvalidArgument,
               "output buffer");
  CHECK(model.predict(MatrixView::row_major(x, 0, 2)).empty());
}

SAPWOOD_TEST_MAIN()

SAPWOOD_TEST(leaf_output_reports_each_trees_local_leaf) {
  const Model model = Model::from_forest(two_trees());
  CHECK(model.output_columns(Output::kLeaf) == 2);
  // Rows: (0, 0) -> leaves 1 and 1; (1, 1.5) -> 3 and 2; (1, NaN) -> x1 missing: tree 0
  // takes its default (right, leaf 4), tree 1 goes left (leaf 1).
  const std::vector<double> x = {0.0, 0.0, 1.0, 1.5, 1.0, kNaN};
  PredictOptions options;
  options.output = Output::kLeaf;
  const std::vector<double> leaves = model.predict(MatrixView::row_major(x.data(), 3, 2), options);
  const std::vector<double> expected = {1, 1, 3, 2, 4, 1};
  CHECK(leaves == expected);

  LinearSpec linear;
  linear.n_features = 1;
  linear.n_outputs = 1;
  linear.coef = {1.0};
  linear.intercept = {0.0};
  CHECK_THROWS(Model::from_linear(linear).output_columns(Output::kLeaf), ErrorCode::kInvalidArgument,
               "need a tree model");
}
