#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "outrider/scenarios/loader.h"
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

}  // namespace outrider::harness
