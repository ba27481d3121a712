#include "compile/forest_engine.hpp"

#include <cstddef>
#include <limits>

#include "compile/forest_view.hpp"
#include "compile/traversal.hpp"

namespace sapwood::compile {
namespace {

struct Request {
  const ForestLayout* layout;
  const kernels::KernelTable* kernels;
  std::int64_t n_rows;
  std::int64_t n_cols;
  Traversal traversal;
  bool alone() const { return n_rows < kMinLockstepRows; }
};

// The compiled engines need the level's kernels, a layout, and rows whose offsets within a
// chunk fit the gathers' 32-bit indices.
bool compiled(const Request& r) {
  if (r.kernels == nullptr || r.layout == nullptr) return false;
  const std::int64_t width = r.layout->columns.empty() ? r.n_cols : static_cast<std::int64_t>(r.layout->columns.size());
  return width <= std::int64_t{0x7fffffff} / kChunkRows;
}

bool quickscorer_takes(const Request& r) {
  return compiled(r) && r.layout->quickscorer && r.traversal != Traversal::kWalk && r.traversal != Traversal::kGather;
}
// The estimates of TraversalCosts (compile/forest_layout.hpp), per row; a batch takes
// QuickScorer only when clearly cheaper than the walk (the estimates are rough), so its
// estimate carries a 1/0.9 margin there. Forced, it beats every estimate.
double quickscorer_cost(const Request& r) {
  if (r.traversal == Traversal::kQuickScorer) return -1.0;
  const TraversalCosts& costs = r.layout->traversal_costs;
  if (r.alone()) return costs.quickscorer_alone;
  const bool narrow = r.layout->float32 ? r.layout->quickscorer_f32.narrow : r.layout->quickscorer_f64.narrow;
  return costs.quickscorer_batch(narrow ? r.kernels->quickscorer_narrow_lanes : r.kernels->quickscorer_lanes) / 0.9;
}

bool walk_takes(const Request& r) { return compiled(r); }
double walk_cost(const Request& r) {
  const TraversalCosts& costs = r.layout->traversal_costs;
  return r.alone() ? costs.walk_alone : costs.walk_batch;
}

bool reference_takes(const Request&) { return true; }
double reference_cost(const Request&) { return std::numeric_limits<double>::infinity(); }

struct Candidate {
  ForestEngine engine;
  bool (*takes)(const Request&);
  double (*cost)(const Request&);
};

// Of the engines that take a request, the cheapest wins, and the earlier one on a tie: the
// walk, which every compiled forest has, then QuickScorer, which must be cheaper to be taken;
// the reference takes everything and costs the most.
constexpr Candidate kEngines[] = {
    {ForestEngine::kWalk, walk_takes, walk_cost},
    {ForestEngine::kQuickScorer, quickscorer_takes, quickscorer_cost},
    {ForestEngine::kReference, reference_takes, reference_cost},
};

}  // namespace

const char* forest_engine_name(ForestEngine engine) {
  constexpr const char* kNames[] = {"quickscorer", "walk", "reference"};  // in ForestEngine's order
  const auto index = static_cast<std::size_t>(engine);
  return index < sizeof kNames / sizeof kNames[0] ? kNames[index] : "unknown";
}

std::shared_ptr<const ForestLayout> compile_forest(const detail::Forest& forest) {
  return std::make_shared<const ForestLayout>(compile_forest_layout(
      view_of(forest.spec), forest.spec.n_features, forest.n_nodes(), forest.n_trees(), forest.tree_depth.data(),
      forest.spec.input_precision == Precision::kFloat32, forest.has_linear_leaves));
}

ForestEngine choose_forest_engine(const ForestLayout* layout, const kernels::KernelTable* kernels, std::int64_t n_rows,
                                  std::int64_t n_cols) {
  const Request request{layout, kernels, n_rows, n_cols, active_traversal()};
  const Candidate* best = nullptr;
  double best_cost = 0.0;
  for (const Candidate& candidate : kEngines) {
    if (!candidate.takes(request)) continue;
    const double cost = candidate.cost(request);
    if (best == nullptr || cost < best_cost) {
      best = &candidate;
      best_cost = cost;
    }
  }
  return best->engine;
}

}  // namespace sapwood::compile
