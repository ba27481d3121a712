// XGBoost's model document (the JSON schema of doc/model.schema in dmlc/xgboost; UBJSON files
// hold the same tree) read into a ForestSpec, field by field. This file owns the reading, its
// checks and the mapping to the IR; the rules it reproduces are in docs/semantics.md
// ("XGBoost 3.2.0"), each with the XGBoost source it was read from. Parsing bytes into the
// document is json_text.cpp / ubjson.cpp, and ir/forest.cpp validates the finished IR again.
//
// Glossary: an "output" is one margin column (a class, a target or a quantile). A boosting
// "iteration" adds num_parallel_tree trees per output, or num_parallel_tree trees in all when
// the trees have vector leaves (multi_strategy="multi_output_tree").
//
// Every index and length read from the document is checked before it is used: child ids and
// leaf-vector ids against the tree's size, feature ids against num_feature, category
// segments against the category array, and per-node arrays against num_nodes. Nodes that the
// root does not reach (XGBoost's deleted nodes) keep their XGBoost ids but become empty
// leaves, so node ids stay XGBoost's and nothing unreachable is trusted.
#include "formats/xgboost_model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "sapwood/error.hpp"

namespace sapwood::detail {
namespace {

using json::Value;

constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();
// XGBoost treats any input category >= 2^24 as invalid (common::InvalidCat), so a stored
// category at or above it can never match.
constexpr std::int64_t kCategoryLimit = std::int64_t{1} << 24;
// XGBoost 1.0 introduced the JSON model; a major version above this one may change the schema.
constexpr std::int64_t kNewestMajor = 3;
constexpr std::int64_t kMaxOutputs = std::int64_t{1} << 20;

[[noreturn]] void invalid(const std::string& message) { throw Error(ErrorCode::kInvalidModel, message); }
[[noreturn]] void unsupported(const std::string& message) { throw Error(ErrorCode::kUnsupported, message); }

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

// A name from the document, fit to quote in a message: bytes that are not printable ASCII
// are escaped, so that a corrupt name cannot break the message's encoding.
std::string quoted(std::string_view text) {
  static const char* const kHex = "0123456789abcdef";
  std::string out = "'";
  for (const char c : text.substr(0, 200)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out += c;
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out + (text.size() > 200 ? "...'" : "'");
}

// XGBoost writes its parameters as strings ("num_feature": "4"); numbers are accepted too.
std::int64_t param_int(const Value& object, std::string_view key, std::int64_t lowest, std::int64_t highest) {
  const Value& value = object.at(key);
  if (value.kind() != json::Kind::kString) return value.as_int(key, lowest, highest);
  const std::string_view text = trim(value.as_string(key));
  std::int64_t result = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || result < lowest ||
      result > highest) {
    invalid(std::string(key) + " must be an integer in [" + std::to_string(lowest) + ", " +
            std::to_string(highest) + "], got " + quoted(text));
  }
  return result;
}

std::int64_t param_int_or(const Value& object, std::string_view key, std::int64_t lowest,
                          std::int64_t highest, std::int64_t fallback) {
  return object.find(key) == nullptr ? fallback : param_int(object, key, lowest, highest);
}

float parse_float(std::string_view text, std::string_view what) {
  text = trim(text);
  float value = 0.0f;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    invalid(std::string(what) + " must be a finite number, got " + quoted(text));
  }
  return value;
}

// base_score: "[4.6E-1]" or "[a,b,c]" since XGBoost 3.0, "5E-1" before; always float32 values
// (they are parsed to float, as XGBoost parses them).
std::vector<float> parse_base_score(const Value& value) {
  if (value.kind() == json::Kind::kNumber) return {value.as_float("base_score")};
  std::string_view text = trim(value.as_string("base_score"));
  if (!text.empty() && text.front() == '[') {
    if (text.back() != ']') invalid("base_score " + quoted(text) + " is missing its closing ']'");
    text = text.substr(1, text.size() - 2);
  }
  std::vector<float> scores;
  while (true) {
    const std::size_t comma = text.find(',');
    scores.push_back(parse_float(text.substr(0, comma), "base_score"));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return scores;
}

// Boolean flags per node: UBJSON and recent JSON write 0/1 numbers, older JSON true/false.
std::vector<std::uint8_t> flags(const Value& value, const std::string& what) {
  std::vector<std::uint8_t> out(value.size());
  if (value.is_number_array()) {
    const std::vector<std::int64_t> numbers = value.ints(what, 0, 1);
    for (std::size_t i = 0; i < numbers.size(); ++i) out[i] = static_cast<std::uint8_t>(numbers[i]);
    return out;
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = value[i].as_bool(what) ? 1 : 0;
  return out;
}

// Text handed on in ModelInfo must be UTF-8, since bindings decode it as such.
bool is_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = c < 0x80            ? 1
                               : (c >> 5) == 0x6   ? 2
                               : (c >> 4) == 0xE   ? 3
                               : (c >> 3) == 0x1E  ? 4
                                                   : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
    }
    i += length;
  }
  return true;
}

