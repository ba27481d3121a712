#include "ir/select_trees.hpp"

#include <cstddef>

namespace sapwood::detail {
namespace {

template <class T>
std::vector<T> slice(const std::vector<T>& values, std::int64_t begin, std::int64_t end) {
  return std::vector<T>(values.begin() + begin, values.begin() + end);
}

// Offsets [begin, end] of an offsets array, shifted to start at 0.
std::vector<std::int64_t> rebased(const std::vector<std::int64_t>& offsets, std::int64_t begin, std::int64_t end) {
  std::vector<std::int64_t> out(offsets.begin() + begin, offsets.begin() + end + 1);
  const std::int64_t base = out.front();
  for (auto& offset : out) offset -= base;
  return out;
}

}  // namespace

ForestSpec select_trees(const ForestSpec& spec, std::int64_t first, std::int64_t last) {
  ForestSpec out;
  const std::int64_t node_begin = spec.tree_offsets[static_cast<std::size_t>(first)];
  const std::int64_t node_end = spec.tree_offsets[static_cast<std::size_t>(last)];
  out.n_features = spec.n_features;
  out.n_outputs = spec.n_outputs;
  out.leaf_size = spec.leaf_size;
  out.tree_offsets = rebased(spec.tree_offsets, first, last);
  if (!spec.tree_outputs.empty()) out.tree_outputs = slice(spec.tree_outputs, first, last);
  out.left_child = slice(spec.left_child, node_begin, node_end);
  out.right_child = slice(spec.right_child, node_begin, node_end);
  out.feature = slice(spec.feature, node_begin, node_end);
  out.threshold = slice(spec.threshold, node_begin, node_end);
  out.split_flags = slice(spec.split_flags, node_begin, node_end);
  out.leaf_values = slice(spec.leaf_values, node_begin * spec.leaf_size, node_end * spec.leaf_size);
  if (!spec.category_offsets.empty()) {
    out.category_offsets = rebased(spec.category_offsets, node_begin, node_end);
    out.categories = slice(spec.categories, spec.category_offsets[static_cast<std::size_t>(node_begin)],
                           spec.category_offsets[static_cast<std::size_t>(node_end)]);
  }
  if (!spec.linear_offsets.empty()) {
    out.linear_offsets = rebased(spec.linear_offsets, node_begin, node_end);
    const std::int64_t term_begin = spec.linear_offsets[static_cast<std::size_t>(node_begin)];
    const std::int64_t term_end = spec.linear_offsets[static_cast<std::size_t>(node_end)];
    out.linear_features = slice(spec.linear_features, term_begin, term_end);
    out.linear_coefs = slice(spec.linear_coefs, term_begin, term_end);
    out.linear_const = slice(spec.linear_const, node_begin, node_end);
  }
  out.input_precision = spec.input_precision;
  out.zero_threshold = spec.zero_threshold;
  out.accumulation = spec.accumulation;
  out.aggregation = spec.aggregation;
  out.base_score = spec.base_score;
  out.transform = spec.transform;
  out.transform_param = spec.transform_param;
  out.class_rule = spec.class_rule;
  out.info = spec.info;
  return out;
}

}  // namespace sapwood::detail
