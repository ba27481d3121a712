// Validation of forests: after make_forest succeeds, an engine may follow any child
// index, read any feature index and any category list without further checks.
#include "ir/forest.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/check.hpp"

namespace sapwood::detail {
namespace {

template <class T>
void check_size(const std::vector<T>& values, std::size_t expected, const char* name) {
  if (values.size() != expected) {
    throw_invalid_model(name, " has ", values.size(), " entries, expected ", expected);
  }
}

void check_tree_offsets(const ForestSpec& spec, std::size_t n_nodes) {
  const auto& offsets = spec.tree_offsets;
  if (offsets.size() < 2) throw_invalid_model("a forest needs at least one tree");
  if (offsets.front() != 0) throw_invalid_model("tree_offsets must start at 0");
  for (std::size_t t = 0; t + 1 < offsets.size(); ++t) {
    if (offsets[t + 1] <= offsets[t]) throw_invalid_model("tree ", t, " has no nodes");
    if (offsets[t + 1] - offsets[t] > std::numeric_limits<std::int32_t>::max()) {
      throw_invalid_model("tree ", t, " has more than 2^31 - 1 nodes");
    }
  }
  if (static_cast<std::uint64_t>(offsets.back()) != n_nodes) {
    throw_invalid_model("tree_offsets end at ", offsets.back(), " but there are ", n_nodes,
                        " nodes");
  }
}

void check_categories(const ForestSpec& spec, std::int64_t node) {
  const auto& offsets = spec.category_offsets;
  const std::int64_t begin = offsets[static_cast<std::size_t>(node)];
  const std::int64_t end = offsets[static_cast<std::size_t>(node) + 1];
  for (std::int64_t i = begin + 1; i < end; ++i) {
    if (spec.categories[static_cast<std::size_t>(i)] <= spec.categories[static_cast<std::size_t>(i - 1)]) {
      throw_invalid_model("categories of node ", node, " are not strictly increasing");
    }
  }
  if (begin < end && spec.categories[static_cast<std::size_t>(begin)] < 0) {
    throw_invalid_model("node ", node, " lists a negative category");
  }
}

void check_linear_leaves(const ForestSpec& spec, std::size_t n_nodes) {
  const auto& offsets = spec.linear_offsets;
  if (offsets.empty()) {
    if (!spec.linear_features.empty() || !spec.linear_coefs.empty() || !spec.linear_const.empty()) {
      throw_invalid_model("linear leaf terms given without linear_offsets");
    }
    return;
  }
  if (spec.leaf_size != 1) throw_invalid_model("linear leaves need leaf_size 1");
  check_size(offsets, n_nodes + 1, "linear_offsets");
  check_size(spec.linear_const, n_nodes, "linear_const");
  if (offsets.front() != 0) throw_invalid_model("linear_offsets must start at 0");
  for (std::size_t n = 0; n < n_nodes; ++n) {
    if (offsets[n + 1] < offsets[n]) throw_invalid_model("linear_offsets decrease at node ", n);
  }
  check_size(spec.linear_features, static_cast<std::size_t>(offsets.back()), "linear_features");
  check_size(spec.linear_coefs, static_cast<std::size_t>(offsets.back()), "linear_coefs");
  for (std::size_t i = 0; i < spec.linear_features.size(); ++i) {
    const std::int32_t feature = spec.linear_features[i];
    if (feature < 0 || feature >= spec.n_features) {
      throw_invalid_model("linear leaf term ", i, " reads feature ", feature, " but the model has ",
                          spec.n_features, " features");
    }
    if (std::isnan(spec.linear_coefs[i])) throw_invalid_model("linear leaf coefficient ", i, " is NaN");
  }
  for (std::size_t n = 0; n < n_nodes; ++n) {
    if (std::isnan(spec.linear_const[n])) throw_invalid_model("linear leaf constant of node ", n, " is NaN");
  }
}

void check_category_offsets(const ForestSpec& spec, std::size_t n_nodes) {
  const auto& offsets = spec.category_offsets;
  const bool any_categorical = std::any_of(spec.split_flags.begin(), spec.split_flags.end(),
                                           [](std::uint8_t f) { return (f & split::kCategorical) != 0; });
  if (offsets.empty()) {
    if (any_categorical) throw_invalid_model("categorical nodes need category_offsets");
    if (!spec.categories.empty()) throw_invalid_model("categories given without category_offsets");
    return;
  }
  check_size(offsets, n_nodes + 1, "category_offsets");
  if (offsets.front() != 0) throw_invalid_model("category_offsets must start at 0");
  for (std::size_t n = 0; n < n_nodes; ++n) {
    if (offsets[n + 1] < offsets[n]) throw_invalid_model("category_offsets decrease at node ", n);
  }
  if (static_cast<std::uint64_t>(offsets.back()) != spec.categories.size()) {
    throw_invalid_model("category_offsets end at ", offsets.back(), " but there are ",
                        spec.categories.size(), " categories");
  }
}

void check_split(const ForestSpec& spec, std::int64_t node) {
  const auto n = static_cast<std::size_t>(node);
  const std::uint8_t flags = spec.split_flags[n];
  if ((flags & ~split::kKnownBits) != 0) {
    throw_invalid_model("node ", node, " has unknown split flags ", int{flags});
  }
  const std::int32_t feature = spec.feature[n];
  if (feature < 0 || feature >= spec.n_features) {
    throw_invalid_model("node ", node, " splits on feature ", feature, " but the model has ",
                        spec.n_features, " features");
  }
  if ((flags & split::kCategorical) != 0) {
    check_categories(spec, node);
    return;
  }
  const double threshold = spec.threshold[n];
  if (std::isnan(threshold)) throw_invalid_model("node ", node, " has a NaN threshold");
  if ((flags & split::kThresholdFloat32) != 0 &&
      static_cast<double>(static_cast<float>(threshold)) != threshold) {
    throw_invalid_model("node ", node, " is marked float32 but its threshold ", threshold,
                        " is not a float32 value");
  }
}

// Walks one tree from its root. Every child must be in range and reached exactly once,
// which rules out cycles and shared subtrees; returns the depth and counts leaves.
std::int32_t check_tree(const ForestSpec& spec, std::int64_t t, std::int64_t* n_leaves) {
  const std::int64_t base = spec.tree_offsets[static_cast<std::size_t>(t)];
  const std::int64_t size = spec.tree_offsets[static_cast<std::size_t>(t) + 1] - base;
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(size), 0);
  std::vector<std::pair<std::int32_t, std::int32_t>> stack{{0, 0}};  // (local node, depth)
  seen[0] = 1;
  std::int32_t depth = 0;
  while (!stack.empty()) {
    const auto [local, node_depth] = stack.back();
    stack.pop_back();
    depth = std::max(depth, node_depth);
    const std::int64_t node = base + local;
    const std::int32_t left = spec.left_child[static_cast<std::size_t>(node)];
    const std::int32_t right = spec.right_child[static_cast<std::size_t>(node)];
    if (left == -1 && right == -1) {
      ++*n_leaves;
      const std::size_t first = static_cast<std::size_t>(node) * static_cast<std::size_t>(spec.leaf_size);
      for (std::size_t k = 0; k < static_cast<std::size_t>(spec.leaf_size); ++k) {
        if (std::isnan(spec.leaf_values[first + k])) {
          throw_invalid_model("leaf ", local, " of tree ", t, " has a NaN value");
        }
      }
      continue;
    }
    for (const std::int32_t child : {left, right}) {
      if (child < 0 || child >= size) {
        throw_invalid_model("node ", local, " of tree ", t, " has child ", child,
                            ", outside the tree's ", size, " nodes");
      }
      if (seen[static_cast<std::size_t>(child)]) {
        throw_invalid_model("node ", child, " of tree ", t,
                            " is reached twice (a cycle or a shared child)");
      }
      seen[static_cast<std::size_t>(child)] = 1;
      stack.emplace_back(child, node_depth + 1);
    }
    check_split(spec, node);
  }
  return depth;
}

}  // namespace

