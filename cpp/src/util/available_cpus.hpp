// How many CPUs this process may really run on: the cores, cut to its affinity mask
// (taskset, a scheduler's cpuset) and to its cgroup's CPU quota (a container's --cpus),
// which std::thread::hardware_concurrency and OpenMP's default both ignore. More threads
// than that only queue behind each other.
#pragma once

#include <string>

namespace sapwood::detail {

// At least 1. Read once per process by the caller (it opens files on Linux).
int available_cpus();

// The CPUs a cgroup quota allows: cgroup v2's cpu.max text ("max 100000" or
// "150000 100000"), rounded up; 0 when it sets no limit or cannot be read.
int cpus_from_cpu_max(const std::string& cpu_max);
// The same for cgroup v1's cpu.cfs_quota_us and cpu.cfs_period_us (quota -1: no limit).
int cpus_from_cfs(long long quota_us, long long period_us);

}  // namespace sapwood::detail
