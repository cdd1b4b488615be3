// The scenario loader under arbitrary bytes. `outrider validate` runs exactly loadScenario(), so
// whatever a file holds, it must come back with a scenario or with located problems: no crash,
// hang, leak or undefined behaviour. A scenario that loads then goes through the pure steps that
// `plan` and `run` take next (port names, placeholder resolution, endpoint parsing), which must
// accept everything the loader accepted.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "outrider/scenarios/loader.h"
#include "outrider/scenarios/placeholders.h"

namespace {

namespace sc = outrider::scenarios;

// One variable is set, so ${env.NAME} is seen both set and unset.
std::optional<std::string> fuzzEnv(const std::string& name) {
  if (name == "FUZZ") {
    return std::string("127.0.0.1:8080");
  }
  return std::nullopt;
}

// A broken invariant: abort, so that libFuzzer keeps the input.
void check(bool holds, const char* belief) {
  if (!holds) {
    std::fprintf(stderr, "scenario_loader_fuzz: broken: %s\n", belief);
    std::abort();
  }
}

// Endpoints as the harness parses them once a run has ports, with the stand-ins the loader used
// for its own checks (every port 1, ${bin} "/bin", directories "/dir").
void checkResolved(const sc::Scenario& scenario) {
  sc::PlaceholderContext context;
  context.bin = "/bin";
  context.scenario_dir = "/dir";
  context.run_dir = "/dir";
  context.env = fuzzEnv;
  for (const auto& name : sc::portNames(scenario)) {
    context.ports[name] = 1;
  }
  auto resolved = sc::resolvePlaceholders(scenario, context);
  check(resolved.has_value(), "a loaded scenario's placeholders resolve");
  for (const sc::ProcessSpec* process : resolved->processes()) {
    for (const auto* probe : {&process->ready, &process->live, &process->metrics}) {
      if (*probe) {
        check(sc::parseProbe(**probe).has_value(), "a loaded probe URL parses");
      }
    }
  }
  for (const sc::Link& link : resolved->links) {
    check(sc::parseHostPort(link.listen).has_value(), "a loaded link.listen parses");
    check(sc::parseHostPort(link.to).has_value(), "a loaded link.to parses");
  }
  if (resolved->load) {
    check(sc::parseProbe(resolved->load->target).has_value(), "a loaded load.target parses");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sc::LoadOptions options;
  options.env = fuzzEnv;
  auto loaded = sc::loadScenario(text, "fuzz.toml", options);
  if (!loaded) {
    check(!loaded.error().diagnostics.empty(), "a refused scenario names a problem");
    for (const auto& diagnostic : loaded.error().diagnostics) {
      check(diagnostic.where.file == "fuzz.toml", "every problem names the file");
      check(!diagnostic.format().empty(), "every problem formats");
    }
    return 0;
  }
  check(loaded->contents == text, "the scenario keeps its text");
  checkResolved(*loaded);
  return 0;
}