Forest make_forest(ForestSpec spec) {
  if (spec.n_features < 0) throw_invalid_model("n_features is negative (", spec.n_features, ")");
  if (spec.n_outputs < 1) throw_invalid_model("n_outputs must be at least 1, got ", spec.n_outputs);
  if (spec.leaf_size != 1 && spec.leaf_size != spec.n_outputs) {
    throw_invalid_model("leaf_size must be 1 or n_outputs (", spec.n_outputs, "), got ",
                        spec.leaf_size);
  }
  const std::size_t n_nodes = spec.left_child.size();
  check_tree_offsets(spec, n_nodes);
  const auto n_trees = static_cast<std::int64_t>(spec.tree_offsets.size()) - 1;
  // Outputs are sized from n_outputs before anything else reads them (base_score, the trees'
  // counts, every block's margins): without a base_score saying what they hold, a model has
  // no more outputs than its trees can add to, so a count that a few bytes claim cannot make
  // it allocate more than its arrays do.
  // (Vector leaves reach every output once there is a tree, and their leaf_values, checked
  // below, are then n_outputs a node.)
  const std::int64_t reach = spec.leaf_size == 1 ? n_trees : (n_trees > 0 ? spec.n_outputs : 0);
  if (spec.base_score.empty() && spec.n_outputs > std::max<std::int64_t>(1, reach)) {
    throw_invalid_model("n_outputs is ", spec.n_outputs, " but the model's ", n_trees,
                        " trees add to at most ", std::max<std::int64_t>(1, reach),
                        " outputs and it has no base_score");
  }
  check_size(spec.right_child, n_nodes, "right_child");
  check_size(spec.feature, n_nodes, "feature");
  check_size(spec.threshold, n_nodes, "threshold");
  check_size(spec.split_flags, n_nodes, "split_flags");
  check_size(spec.leaf_values, n_nodes * static_cast<std::size_t>(spec.leaf_size), "leaf_values");
  check_category_offsets(spec, n_nodes);
  check_linear_leaves(spec, n_nodes);
  if (!(spec.zero_threshold >= 0.0) || !std::isfinite(spec.zero_threshold)) {
    throw_invalid_model("zero_threshold must be finite and >= 0, got ", spec.zero_threshold);
  }
  if (spec.input_precision != Precision::kFloat32 && spec.input_precision != Precision::kFloat64) {
    throw_invalid_model("unknown input precision");
  }
  if (spec.accumulation != Precision::kFloat32 && spec.accumulation != Precision::kFloat64) {
    throw_invalid_model("unknown accumulation precision");
  }
  if (spec.aggregation != Aggregation::kSum && spec.aggregation != Aggregation::kMean &&
      spec.aggregation != Aggregation::kMeanAfterRaw) {
    throw_invalid_model("unknown aggregation");
  }
  if (spec.base_score.empty()) spec.base_score.assign(static_cast<std::size_t>(spec.n_outputs), 0.0);
  check_size(spec.base_score, static_cast<std::size_t>(spec.n_outputs), "base_score");
  for (double b : spec.base_score) {
    if (std::isnan(b)) throw_invalid_model("base_score is NaN");
    if (spec.aggregation == Aggregation::kMeanAfterRaw && b != 0.0) {
      throw_invalid_model("the mean-after-raw aggregation takes no base_score, got ", b);
    }
  }
  check_output_settings(spec.transform, spec.transform_param, spec.class_rule, spec.n_outputs,
                        spec.n_features, spec.info);

  Forest forest;
  forest.trees_per_output.assign(static_cast<std::size_t>(spec.n_outputs), 0);
  if (spec.leaf_size == 1) {
    check_size(spec.tree_outputs, static_cast<std::size_t>(n_trees), "tree_outputs");
    for (std::int64_t t = 0; t < n_trees; ++t) {
      const std::int32_t output = spec.tree_outputs[static_cast<std::size_t>(t)];
      if (output < 0 || output >= spec.n_outputs) {
        throw_invalid_model("tree ", t, " adds to output ", output, " but the model has ",
                            spec.n_outputs, " outputs");
      }
      ++forest.trees_per_output[static_cast<std::size_t>(output)];
    }
  } else {
    if (!spec.tree_outputs.empty()) throw_invalid_model("vector leaves take no tree_outputs");
    for (auto& count : forest.trees_per_output) count = static_cast<std::int32_t>(n_trees);
  }
  if (spec.aggregation != Aggregation::kSum) {
    for (std::size_t k = 0; k < forest.trees_per_output.size(); ++k) {
      if (forest.trees_per_output[k] == 0) throw_invalid_model("output ", k, " has no trees to average");
    }
  }
  forest.tree_depth.resize(static_cast<std::size_t>(n_trees));
  for (std::int64_t t = 0; t < n_trees; ++t) {
    forest.tree_depth[static_cast<std::size_t>(t)] = check_tree(spec, t, &forest.n_leaves);
  }
  for (const std::uint8_t flags : spec.split_flags) {
    forest.has_categorical |= (flags & split::kCategorical) != 0;
    forest.has_missing_rules |= (flags & (split::kZeroIsMissing | split::kNanAsZero)) != 0;
  }
  forest.has_linear_leaves = !spec.linear_offsets.empty();
  forest.spec = std::move(spec);
  return forest;
}

}  // namespace sapwood::detail
