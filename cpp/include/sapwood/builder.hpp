// Plain-array descriptions of models (ForestSpec, LinearSpec) from which a Model is built.
// Loaders (the Python adapters, file parsers) and embedders fill these; Model::from_forest
// and Model::from_linear validate them and turn them into the internal IR.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sapwood {

// Applied to the margin to get Output::kValue.
enum class Transform : std::uint8_t {
  kIdentity = 0,
  kSigmoid = 1,           // 1 / (1 + exp(-param * x)); binary classifiers report [1 - p, p]
  kSoftmax = 2,           // exp(x - max) / sum
  kExp = 3,               // log-link regressors (Poisson, Gamma, Tweedie)
  kSigmoidNormalize = 4,  // one-vs-rest logistic: sigmoid per column, rows scaled to sum 1
  kNormalize = 5,         // rows with a non-zero sum scaled to sum 1 (one-vs-rest probabilities)
  kIsolationScore = 6,    // IsolationForest score_samples: -2^(-x / param)
  kOvrSigmoid = 7,        // sigmoid per column, then as kNormalize (one-vs-rest over logistic models)
  kModifiedHuber = 8,     // (clip(x, -1, 1) + 1) / 2 per column; several columns normalised as
                          // kSigmoidNormalize; binary classifiers report [1 - p, p]
  kStep = 9,              // 1 if x > 0 else 0 per column (XGBoost binary:hinge)
  kSoftplus = 10,         // log1p(exp(x)) per column (LightGBM cross_entropy_lambda)
  kSignedSquare = 11,     // sign(x) * x * x per column (LightGBM objectives with reg_sqrt)
};

// How a classifier turns a row's outputs into a class index.
enum class ClassRule : std::uint8_t {
  kNone = 0,              // not a classifier
  kArgmaxRaw = 1,         // first maximum of the margin
  kArgmaxRawLast = 2,     // last maximum of the margin (ties go to the last class)
  kRawPositive = 3,       // one margin column: class 1 iff margin > 0
  kRawNonNegative = 4,    // one margin column: class 1 iff margin >= 0
  kArgmaxValue = 5,       // first maximum of the transformed output
};

enum class Aggregation : std::uint8_t {
  kSum = 0,   // margin = base_score, then each tree added in order
  kMean = 1,  // margin = (sum of the trees of an output) / (their count) + base_score
  // LightGBM's rf mode: the margin (predict_raw, LightGBM's raw score) is the plain sum; the
  // value and the class divide it by the output's tree count before the transform
  // (GBDT::Predict). base_score must be 0.
  kMeanAfterRaw = 2,
};

enum class Precision : std::uint8_t { kFloat32 = 0, kFloat64 = 1 };

// Bits of ForestSpec::split_flags, one byte per node.
namespace split {
constexpr std::uint8_t kCategorical = 1;        // categories listed for the node decide it
constexpr std::uint8_t kDefaultLeft = 2;        // missing values go left
constexpr std::uint8_t kLessEqual = 4;          // numeric: left iff x <= threshold (else x < threshold)
constexpr std::uint8_t kThresholdFloat32 = 8;   // the threshold is a float32 value
constexpr std::uint8_t kCategoriesRight = 16;   // categorical: listed categories go right (else left)
constexpr std::uint8_t kZeroIsMissing = 32;     // numeric: 0 and NaN both take the default branch
constexpr std::uint8_t kNanAsZero = 64;         // numeric: NaN is compared as 0.0
constexpr std::uint8_t kTruncateCategory = 128; // categorical: x in (-1, 0) is category 0, as
                                                // C's int conversion truncates (LightGBM)
constexpr std::uint8_t kKnownBits = 255;
}  // namespace split

