// How the compiled engine evaluates a forest whose layout has both forms: each row walked
// down each tree, or the forest scored feature by feature in QuickScorer form
// (kernels::QuickScorer). kAuto lets each layout's cost estimate decide per call
// (ForestLayout::quickscorer_pays_*); SAPWOOD_TRAVERSAL=walk|quickscorer (read once per
// process) or force_traversal override it for every forest that has the form.
#pragma once

#include <string>

namespace sapwood::kernels {

enum class Traversal : int { kAuto = 0, kWalk = 1, kQuickScorer = 2 };

const char* traversal_name(Traversal traversal);
bool parse_traversal(const std::string& name, Traversal* traversal);
Traversal active_traversal();
void force_traversal(Traversal traversal);
void clear_forced_traversal();

}  // namespace sapwood::kernels