std::vector<std::string> strings(const Value* value, const char* what) {
  std::vector<std::string> out;
  if (value == nullptr) return out;
  if (value->kind() != json::Kind::kArray) invalid(std::string(what) + " must be an array of strings");
  if (value->is_number_array()) {
    if (value->size() != 0) invalid(std::string(what) + " must be an array of strings");
    return out;
  }
  for (std::size_t i = 0; i < value->size(); ++i) {
    out.push_back((*value)[i].as_string(what));
    if (!is_utf8(out.back())) invalid(std::string(what) + " " + std::to_string(i) + " is not UTF-8 text");
  }
  return out;
}

template <class T>
void check_length(const std::vector<T>& values, std::size_t expected, const std::string& what) {
  if (values.size() != expected) {
    invalid(what + " has " + std::to_string(values.size()) + " entries, expected " +
            std::to_string(expected));
  }
}

// ---------------------------------------------------------------- objectives

// How the stored base_score becomes a margin: ObjFunction::ProbToMargin, evaluated in float32
// as XGBoost does (`-logf(1.0f / p - 1.0f)` for the logistic objectives, `logf(p)` for the
// log-link ones; identity otherwise). Verified bit for bit per objective against 3.2.0.
enum class Link : std::uint8_t { kIdentity, kLogit, kLog };

struct Objective {
  std::string_view name;
  Link link;
  Transform transform;
  ClassRule class_rule;
};

// Transforms are Booster.predict's output (PredTransform): a probability for the logistic
// objectives, 0/1 for binary:hinge, exp for the log links. multi:softmax's class index is the
// first maximum of the margins (common::FindMaxIndex); the Python layer reports it as a class.
// binary:logistic has no class rule here, so that the value output is Booster.predict's one
// probability column; the XGBClassifier adapter adds the rule.
constexpr Objective kObjectives[] = {
    {"reg:squarederror", Link::kIdentity, Transform::kIdentity, ClassRule::kNone},
    {"reg:linear", Link::kIdentity, Transform::kIdentity, ClassRule::kNone},  // its pre-1.0 name
    {"reg:squaredlogerror", Link::kIdentity, Transform::kIdentity, ClassRule::kNone},
    {"reg:pseudohubererror", Link::kIdentity, Transform::kIdentity, ClassRule::kNone},
    {"reg:absoluteerror", Link::kIdentity, Transform::kIdentity, ClassRule::kNone},
    {"reg:quantileerror", Link::kIdentity, Transform::kIdentity, ClassRule::kNone},
    {"reg:logistic", Link::kLogit, Transform::kSigmoid, ClassRule::kNone},
    {"binary:logistic", Link::kLogit, Transform::kSigmoid, ClassRule::kNone},
    {"binary:logitraw", Link::kIdentity, Transform::kIdentity, ClassRule::kNone},
    {"binary:hinge", Link::kIdentity, Transform::kStep, ClassRule::kNone},
    {"multi:softmax", Link::kIdentity, Transform::kSoftmax, ClassRule::kArgmaxRaw},
    {"multi:softprob", Link::kIdentity, Transform::kSoftmax, ClassRule::kArgmaxRaw},
    {"count:poisson", Link::kLog, Transform::kExp, ClassRule::kNone},
    {"reg:gamma", Link::kLog, Transform::kExp, ClassRule::kNone},
    {"reg:tweedie", Link::kLog, Transform::kExp, ClassRule::kNone},
    {"survival:cox", Link::kLog, Transform::kExp, ClassRule::kNone},
    {"survival:aft", Link::kLog, Transform::kExp, ClassRule::kNone},
    {"rank:pairwise", Link::kIdentity, Transform::kIdentity, ClassRule::kNone},
    {"rank:ndcg", Link::kIdentity, Transform::kIdentity, ClassRule::kNone},
    {"rank:map", Link::kIdentity, Transform::kIdentity, ClassRule::kNone},
};

