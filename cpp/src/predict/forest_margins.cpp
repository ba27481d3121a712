// Forest margins with the reference kernel. A block of rows is first gathered into a
// contiguous buffer of doubles, each value rounded as the source library rounds its input
// (so the walk reads one layout whatever the caller's dtype and strides); then trees are
// walked in model order and each leaf is added to its output(s) in the accumulation type.
// Adding trees in model order from the base score is what makes sums bit-identical to the
// source libraries.
#include <cmath>
#include <vector>

#include "kernels/scalar/tree_walk.hpp"
#include "predict/margins.hpp"

namespace sapwood::detail {
namespace {

kernels::ForestView view_of(const ForestSpec& spec) {
  return {spec.tree_offsets.data(),
          spec.left_child.data(),
          spec.right_child.data(),
          spec.feature.data(),
          spec.threshold.data(),
          spec.split_flags.data(),
          spec.category_offsets.empty() ? nullptr : spec.category_offsets.data(),
          spec.categories.data(),
          spec.leaf_values.data(),
          spec.leaf_size};
}

template <class In>
void gather_rows(const MatrixView& x, std::int64_t begin, std::int64_t end, bool round_to_float,
                 double* rows) {
  const auto* data = static_cast<const In*>(x.data);
  for (std::int64_t r = begin; r < end; ++r) {
    const In* row = data + r * x.row_stride;
    double* out = rows + (r - begin) * x.cols;
    for (std::int64_t j = 0; j < x.cols; ++j) {
      const In value = row[j * x.col_stride];
      out[j] = round_to_float ? static_cast<double>(static_cast<float>(value)) : static_cast<double>(value);
    }
  }
}

// LightGBM reads dense input through a filter that drops |x| <= its zero threshold, so
// those values reach the trees as 0 (zero_threshold in ForestSpec).
void flush_near_zero(double threshold, std::int64_t n_values, double* rows) {
  for (std::int64_t i = 0; i < n_values; ++i) {
    if (std::fabs(rows[i]) <= threshold) rows[i] = 0.0;
  }
}

// A linear leaf's output, or its plain value when a feature it reads is missing.
double linear_leaf(const ForestSpec& spec, std::int64_t leaf, const double* row) {
  const auto first = static_cast<std::size_t>(spec.linear_offsets[static_cast<std::size_t>(leaf)]);
  const auto last = static_cast<std::size_t>(spec.linear_offsets[static_cast<std::size_t>(leaf) + 1]);
  double value = spec.linear_const[static_cast<std::size_t>(leaf)];
  for (std::size_t i = first; i < last; ++i) {
    const double x = row[spec.linear_features[i]];
    if (std::isnan(x)) return spec.leaf_values[static_cast<std::size_t>(leaf)];
    value += spec.linear_coefs[i] * x;
  }
  return value;
}

template <class Acc, bool kCategorical, bool kMissingRules>
void walk_block(const Forest& forest, const double* rows, std::int64_t n_rows, std::int64_t n_cols,
                double* out) {
  const ForestSpec& spec = forest.spec;
  const kernels::ForestView view = view_of(spec);
  const std::int64_t n_outputs = spec.n_outputs;
  const bool mean = spec.aggregation == Aggregation::kMean;

  std::vector<Acc> acc(static_cast<std::size_t>(n_rows * n_outputs));
  for (std::int64_t r = 0; r < n_rows; ++r) {
    for (std::int64_t k = 0; k < n_outputs; ++k) {
      acc[static_cast<std::size_t>(r * n_outputs + k)] =
          mean ? Acc{0} : static_cast<Acc>(spec.base_score[static_cast<std::size_t>(k)]);
    }
  }
  for (std::int64_t t = 0; t < forest.n_trees(); ++t) {
    const std::int64_t tree_output = spec.leaf_size == 1 ? spec.tree_outputs[static_cast<std::size_t>(t)] : 0;
    for (std::int64_t r = 0; r < n_rows; ++r) {
      const double* row = rows + r * n_cols;
      const std::int64_t leaf = kernels::scalar::find_leaf<kCategorical, kMissingRules>(view, t, row);
      Acc* row_acc = acc.data() + r * n_outputs + tree_output;
      if (forest.has_linear_leaves) {
        row_acc[0] += static_cast<Acc>(linear_leaf(spec, leaf, row));
        continue;
      }
      const double* value = spec.leaf_values.data() + leaf * spec.leaf_size;
      for (std::int32_t k = 0; k < spec.leaf_size; ++k) row_acc[k] += static_cast<Acc>(value[k]);
    }
  }
  for (std::int64_t r = 0; r < n_rows; ++r) {
    for (std::int64_t k = 0; k < n_outputs; ++k) {
      Acc margin = acc[static_cast<std::size_t>(r * n_outputs + k)];
      if (mean) {
        margin /= static_cast<Acc>(forest.trees_per_output[static_cast<std::size_t>(k)]);
        margin += static_cast<Acc>(spec.base_score[static_cast<std::size_t>(k)]);
      }
      out[r * n_outputs + k] = static_cast<double>(margin);
    }
  }
}

template <class Acc>
void walk_block_for(const Forest& forest, const double* rows, std::int64_t n_rows, std::int64_t n_cols,
                    double* out) {
  if (forest.has_categorical) {
    if (forest.has_missing_rules) return walk_block<Acc, true, true>(forest, rows, n_rows, n_cols, out);
    return walk_block<Acc, true, false>(forest, rows, n_rows, n_cols, out);
  }
  if (forest.has_missing_rules) return walk_block<Acc, false, true>(forest, rows, n_rows, n_cols, out);
  walk_block<Acc, false, false>(forest, rows, n_rows, n_cols, out);
}

}  // namespace

void forest_margins(const Forest& forest, const MatrixView& x, std::int64_t begin,
                    std::int64_t end, double* out) {
  const bool round_to_float = forest.spec.input_precision == Precision::kFloat32;
  std::vector<double> rows(static_cast<std::size_t>((end - begin) * x.cols));
  if (x.dtype == DType::kFloat32) {
    gather_rows<float>(x, begin, end, round_to_float, rows.data());
  } else {
    gather_rows<double>(x, begin, end, round_to_float, rows.data());
  }
  if (forest.spec.zero_threshold > 0.0) {
    flush_near_zero(forest.spec.zero_threshold, static_cast<std::int64_t>(rows.size()), rows.data());
  }
  if (forest.spec.accumulation == Precision::kFloat32) {
    return walk_block_for<float>(forest, rows.data(), end - begin, x.cols, out);
  }
  walk_block_for<double>(forest, rows.data(), end - begin, x.cols, out);
}

}  // namespace sapwood::detail
