// LightGBM's text model format (Booster.save_model / model_to_string) read into a ForestSpec.
// Format versions v2 to v4 are accepted; only v4, from LightGBM 4.7.0, has been run against
// LightGBM. This file owns parsing, validation of
// everything read from the text, and the mapping of LightGBM's rules onto the IR; the rules
// themselves, with the LightGBM sources they come from, are in docs/semantics.md
// ("LightGBM 4.7.0").
//
// Layout (GBDT::SaveModelToString, src/boosting/gbdt_model_text.cpp; Tree::ToString,
// src/io/tree.cpp):
//   tree                                  model type line
//   key=value ... / average_output        header, up to the first "Tree=" line
//   Tree=i, then key=value lines          one block per tree, ended by a blank line
//   end of trees
//   feature_importances:, parameters: ... ignored
//   pandas_categorical:<json or null>     appended by the Python package
//
// Node numbering: LightGBM keeps internal nodes 0..L-2 and leaves 0..L-1 apart (a child
// c < 0 is leaf ~c). Tree t's nodes here are its internal nodes in LightGBM's order, then its
// leaves: local node L-1+j is LightGBM leaf j, so pred_leaf = local - (tree size - 1) / 2.
//
// Strictness: every count and index is checked before it is used, arrays must have exactly
// the length their counts imply, and numbers are read with std::from_chars (no locale).
// Malformed text raises Error(kInvalidModel) naming the line; a well-formed model sapwood
// cannot evaluate (an unknown objective, a newer format) raises kUnsupported.
#include "formats/lightgbm_text.hpp"

#include <charconv>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sapwood/builder.hpp"
#include "sapwood/error.hpp"

namespace sapwood::detail {
namespace {

// LightGBM's `const double kZeroThreshold = 1e-35f;` (include/LightGBM/meta.h): dense
// input with |x| <= it is dropped and reads as 0 (RowPairFunctionFromDenseMatrix).
constexpr double kZeroThreshold = static_cast<double>(1e-35f);

// decision_type bits (include/LightGBM/tree.h): 1 categorical, 2 default left, bits 2-3 the
// missing type.
constexpr int kCategoricalMask = 1;
constexpr int kDefaultLeftMask = 2;
constexpr int kMissingNone = 0;
constexpr int kMissingZero = 1;
constexpr int kMissingNaN = 2;

template <class... Parts>
[[noreturn]] void fail(ErrorCode code, std::size_t line, Parts&&... parts) {
  std::ostringstream message;
  message << (code == ErrorCode::kUnsupported ? "unsupported LightGBM model: " : "invalid LightGBM model: ");
  if (line > 0) message << "line " << line << ": ";
  (message << ... << std::forward<Parts>(parts));
  throw Error(code, message.str());
}

template <class... Parts>
[[noreturn]] void invalid(std::size_t line, Parts&&... parts) {
  fail(ErrorCode::kInvalidModel, line, std::forward<Parts>(parts)...);
}

struct Line {
  std::string_view text;
  std::size_t number;  // 1-based
};

std::vector<Line> split_lines(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({line, lines.size() + 1});
    start = end + 1;
  }
  return lines;
}

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) tokens.push_back(text.substr(start, i - start));
  }
  return tokens;
}

template <class T>
bool parse_number(std::string_view token, T* value) {
  const char* first = token.data();
  const char* last = token.data() + token.size();
  const auto [end, error] = std::from_chars(first, last, *value);
  return error == std::errc() && end == last;
}

// A key=value block: the header or one tree.
struct Field {
  std::string_view value;
  std::size_t line = 0;
};

class Block {
 public:
  explicit Block(std::string tree_label) : label_(std::move(tree_label)) {}

  void add(const Line& line) {
    const std::size_t eq = line.text.find('=');
    const std::string_view key = line.text.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : line.text.substr(eq + 1);
    if (!fields_.emplace(key, Field{value, line.number}).second) {
      invalid(line.number, label_, "'", key, "' appears twice");
    }
  }