const Objective& find_objective(const std::string& name) {
  for (const Objective& objective : kObjectives) {
    if (objective.name == name) return objective;
  }
  std::string known;
  for (const Objective& objective : kObjectives) {
    known += (known.empty() ? "" : ", ") + std::string(objective.name);
  }
  unsupported("objective " + quoted(name) + " is not supported; supported objectives: " + known);
}

float to_margin(Link link, float score) {
  switch (link) {
    case Link::kIdentity:
      return score;
    case Link::kLogit:
      if (!(score > 0.0f && score < 1.0f)) {
        invalid("base_score must be in (0, 1) for a logistic objective, got " + std::to_string(score));
      }
      return -std::log(1.0f / score - 1.0f);  // float overloads: XGBoost computes this in float32
    case Link::kLog:
      if (!(score > 0.0f)) {
        invalid("base_score must be positive for a log-link objective, got " + std::to_string(score));
      }
      return std::log(score);
  }
  invalid("unknown base_score link");
}

// ---------------------------------------------------------------- learner

struct Learner {
  std::int32_t n_features = 0;
  std::int32_t n_outputs = 1;
  const Objective* objective = nullptr;
  std::vector<float> base_margin;  // n_outputs float32 margins
  ModelInfo info;
};

Learner read_learner(const Value& learner) {
  Learner out;
  const Value& param = learner.at("learner_model_param");
  out.n_features = static_cast<std::int32_t>(param_int(param, "num_feature", 0, kInt32Max));
  // Bounded before anything is sized by it; no real model comes near.
  const std::int64_t num_class = param_int_or(param, "num_class", 0, kMaxOutputs, 0);
  const std::int64_t num_target = param_int_or(param, "num_target", 1, kMaxOutputs, 1);  // since 2.0
  if (num_class > 0 && num_target > 1) {
    unsupported("num_class " + std::to_string(num_class) + " with num_target " + std::to_string(num_target));
  }
  out.n_outputs = static_cast<std::int32_t>(num_class > 0 ? num_class : num_target);

  const std::string& objective = learner.at("objective").at("name").as_string("objective name");
  out.objective = &find_objective(objective);
  const std::vector<float> scores = parse_base_score(param.at("base_score"));
  if (scores.size() != 1 && scores.size() != static_cast<std::size_t>(out.n_outputs)) {
    invalid("base_score has " + std::to_string(scores.size()) + " values for " +
            std::to_string(out.n_outputs) + " outputs");
  }
  for (std::int32_t k = 0; k < out.n_outputs; ++k) {
    const float score = scores[scores.size() == 1 ? 0 : static_cast<std::size_t>(k)];
    out.base_margin.push_back(to_margin(out.objective->link, score));
  }

  out.info.source = "xgboost";
  out.info.objective = objective;
  out.info.feature_names = strings(learner.find("feature_names"), "feature_names");
  out.info.feature_types = strings(learner.find("feature_types"), "feature_types");
  for (const auto* names : {&out.info.feature_names, &out.info.feature_types}) {
    if (!names->empty() && names->size() != static_cast<std::size_t>(out.n_features)) {
      invalid("the model has " + std::to_string(out.n_features) + " features but " +
              std::to_string(names->size()) + " feature names or types");
    }
  }
  return out;
}

void check_version(const Value& document) {
  const Value* version = document.find("version");
  if (version == nullptr) invalid("the document has no \"version\"; it is not an XGBoost model");
  const std::vector<std::int64_t> parts = version->ints("version", 0, kInt32Max);
  if (parts.empty()) invalid("the model's version is empty");
  std::string text;
  for (const std::int64_t part : parts) text += (text.empty() ? "" : ".") + std::to_string(part);
  if (parts[0] < 1 || parts[0] > kNewestMajor) {
    unsupported("the model was written by XGBoost " + text + "; sapwood reads models from XGBoost 1.0 to " +
                std::to_string(kNewestMajor) + ".x");
  }
}

