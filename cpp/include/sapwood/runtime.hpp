// What this build of sapwood is and what it runs with.
#pragma once

#include <string>
#include <vector>

#include "sapwood/export.h"

namespace sapwood {

struct RuntimeInfo {
  std::string version;
  std::string compiler;
  bool openmp = false;
  int default_threads = 1;               // what n_threads = 0 resolves to
  // Kernel levels, lowest first: "scalar" (the reference walk over the IR), "portable"
  // (compiled layouts, no vector extensions), "avx2", "avx512".
  std::vector<std::string> isa_compiled; // levels with kernels in this build
  std::vector<std::string> isa_supported;// of those, what this CPU can run
  std::string isa_active;                // the one predictions use
};

SAPWOOD_API RuntimeInfo runtime_info();

// Makes every later prediction in this process use kernel level `name` (one of
// isa_supported), overriding SAPWOOD_ISA and CPU detection; "" restores them. Meant for tests
// and benchmarks: it is process-wide, so set it while no prediction is running. Throws
// sapwood::Error (kInvalidArgument) for an unknown or unsupported level.
SAPWOOD_API void set_isa(const std::string& name);

}  // namespace sapwood