  const Field* find(std::string_view key) const {
    const auto it = fields_.find(key);
    return it == fields_.end() ? nullptr : &it->second;
  }

  const Field& require(std::string_view key, std::size_t line) const {
    const Field* field = find(key);
    if (field == nullptr) invalid(line, label_, "'", key, "' is missing");
    return *field;
  }

  template <class T>
  T scalar(std::string_view key, std::size_t line) const {
    const Field& field = require(key, line);
    T value{};
    if (!parse_number(field.value, &value)) {
      invalid(field.line, label_, "'", key, "' is not a valid number: '", field.value, "'");
    }
    return value;
  }

  // Exactly `expected` space-separated numbers (runs of spaces count as one).
  template <class T>
  std::vector<T> array(std::string_view key, std::size_t expected, std::size_t line) const {
    const Field& field = require(key, line);
    return parse_array<T>(field, key, expected);
  }

  template <class T>
  std::vector<T> parse_array(const Field& field, std::string_view key, std::size_t expected) const {
    const std::vector<std::string_view> tokens = split_spaces(field.value);
    if (tokens.size() != expected) {
      invalid(field.line, label_, "'", key, "' has ", tokens.size(), " values, expected ", expected);
    }
    std::vector<T> values(tokens.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (!parse_number(tokens[i], &values[i])) {
        invalid(field.line, label_, "'", key, "' value ", i, " is not a valid number: '", tokens[i], "'");
      }
    }
    return values;
  }

  const std::string& label() const { return label_; }

 private:
  std::string label_;  // "" for the header, "tree N: " for a tree
  std::unordered_map<std::string_view, Field> fields_;
};

// What the objective line means for the output (ObjectiveFunction::ConvertOutput of each
// objective in src/objective/*.hpp).
struct Objective {
  Transform transform = Transform::kIdentity;
  double param = 1.0;
  std::int32_t num_class = 0;  // 0: the objective does not name it
  bool multiclass = false;
};

Objective read_objective(const Field* field) {
  Objective objective;
  if (field == nullptr) return objective;  // a custom objective: raw scores, as LightGBM
  const std::vector<std::string_view> tokens = split_spaces(field->value);
  if (tokens.empty()) invalid(field->line, "'objective' is empty");
  const std::string_view name = tokens[0];
  bool sqrt = false;
  bool has_sigmoid = false;
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    const std::string_view token = tokens[i];
    if (token == "sqrt") {
      sqrt = true;
      continue;
    }
    const std::size_t colon = token.find(':');
    const std::string_view key = token.substr(0, colon);
    const std::string_view value = colon == std::string_view::npos ? std::string_view() : token.substr(colon + 1);
    if (key == "sigmoid") {
      if (!parse_number(value, &objective.param) || !(objective.param > 0.0) ||
          objective.param > std::numeric_limits<double>::max()) {
        invalid(field->line, "objective parameter 'sigmoid' must be a positive number, got '", value, "'");
      }
      has_sigmoid = true;
    } else if (key == "num_class") {
      if (!parse_number(value, &objective.num_class) || objective.num_class < 1) {
        invalid(field->line, "objective parameter 'num_class' must be a positive integer, got '", value, "'");
      }
    }
    // Other parameters (e.g. a future one) do not change ConvertOutput of the objectives below.
  }
  // RegressionL2loss and the objectives built on its string constructor square the output
  // back when "sqrt" is set: sign(x) * x * x (regression_objective.hpp). Poisson, Gamma
  // and Tweedie override ConvertOutput with exp, and Huber clears sqrt.
  const bool squares = name == "regression" || name == "regression_l1" || name == "fair" ||
                       name == "quantile" || name == "mape";
  if (squares && sqrt) {
    objective.transform = Transform::kSignedSquare;
    return objective;
  }
  if (squares || name == "huber" || name == "lambdarank" || name == "rank_xendcg") {
    return objective;
  }
  if (name == "poisson" || name == "gamma" || name == "tweedie") {
    objective.transform = Transform::kExp;
  } else if (name == "binary") {
    // BinaryLogloss: 1 / (1 + exp(-sigmoid * x)); the string constructor requires sigmoid.
    if (!has_sigmoid) invalid(field->line, "objective 'binary' needs a sigmoid parameter");
    objective.transform = Transform::kSigmoid;
  } else if (name == "multiclass") {
    if (objective.num_class == 0) invalid(field->line, "objective 'multiclass' needs num_class");
    objective.transform = Transform::kSoftmax;
    objective.multiclass = true;
  } else if (name == "multiclassova") {
    // MulticlassOVA: an independent sigmoid per class, not normalised.
    if (objective.num_class == 0 || !has_sigmoid) {
      invalid(field->line, "objective 'multiclassova' needs num_class and sigmoid");
    }
    objective.transform = Transform::kSigmoid;
    objective.multiclass = true;
  } else if (name == "cross_entropy") {
    objective.transform = Transform::kSigmoid;  // 1 / (1 + exp(-x))
    objective.param = 1.0;
  } else if (name == "cross_entropy_lambda") {
    objective.transform = Transform::kSoftplus;  // log(1 + exp(x))
  } else {
    fail(ErrorCode::kUnsupported, field->line, "objective '", name, "' is not supported");
  }
  return objective;
}

