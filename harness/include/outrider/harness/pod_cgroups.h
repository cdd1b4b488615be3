#pragma once

// The pod's cgroups for one run (spec/scenario.md v1.1, Resources): each process in its own
// cgroup under <the harness's cgroup>/<group>/, its memory_limit and cpu_limit applied, all of
// them removed when the pod has stopped. Faults that act through cgroups (oom, cpu-starve) find
// a process's cgroup here.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/result.h"
#include "outrider/faults/host/cgroups.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::harness {

// Whether a process of the scenario sets memory_limit or cpu_limit, or a fault acts through a
// cgroup (oom, cpu-starve): then a host without writable cgroups cannot run it (the run is
// invalid before it starts).
bool needsCgroups(const scenarios::Scenario& scenario);

// What a run does about cgroups, decided before anything starts from what the host offers:
// use them (each process in its own cgroup), go without (no limits asked for, none writable),
// or refuse the run as invalid, with the reason.
struct CgroupDecision {
  bool use = false;
  std::optional<std::string> invalid_reason;
};
CgroupDecision decideCgroups(const scenarios::Scenario& scenario,
                             const Result<faults::host::CgroupHost>& host);

class PodCgroups {
 public:
  // One cgroup per process, limits applied. `group`: the run's folder ("outrider-<pid>").
  static Result<std::unique_ptr<PodCgroups>> create(
      faults::host::CgroupFiles& files, const faults::host::CgroupHost& host, std::string group,
      const std::vector<const scenarios::ProcessSpec*>& processes);
  ~PodCgroups();
  PodCgroups(const PodCgroups&) = delete;
  PodCgroups& operator=(const PodCgroups&) = delete;

  // Per process name, the cgroup.procs files its starts join (SupervisorOptions::cgroup_procs).
  std::map<std::string, std::vector<std::string>> procsFiles() const;
  // Null for a process it does not know.
  faults::host::Cgroup* find(const std::string& process) const;
  faults::host::CgroupVersion version() const { return host_.version; }

  // What the journal keeps of each cgroup (processes[].cgroup and oom_kills): read before
  // remove(), as the kernel's counters go with the folder.
  struct Summary {
    std::string path;
    std::optional<uint64_t> oom_kills;  // nullopt: the counter could not be read
  };
  std::map<std::string, Summary> summaries() const;

  // SIGKILL to whatever is still in a cgroup (a grandchild that left the process group), then
  // every cgroup and the group folder removed. Called once the pod has stopped; an error names
  // what is left (a cgroup still busy with a process that is exiting).
  Result<void> remove();

 private:
  PodCgroups(faults::host::CgroupFiles& files, faults::host::CgroupHost host, std::string group);

  faults::host::CgroupFiles& files_;
  faults::host::CgroupHost host_;
  std::string group_;
  std::map<std::string, std::unique_ptr<faults::host::Cgroup>> cgroups_;
  bool removed_ = false;
};

}  // namespace outrider::harness