// ---------------------------------------------------------------- trees

// The category list of each categorical node of one tree, from XGBoost's four parallel arrays
// (RegTree::SaveCategoricalSplit: node ids in increasing order, and per node a segment of
// `categories`, which lists the categories that go right).
using Segment = std::pair<std::int64_t, std::int64_t>;  // first index and count in `categories`

std::vector<Segment> category_segments(const Value& tree, std::int64_t n_nodes) {
  std::vector<Segment> segment_of(static_cast<std::size_t>(n_nodes), {0, 0});
  const auto nodes = tree.at("categories_nodes").ints("categories_nodes", 0, n_nodes - 1);
  const auto begins = tree.at("categories_segments").ints("categories_segments", 0, INT64_MAX);
  const auto sizes = tree.at("categories_sizes").ints("categories_sizes", 0, INT64_MAX);
  const std::size_t n_categories = tree.at("categories").size();
  check_length(begins, nodes.size(), "categories_segments");
  check_length(sizes, nodes.size(), "categories_sizes");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    // XGBoost matches these to nodes in increasing node order; any other order it would
    // silently misread.
    if (i > 0 && nodes[i] <= nodes[i - 1]) invalid("categories_nodes are not strictly increasing");
    const auto begin = static_cast<std::uint64_t>(begins[i]);
    const auto size = static_cast<std::uint64_t>(sizes[i]);
    if (begin > n_categories || size > n_categories - begin) {
      invalid("the categories of node " + std::to_string(nodes[i]) + " lie outside the " +
              std::to_string(n_categories) + " stored categories");
    }
    segment_of[static_cast<std::size_t>(nodes[i])] = {begins[i], sizes[i]};
  }
  return segment_of;
}

class TreeReader {
 public:
  TreeReader(const Learner& learner, std::int32_t leaf_size, ForestSpec* spec)
      : learner_(learner), leaf_size_(leaf_size), spec_(*spec) {}