struct Header {
  std::int32_t n_features = 0;
  std::int32_t num_class = 1;
  std::int32_t trees_per_iteration = 1;
  bool average_output = false;
  Objective objective;
  std::string objective_text;
  std::vector<std::string> feature_names;
  std::vector<std::string> feature_types;
  std::int64_t declared_trees = -1;  // from tree_sizes, when present
};

Header read_header(const Block& block, std::size_t line) {
  Header header;
  if (const Field* version = block.find("version")) {
    if (version->value != "v2" && version->value != "v3" && version->value != "v4") {
      fail(ErrorCode::kUnsupported, version->line, "format version '", version->value,
           "' (sapwood reads v2 to v4)");
    }
  }
  const auto max_feature_idx = block.scalar<std::int32_t>("max_feature_idx", line);
  if (max_feature_idx < 0 || max_feature_idx == std::numeric_limits<std::int32_t>::max()) {
    invalid(block.require("max_feature_idx", line).line, "max_feature_idx must be >= 0, got ", max_feature_idx);
  }
  header.n_features = max_feature_idx + 1;
  header.num_class = block.scalar<std::int32_t>("num_class", line);
  if (header.num_class < 1) invalid(block.require("num_class", line).line, "num_class must be >= 1");
  header.trees_per_iteration =
      block.find("num_tree_per_iteration") ? block.scalar<std::int32_t>("num_tree_per_iteration", line)
                                           : header.num_class;
  if (header.trees_per_iteration < 1) {
    invalid(block.require("num_tree_per_iteration", line).line, "num_tree_per_iteration must be >= 1");
  }
  header.average_output = block.find("average_output") != nullptr;

  const Field& names = block.require("feature_names", line);
  for (const std::string_view name : split_spaces(names.value)) header.feature_names.emplace_back(name);
  if (header.feature_names.size() != static_cast<std::size_t>(header.n_features)) {
    invalid(names.line, "feature_names has ", header.feature_names.size(), " names for ",
            header.n_features, " features (max_feature_idx + 1)");
  }
  // feature_infos: "[min:max]" for numeric features, the category values "a:b:c" for
  // categorical ones, "none" for features never used.
  const Field& infos = block.require("feature_infos", line);
  const std::vector<std::string_view> info_tokens = split_spaces(infos.value);
  if (info_tokens.size() != static_cast<std::size_t>(header.n_features)) {
    invalid(infos.line, "feature_infos has ", info_tokens.size(), " entries for ", header.n_features,
            " features");
  }
  for (const std::string_view info : info_tokens) {
    header.feature_types.emplace_back(info.front() != '[' && info != "none" ? "c" : "q");
  }

  const Field* objective = block.find("objective");
  header.objective = read_objective(objective);
  if (objective != nullptr) header.objective_text = std::string(objective->value);
  const std::size_t objective_line = objective ? objective->line : line;
  if (header.objective.multiclass) {
    if (header.objective.num_class != header.num_class || header.trees_per_iteration != header.num_class) {
      invalid(objective_line, "objective '", header.objective_text, "' disagrees with num_class=",
              header.num_class, " and num_tree_per_iteration=", header.trees_per_iteration);
    }
  } else if (header.trees_per_iteration != 1) {
    invalid(objective_line, "objective '", header.objective_text, "' with num_tree_per_iteration=",
            header.trees_per_iteration, " (expected 1)");
  }
  if (const Field* sizes = block.find("tree_sizes")) {
    header.declared_trees = static_cast<std::int64_t>(split_spaces(sizes->value).size());
  }
  return header;
}

