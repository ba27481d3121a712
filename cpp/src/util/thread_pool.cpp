// The process's pool of prediction helpers (see thread_pool.hpp).
#include "util/thread_pool.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define SAPWOOD_POOL_FORK_AWARE 1
#endif

namespace sapwood::detail {
namespace {

struct Job {
  WorkItem item;
  void* context;
  std::int64_t n;
  std::atomic<std::int64_t> next{0};

  void work() {
    for (std::int64_t i = next++; i < n; i = next++) item(context, i);
  }
};

class Pool {
 public:
  // Runs the job on the caller and up to `helpers` pool threads; false (nothing run) when
  // another call holds the pool.
  bool try_run(Job& job, int helpers) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    helpers = grow(helpers);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      wanted_ = helpers;
      running_ = helpers;
      ++generation_;
    }
    if (helpers > 0) wake_.notify_all();
    job.work();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return running_ == 0; });
    job_ = nullptr;
    return true;
  }

 private:
  // Starts helpers up to `wanted`; returns how many there are (fewer when the OS refuses).
  int grow(int wanted) {
    while (static_cast<int>(threads_.size()) < wanted) {
      try {
        threads_.emplace_back(&Pool::serve, this, static_cast<int>(threads_.size()));
        threads_.back().detach();  // the pool lives as long as the process
      } catch (const std::system_error&) {
        break;
      }
    }
    return static_cast<int>(threads_.size()) < wanted ? static_cast<int>(threads_.size()) : wanted;
  }

  void serve(int index) {
    std::uint64_t seen = 0;
    for (;;) {
      Job* job = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen && index < wanted_; });
        seen = generation_;
        job = job_;
      }
      job->work();
      std::lock_guard<std::mutex> lock(mutex_);
      if (--running_ == 0) done_.notify_one();
    }
  }

  std::mutex busy_;  // held by the call using the pool
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> threads_;
  Job* job_ = nullptr;
  int wanted_ = 0;
  int running_ = 0;
  std::uint64_t generation_ = 0;
};

// Never destroyed: detached helpers wait on its members until the process exits.
std::atomic<Pool*> pool{nullptr};
std::mutex pool_creation;

#if defined(SAPWOOD_POOL_FORK_AWARE)
void forget_pool_in_child() { pool.store(nullptr); }
#endif

Pool& shared_pool() {
  Pool* existing = pool.load();
  if (existing != nullptr) return *existing;
  std::lock_guard<std::mutex> lock(pool_creation);
#if defined(SAPWOOD_POOL_FORK_AWARE)
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr, &forget_pool_in_child);
    return true;
  }();
  (void)registered;
#endif
  if (pool.load() == nullptr) pool.store(new Pool());
  return *pool.load();
}

// For a call that finds the pool busy: helpers of its own, joined before it returns.
void run_on_own_threads(Job& job, int helpers) {
  std::vector<std::thread> threads;
  for (int t = 0; t < helpers; ++t) {
    try {
      threads.emplace_back([&job] { job.work(); });
    } catch (const std::system_error&) {
      break;
    }
  }
  job.work();
  for (auto& thread : threads) thread.join();
}

}  // namespace

void run_parallel(std::int64_t n, int threads, WorkItem item, void* context) {
  Job job{item, context, n};
  const int helpers = threads - 1;
  if (helpers <= 0 || n <= 1) return job.work();
  if (!shared_pool().try_run(job, helpers)) run_on_own_threads(job, helpers);
}

}  // namespace sapwood::detail
