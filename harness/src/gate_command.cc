// `outrider gate`: several scenarios for CI, one exit code for all (the worst), and optionally one
// JUnit file with a suite per scenario; ends with the summary table (reports/gate_summary.h),
// printed and written as Markdown for the CI job summary.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "outrider/common/exit_codes.h"
#include "outrider/common/time_format.h"
#include "outrider/harness/commands.h"
#include "outrider/harness/scenario_source.h"
#include "outrider/reports/gate_summary.h"
#include "outrider/reports/journal.h"
#include "outrider/reports/junit_report.h"

namespace outrider::harness {

namespace fs = std::filesystem;

// How bad an exit code is for a gate: a broken harness hides everything, an untrustworthy run
// says nothing, a failure is a firm no, too few events is not yet a yes.
int gateSeverity(int exit_code) {
  switch (exit_code) {
    case exit_code::Pass:
      return 0;
    case exit_code::Inconclusive:
      return 1;
    case exit_code::Fail:
      return 2;
    case exit_code::Invalid:
      return 3;
    case exit_code::Usage:
      return 4;
    default:
      return 5;  // exit_code::Harness and anything unexpected
  }
}

namespace {

// The journals for the JUnit file, with a stand-in for each run that left none: its suite says
// so as a harness error, so a scenario that did not run never drops out of the CI's test report.
std::vector<reports::Journal> junitJournals(const std::vector<reports::GateRun>& runs) {
  std::vector<reports::Journal> journals;
  for (const auto& run : runs) {
    if (run.journal) {
      journals.push_back(*run.journal);
      continue;
    }
    reports::Journal stand_in;
    stand_in.scenario_name = run.scenario;
    stand_in.harness_error = "the run ended before writing its journal (exit " +
                             std::to_string(run.exit_code) + ": " +
                             exit_code::meaning(run.exit_code) + ")";
    journals.push_back(std::move(stand_in));
  }
  return journals;
}

bool writeSummary(const std::string& path, const std::string& markdown, std::ios::openmode mode) {
  std::ofstream file(path, std::ios::out | mode);
  file << markdown;
  file.flush();
  if (!file) {
    std::cerr << "outrider: cannot write " << path << "\n";
    return false;
  }
  return true;
}

}  // namespace

int gateCommand(const GateOptions& options, const Environment& env) {
  // Every file is checked before anything runs: a typo in the fifth scenario must not cost the
  // time of the first four.
  std::vector<scenarios::Scenario> loaded;
  bool usage_error = false;
  for (const auto& path : options.scenario_paths) {
    if (auto scenario = loadScenarioReporting(path, std::cerr)) {
      loaded.push_back(std::move(*scenario));
    } else {
      usage_error = true;
    }
  }
  if (usage_error) {
    return exit_code::Usage;
  }
  const std::string out = options.out_dir.empty()
                              ? "runs/gate-" + formatUtc(env.clock.systemNow(), true)
                              : options.out_dir;
  int worst = 0;
  auto worsen = [&worst](int code) {
    if (gateSeverity(code) > gateSeverity(worst)) {
      worst = code;
    }
  };
  std::vector<reports::GateRun> runs;
  for (size_t i = 0; i < loaded.size(); ++i) {
    RunOptions run;
    run.scenario_path = options.scenario_paths[i];
    run.quiet = options.quiet;
    run.out_dir = out + "/" + loaded[i].name;
    for (int n = 2; fs::exists(run.out_dir); ++n) {
      run.out_dir = out + "/" + loaded[i].name + "-" + std::to_string(n);
    }
    const int code = runCommand(run, env);
    worsen(code);
    reports::GateRun row{loaded[i].name, code, run.out_dir, std::nullopt};
    if (auto journal = reports::readJournal(run.out_dir)) {
      row.journal = std::move(*journal);
    }
    runs.push_back(std::move(row));
  }
  if (!options.junit_path.empty()) {
    std::ofstream junit(options.junit_path);
    junit << reports::renderJunitSuites(junitJournals(runs));
    if (!junit) {
      std::cerr << "outrider: cannot write " << options.junit_path << "\n";
      worsen(exit_code::Harness);
    }
  }
  // gate-summary.md always, and appended to --summary (GitHub's $GITHUB_STEP_SUMMARY collects
  // every step's). A file that cannot be written makes the exit 3, which the printed table shows.
  const std::string markdown = reports::renderGateSummaryMarkdown(runs, worst);
  std::error_code ec;
  fs::create_directories(out, ec);
  const std::string own_summary = out + "/gate-summary.md";
  if (!writeSummary(own_summary, markdown, std::ios::trunc)) {
    worsen(exit_code::Harness);
  }
  if (!options.summary_path.empty() &&
      !writeSummary(options.summary_path, markdown, std::ios::app)) {
    worsen(exit_code::Harness);
  }
  std::cout << "\n" << reports::renderGateSummaryText(runs, worst);
  std::cout << "summary: " << own_summary << "\n";
  return worst;
}

}  // namespace outrider::harness