  // Appends tree `tree` with its leaves scaled by `weight` (dart's weight_drop; 1 otherwise).
  void append(const Value& tree, float weight) {
    const Value& param = tree.at("tree_param");
    const std::int64_t n_nodes = param_int(param, "num_nodes", 1, kInt32Max);
    // "0" in models from before 2.0, which had scalar leaves only.
    const std::int64_t leaf_vector = param_int_or(param, "size_leaf_vector", 0, kInt32Max, 1);
    if ((leaf_vector > 1) != (leaf_size_ > 1)) {
      unsupported("the model mixes trees with scalar and vector leaves");
    }
    if (leaf_vector > 1 && leaf_vector != leaf_size_) {
      invalid("size_leaf_vector is " + std::to_string(leaf_vector) + " but the model has " +
              std::to_string(leaf_size_) + " outputs");
    }
    const auto n = static_cast<std::size_t>(n_nodes);
    // Checked first: from here on, n is bounded by the size of the document.
    const std::vector<std::int64_t> left = tree.at("left_children").ints("left_children", -1, kInt32Max);
    check_length(left, n, "left_children");
    const std::vector<std::int64_t> right = tree.at("right_children").ints("right_children", -1, kInt32Max);
    // Unreachable (deleted) nodes may hold any id here, so ids are checked per reached node.
    const std::vector<std::int64_t> feature = tree.at("split_indices").ints("split_indices");
    const std::vector<float>& condition = tree.at("split_conditions").numbers_f32("split_conditions");
    const std::vector<std::uint8_t> default_left = flags(tree.at("default_left"), "default_left");
    check_length(right, n, "right_children");
    check_length(feature, n, "split_indices");
    check_length(condition, n, "split_conditions");
    check_length(default_left, n, "default_left");

    std::vector<std::int64_t> split_type(n, 0);
    std::vector<Segment> segments;
    const std::vector<double>* categories = nullptr;
    if (const Value* types = tree.find("split_type")) {  // absent before 1.6
      split_type = types->ints("split_type", 0, 1);
      check_length(split_type, n, "split_type");
      segments = category_segments(tree, n_nodes);
      categories = &tree.at("categories").numbers("categories");
    }

    const std::vector<float>* leaf_values = nullptr;
    std::int64_t n_leaf_vectors = -1;  // -1: a leaf's vector sits at its own node index
    if (leaf_size_ > 1) {
      // Since 3.0 a vector leaf's values sit in leaf_weights at the index its right child
      // holds (MultiTargetTree::SetLeaves); before, in base_weights at the node's own index.
      if (const Value* weights = tree.find("leaf_weights")) {
        leaf_values = &weights->numbers_f32("leaf_weights");
        if (leaf_values->size() % static_cast<std::size_t>(leaf_size_) != 0) {
          invalid("leaf_weights has " + std::to_string(leaf_values->size()) + " values, not a multiple of " +
                  std::to_string(leaf_size_));
        }
        n_leaf_vectors = static_cast<std::int64_t>(leaf_values->size()) / leaf_size_;
      } else {
        leaf_values = &tree.at("base_weights").numbers_f32("base_weights");
        check_length(*leaf_values, n * static_cast<std::size_t>(leaf_size_), "base_weights");
      }
    }

    const auto first = static_cast<std::size_t>(spec_.left_child.size());
    spec_.left_child.resize(first + n, -1);
    spec_.right_child.resize(first + n, -1);
    spec_.feature.resize(first + n, 0);
    spec_.threshold.resize(first + n, 0.0);
    spec_.split_flags.resize(first + n, 0);
    // -0.0: an unreachable node's value is never read, but stays an exact additive identity.
    spec_.leaf_values.resize((first + n) * static_cast<std::size_t>(leaf_size_), -0.0);
    std::vector<std::vector<std::int32_t>> node_categories(n);

    std::vector<std::uint8_t> reached(n, 0);
    std::vector<std::size_t> stack{0};
    reached[0] = 1;
    while (!stack.empty()) {
      const std::size_t node = stack.back();
      stack.pop_back();
      const std::size_t at = first + node;
      if (left[node] == -1) {  // XGBoost's IsLeaf; a scalar leaf's right child is ignored
        set_leaf(node, at, condition, right, leaf_values, n_leaf_vectors, weight);
        continue;
      }
      for (const std::int64_t child : {left[node], right[node]}) {
        if (child < 0 || child >= n_nodes) {
          invalid("node " + std::to_string(node) + " has child " + std::to_string(child) +
                  ", outside the tree's " + std::to_string(n_nodes) + " nodes");
        }
        if (reached[static_cast<std::size_t>(child)]) {
          invalid("node " + std::to_string(child) + " is reached twice (a cycle or a shared child)");
        }
        reached[static_cast<std::size_t>(child)] = 1;
        stack.push_back(static_cast<std::size_t>(child));
      }
      if (feature[node] < 0 || feature[node] >= learner_.n_features) {
        invalid("node " + std::to_string(node) + " splits on feature " + std::to_string(feature[node]) +
                " but the model has " + std::to_string(learner_.n_features) + " features");
      }
      spec_.left_child[at] = static_cast<std::int32_t>(left[node]);
      spec_.right_child[at] = static_cast<std::int32_t>(right[node]);
      spec_.feature[at] = static_cast<std::int32_t>(feature[node]);
      const std::uint8_t missing_left = default_left[node] != 0 ? split::kDefaultLeft : std::uint8_t{0};
      if (split_type[node] == 1) {
        // Listed categories go right; invalid (negative, >= 2^24), unlisted and out-of-bitfield
        // values go left (common::Decision), and NaN goes the default way.
        spec_.split_flags[at] = split::kCategorical | split::kCategoriesRight | missing_left;
        node_categories[node] = listed_categories(*categories, segments[node], node);
        has_categories_ = true;
        continue;
      }
      // Strict x < threshold in float32 (GetDecision). A NaN threshold sends every value right,
      // as x < -inf does.
      const float threshold =
          std::isnan(condition[node]) ? -std::numeric_limits<float>::infinity() : condition[node];
      spec_.threshold[at] = static_cast<double>(threshold);
      spec_.split_flags[at] = split::kThresholdFloat32 | missing_left;
    }

    for (auto& listed : node_categories) {
      category_offsets_.push_back(category_offsets_.back() + static_cast<std::int64_t>(listed.size()));
      spec_.categories.insert(spec_.categories.end(), listed.begin(), listed.end());
    }
    spec_.tree_offsets.push_back(static_cast<std::int64_t>(spec_.left_child.size()));
  }

