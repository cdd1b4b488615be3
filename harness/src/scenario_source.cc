#include "outrider/harness/scenario_source.h"

#include <cstdlib>

#include "outrider/common/exit_codes.h"
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

ResolvedScenario resolveScenario(const scenarios::Scenario& scenario,
                                 scenarios::PlaceholderContext context, std::ostream& errors) {
  ResolvedScenario out;
  auto ports = scenarios::allocatePorts(scenarios::portNames(scenario));
  if (!ports) {
    errors << "outrider: " << ports.error().message << "\n";
    out.exit_code = exit_code::Harness;
    return out;
  }
  context.ports = *ports;
  context.env = processEnvironment();
  auto resolved = scenarios::resolvePlaceholders(scenario, context);
  if (!resolved) {
    errors << "outrider: " << resolved.error().message << "\n";
    out.exit_code = exit_code::Usage;
    return out;
  }
  out.scenario = std::move(*resolved);
  out.ports = std::move(*ports);
  return out;
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
