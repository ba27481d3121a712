// The thread pool and the thread-count policy: every item runs once whatever the threads,
// items are claimed as threads get free (a stalled thread does not hold back the rest),
// exceptions reach the caller, concurrent callers do not wait on each other's pools, and the
// CPU count follows cgroup quotas.
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "check.hpp"
#include "util/available_cpus.hpp"
#include "util/parallel.hpp"

using namespace sapwood_test;
namespace detail = sapwood::detail;

SAPWOOD_TEST(every_item_runs_once_on_any_thread_count) {
  for (int threads : {1, 2, 3, 8}) {
    for (std::int64_t n : {1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> seen(static_cast<std::size_t>(n));
      detail::parallel_for(n, threads, [&](std::int64_t i) { ++seen[static_cast<std::size_t>(i)]; });
      for (const auto& count : seen) CHECK(count.load() == 1);
    }
  }
}

SAPWOOD_TEST(a_stalled_thread_holds_only_its_own_item) {
  // The thread on item 0 stalls until every other item is done (10 s at most): with items
  // claimed one at a time the other thread runs them all meanwhile, where a static split
  // would have left half of them queued behind the stalled one.
  std::atomic<int> others{0};
  detail::parallel_for(40, 2, [&](std::int64_t i) {
    if (i != 0) {
      ++others;
      return;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (others.load() < 39 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(others.load() == 39);
  });
}

SAPWOOD_TEST(the_first_exception_reaches_the_caller) {
  CHECK_THROWS(detail::parallel_for(100, 2,
                                    [](std::int64_t i) {
                                      if (i == 37) throw sapwood::Error(sapwood::ErrorCode::kInvalidArgument, "item 37");
                                    }),
               sapwood::ErrorCode::kInvalidArgument, "item 37");
  std::atomic<int> after{0};  // the pool still works afterwards
  detail::parallel_for(10, 2, [&](std::int64_t) { ++after; });
  CHECK(after.load() == 10);
}

SAPWOOD_TEST(concurrent_callers_each_finish) {
  std::atomic<int> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int repeat = 0; repeat < 50; ++repeat) detail::parallel_for(16, 3, [&](std::int64_t) { ++total; });
    });
  }
  for (auto& caller : callers) caller.join();
  CHECK(total.load() == 4 * 50 * 16);
}

SAPWOOD_TEST(cgroup_quotas_round_up_to_whole_cpus) {
  CHECK(detail::cpus_from_cpu_max("max 100000") == 0);
  CHECK(detail::cpus_from_cpu_max("150000 100000") == 2);
  CHECK(detail::cpus_from_cpu_max("100000 100000\n") == 1);
  CHECK(detail::cpus_from_cpu_max("50000 100000") == 1);
  CHECK(detail::cpus_from_cpu_max("") == 0);
  CHECK(detail::cpus_from_cpu_max("garbage") == 0);
  CHECK(detail::cpus_from_cpu_max("99999999999999999999999 1") == 0);
  CHECK(detail::cpus_from_cfs(-1, 100000) == 0);
  CHECK(detail::cpus_from_cfs(250000, 100000) == 3);
  CHECK(detail::available_cpus() >= 1);
  CHECK(detail::available_cpus() <= static_cast<int>(std::thread::hardware_concurrency()));
}

SAPWOOD_TEST_MAIN()
