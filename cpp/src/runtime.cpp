// runtime_info(), set_isa() and set_traversal(): the build's version, compiler, OpenMP and
// instruction-set facts, and the test hooks that force a kernel level or a forest traversal
// (the choices themselves are kernels/dispatch and compile/traversal).
#include "sapwood/runtime.hpp"

#include "kernels/dispatch.hpp"
#include "compile/traversal.hpp"
#include "sapwood/error.hpp"
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
  info.default_threads = detail::default_threads();
  for (const kernels::Isa isa : kernels::kAllIsas) {
    if (kernels::isa_compiled(isa)) info.isa_compiled.emplace_back(kernels::isa_name(isa));
    if (kernels::isa_supported(isa)) info.isa_supported.emplace_back(kernels::isa_name(isa));
  }
  info.isa_active = kernels::isa_name(kernels::active_isa());
  info.traversal = compile::traversal_name(compile::active_traversal());
  return info;
}

void set_isa(const std::string& name) {
  if (name.empty()) {
    kernels::clear_forced_isa();
    return;
  }
  kernels::Isa isa;
  if (!kernels::parse_isa(name, &isa)) {
    throw Error(ErrorCode::kInvalidArgument,
                "unknown instruction set '" + name + "' (scalar, portable, avx2 or avx512)");
  }
  if (!kernels::force_isa(isa)) {
    throw Error(ErrorCode::kInvalidArgument, "instruction set '" + name + "' is not supported here");
  }
}

void set_traversal(const std::string& name) {
  if (name.empty()) {
    compile::clear_forced_traversal();
    return;
  }
  compile::Traversal traversal;
  if (!compile::parse_traversal(name, &traversal)) {
    throw Error(ErrorCode::kInvalidArgument, "unknown traversal '" + name + "' (auto, walk, gather or quickscorer)");
  }
  compile::force_traversal(traversal);
}

}  // namespace sapwood
