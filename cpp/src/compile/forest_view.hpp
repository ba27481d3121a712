// The plain pointers into a validated forest's IR that the kernels read (kernels::ForestView):
// the reference walk reads the IR through it, and compile_forest_layout compiles from it.
#pragma once

#include "kernels/forest_view.hpp"
#include "sapwood/builder.hpp"

namespace sapwood::compile {

kernels::ForestView view_of(const ForestSpec& spec);

}  // namespace sapwood::compile
