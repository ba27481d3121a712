#include "compile/forest_view.hpp"

namespace sapwood::compile {

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

}  // namespace sapwood::compile
