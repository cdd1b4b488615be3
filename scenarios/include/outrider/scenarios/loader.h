#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/common/result.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::scenarios {

// One problem in a scenario file, located at the key it is about.
struct Diagnostic {
  SourceLocation where;
  std::string key_path;  // "fault[1].duration", "scenario.durration"
  std::string message;   // "expected a duration like \"10s\", got integer 10"

  // "scenarios/bad.toml:12:9: error: fault[1].duration: expected a duration like ..."
  std::string format() const;
};

struct LoadFailure {
  std::vector<Diagnostic> diagnostics;  // every problem at once, in file order
};

// Environment lookups go through this so tests can inject the environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Input that no real scenario comes near is refused before it is parsed, with the position where
// the first limit was passed: toml++ recurses once per nesting level, and the checks' time grows
// with the file, so both stay bounded whatever the file holds.
struct InputLimits {
  static constexpr size_t MaxFileBytes = 4 * 1024 * 1024;
  static constexpr size_t MaxLineBytes = 64 * 1024;
  // Parts of one key or table header: `load.headers.Accept` has 3.
  static constexpr size_t MaxKeyParts = 16;
  // Arrays and inline tables inside one another: `env = { A = "x" }` is 1 deep.
  static constexpr size_t MaxNestingDepth = 16;
};

class FaultCatalog;

struct LoadOptions {
  EnvLookup env;  // for ${env.NAME}; empty means "no variable is set"
  // Fault kinds beyond the built-in ones (faults::registry()); null: the built-in kinds only.
  const FaultCatalog* catalog = nullptr;
};

// Parses and checks a whole scenario file: syntax, types, unknown keys (with "did you mean"),
// units, placeholders and the cross-checks of spec/scenario.md. Reports every problem, except that
// input past an InputLimits limit is refused with that one problem.
tl::expected<Scenario, LoadFailure> loadScenarioFile(const std::string& path,
                                                     const LoadOptions& options);
// The same from text; `path` is used only for messages.
tl::expected<Scenario, LoadFailure> loadScenario(std::string_view text, const std::string& path,
                                                 const LoadOptions& options);

}  // namespace outrider::scenarios
