// Leaf indices: the reference walk of every tree, reporting where each row ends instead of
// adding up leaf values. The index is local to its tree (node - first node of the tree), so
// it is the source library's node id wherever the loader kept the source's node order.
#include <vector>

#include "compile/forest_view.hpp"
#include "kernels/scalar/tree_walk.hpp"
#include "predict/margins.hpp"
#include "predict/model_rows.hpp"

namespace sapwood::detail {
namespace {

template <bool kCategorical, bool kMissingRules>
void leaves_of_rows(const Forest& forest, const double* rows, std::int64_t n_rows, std::int64_t n_cols,
                    double* out) {
  const kernels::ForestView view = compile::view_of(forest.spec);
  const std::int64_t n_trees = forest.n_trees();
  for (std::int64_t r = 0; r < n_rows; ++r) {
    const double* row = rows + r * n_cols;
    for (std::int64_t t = 0; t < n_trees; ++t) {
      const std::int64_t leaf = kernels::scalar::find_leaf<kCategorical, kMissingRules>(view, t, row);
      out[r * n_trees + t] = static_cast<double>(leaf - view.tree_offsets[t]);
    }
  }
}

}  // namespace

void forest_leaves(const Forest& forest, const MatrixView& x, std::int64_t begin, std::int64_t end,
                   double* out) {
  const std::vector<double> rows = model_rows<double>(forest, x, begin, end);
  const std::int64_t n_rows = end - begin;
  if (forest.has_categorical || forest.has_missing_rules) {
    return leaves_of_rows<true, true>(forest, rows.data(), n_rows, x.cols, out);
  }
  leaves_of_rows<false, false>(forest, rows.data(), n_rows, x.cols, out);
}

}  // namespace sapwood::detail
