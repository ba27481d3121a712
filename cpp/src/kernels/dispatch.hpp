// Which kernels run: the instruction-set levels this build has, what the CPU supports, and
// the one level predictions use. The only place that decides (docs/architecture.md).
#pragma once

#include <string>

#include "kernels/engine.hpp"

namespace sapwood::kernels {

// Lowest first. kScalar is the reference walk and sequential dot product over the IR itself
// (the oracle); the others run the compiled layout with that level's kernel table.
enum class Isa : int { kScalar = 0, kPortable = 1, kAvx2 = 2, kAvx512 = 3 };
constexpr Isa kAllIsas[] = {Isa::kScalar, Isa::kPortable, Isa::kAvx2, Isa::kAvx512};

const char* isa_name(Isa isa);
bool parse_isa(const std::string& name, Isa* isa);
bool isa_compiled(Isa isa);
bool isa_supported(Isa isa);  // compiled, and this CPU (and OS) can run it

// The level predictions use: one forced with force_isa, else SAPWOOD_ISA (read once per
// process; a level the CPU lacks falls back to the best supported one below it; an unknown
// name is ignored), else the portable level (see default_isa in dispatch.cpp).
Isa active_isa();
// Forces a level for every later prediction in the process (tests, benchmarks); returns false
// and changes nothing when the level is not supported. clear_forced_isa() undoes it.
bool force_isa(Isa isa);
void clear_forced_isa();

// The kernel table of a level; null for kScalar (use the reference code).
const KernelTable* kernels_for(Isa isa);

}  // namespace sapwood::kernels
