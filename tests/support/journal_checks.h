#pragma once

// Checks over a run's journal shared by the integration tests.

#include <signal.h>

#include <cerrno>
#include <string>

#include <gtest/gtest.h>

#include "outrider/reports/journal.h"

namespace outrider::test {

// Every process the run started (every pid of every start) is gone: none outlived the harness.
inline testing::AssertionResult everyProcessGone(const reports::Journal& journal) {
  size_t checked = 0;
  for (const auto& process : journal.processes) {
    for (int pid : process.pids) {
      errno = 0;
      if (::kill(pid, 0) == 0 || errno != ESRCH) {
        return testing::AssertionFailure()
               << process.name << " (pid " << pid << ") outlived the run";
      }
      ++checked;
    }
  }
  if (checked == 0) {
    return testing::AssertionFailure() << "the journal names no process to check";
  }
  return testing::AssertionSuccess() << checked << " processes gone";
}

}  // namespace outrider::test
