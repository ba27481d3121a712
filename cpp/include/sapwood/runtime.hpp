// What this build of sapwood is and what it runs with.
#pragma once

#include <string>
#include <vector>

#include "sapwood/export.h"

namespace sapwood {

struct RuntimeInfo {
  std::string version;
  std::string compiler;
  // What n_threads = 0 resolves to: OMP_NUM_THREADS where set (as the other libraries in a
  // process read it), else the CPUs this process may use (affinity mask, cgroup quota).
  int default_threads = 1;
  // Kernel levels, lowest first: "scalar" (the reference walk over the IR), "portable"
  // (compiled layouts, no vector extensions), "avx2", "avx512".
  std::vector<std::string> isa_compiled; // levels with kernels in this build
  std::vector<std::string> isa_supported;// of those, what this CPU can run
  std::string isa_active;                // the one predictions use
  // How forests are evaluated: "auto" (each model's cost estimate decides), "walk",
  // "gather" or "quickscorer" (SAPWOOD_TRAVERSAL or set_traversal).
  std::string traversal;
};

SAPWOOD_API RuntimeInfo runtime_info();

// Makes every later prediction in this process use kernel level `name` (one of
// isa_supported), overriding SAPWOOD_ISA and CPU detection; "" restores them. Meant for tests
// and benchmarks: it is process-wide, so set it while no prediction is running. Throws
// sapwood::Error (kInvalidArgument) for an unknown or unsupported level.
SAPWOOD_API void set_isa(const std::string& name);

// Makes every later prediction in this process evaluate forests by `name`: "walk" (each row
// down each tree), "gather" (the walk, with the vector level's gather kernels for groups of
// rows in lockstep; plain "walk" on the portable level), "quickscorer" (wherever the model
// has that form: every tree compiled, at most 64 leaves each) or "auto"; "" restores
// SAPWOOD_TRAVERSAL's choice (default "auto"). All give identical results; like set_isa it is for tests and benchmarks. Throws
// sapwood::Error (kInvalidArgument) for an unknown name.
SAPWOOD_API void set_traversal(const std::string& name);

}  // namespace sapwood
