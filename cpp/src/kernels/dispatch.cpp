// Runtime dispatch: the CPU is asked once per process which vector extensions it (and the OS)
// supports, SAPWOOD_ISA may lower the choice, and every prediction then reads one atomic.
#include "kernels/dispatch.hpp"

#include <atomic>
#include <cstdlib>

namespace sapwood::kernels {
namespace {

constexpr int kNotForced = -1;
std::atomic<int> forced_isa{kNotForced};

bool cpu_has(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
    case Isa::kPortable:
      return true;
    case Isa::kAvx2:
#if defined(SAPWOOD_KERNELS_AVX2)
      // libgcc's and compiler-rt's checks include the OS's XSAVE support for the registers.
      return __builtin_cpu_supports("avx2");
#else
      return false;
#endif
    case Isa::kAvx512:
#if defined(SAPWOOD_KERNELS_AVX512)
      return __builtin_cpu_supports("avx512f");
#else
      return false;
#endif
  }
  return false;
}

Isa best_supported_up_to(Isa ceiling) {
  Isa best = Isa::kScalar;
  for (const Isa isa : kAllIsas) {
    if (static_cast<int>(isa) <= static_cast<int>(ceiling) && isa_supported(isa)) best = isa;
  }
  return best;
}

Isa default_isa() {
  // The best level the CPU has unless SAPWOOD_ISA asks for a lower one. The vector levels
  // walk trees with the portable code (their gather walks only under SAPWOOD_TRAVERSAL=gather),
  // so they differ from portable where vectors pay: QuickScorer over groups of rows and the
  // linear dot product (bench/RESULTS.md).
  static const Isa chosen = [] {
    Isa ceiling = Isa::kAvx512;
    if (const char* env = std::getenv("SAPWOOD_ISA")) {
      Isa requested;
      if (parse_isa(env, &requested)) ceiling = requested;
    }
    return best_supported_up_to(ceiling);
  }();
  return chosen;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kPortable:
      return "portable";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

bool parse_isa(const std::string& name, Isa* isa) {
  for (const Isa candidate : kAllIsas) {
    if (name == isa_name(candidate)) {
      *isa = candidate;
      return true;
    }
  }
  return false;
}

bool isa_compiled(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
    case Isa::kPortable:
      return true;
    case Isa::kAvx2:
#if defined(SAPWOOD_KERNELS_AVX2)
      return true;
#else
      return false;
#endif
    case Isa::kAvx512:
#if defined(SAPWOOD_KERNELS_AVX512)
      return true;
#else
      return false;
#endif
  }
  return false;
}

bool isa_supported(Isa isa) {
  static const bool supported[] = {cpu_has(Isa::kScalar), cpu_has(Isa::kPortable), cpu_has(Isa::kAvx2),
                                   cpu_has(Isa::kAvx512)};
  return supported[static_cast<int>(isa)];
}

Isa active_isa() {
  const int forced = forced_isa.load(std::memory_order_relaxed);
  return forced == kNotForced ? default_isa() : static_cast<Isa>(forced);
}

bool force_isa(Isa isa) {
  if (!isa_supported(isa)) return false;
  forced_isa.store(static_cast<int>(isa), std::memory_order_relaxed);
  return true;
}

void clear_forced_isa() { forced_isa.store(kNotForced, std::memory_order_relaxed); }

const KernelTable* kernels_for(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return nullptr;
    case Isa::kPortable:
      return &portable::table();
    case Isa::kAvx2:
#if defined(SAPWOOD_KERNELS_AVX2)
      return &avx2::table();
#else
      return nullptr;
#endif
    case Isa::kAvx512:
#if defined(SAPWOOD_KERNELS_AVX512)
      return &avx512::table();
#else
      return nullptr;
#endif
  }
  return nullptr;
}

}  // namespace sapwood::kernels