// Appends one tree's nodes to the spec (see the numbering note at the top).
class TreeReader {
 public:
  TreeReader(ForestSpec* spec, std::int32_t n_features) : spec_(spec), n_features_(n_features) {}

  void read(const Block& block, std::size_t line) {
    const auto num_leaves = block.scalar<std::int32_t>("num_leaves", line);
    if (num_leaves < 1 || num_leaves > std::numeric_limits<std::int32_t>::max() / 2) {
      invalid(block.require("num_leaves", line).line, block.label(), "num_leaves must be >= 1, got ", num_leaves);
    }
    const auto num_cat = block.scalar<std::int32_t>("num_cat", line);
    if (num_cat < 0) invalid(block.require("num_cat", line).line, block.label(), "num_cat is negative");
    const auto leaves = static_cast<std::size_t>(num_leaves);
    const std::size_t internal = leaves - 1;
    const std::vector<double> leaf_value = block.array<double>("leaf_value", leaves, line);

    std::vector<std::int32_t> split_feature, left, right, decision;
    std::vector<double> threshold;
    std::vector<std::int32_t> cat_boundaries;
    std::vector<std::uint32_t> cat_threshold;
    if (internal > 0) {
      split_feature = block.array<std::int32_t>("split_feature", internal, line);
      threshold = block.array<double>("threshold", internal, line);
      left = block.array<std::int32_t>("left_child", internal, line);
      right = block.array<std::int32_t>("right_child", internal, line);
      // Tree::Tree(const char*) defaults a missing decision_type to all zeros.
      decision = block.find("decision_type") ? block.array<std::int32_t>("decision_type", internal, line)
                                             : std::vector<std::int32_t>(internal, 0);
      if (num_cat > 0) {
        cat_boundaries = block.array<std::int32_t>("cat_boundaries", static_cast<std::size_t>(num_cat) + 1, line);
        const std::size_t bounds_line = block.require("cat_boundaries", line).line;
        if (cat_boundaries.front() != 0) invalid(bounds_line, block.label(), "cat_boundaries must start at 0");
        for (std::size_t i = 1; i < cat_boundaries.size(); ++i) {
          if (cat_boundaries[i] < cat_boundaries[i - 1]) {
            invalid(bounds_line, block.label(), "cat_boundaries decrease at entry ", i);
          }
        }
        cat_threshold = block.array<std::uint32_t>("cat_threshold",
                                                   static_cast<std::size_t>(cat_boundaries.back()), line);
      }
    }

    const Field* is_linear_field = block.find("is_linear");
    bool is_linear = false;
    if (is_linear_field != nullptr) {
      const auto flag = block.scalar<std::int32_t>("is_linear", line);
      if (flag != 0 && flag != 1) invalid(is_linear_field->line, block.label(), "is_linear must be 0 or 1");
      is_linear = flag == 1;
    }

    const auto base = static_cast<std::int64_t>(spec_->left_child.size());
    const auto leaf_base = static_cast<std::int32_t>(internal);
    // A LightGBM child index becomes a local node index; leaves follow the internal nodes.
    const auto child = [&](std::int32_t c, std::size_t node, const char* side) -> std::int32_t {
      if (c >= 0) {
        if (static_cast<std::size_t>(c) >= internal) {
          invalid(block.require(side, line).line, block.label(), side, " of node ", node, " is ", c,
                  " but the tree has ", internal, " internal nodes");
        }
        return c;
      }
      const std::int32_t leaf = ~c;
      if (static_cast<std::size_t>(leaf) >= leaves) {
        invalid(block.require(side, line).line, block.label(), side, " of node ", node, " is leaf ", leaf,
                " but the tree has ", leaves, " leaves");
      }
      return leaf_base + leaf;
    };

    for (std::size_t i = 0; i < internal; ++i) {
      const std::int32_t feature = split_feature[i];
      if (feature < 0 || feature >= n_features_) {
        invalid(block.require("split_feature", line).line, block.label(), "node ", i, " splits on feature ",
                feature, " but the model has ", n_features_, " features");
      }
      const std::int32_t type = decision[i];
      if (type < 0 || type > 15) {
        invalid(block.require("decision_type", line).line, block.label(), "node ", i,
                " has an unknown decision_type ", type);
      }
      const int missing = (type >> 2) & 3;
      if (missing != kMissingNone && missing != kMissingZero && missing != kMissingNaN) {
        invalid(block.require("decision_type", line).line, block.label(), "node ", i,
                " has missing type 3, which LightGBM does not define");
      }
      spec_->left_child.push_back(child(left[i], i, "left_child"));
      spec_->right_child.push_back(child(right[i], i, "right_child"));
      spec_->feature.push_back(feature);
      spec_->leaf_values.push_back(0.0);
      if ((type & kCategoricalMask) != 0) {
        // CategoricalDecision: NaN and negative ints go right, int(x) in the bitset goes
        // left; (-1, 0) truncates to category 0.
        spec_->threshold.push_back(0.0);
        spec_->split_flags.push_back(split::kCategorical | split::kTruncateCategory);
        add_categories(block, line, i, threshold[i], num_cat, cat_boundaries, cat_threshold);
        has_categorical_ = true;
      } else {
        // NumericalDecision: NaN reads as 0 unless the missing type is NaN; the missing
        // type's values take the default side; else left iff x <= threshold.
        std::uint8_t flags = split::kLessEqual;
        const bool default_left = (type & kDefaultLeftMask) != 0;
        if (missing == kMissingNaN) {
          if (default_left) flags |= split::kDefaultLeft;
        } else if (missing == kMissingZero) {
          flags |= split::kZeroIsMissing;
          if (default_left) flags |= split::kDefaultLeft;
        } else {
          flags |= split::kNanAsZero;
        }
        spec_->threshold.push_back(threshold[i]);
        spec_->split_flags.push_back(flags);
      }
      spec_->category_offsets.push_back(static_cast<std::int64_t>(spec_->categories.size()));
    }
    for (std::size_t j = 0; j < leaves; ++j) {
      spec_->left_child.push_back(-1);
      spec_->right_child.push_back(-1);
      spec_->feature.push_back(0);
      spec_->threshold.push_back(0.0);
      spec_->split_flags.push_back(0);
      spec_->leaf_values.push_back(leaf_value[j]);
      spec_->category_offsets.push_back(static_cast<std::int64_t>(spec_->categories.size()));
    }
    read_linear(block, line, is_linear, internal, leaf_value);
    spec_->tree_offsets.push_back(base + static_cast<std::int64_t>(internal + leaves));
  }

