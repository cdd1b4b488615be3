// `outrider gate`: several scenarios for CI, one exit code for all (the worst), and optionally one
// JUnit file with a suite per scenario.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "outrider/common/exit_codes.h"
#include "outrider/common/time_format.h"
#include "outrider/harness/commands.h"
#include "outrider/harness/scenario_source.h"
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
  const std::string out =
      options.out_dir.empty() ? "runs/gate-" + formatUtc(env.clock.systemNow(), true)
                              : options.out_dir;
  int worst = 0;
  std::vector<reports::Journal> journals;
  std::vector<std::string> lines;
  for (size_t i = 0; i < loaded.size(); ++i) {
    RunOptions run;
    run.scenario_path = options.scenario_paths[i];
    run.quiet = options.quiet;
    run.out_dir = out + "/" + loaded[i].name;
    for (int n = 2; fs::exists(run.out_dir); ++n) {
      run.out_dir = out + "/" + loaded[i].name + "-" + std::to_string(n);
    }
    const int code = runCommand(run, env);
    if (gateSeverity(code) > gateSeverity(worst)) {
      worst = code;
    }
    std::string verdict = "no journal";
    if (auto journal = reports::readJournal(run.out_dir)) {
      verdict = journal->verdict.value_or("unjudged");
      journals.push_back(std::move(*journal));
    }
    lines.push_back(fmt::format("  {:<28} {:<13} exit {}  {}", loaded[i].name, verdict, code,
                                run.out_dir));
  }
  if (!options.junit_path.empty()) {
    std::ofstream junit(options.junit_path);
    junit << reports::renderJunitSuites(journals);
    if (!junit) {
      std::cerr << "outrider: cannot write " << options.junit_path << "\n";
      worst = gateSeverity(3) > gateSeverity(worst) ? 3 : worst;
    }
  }
  std::cout << fmt::format("\ngate: {} scenario(s), exit {}\n", loaded.size(), worst);
  for (const auto& line : lines) {
    std::cout << line << "\n";
  }
  return worst;
}

}  // namespace outrider::harness
