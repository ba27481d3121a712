// ForestView: the plain pointers into a validated forest that tree-walking kernels read.
// Kernels see only this POD, never the IR, so that any layout can be compiled into it.
#pragma once

#include <cstdint>

namespace sapwood::kernels {

struct ForestView {
  const std::int64_t* tree_offsets;
  const std::int32_t* left_child;
  const std::int32_t* right_child;
  const std::int32_t* feature;
  const double* threshold;
  const std::uint8_t* split_flags;
  const std::int64_t* category_offsets;  // null when no node is categorical
  const std::int32_t* categories;
  const double* leaf_values;
  std::int32_t leaf_size;
};

}  // namespace sapwood::kernels
