// runtime_info(): the build's version, compiler, OpenMP and instruction-set facts.
#include "sapwood/runtime.hpp"

#include "util/parallel.hpp"

#ifndef SAPWOOD_VERSION
#define SAPWOOD_VERSION "0.0.0"
#endif

namespace sapwood {

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.version = SAPWOOD_VERSION;
#if defined(__clang__)
  info.compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  info.compiler = "gcc " __VERSION__;
#elif defined(_MSC_VER)
  info.compiler = "msvc " + std::to_string(_MSC_VER);
#else
  info.compiler = "unknown";
#endif
  info.openmp = detail::openmp_enabled();
  info.default_threads = detail::default_threads();
  // Only the portable reference kernels exist so far; vector kernels add themselves here.
  info.isa_compiled = {"scalar"};
  info.isa_supported = {"scalar"};
  info.isa_active = "scalar";
  return info;
}

}  // namespace sapwood
