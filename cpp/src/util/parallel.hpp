// The one place sapwood touches OpenMP: a parallel loop over independent work items
// that carries the first exception out of the parallel region, and thread-count policy.
// The project builds and runs without OpenMP; then every loop is serial.
//
// Fork safety: GNU OpenMP's thread pool does not survive fork(), and a forked child that
// enters a parallel region again hangs (multiprocessing's "fork" start method, gunicorn
// pre-fork workers). So a process records that it has run a parallel region, a fork
// handler marks its children, and a marked child runs its loops on plain std::threads it
// starts and joins itself, with no state that a later fork could break.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(SAPWOOD_WITH_OPENMP)
#include <omp.h>
#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define SAPWOOD_FORK_AWARE 1
#endif
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

#if defined(SAPWOOD_FORK_AWARE)
inline std::atomic<bool> openmp_pool_started{false};
inline std::atomic<bool> forked_after_openmp{false};

inline void mark_forked_child() {
  if (openmp_pool_started.load()) forked_after_openmp.store(true);
}

inline void note_openmp_use() {
  static std::once_flag registered;
  std::call_once(registered, [] { pthread_atfork(nullptr, nullptr, &mark_forked_child); });
  openmp_pool_started.store(true);
}
#endif

// Runs fn over [0, n) on `threads` std::threads (the caller being one of them), each
// taking the next item from a shared counter.
template <class Fn>
void run_on_std_threads(std::int64_t n, int threads, Fn& fn, std::exception_ptr* first_error,
                        std::mutex* error_mutex) {
  std::atomic<std::int64_t> next{0};
  const auto work = [&] {
    for (std::int64_t i = next++; i < n; i = next++) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(*error_mutex);
        if (!*first_error) *first_error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> helpers;
  helpers.reserve(static_cast<std::size_t>(threads - 1));
  for (int t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (auto& helper : helpers) helper.join();
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
#if defined(SAPWOOD_FORK_AWARE)
  if (forked_after_openmp.load()) {
    run_on_std_threads(n, threads, fn, &first_error, &error_mutex);
    if (first_error) std::rethrow_exception(first_error);
    return;
  }
  note_openmp_use();
#endif
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
