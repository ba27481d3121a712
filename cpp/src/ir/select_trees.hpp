// A copy of a forest description holding only a contiguous range of its trees.
#pragma once

#include <cstdint>

#include "sapwood/builder.hpp"

namespace sapwood::detail {

// Trees [first, last) of a validated spec, with node, category and linear-leaf arrays
// rebased; everything else (base score, transform, info) is kept.
ForestSpec select_trees(const ForestSpec& spec, std::int64_t first, std::int64_t last);

}  // namespace sapwood::detail
