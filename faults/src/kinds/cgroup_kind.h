#pragma once

// What the resource kinds (oom, cpu-starve) share: the target's own cgroup and its counters as
// they were before the fault acted, or why there is none to act on.

#include <string>

#include "outrider/faults/host/cgroups.h"
#include "outrider/faults/process_fault.h"

namespace outrider::faults::kinds {

struct CgroupStart {
  host::Cgroup* cgroup = nullptr;  // null: `error` says why
  host::CgroupStats before;
  std::string error;
};

inline CgroupStart startOnCgroup(FaultContext& context, const std::string& target) {
  CgroupStart start;
  start.cgroup = context.pod.cgroup(target);
  if (start.cgroup == nullptr) {
    start.error = target + " has no cgroup of its own (this host has no writable cgroups)";
    return start;
  }
  auto before = start.cgroup->stats();
  if (!before) {
    start.error = before.error().message;
    start.cgroup = nullptr;
    return start;
  }
  start.before = *before;
  return start;
}

}  // namespace outrider::faults::kinds
