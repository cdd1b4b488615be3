#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "outrider/scenarios/loader.h"
#include "outrider/scenarios/placeholders.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::harness {

// The process environment, for ${env.NAME}.
scenarios::EnvLookup processEnvironment();

// Loads and checks a scenario file; on failure writes one located line per problem to `errors`
// (spec/cli.md's format) and returns nullopt.
std::optional<scenarios::Scenario> loadScenarioReporting(const std::string& path,
                                                         std::ostream& errors);

// The seed of a run: --seed, else the scenario's, else the one main() drew.
uint64_t chooseSeed(std::optional<uint64_t> flag, const scenarios::Scenario& scenario,
                    uint64_t drawn);

// A scenario made ready to act on, as `plan` and `run` both need it: a free loopback port for
// each ${port.NAME}, then every placeholder resolved with `context` (its ports are filled in
// here). On failure one line goes to `errors` and `exit_code` says why (spec/cli.md: 3 when no
// port could be had, 2 for a placeholder that cannot be resolved).
struct ResolvedScenario {
  std::optional<scenarios::Scenario> scenario;
  std::map<std::string, uint16_t> ports;
  int exit_code = 0;
};
ResolvedScenario resolveScenario(const scenarios::Scenario& scenario,
                                 scenarios::PlaceholderContext context, std::ostream& errors);

}  // namespace outrider::harness