struct ModelInfo {
  std::vector<std::string> feature_names;  // empty, or one per feature
  std::vector<std::string> feature_types;  // empty, or one per feature (XGBoost's "q", "c", ...)
  std::string source;                      // e.g. "sklearn.ensemble.RandomForestClassifier"
  std::string objective;                   // the source's objective or loss, when it has one
  // Trees added per boosting iteration (0: the model has no iterations to select).
  std::int32_t trees_per_iteration = 0;
  // JSON text: the category values of categorical features, as the source saved them
  // (XGBoost's "cats", LightGBM's pandas_categorical); empty when there are none.
  std::string categories_json;
  // JSON text the front ends keep with the model (the Python package: task, class labels,
  // encoders), saved and loaded with it; empty when there is none.
  std::string metadata_json;
};

// A forest: every tree's nodes in one structure of arrays.
//
// Before any split, each input value is rounded to input_precision and, when
// zero_threshold > 0, a value with |x| <= zero_threshold reads as 0.
//
// Tree t owns nodes [tree_offsets[t], tree_offsets[t + 1]); its first node is its root.
// Child indices are local to the tree; a node with left_child == -1 is a leaf.
// A numeric node sends x left iff x < threshold (or <= with kLessEqual), after x is
// rounded to input_precision. A categorical node sends NaN the default way; otherwise it
// truncates x to an integer, and x in its category list goes the listed side while
// everything else (including x < 0) goes the other side.
struct ForestSpec {
  std::int32_t n_features = 0;
  std::int32_t n_outputs = 1;
  // 1: a leaf adds its value to output tree_outputs[t]; n_outputs: a leaf adds a vector.
  std::int32_t leaf_size = 1;

  std::vector<std::int64_t> tree_offsets;  // n_trees + 1
  std::vector<std::int32_t> tree_outputs;  // n_trees when leaf_size == 1, else empty

  std::vector<std::int32_t> left_child;    // per node
  std::vector<std::int32_t> right_child;   // per node
  std::vector<std::int32_t> feature;       // per node; ignored on leaves
  std::vector<double> threshold;           // per node; ignored on leaves and categorical nodes
  std::vector<std::uint8_t> split_flags;   // per node, split::* bits
  std::vector<double> leaf_values;         // n_nodes * leaf_size; read on leaves only

  // Categorical nodes: node n lists categories[category_offsets[n] .. category_offsets[n+1]),
  // strictly increasing. Empty when no node is categorical, else n_nodes + 1 offsets.
  std::vector<std::int64_t> category_offsets;
  std::vector<std::int32_t> categories;

  // Linear leaves (leaf_size 1 only): empty, or n_nodes + 1 offsets, and then every leaf n
  // outputs linear_const[n] + sum of linear_coefs[i] * x[linear_features[i]] over
  // i in [linear_offsets[n], linear_offsets[n+1]) in order, or leaf_values[n] when one of
  // those x is NaN (LightGBM's linear_tree).
  std::vector<std::int64_t> linear_offsets;
  std::vector<std::int32_t> linear_features;
  std::vector<double> linear_coefs;
  std::vector<double> linear_const;  // n_nodes when linear_offsets is not empty
  Precision input_precision = Precision::kFloat64;  // X is rounded to this before any split
  double zero_threshold = 0.0;                      // > 0: |x| <= zero_threshold reads as 0
  Precision accumulation = Precision::kFloat64;     // the type leaf values are summed in
  Aggregation aggregation = Aggregation::kSum;
  std::vector<double> base_score;                   // n_outputs, or empty for zeros

  Transform transform = Transform::kIdentity;
  double transform_param = 1.0;
  ClassRule class_rule = ClassRule::kNone;
  ModelInfo info;
};

// A linear model: margin = X · coef^T + intercept, summed in float64.
struct LinearSpec {
  std::int32_t n_features = 0;
  std::int32_t n_outputs = 1;
  std::vector<double> coef;       // n_outputs x n_features, row-major
  std::vector<double> intercept;  // n_outputs, or empty for zeros
  Transform transform = Transform::kIdentity;
  double transform_param = 1.0;
  ClassRule class_rule = ClassRule::kNone;
  ModelInfo info;
};

}  // namespace sapwood
