#pragma once

// cgroups as the harness uses them (spec/scenario.md v1.1, Resources): one cgroup per pod
// process, created under the harness's own, with `memory_limit` and `cpu_limit` applied, and
// read back for the faults' evidence (OOM kills, CPU throttling). cgroup v2 where the unified
// hierarchy offers the memory and cpu controllers, v1 (a memory and a cpu hierarchy) otherwise.
//
// Every file operation goes through CgroupFiles: on a host the syscalls, in a test a fake tree in
// a temporary folder that lays out and behaves like the kernel's (memory.max, memory.events,
// cpu.max, cpu.stat), so the v2 path is tested on a v1 machine and the other way round.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/common/result.h"

namespace outrider::faults::host {

enum class CgroupVersion { V1, V2 };

// The file operations cgroups are made of.
class CgroupFiles {
 public:
  virtual ~CgroupFiles() = default;
  virtual Result<void> makeDir(const std::string& path) = 0;    // one that exists is fine
  virtual Result<void> removeDir(const std::string& path) = 0;  // one that is gone is fine
  virtual std::optional<std::string> read(const std::string& path) const = 0;
  // One write(2) of the whole value, as the kernel's cgroup files want.
  virtual Result<void> write(const std::string& path, const std::string& value) = 0;
};
// The host's: the syscalls.
CgroupFiles& hostCgroupFiles();

// Where this process may create cgroups: its own cgroup in each hierarchy it needs.
struct CgroupHost {
  CgroupVersion version = CgroupVersion::V2;
  std::string memory_dir;  // v2: the unified cgroup; v1: in the memory hierarchy
  std::string cpu_dir;     // v2: the same as memory_dir; v1: in the cpu hierarchy
};

// From /proc/self/cgroup and /proc/self/mountinfo as text; `root` is prefixed to every mount
// point ("" on a real host, a temporary folder for a fake tree). v2 is chosen when the unified
// cgroup lists both memory and cpu in cgroup.controllers and can delegate them to a child
// (cgroup.subtree_control is written when needed); else v1 when both v1 hierarchies are
// mounted. An error says what is missing or not writable; the caller makes a run that needs
// limits invalid with it.
Result<CgroupHost> detectCgroups(std::string_view proc_self_cgroup, std::string_view mountinfo,
                                 CgroupFiles& files, const std::string& root = "");
// The same from this process's own /proc files.
Result<CgroupHost> detectHostCgroups();

// What the kernel counted for one cgroup.
struct CgroupStats {
  uint64_t oom_kills = 0;          // v1 memory.oom_control oom_kill; v2 memory.events oom_kill
  uint64_t memory_bytes = 0;       // v1 memory.usage_in_bytes; v2 memory.current
  uint64_t cpu_periods = 0;        // cpu.stat nr_periods
  uint64_t throttled_periods = 0;  // cpu.stat nr_throttled
  std::chrono::microseconds throttled{0};  // v1 throttled_time (ns); v2 throttled_usec
};

// One process's cgroup: v2 one folder, v1 one folder in each of the two hierarchies. Removed
// by remove() or the destructor (the processes in it must have exited).
class Cgroup {
 public:
  // <host dir>/<group>/<name>: `group` is the run's folder (created when missing, removed with
  // its last cgroup by removeGroup()), `name` the process's.
  static Result<std::unique_ptr<Cgroup>> create(CgroupFiles& files, const CgroupHost& host,
                                                const std::string& group, const std::string& name);
  ~Cgroup();
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;

  CgroupVersion version() const { return version_; }
  // Its folder (v1: the one in the memory hierarchy), as the journal names it.
  const std::string& path() const { return dirs_.front(); }
  // The cgroup.procs files a new process writes its pid to (between fork and exec) to join.
  const std::vector<std::string>& procsFiles() const { return procs_files_; }

  // nullopt removes the limit.
  Result<void> setMemoryLimit(std::optional<uint64_t> bytes);
  // CFS quota of `cores` per 100 ms period; nullopt removes the limit.
  Result<void> setCpuLimit(std::optional<double> cores);
  // The limits last set here (nullopt: none), so a fault can put them back.
  std::optional<uint64_t> memoryLimit() const { return memory_limit_; }
  std::optional<double> cpuLimit() const { return cpu_limit_; }
  Result<void> addProcess(pid_t pid);
  Result<CgroupStats> stats() const;
  // The pids in it now (cgroup.procs of the memory folder).
  std::vector<pid_t> processes() const;

  // rmdir of its folders; an error when a process is still in it.
  Result<void> remove();
  // rmdir of <host dir>/<group> in each hierarchy, once its cgroups are gone.
  static Result<void> removeGroup(CgroupFiles& files, const CgroupHost& host,
                                  const std::string& group);

 private:
  Cgroup(CgroupFiles& files, CgroupVersion version, std::vector<std::string> dirs);
  Result<void> writeMemoryLimit(std::optional<uint64_t> bytes);
  Result<void> writeCpuLimit(std::optional<double> cores);

  CgroupFiles& files_;
  CgroupVersion version_;
  std::vector<std::string> dirs_;  // v2: {dir}; v1: {memory dir, cpu dir}
  std::vector<std::string> procs_files_;
  std::optional<uint64_t> memory_limit_;
  std::optional<double> cpu_limit_;
  bool removed_ = false;
};

// The CFS period the harness uses, in microseconds (the kernel's default).
constexpr uint64_t CpuPeriodUs = 100000;

}  // namespace outrider::faults::host
