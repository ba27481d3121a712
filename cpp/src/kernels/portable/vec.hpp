// The portable vector layer of the generic kernel bodies (kernels/generic/): four doubles in
// plain C++, which the compiler maps to whatever registers the baseline target has (SSE2,
// NEON) or keeps as four independent sums.
#pragma once

namespace sapwood::kernels::portable {
namespace {

struct Vec {
  struct Reg {
    double lane[4];
  };
  static constexpr int kLanes = 4;
  static Reg zero() { return {{0.0, 0.0, 0.0, 0.0}}; }
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
  static double fold(Reg a) { return (a.lane[0] + a.lane[1]) + (a.lane[2] + a.lane[3]); }
};

}  // namespace
}  // namespace sapwood::kernels::portable