  // Category offsets are kept only when some node is categorical (the IR's rule).
  void finish() {
    if (has_categories_) {
      spec_.category_offsets = std::move(category_offsets_);
    } else {
      spec_.categories.clear();
    }
  }

 private:
  void set_leaf(std::size_t node, std::size_t at, const std::vector<float>& condition,
                const std::vector<std::int64_t>& right, const std::vector<float>* leaf_values,
                std::int64_t n_leaf_vectors, float weight) {
    double* out = spec_.leaf_values.data() + at * static_cast<std::size_t>(leaf_size_);
    if (leaf_size_ == 1) {
      // A scalar leaf's value is its split_conditions entry (RegTree::Node::LeafValue). Dart
      // scales it in float32 at predict time; 1.0f * v is v exactly.
      *out = static_cast<double>(weight * condition[node]);
      return;
    }
    std::size_t base = node * static_cast<std::size_t>(leaf_size_);
    if (n_leaf_vectors >= 0) {
      if (right[node] < 0 || right[node] >= n_leaf_vectors) {
        invalid("leaf " + std::to_string(node) + " points at leaf vector " + std::to_string(right[node]) +
                ", outside the " + std::to_string(n_leaf_vectors) + " stored");
      }
      base = static_cast<std::size_t>(right[node]) * static_cast<std::size_t>(leaf_size_);
    }
    for (std::int32_t k = 0; k < leaf_size_; ++k) {
      out[k] = static_cast<double>(weight * (*leaf_values)[base + static_cast<std::size_t>(k)]);
    }
  }

  // A node's stored categories as the IR lists them: sorted and unique (XGBoost sets bits, so
  // repeats and order do not matter), without those >= 2^24 that no valid input can match.
  static std::vector<std::int32_t> listed_categories(const std::vector<double>& categories, Segment segment,
                                                     std::size_t node) {
    std::vector<std::int32_t> listed;
    for (std::int64_t i = segment.first; i < segment.first + segment.second; ++i) {
      const double category = categories[static_cast<std::size_t>(i)];
      if (!(category >= 0.0) || category != std::trunc(category) ||
          category > static_cast<double>(kInt32Max)) {
        invalid("node " + std::to_string(node) + " lists category " + std::to_string(category) +
                ", not a non-negative 32-bit integer");
      }
      if (category < static_cast<double>(kCategoryLimit)) {
        listed.push_back(static_cast<std::int32_t>(category));
      }
    }
    std::sort(listed.begin(), listed.end());
    listed.erase(std::unique(listed.begin(), listed.end()), listed.end());
    return listed;
  }

  const Learner& learner_;
  std::int32_t leaf_size_;
  ForestSpec& spec_;
  std::vector<std::int64_t> category_offsets_{0};
  bool has_categories_ = false;
};

// Trees added per iteration, for select_iterations: iteration_indptr (since 2.0) when its steps
// are all equal, else num_parallel_tree trees per output; 0 when iterations are not uniform.
std::int32_t trees_per_iteration(const Value& model, std::int64_t n_trees, std::int64_t per_iteration) {
  if (n_trees == 0) return 0;
  if (const Value* indptr = model.find("iteration_indptr")) {
    const std::vector<std::int64_t> bounds = indptr->ints("iteration_indptr", 0, n_trees);
    if (bounds.size() < 2 || bounds.front() != 0 || bounds.back() != n_trees) {
      invalid("iteration_indptr does not run from 0 to the " + std::to_string(n_trees) + " trees");
    }
    const std::int64_t step = bounds[1] - bounds[0];
    for (std::size_t i = 1; i < bounds.size(); ++i) {
      if (bounds[i] < bounds[i - 1]) invalid("iteration_indptr decreases");
      if (bounds[i] - bounds[i - 1] != step) return 0;
    }
    return step > 0 && step <= kInt32Max ? static_cast<std::int32_t>(step) : 0;
  }
  return per_iteration > 0 && per_iteration <= kInt32Max && n_trees % per_iteration == 0
             ? static_cast<std::int32_t>(per_iteration)
             : 0;
}

