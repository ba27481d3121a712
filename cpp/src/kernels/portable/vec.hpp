// The portable vector layer of the generic kernel bodies (kernels/generic/): four doubles in
// plain C++, which the compiler maps to whatever registers the baseline target has (SSE2,
// NEON) or keeps as four independent sums.
#pragma once

#include <cstdint>
#include <cstring>

namespace sapwood::kernels::portable {
namespace {

struct Vec {
  struct Reg {
    double lane[4];
  };
  static constexpr int kLanes = 4;
  static Reg zero() { return {{0.0, 0.0, 0.0, 0.0}}; }
  static Reg set(double value) { return {{value, value, value, value}}; }
  static void store(double* to, Reg a) {
    for (int i = 0; i < 4; ++i) to[i] = a.lane[i];
  }
  template <class In>
  static Reg load(const In* x) {
    return {{static_cast<double>(x[0]), static_cast<double>(x[1]), static_cast<double>(x[2]),
             static_cast<double>(x[3])}};
  }
  static void prefetch(const void*) {}
  static Reg mul(Reg a, Reg b) {
    return {{a.lane[0] * b.lane[0], a.lane[1] * b.lane[1], a.lane[2] * b.lane[2], a.lane[3] * b.lane[3]}};
  }
  static Reg add(Reg a, Reg b) {
    return {{a.lane[0] + b.lane[0], a.lane[1] + b.lane[1], a.lane[2] + b.lane[2], a.lane[3] + b.lane[3]}};
  }
  static Reg sub(Reg a, Reg b) {
    return {{a.lane[0] - b.lane[0], a.lane[1] - b.lane[1], a.lane[2] - b.lane[2], a.lane[3] - b.lane[3]}};
  }
  // 2^k for whole numbers k in [-1022, 1023], exactly (the exponent field written directly).
  static Reg pow2(Reg k) {
    Reg out;
    for (int i = 0; i < 4; ++i) {
      const std::uint64_t bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(k.lane[i]) + 1023) << 52;
      std::memcpy(&out.lane[i], &bits, sizeof bits);
    }
    return out;
  }
  static double fold(Reg a) { return (a.lane[0] + a.lane[1]) + (a.lane[2] + a.lane[3]); }
};

}  // namespace
}  // namespace sapwood::kernels::portable
