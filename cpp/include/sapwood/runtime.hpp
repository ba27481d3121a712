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
  std::vector<std::string> isa_compiled; // instruction sets with kernels in this build
  std::vector<std::string> isa_supported;// of those, what this CPU can run
  std::string isa_active;                // the one predictions use
};

SAPWOOD_API RuntimeInfo runtime_info();

}  // namespace sapwood
