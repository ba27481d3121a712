// How the compiled engine evaluates a forest: each row walked down each tree, or the forest
// scored feature by feature in QuickScorer form (kernels::QuickScorer) where its layout has
// that form. kAuto lets each layout's cost estimate decide per call
// (ForestLayout::traversal_costs); SAPWOOD_TRAVERSAL=walk|gather|quickscorer (read once
// per process) or force_traversal override it for every forest that has the form. kGather is
// the walk with a vector level's gather kernels for the trees walked in lockstep (gathers
// were slower than plain loads on every CPU this project measured, so only on request).
#pragma once

#include <string>

namespace sapwood::compile {

enum class Traversal : int { kAuto = 0, kWalk = 1, kQuickScorer = 2, kGather = 3 };

const char* traversal_name(Traversal traversal);
bool parse_traversal(const std::string& name, Traversal* traversal);
Traversal active_traversal();
void force_traversal(Traversal traversal);
void clear_forced_traversal();

}  // namespace sapwood::compile