ForestSpec base_forest(const Learner& learner, std::int32_t leaf_size) {
  ForestSpec spec;
  spec.n_features = learner.n_features;
  spec.n_outputs = learner.n_outputs;
  spec.leaf_size = leaf_size;
  spec.tree_offsets = {0};
  // Inputs reach the trees as float32 and margins are float32 sums from the base margin
  // (cpu_predictor.cc, Predictor::InitOutPredictions).
  spec.input_precision = Precision::kFloat32;
  spec.accumulation = Precision::kFloat32;
  spec.aggregation = Aggregation::kSum;
  spec.base_score.assign(learner.base_margin.begin(), learner.base_margin.end());
  spec.transform = learner.objective->transform;
  spec.class_rule = learner.objective->class_rule;
  spec.info = learner.info;
  return spec;
}

// A model without trees predicts its base margin; the IR needs one tree, so it gets a leaf
// of -0.0, which adds nothing in float32.
void add_empty_tree(ForestSpec* spec) {
  spec->left_child.push_back(-1);
  spec->right_child.push_back(-1);
  spec->feature.push_back(0);
  spec->threshold.push_back(0.0);
  spec->split_flags.push_back(0);
  spec->leaf_values.insert(spec->leaf_values.end(), static_cast<std::size_t>(spec->leaf_size), -0.0);
  if (spec->leaf_size == 1) spec->tree_outputs.push_back(0);
  spec->tree_offsets.push_back(static_cast<std::int64_t>(spec->left_child.size()));
}

Model load_trees(const Value& booster, const Learner& learner, bool dart) {
  const Value& model = dart ? booster.at("gbtree").at("model") : booster.at("model");
  const Value& trees = model.at("trees");
  if (trees.kind() != json::Kind::kArray || (trees.is_number_array() && trees.size() != 0)) {
    invalid("trees must be an array of objects");
  }
  const auto n_trees = static_cast<std::int64_t>(trees.size());
  const Value& param = model.at("gbtree_model_param");
  const std::int64_t num_trees = param_int(param, "num_trees", 0, INT64_MAX);
  if (num_trees != n_trees) {
    invalid("num_trees says " + std::to_string(num_trees) + " but there are " + std::to_string(n_trees) +
            " trees");
  }
  const std::int64_t parallel = param_int_or(param, "num_parallel_tree", 1, kInt32Max, 1);
  const auto tree_info = model.at("tree_info").ints("tree_info", 0, learner.n_outputs - 1);
  check_length(tree_info, static_cast<std::size_t>(n_trees), "tree_info");

  std::vector<float> weights(static_cast<std::size_t>(n_trees), 1.0f);
  if (dart) {
    weights = booster.at("weight_drop").numbers_f32("weight_drop");
    check_length(weights, static_cast<std::size_t>(n_trees), "weight_drop");
  }

  // GBTreeModel::LoadModel places each tree by its "id"; tree_info and weight_drop are indexed
  // by that position.
  std::vector<std::int64_t> position_of(static_cast<std::size_t>(n_trees), -1);
  std::int64_t leaf_vector = 1;
  for (std::int64_t i = 0; i < n_trees; ++i) {
    const Value& tree = trees[static_cast<std::size_t>(i)];
    const std::int64_t id = tree.at("id").as_int("tree id", 0, n_trees - 1);
    if (position_of[static_cast<std::size_t>(id)] != -1) invalid("two trees have id " + std::to_string(id));
    position_of[static_cast<std::size_t>(id)] = i;
    if (i == 0) leaf_vector = param_int_or(tree.at("tree_param"), "size_leaf_vector", 0, kInt32Max, 1);
  }
  const std::int32_t leaf_size = leaf_vector > 1 ? learner.n_outputs : 1;

  ForestSpec spec = base_forest(learner, leaf_size);
  spec.info.trees_per_iteration =
      trees_per_iteration(model, n_trees, leaf_size > 1 ? parallel : parallel * learner.n_outputs);
  TreeReader reader(learner, leaf_size, &spec);
  for (std::int64_t id = 0; id < n_trees; ++id) {
    const Value& tree = trees[static_cast<std::size_t>(position_of[static_cast<std::size_t>(id)])];
    try {
      reader.append(tree, weights[static_cast<std::size_t>(id)]);
    } catch (const Error& error) {
      throw Error(error.code(), "tree " + std::to_string(id) + ": " + error.what());
    }
    if (leaf_size == 1) {
      spec.tree_outputs.push_back(static_cast<std::int32_t>(tree_info[static_cast<std::size_t>(id)]));
    }
  }
  reader.finish();
  if (n_trees == 0) add_empty_tree(&spec);

  // The training categories of pandas category columns (CatContainer), for re-coding frames.
  if (const Value* cats = model.find("cats")) {
    const Value* encodings = cats->kind() == json::Kind::kObject ? cats->find("enc") : nullptr;
    if (encodings != nullptr && encodings->size() > 0) {
      spec.info.categories_json = json::to_json(*cats);
      if (!is_utf8(spec.info.categories_json)) invalid("the categories (\"cats\") are not UTF-8 text");
    }
  }
  return Model::from_forest(std::move(spec));
}

