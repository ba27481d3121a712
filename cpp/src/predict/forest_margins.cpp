// Forest margins with the reference kernel: for a block of rows, trees in model order,
// each leaf added to its output(s) in the accumulation type. Adding trees in model order
// from the base score is what makes sums bit-identical to the source libraries.
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

// One row of X read in place, each value rounded as the source library rounds it.
template <class In, bool kRoundToFloat>
struct RowReader {
  const In* row;
  std::int64_t col_stride;
  double operator()(std::int32_t j) const {
    const In value = row[j * col_stride];
    if constexpr (kRoundToFloat) {
      return static_cast<double>(static_cast<float>(value));
    } else {
      return static_cast<double>(value);
    }
  }
};

template <class In, bool kRoundToFloat, class Acc>
void margins_block(const Forest& forest, const MatrixView& x, std::int64_t begin, std::int64_t end,
                   double* out) {
  const ForestSpec& spec = forest.spec;
  const kernels::ForestView view = view_of(spec);
  const std::int64_t rows = end - begin;
  const std::int64_t n_outputs = spec.n_outputs;
  const bool mean = spec.aggregation == Aggregation::kMean;

  std::vector<Acc> acc(static_cast<std::size_t>(rows * n_outputs));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t k = 0; k < n_outputs; ++k) {
      acc[static_cast<std::size_t>(r * n_outputs + k)] =
          mean ? Acc{0} : static_cast<Acc>(spec.base_score[static_cast<std::size_t>(k)]);
    }
  }
  const auto* data = static_cast<const In*>(x.data);
  for (std::int64_t t = 0; t < forest.n_trees(); ++t) {
    const std::int64_t tree_output = spec.leaf_size == 1 ? spec.tree_outputs[static_cast<std::size_t>(t)] : 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      const RowReader<In, kRoundToFloat> row{data + (begin + r) * x.row_stride, x.col_stride};
      const std::int64_t leaf = kernels::scalar::find_leaf(view, t, row);
      const double* value = spec.leaf_values.data() + leaf * spec.leaf_size;
      Acc* row_acc = acc.data() + r * n_outputs + tree_output;
      for (std::int32_t k = 0; k < spec.leaf_size; ++k) row_acc[k] += static_cast<Acc>(value[k]);
    }
  }
  for (std::int64_t r = 0; r < rows; ++r) {
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

template <class In>
void margins_for_input(const Forest& forest, const MatrixView& x, std::int64_t begin,
                       std::int64_t end, double* out) {
  const bool round_to_float = forest.spec.input_precision == Precision::kFloat32;
  const bool float_sums = forest.spec.accumulation == Precision::kFloat32;
  if (round_to_float) {
    if (float_sums) return margins_block<In, true, float>(forest, x, begin, end, out);
    return margins_block<In, true, double>(forest, x, begin, end, out);
  }
  if (float_sums) return margins_block<In, false, float>(forest, x, begin, end, out);
  return margins_block<In, false, double>(forest, x, begin, end, out);
}

}  // namespace

void forest_margins(const Forest& forest, const MatrixView& x, std::int64_t begin,
                    std::int64_t end, double* out) {
  if (x.dtype == DType::kFloat32) return margins_for_input<float>(forest, x, begin, end, out);
  return margins_for_input<double>(forest, x, begin, end, out);
}

}  // namespace sapwood::detail
