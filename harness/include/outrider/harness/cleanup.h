#pragma once

// Undoing what a killed run left on the host, from its leases (leases.h): `outrider cleanup`,
// and every `outrider run` before it starts. Runs whose harness still lives are never touched.

#include <chrono>
#include <string>
#include <vector>

#include "outrider/common/clock.h"

namespace outrider::harness {

struct CleanupOptions {
  std::string runtime;  // runtimeDir()
  bool dry_run = false;
  // How long killed processes get to leave a cgroup before its rmdir is given up on.
  std::chrono::nanoseconds exit_wait = std::chrono::seconds(3);
};

struct CleanupReport {
  std::vector<std::string> done;    // one line per action (or, dry run, per action it would take)
  std::vector<std::string> failed;  // what could not be undone; its lease is kept
  size_t live_runs = 0;             // lease folders of runs that still run, left alone
};

// Waits (for processes to leave a cgroup) on `clock`'s timers.
CleanupReport cleanUpStaleRuns(const Clock& clock, const CleanupOptions& options);

}  // namespace outrider::harness
