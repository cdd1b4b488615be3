#include "outrider/harness/scenario_source.h"

#include <cstdlib>

#include "outrider/faults/registry.h"

namespace outrider::harness {

scenarios::EnvLookup processEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

std::optional<scenarios::Scenario> loadScenarioReporting(const std::string& path,
                                                         std::ostream& errors) {
  scenarios::LoadOptions options;
  options.env = processEnvironment();
  options.catalog = &faults::registry();  // kinds beyond the built-in ones
  auto loaded = scenarios::loadScenarioFile(path, options);
  if (!loaded) {
    for (const auto& diagnostic : loaded.error().diagnostics) {
      errors << diagnostic.format() << "\n";
    }
    return std::nullopt;
  }
  return std::move(*loaded);
}

uint64_t chooseSeed(std::optional<uint64_t> flag, const scenarios::Scenario& scenario,
                    uint64_t drawn) {
  if (flag) {
    return *flag;
  }
  if (scenario.seed) {
    return *scenario.seed;
  }
  return drawn;
}

}  // namespace outrider::harness