// gblinear: XGBoost computes, per output g, `float psum = bias[g] + base; psum += x_j * w[j][g]`
// for each present x_j in feature order, in float32, skipping missing values, where `base` is
// the margin of base_score's first value for every output (GBLinear::Pred; run: bit-identical,
// and only the first value is used). LinearSpec sums in float64 and has no missing rule, so
// the model is built as a forest of one-leaf trees with one linear term each, in that order:
// each term's double product of two float32 values is exact, so rounding it to float32 gives
// XGBoost's float32 product, and the float32 accumulator adds it as XGBoost does. A missing x
// makes the leaf fall back to -0.0, which adds nothing.
Model load_linear(const Value& booster, const Learner& learner) {
  const std::vector<float>& weights = booster.at("model").at("weights").numbers_f32("weights");
  const auto n_features = static_cast<std::size_t>(learner.n_features);
  const auto n_outputs = static_cast<std::size_t>(learner.n_outputs);
  check_length(weights, (n_features + 1) * n_outputs, "gblinear weights");

  ForestSpec spec = base_forest(learner, 1);
  for (std::size_t k = 0; k < n_outputs; ++k) {
    spec.base_score[k] = static_cast<double>(weights[n_features * n_outputs + k] + learner.base_margin[0]);
  }
  spec.info.trees_per_iteration = 0;  // XGBoost refuses iteration ranges for gblinear
  spec.linear_offsets = {0};
  for (std::size_t j = 0; j < n_features; ++j) {
    for (std::size_t k = 0; k < n_outputs; ++k) {
      spec.left_child.push_back(-1);
      spec.right_child.push_back(-1);
      spec.feature.push_back(0);
      spec.threshold.push_back(0.0);
      spec.split_flags.push_back(0);
      spec.leaf_values.push_back(-0.0);
      spec.tree_outputs.push_back(static_cast<std::int32_t>(k));
      spec.tree_offsets.push_back(static_cast<std::int64_t>(spec.left_child.size()));
      spec.linear_features.push_back(static_cast<std::int32_t>(j));
      spec.linear_coefs.push_back(static_cast<double>(weights[j * n_outputs + k]));
      spec.linear_const.push_back(-0.0);
      spec.linear_offsets.push_back(static_cast<std::int64_t>(spec.linear_features.size()));
    }
  }
  if (n_features == 0) {
    add_empty_tree(&spec);
    spec.linear_const.push_back(-0.0);
    spec.linear_offsets.push_back(0);
  }
  return Model::from_forest(std::move(spec));
}

Model read_document(const Value& document) {
  if (document.kind() != json::Kind::kObject || document.find("learner") == nullptr) {
    invalid("the document has no \"learner\" object; it is not an XGBoost model");
  }
  check_version(document);
  const Value& learner_value = document.at("learner");
  const Learner learner = read_learner(learner_value);
  const Value& booster = learner_value.at("gradient_booster");
  const std::string& name = booster.at("name").as_string("booster name");
  if (name == "gbtree") return load_trees(booster, learner, false);
  if (name == "dart") return load_trees(booster, learner, true);
  if (name == "gblinear") return load_linear(booster, learner);
  unsupported("booster " + quoted(name) + " is not supported (gbtree, dart and gblinear are)");
}

}  // namespace

Model load_xgboost(const json::Value& document) {
  try {
    return read_document(document);
  } catch (const Error& error) {
    throw Error(error.code(), std::string("XGBoost model: ") + error.what());
  }
}

}  // namespace sapwood::detail
