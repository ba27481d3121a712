// The one place sapwood touches OpenMP: a parallel loop over independent work items
// that carries the first exception out of the parallel region, and thread-count policy.
// The project builds and runs without OpenMP; then every loop is serial.
#pragma once

#include <cstdint>
#include <exception>
#include <mutex>

#if defined(SAPWOOD_WITH_OPENMP)
#include <omp.h>
#endif

namespace sapwood::detail {

inline bool openmp_enabled() {
#if defined(SAPWOOD_WITH_OPENMP)
  return true;
#else
  return false;
#endif
}

// Threads used for n_threads = 0: what OpenMP would use (OMP_NUM_THREADS, else the cores).
inline int default_threads() {
#if defined(SAPWOOD_WITH_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

inline int resolve_threads(int requested) {
  return requested > 0 ? requested : default_threads();
}

// Calls fn(i) for every i in [0, n) on up to n_threads threads. An exception thrown by fn
// must not unwind through the OpenMP runtime (that terminates the process), so the
// first one is kept and rethrown on the calling thread once the loop has finished.
template <class Fn>
void parallel_for(std::int64_t n, int n_threads, Fn&& fn) {
  if (n <= 0) return;
  int threads = resolve_threads(n_threads);
  if (threads > n) threads = static_cast<int>(n);
  if (threads <= 1) {
    for (std::int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::exception_ptr first_error;
  std::mutex error_mutex;
#if defined(SAPWOOD_WITH_OPENMP)
#pragma omp parallel for num_threads(threads) schedule(static)
#endif
  for (std::int64_t i = 0; i < n; ++i) {
    try {
      fn(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace sapwood::detail
