#include <cstdlib>
#include <iostream>

#include "outrider/common/exit_codes.h"
#include "outrider/faults/host/faketime.h"
#include "outrider/harness/commands.h"
#include "outrider/harness/scenario_source.h"

namespace outrider::harness {

int validateCommand(const std::vector<std::string>& paths, const Environment& env) {
  (void)env;
  int result = exit_code::Pass;
  for (const auto& path : paths) {
    auto loaded = loadScenarioReporting(path, std::cerr);
    if (!loaded) {
      result = exit_code::Usage;
      continue;
    }
    // What this host lacks for the scenario is refused here already, not first at `run`.
    if (auto problem = faults::host::faketimeProblem(*loaded, faults::host::faketimeInstalled())) {
      std::cerr << path << ": error: " << *problem << "\n";
      result = exit_code::Usage;
      continue;
    }
    std::cout << path << ": ok (" << loaded->name << ")\n";
  }
  return result;
}

}  // namespace outrider::harness
