// The CPUs a process may use: affinity and cgroup quota (see available_cpus.hpp).
#include "util/available_cpus.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

namespace sapwood::detail {
namespace {

int ceil_ratio(long long quota, long long period) {
  if (quota <= 0 || period <= 0) return 0;
  const long long cpus = (quota + period - 1) / period;
  return cpus > 4096 ? 4096 : static_cast<int>(cpus);
}

std::string read_line(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  return line;
}

#if defined(__linux__)
int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
  return CPU_COUNT(&set);
}

// This process's cgroup (v2 "0::/path", or v1's "N:cpu,cpuacct:/path"), relative to the mount.
std::string own_cgroup(bool v2) {
  std::ifstream file("/proc/self/cgroup");
  std::string line;
  while (std::getline(file, line)) {
    const auto first = line.find(':');
    const auto second = first == std::string::npos ? std::string::npos : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const bool cpu_v1 = ("," + controllers + ",").find(",cpu,") != std::string::npos;
    if ((v2 && line.compare(0, 3, "0::") == 0) || (!v2 && cpu_v1)) return line.substr(second + 1);
  }
  return "";
}

int quota_cpus() {
  // cgroup v2: the process's own group, then the root of the mount (a container sees its
  // group there).
  for (const std::string& group : {own_cgroup(true), std::string()}) {
    const int cpus = cpus_from_cpu_max(read_line("/sys/fs/cgroup" + group + "/cpu.max"));
    if (cpus > 0) return cpus;
  }
  for (const std::string& group : {own_cgroup(false), std::string()}) {
    const std::string base = "/sys/fs/cgroup/cpu,cpuacct" + group;
    const std::string quota = read_line(base + "/cpu.cfs_quota_us");
    const std::string period = read_line(base + "/cpu.cfs_period_us");
    if (quota.empty() || period.empty()) continue;
    try {
      const int cpus = cpus_from_cfs(std::stoll(quota), std::stoll(period));
      if (cpus > 0) return cpus;
    } catch (...) {  // an unreadable number sets no limit
    }
  }
  return 0;
}
#endif

}  // namespace

int cpus_from_cpu_max(const std::string& cpu_max) {
  std::istringstream in(cpu_max);
  std::string quota;
  long long period = 0;
  if (!(in >> quota >> period) || quota == "max") return 0;
  try {
    return ceil_ratio(std::stoll(quota), period);
  } catch (...) {
    return 0;
  }
}

int cpus_from_cfs(long long quota_us, long long period_us) { return ceil_ratio(quota_us, period_us); }

int available_cpus() {
  int cpus = static_cast<int>(std::thread::hardware_concurrency());
#if defined(__linux__)
  const int affinity = affinity_cpus();
  if (affinity > 0) cpus = cpus > 0 ? std::min(cpus, affinity) : affinity;
  const int quota = quota_cpus();
  if (quota > 0) cpus = cpus > 0 ? std::min(cpus, quota) : quota;
#endif
  return std::max(cpus, 1);
}

}  // namespace sapwood::detail
