#pragma once

// Every process of the pod sampled each second (spec/scenario.md v1.1 "Resources", journal
// `series.process`): the CPU it used, in cores, and its resident memory. A process is its
// process group (the supervisor starts each one as a group leader), so a wrapper script and the
// children it forks count together. From /proc/PID/stat: CPU = the growth of utime + stime
// (+ cutime + cstime, for children the group reaped) over the injected clock's time between two
// samples; memory = the sum of the members' resident pages.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/clock.h"

namespace outrider::harness {

// Where /proc's text comes from: the real /proc, or strings in tests.
class ProcSource {
 public:
  virtual ~ProcSource() = default;
  // The text of /proc/PID/stat of every process now (one that exits between the listing and
  // the read is left out).
  virtual std::vector<std::string> statTexts() const = 0;
  virtual uint64_t ticksPerSecond() const = 0;  // sysconf(_SC_CLK_TCK)
  virtual uint64_t pageBytes() const = 0;       // sysconf(_SC_PAGESIZE)
};

// The host's /proc.
std::unique_ptr<ProcSource> systemProcSource();

struct ProcessSample {
  std::optional<double> cpu_cores;    // nullopt: no earlier sample or start to measure from
  std::optional<uint64_t> rss_bytes;  // nullopt: the group had no member left in /proc
  // What the process's own cgroup holds (its memory, an oom allocator's, page cache): what the
  // OOM killer judges. Filled by RunTelemetry where the process has a cgroup.
  std::optional<uint64_t> cgroup_memory_bytes;
};

// Not thread-safe: call everything from one thread (the run's main loop).
class ProcessSampler {
 public:
  ProcessSampler(const Clock& clock, std::unique_ptr<ProcSource> source);

  // `name` now runs as the group led by `pid`, spawned at `at`: it has used no CPU yet.
  void started(const std::string& name, pid_t pid, MonotonicTime at);
  // `name` is no longer running (it exited): it has no samples until it starts again.
  void exited(const std::string& name);

  // One sample of each running process: its CPU since its previous sample (or its start) and
  // its resident memory now. Processes that are not running are absent.
  std::map<std::string, ProcessSample> sample();

  // /proc/PID/stat texts that did not parse so far (a kernel format this code does not know).
  uint64_t unreadable() const { return unreadable_; }

 private:
  struct Tracked {
    pid_t pid = 0;
    uint64_t ticks = 0;  // at `at`
    MonotonicTime at{};
  };

  const Clock& clock_;
  std::unique_ptr<ProcSource> source_;
  std::map<std::string, Tracked> running_;
  uint64_t unreadable_ = 0;
};

}  // namespace outrider::harness
