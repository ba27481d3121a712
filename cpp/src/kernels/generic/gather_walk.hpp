// The gather walks (SAPWOOD_TRAVERSAL=gather; kernels::WalkF32/F64 in engine.hpp), written
// once for the vector levels over a step each supplies (avx2/kernels.cpp, avx512/kernels.cpp):
// S::kLanes rows move one level per step in vector lanes, nodes and feature values loaded with
// gathers, and two groups advance in turn so one group's gathers overlap the other's.
//
// A level names its step with GatherStep below: the row and node types, the lanes, and three
// functions of its own: start(first, lanes, n_cols) (node 0, spare lanes repeating the group's
// last row), step(lanes, nodes, rows) (one level down; true once every lane already sat on a
// leaf) and store(lanes, first, n, leaves) (the first n lanes' nodes to leaves[first...]).
// Those functions have internal linkage in the level's file, so no body compiled with wider
// instructions is shared.
#pragma once

#include <cstdint>

namespace sapwood::kernels::generic {

template <class NodeT, class ValueT, class LanesT, std::int32_t kWidth,
          LanesT (*kStart)(std::int32_t first, std::int32_t lanes, std::int32_t n_cols),
          bool (*kStep)(LanesT& lanes, const NodeT* nodes, const ValueT* rows),
          void (*kStore)(const LanesT& lanes, std::int32_t first, std::int32_t n, std::int32_t* leaves)>
struct GatherStep {
  using Node = NodeT;
  using Value = ValueT;
  using Lanes = LanesT;
  static constexpr std::int32_t kLanes = kWidth;
  static Lanes start(std::int32_t first, std::int32_t lanes, std::int32_t n_cols) { return kStart(first, lanes, n_cols); }
  static bool step(Lanes& lanes, const Node* nodes, const Value* rows) { return kStep(lanes, nodes, rows); }
  static void store(const Lanes& lanes, std::int32_t first, std::int32_t n, std::int32_t* leaves) {
    kStore(lanes, first, n, leaves);
  }
};

// A vector step tests NaN with one mask compare for every lane, so rows_have_nan changes
// nothing. No categorical tree is walked here (the compile layer takes the portable walk for
// those), so category_bits is unused.
template <class S>
void gather_walk(const typename S::Node* nodes, std::int32_t depth, const typename S::Value* rows, std::int32_t n_rows,
                 std::int32_t n_cols, std::int32_t* leaves, bool /*rows_have_nan*/,
                 const std::uint32_t* /*category_bits*/) {
  constexpr std::int32_t kLanes = S::kLanes;
  for (std::int32_t first = 0; first < n_rows; first += 2 * kLanes) {
    const std::int32_t rest = n_rows - first;
    const std::int32_t lanes_a = rest < kLanes ? rest : kLanes;
    const std::int32_t lanes_b = rest - kLanes < 0 ? 0 : (rest - kLanes < kLanes ? rest - kLanes : kLanes);
    typename S::Lanes a = S::start(first, lanes_a, n_cols);
    // A group with no rows of its own walks the first group's rows; its leaves are dropped.
    typename S::Lanes b = S::start(lanes_b > 0 ? first + kLanes : first, lanes_b > 0 ? lanes_b : 1, n_cols);
    for (std::int32_t step = 0; step < depth; ++step) {
      const bool done_a = S::step(a, nodes, rows);
      const bool done_b = S::step(b, nodes, rows);
      if (done_a && done_b) break;
    }
    S::store(a, first, lanes_a, leaves);
    S::store(b, first + kLanes, lanes_b, leaves);
  }
}

}  // namespace sapwood::kernels::generic
