// The traversal override: SAPWOOD_TRAVERSAL read once, a forced choice in one atomic.
#include "compile/traversal.hpp"

#include <atomic>
#include <cstdlib>

namespace sapwood::compile {
namespace {

constexpr int kNotForced = -1;
std::atomic<int> forced{kNotForced};
constexpr Traversal kAll[] = {Traversal::kAuto, Traversal::kWalk, Traversal::kQuickScorer, Traversal::kGather};

Traversal from_environment() {
  static const Traversal chosen = [] {
    Traversal requested = Traversal::kAuto;
    if (const char* env = std::getenv("SAPWOOD_TRAVERSAL")) {
      if (!parse_traversal(env, &requested)) requested = Traversal::kAuto;
    }
    return requested;
  }();
  return chosen;
}

}  // namespace

const char* traversal_name(Traversal traversal) {
  switch (traversal) {
    case Traversal::kAuto:
      return "auto";
    case Traversal::kWalk:
      return "walk";
    case Traversal::kQuickScorer:
      return "quickscorer";
    case Traversal::kGather:
      return "gather";
  }
  return "unknown";
}

bool parse_traversal(const std::string& name, Traversal* traversal) {
  for (const Traversal candidate : kAll) {
    if (name == traversal_name(candidate)) {
      *traversal = candidate;
      return true;
    }
  }
  return false;
}

Traversal active_traversal() {
  const int value = forced.load(std::memory_order_relaxed);
  return value == kNotForced ? from_environment() : static_cast<Traversal>(value);
}

void force_traversal(Traversal traversal) { forced.store(static_cast<int>(traversal), std::memory_order_relaxed); }

void clear_forced_traversal() { forced.store(kNotForced, std::memory_order_relaxed); }

}  // namespace sapwood::compile
