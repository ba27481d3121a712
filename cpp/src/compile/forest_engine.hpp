// Which engine runs a forest: the one place that decides (docs/architecture.md). A forest is
// compiled once, when its Model is built (compile_forest: the layouts of
// compile/forest_layout.hpp, derived and never saved); then every block of rows a prediction
// hands the forest asks choose_forest_engine, which goes down an ordered list of engines, each
// saying what it takes and what it costs (forest_engine.cpp), the reference walk last:
//
// - walk: each row down each compiled tree (perfect tops, lockstep groups or rows alone, per
//   tree: predict/forest_margins.cpp), trees past the compact form's bounds on the reference;
// - quickscorer: the forest scored feature by feature (compile/quickscorer_layout.hpp), where
//   every tree compiled with at most 64 leaves and the cost estimates favour it;
// - reference: the IR itself, one row at a time (kernels/scalar): level "scalar", the oracle
//   of every test, and what serves a forest nothing compiled.
//
// SAPWOOD_TRAVERSAL / force_traversal (compile/traversal.hpp) narrow the list for tests and
// benchmarks; the level (kernels/dispatch.hpp) says which kernels an engine runs.
#pragma once

#include <cstdint>
#include <memory>

#include "compile/forest_layout.hpp"
#include "ir/forest.hpp"
#include "kernels/engine.hpp"

namespace sapwood::compile {

enum class ForestEngine : int { kQuickScorer = 0, kWalk = 1, kReference = 2 };
const char* forest_engine_name(ForestEngine engine);

// Rows of a compiled-engine chunk: a chunk's rows stay in cache while every tree walks them,
// and row offsets stay far inside the kernels' 32-bit gather indices.
constexpr std::int64_t kChunkRows = 128;
// Below this many rows a block is scored row by row: a lockstep group or a vector of
// QuickScorer lanes would be mostly spare (a single-row call).
constexpr std::int32_t kMinLockstepRows = 8;

// The layout of a validated forest.
std::shared_ptr<const ForestLayout> compile_forest(const detail::Forest& forest);

// The engine for a block of n_rows rows of n_cols features under the active level's kernels
// (null: level "scalar").
ForestEngine choose_forest_engine(const ForestLayout* layout, const kernels::KernelTable* kernels, std::int64_t n_rows,
                                  std::int64_t n_cols);

}  // namespace sapwood::compile
