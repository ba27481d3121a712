// The threads that run a prediction's blocks of rows: a pool kept for the process, whose
// helpers sleep (never spin) between calls, so an idle pool takes no core from the caller's
// next call or from other processes; items are claimed one at a time from a shared counter,
// so a helper the OS deschedules delays only the item it holds, and the others (the caller
// included) take the rest.
//
// Fork safety: a forked child has no helper threads (only the forking thread survives), so
// a fork handler makes the child start a pool of its own on first use; the parent's, whose
// lock a helper may have held at the fork, is never touched there.
#pragma once

#include <cstdint>
#include <exception>

namespace sapwood::detail {

// One work item: called with an index in [0, n) on some thread; must not throw.
using WorkItem = void (*)(void* context, std::int64_t index);

// Runs item(context, i) for every i in [0, n) on the caller and up to threads - 1 helpers,
// and returns when all have run. Helpers that cannot be started (a pids limit, a child
// after fork with no room) mean fewer threads, never a failure. Concurrent callers each get
// threads: a call that finds the pool busy starts helpers of its own for that call.
void run_parallel(std::int64_t n, int threads, WorkItem item, void* context);

}  // namespace sapwood::detail
