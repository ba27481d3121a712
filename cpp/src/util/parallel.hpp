// A parallel loop over independent work items that carries the first exception out to the
// caller, and the thread-count policy. The threads are the library's own pool
// (util/thread_pool.hpp): helpers that sleep between calls and claim items one at a time.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>

#include "util/available_cpus.hpp"
#include "util/thread_pool.hpp"

namespace sapwood::detail {

// OMP_NUM_THREADS's first number, which users set to limit every library of a process; 0
// when unset or not a positive number.
inline int threads_from_environment() {
  const char* value = std::getenv("OMP_NUM_THREADS");
  if (value == nullptr) return 0;
  char* end = nullptr;
  const long threads = std::strtol(value, &end, 10);
  if (end == value || threads <= 0) return 0;
  return threads > 4096 ? 4096 : static_cast<int>(threads);
}

// Threads used for n_threads = 0, decided once per process.
inline int default_threads() {
  static const int threads = [] {
    const int from_environment = threads_from_environment();
    return from_environment > 0 ? from_environment : available_cpus();
  }();
  return threads;
}

inline int resolve_threads(int requested) {
  return requested > 0 ? requested : default_threads();
}

// Calls fn(i) for every i in [0, n) on up to n_threads threads. The first exception fn
// throws is kept (the items already claimed still run) and rethrown on the calling thread
// once the loop has finished.
template <class Fn>
void parallel_for(std::int64_t n, int n_threads, Fn&& fn) {
  if (n <= 0) return;
  int threads = resolve_threads(n_threads);
  if (threads > n) threads = static_cast<int>(n);
  if (threads <= 1) {
    for (std::int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  struct Loop {
    Fn& fn;
    std::exception_ptr first_error;
    std::mutex error_mutex;
  } loop{fn, nullptr, {}};
  run_parallel(n, threads, [](void* context, std::int64_t i) {
    auto& state = *static_cast<Loop*>(context);
    try {
      state.fn(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(state.error_mutex);
      if (!state.first_error) state.first_error = std::current_exception();
    }
  }, &loop);
  if (loop.first_error) std::rethrow_exception(loop.first_error);
}

}  // namespace sapwood::detail
