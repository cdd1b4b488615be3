// `outrider faults` and `outrider report`: what the tool can do, and a finished run rendered again.
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "outrider/common/exit_codes.h"
#include "outrider/harness/commands.h"
#include "outrider/faults/registry.h"
#include "outrider/reports/journal.h"
#include "outrider/reports/html_report.h"
#include "outrider/reports/junit_report.h"
#include "outrider/reports/markdown_report.h"
#include "outrider/reports/postmortem.h"
#include "outrider/harness/scenario_source.h"
#include "outrider/scenarios/scenario.h"
#include "outrider/slo/prometheus_rules.h"

namespace outrider::harness {

int faultsCommand(const Environment& env) {
  (void)env;
  std::cout << faults::renderFaultKinds(faults::registry());
  return exit_code::Pass;
}

int rulesCommand(const std::string& scenario_path, const Environment& env) {
  (void)env;
  auto scenario = loadScenarioReporting(scenario_path, std::cerr);
  if (!scenario) {
    return exit_code::Usage;
  }
  const slo::RulesOptions options;
  auto problems = slo::prometheusRulesProblems(*scenario, options);
  if (!problems.empty()) {
    for (const auto& problem : problems) {
      std::cerr << scenario_path << ": error: " << problem << "\n";
    }
    return exit_code::Usage;
  }
  std::cout << slo::renderPrometheusRules(*scenario, options);
  return exit_code::Pass;
}

int reportCommand(const ReportOptions& options, const Environment& env) {
  (void)env;
  auto journal = reports::readJournal(options.run_dir);
  if (!journal) {
    std::cerr << "outrider: " << journal.error().message << "\n";
    return exitCodeFor(journal.error().code);
  }
  if (options.format == "md") {
    std::cout << reports::renderMarkdown(*journal);
  } else if (options.format == "html") {
    std::cout << reports::renderHtml(*journal);
  } else if (options.format == "junit") {
    std::cout << reports::renderJunit(*journal);
  } else if (options.format == "postmortem") {
    std::cout << reports::renderPostmortem(*journal);
  } else {
    std::cerr << "outrider: unknown report format '" << options.format << "'\n";
    return exit_code::Usage;
  }
  return exit_code::Pass;
}

}  // namespace outrider::harness
