#pragma once

// What a run prints while it goes on: on a terminal, a status line redrawn each second with the
// events above it; on a pipe, one plain line per event (spec/cli.md). --quiet prints neither.

#include <ostream>
#include <string>

namespace outrider::harness {

struct ProgressStatus {
  double elapsed_s = 0;
  double duration_s = 0;
  double rps = 0;           // completed replies over the last second
  uint64_t errors = 0;      // failed, timed out, 5xx and not sent so far (after warmup)
  std::string faults;       // active faults, "-" when none
  std::string alerts;       // alerts firing, "-" when none
};

class Progress {
 public:
  enum class Mode { Terminal, Plain, Quiet };
  Progress(std::ostream& out, Mode mode) : out_(out), mode_(mode) {}

  // One event: "[   12.30s] exit proxy by SIGKILL". Start-up events, before the run's t=0,
  // read "[start-up 0.10s] ready app".
  void event(double at_s, const std::string& what, bool startup = false);
  // The status line; on a pipe printed every tenth call only, as a plain line.
  void status(const ProgressStatus& status);
  // Ends the status line so the summary starts on a fresh one.
  void finish();

 private:
  std::ostream& out_;
  Mode mode_;
  bool line_open_ = false;
  uint64_t status_calls_ = 0;
};

}  // namespace outrider::harness