  // Drops the arrays that stayed unused: category lists when no node is categorical,
  // linear terms when no tree is linear.
  void finish() {
    if (!has_categorical_) {
      spec_->category_offsets.clear();
      spec_->categories.clear();
    }
    if (!has_linear_) {
      spec_->linear_offsets.clear();
      spec_->linear_features.clear();
      spec_->linear_coefs.clear();
      spec_->linear_const.clear();
    }
  }

 private:
  void add_categories(const Block& block, std::size_t line, std::size_t node, double index_value,
                      std::int32_t num_cat, const std::vector<std::int32_t>& boundaries,
                      const std::vector<std::uint32_t>& words) {
    // The threshold of a categorical node is the index of its bitset (int(threshold_)).
    if (!(index_value >= 0.0) || index_value >= static_cast<double>(num_cat) ||
        index_value != static_cast<double>(static_cast<std::int32_t>(index_value))) {
      invalid(block.require("threshold", line).line, block.label(), "categorical node ", node,
              " refers to bitset ", index_value, " but the tree has ", num_cat);
    }
    const auto index = static_cast<std::size_t>(index_value);
    const auto begin = static_cast<std::size_t>(boundaries[index]);
    const auto end = static_cast<std::size_t>(boundaries[index + 1]);
    if (end - begin > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max() / 32)) {
      invalid(block.require("cat_boundaries", line).line, block.label(), "bitset ", index, " is too large");
    }
    for (std::size_t w = begin; w < end; ++w) {
      for (std::uint32_t bit = 0; bit < 32; ++bit) {
        if ((words[w] >> bit) & 1U) {
          spec_->categories.push_back(static_cast<std::int32_t>((w - begin) * 32 + bit));
        }
      }
    }
  }

  void read_linear(const Block& block, std::size_t line, bool is_linear, std::size_t internal,
                   const std::vector<double>& leaf_value) {
    const std::size_t leaves = leaf_value.size();
    if (spec_->linear_offsets.empty()) spec_->linear_offsets.push_back(0);
    const auto push_node = [&](double constant) {
      spec_->linear_const.push_back(constant);
      spec_->linear_offsets.push_back(static_cast<std::int64_t>(spec_->linear_features.size()));
    };
    for (std::size_t i = 0; i < internal; ++i) push_node(0.0);
    if (!is_linear) {
      // A constant leaf: linear_const alone is its value.
      for (std::size_t j = 0; j < leaves; ++j) push_node(leaf_value[j]);
      return;
    }
    has_linear_ = true;
    const std::vector<double> constants = block.array<double>("leaf_const", leaves, line);
    const std::vector<std::int32_t> counts = block.array<std::int32_t>("num_features", leaves, line);
    std::size_t total = 0;
    for (std::size_t j = 0; j < leaves; ++j) {
      if (counts[j] < 0 || counts[j] > n_features_) {
        invalid(block.require("num_features", line).line, block.label(), "leaf ", j, " has ", counts[j],
                " linear features; the model has ", n_features_);
      }
      total += static_cast<std::size_t>(counts[j]);
    }
    // Tree::ToString writes each leaf's list followed by an extra space, so an empty list
    // is only spaces; the counts say where each leaf's list ends.
    const std::vector<std::int32_t> features = block.array<std::int32_t>("leaf_features", total, line);
    const std::vector<double> coefs = block.array<double>("leaf_coeff", total, line);
    std::size_t next = 0;
    for (std::size_t j = 0; j < leaves; ++j) {
      for (std::int32_t k = 0; k < counts[j]; ++k, ++next) {
        if (features[next] < 0 || features[next] >= n_features_) {
          invalid(block.require("leaf_features", line).line, block.label(), "leaf ", j, " uses feature ",
                  features[next], " but the model has ", n_features_, " features");
        }
        spec_->linear_features.push_back(features[next]);
        spec_->linear_coefs.push_back(coefs[next]);
      }
      push_node(constants[j]);
    }
  }

  ForestSpec* spec_;
  std::int32_t n_features_;
  bool has_categorical_ = false;
  bool has_linear_ = false;
};

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

