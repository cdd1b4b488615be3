#pragma once

// The library functions behind the CLI's subcommands. main() fills the options and the
// environment (real clock, entropy, terminal or not) and returns what these return: the exit
// codes of spec/cli.md.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/clock.h"

namespace outrider::harness {

struct Environment {
  const Clock& clock;
  std::string bin_dir;      // ${bin}
  uint64_t drawn_seed = 0;  // used when neither --seed nor the scenario gives one
  bool terminal = false;    // stdout is a terminal: draw a progress line instead of plain lines
};

struct RunOptions {
  std::string scenario_path;
  std::optional<uint64_t> seed;
  std::string out_dir;  // empty: runs/<scenario>-<UTC time>
  std::string variant;  // --variant: the [[variant]] put in place of its sidecar
  bool quiet = false;
  bool summary = true;  // print the summary at the end (a canary prints its own lines)
};

struct PlanOptions {
  std::string scenario_path;
  std::optional<uint64_t> seed;
};

struct ReportOptions {
  std::string run_dir;
  std::string format = "md";
};

struct GateOptions {
  std::vector<std::string> scenario_paths;
  std::string out_dir;     // empty: runs/gate-<UTC time>; each scenario in a folder of its own
  std::string junit_path;  // empty: no JUnit file
  // Also appended to (GitHub's $GITHUB_STEP_SUMMARY); gate-summary.md in out_dir is always written.
  std::string summary_path;  // empty: only gate-summary.md
  bool quiet = false;
};

struct CanaryOptions {
  std::string scenario_path;
  std::string baseline;  // [[variant]] names
  std::string candidate;
  std::optional<uint32_t> pairs;  // default: [canary] pairs
  std::optional<uint64_t> seed;   // one seed for every run: the same faults in each
  std::string out_dir;            // empty: runs/canary-<scenario>-<UTC time>
  bool quiet = false;
};

int runCommand(const RunOptions& options, const Environment& env);
// Runs baseline and candidate in interleaved pairs and judges them (spec/cli.md `canary`):
// 0 pass, 1 fail, 4 marginal, 5 a run was invalid, 2 and 3 as for run.
int canaryCommand(const CanaryOptions& options, const Environment& env);
// The worst exit code over the scenarios: 3 > 2 > 5 > 1 > 4 > 0 (see gateSeverity).
int gateCommand(const GateOptions& options, const Environment& env);
int gateSeverity(int exit_code);
int faultsCommand(const Environment& env);
// Prometheus recording and alerting rules for the scenario's SLOs (Sloth-style names).
int rulesCommand(const std::string& scenario_path, const Environment& env);
int reportCommand(const ReportOptions& options, const Environment& env);
int validateCommand(const std::vector<std::string>& paths, const Environment& env);
int planCommand(const PlanOptions& options, const Environment& env);
// Ends, resumes and removes what killed runs left behind (their leases); 0 also when there was
// nothing to do, 3 when something could not be undone.
int cleanupCommand(bool dry_run, const Environment& env);

}  // namespace outrider::harness
