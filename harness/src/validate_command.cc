#include <cstdlib>
#include <iostream>

#include "outrider/harness/commands.h"
#include "outrider/harness/scenario_source.h"

namespace outrider::harness {

int validateCommand(const std::vector<std::string>& paths, const Environment& env) {
  (void)env;
  int exit_code = 0;
  for (const auto& path : paths) {
    auto loaded = loadScenarioReporting(path, std::cerr);
    if (!loaded) {
      exit_code = 2;
      continue;
    }
    std::cout << path << ": ok (" << loaded->name << ")\n";
  }
  return exit_code;
}

}  // namespace outrider::harness