Model load_lightgbm_text(std::string_view text) {
  const std::vector<Line> lines = split_lines(text);
  std::size_t at = 0;
  while (at < lines.size() && lines[at].text.empty()) ++at;
  if (at == lines.size()) invalid(0, "the text is empty");
  if (lines[at].text != "tree") {
    invalid(lines[at].number, "expected the model type line 'tree', got '", lines[at].text.substr(0, 64), "'");
  }
  ++at;

  Block header_block("");
  const std::size_t header_line = at < lines.size() ? lines[at].number : lines.back().number;
  for (; at < lines.size() && !starts_with(lines[at].text, "Tree=") && lines[at].text != "end of trees"; ++at) {
    if (!lines[at].text.empty()) header_block.add(lines[at]);
  }
  const Header header = read_header(header_block, header_line);

  ForestSpec spec;
  spec.n_features = header.n_features;
  spec.n_outputs = header.trees_per_iteration;
  spec.leaf_size = 1;
  spec.tree_offsets.push_back(0);
  spec.category_offsets.push_back(0);
  TreeReader reader(&spec, header.n_features);

  std::int64_t n_trees = 0;
  bool ended = false;
  while (at < lines.size()) {
    const Line& line = lines[at];
    if (line.text.empty()) {
      ++at;
      continue;
    }
    if (line.text == "end of trees") {
      ended = true;
      ++at;
      break;
    }
    if (!starts_with(line.text, "Tree=")) {
      invalid(line.number, "expected 'Tree=", n_trees, "' or 'end of trees', got '", line.text.substr(0, 64), "'");
    }
    std::int64_t index = -1;
    if (!parse_number(line.text.substr(5), &index) || index != n_trees) {
      invalid(line.number, "expected 'Tree=", n_trees, "', got '", line.text.substr(0, 64), "'");
    }
    Block block("tree " + std::to_string(n_trees) + ": ");
    ++at;
    for (; at < lines.size() && !lines[at].text.empty(); ++at) {
      if (starts_with(lines[at].text, "Tree=") || lines[at].text == "end of trees") break;
      if (lines[at].text.find('=') == std::string_view::npos) {
        invalid(lines[at].number, block.label(), "expected key=value, got '", lines[at].text.substr(0, 64), "'");
      }
      block.add(lines[at]);
    }
    reader.read(block, line.number);
    spec.tree_outputs.push_back(static_cast<std::int32_t>(n_trees % header.trees_per_iteration));
    ++n_trees;
  }
  if (!ended) invalid(0, "the text ends before 'end of trees' (truncated after ", n_trees, " trees)");
  reader.finish();

  if (header.declared_trees >= 0 && header.declared_trees != n_trees) {
    invalid(0, "tree_sizes lists ", header.declared_trees, " trees but the text holds ", n_trees);
  }
  if (n_trees == 0) fail(ErrorCode::kUnsupported, 0, "the model has no trees");
  if (n_trees % header.trees_per_iteration != 0) {
    invalid(0, n_trees, " trees is not a whole number of iterations of ", header.trees_per_iteration, " trees");
  }

  // The Python package appends "pandas_categorical:<json>" as the last line; it reads the
  // last such line, and so does this.
  std::string categories_json;
  for (; at < lines.size(); ++at) {
    constexpr std::string_view kKey = "pandas_categorical:";
    if (starts_with(lines[at].text, kKey)) {
      const std::string_view json = lines[at].text.substr(kKey.size());
      categories_json = json == "null" ? std::string() : std::string(json);
    }
  }

  spec.input_precision = Precision::kFloat64;  // the C API reads float32 and float64 as double
  spec.accumulation = Precision::kFloat64;     // GBDT::PredictRaw sums in double
  spec.zero_threshold = kZeroThreshold;
  // rf (average_output): GBDT::Predict divides the sum by the iteration count before the
  // transform; raw_score=True (GBDT::PredictRaw) returns the plain sum, as predict_raw does.
  spec.aggregation = header.average_output ? Aggregation::kMeanAfterRaw : Aggregation::kSum;
  spec.transform = header.objective.transform;
  spec.transform_param = header.objective.param;
  // A file predicts like Booster.predict, which has no class decision; the sklearn wrapper
  // adapter (python/sapwood/loaders/lightgbm.py) adds one.
  spec.class_rule = ClassRule::kNone;
  spec.info.source = "lightgbm.Booster";  // a file predicts like Booster.predict, as XGBoost's files
  spec.info.objective = header.objective_text;
  spec.info.feature_names = header.feature_names;
  spec.info.feature_types = header.feature_types;
  spec.info.trees_per_iteration = header.trees_per_iteration;
  spec.info.categories_json = std::move(categories_json);
  return Model::from_forest(std::move(spec));
}

}  // namespace sapwood::detail
