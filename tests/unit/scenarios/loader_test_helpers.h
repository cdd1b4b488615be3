#pragma once

// Helpers for the loader tests: load text, and see the problems as the CLI prints them.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/scenarios/loader.h"

namespace outrider::scenarios::test {

// The smallest valid scenario; tests append sections to it. Six lines long.
inline constexpr std::string_view MinimalScenario = R"([scenario]
name = "t"
duration = "60s"

[app]
command = ["app"]
)";

// An environment with exactly these variables.
inline EnvLookup fakeEnv(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    auto found = variables.find(name);
    if (found == variables.end()) {
      return std::nullopt;
    }
    return found->second;
  };
}

// Every problem in text as "t.toml:L:C: error: key: message".
inline std::vector<std::string> problemsIn(std::string_view text, const LoadOptions& options = {}) {
  auto loaded = loadScenario(text, "t.toml", options);
  std::vector<std::string> lines;
  if (!loaded) {
    for (const auto& diagnostic : loaded.error().diagnostics) {
      lines.push_back(diagnostic.format());
    }
  }
  return lines;
}

// The scenario in text, or a test failure listing its problems.
inline Scenario loadOrFail(std::string_view text, const LoadOptions& options = {}) {
  auto loaded = loadScenario(text, "t.toml", options);
  if (!loaded) {
    std::string all;
    for (const auto& diagnostic : loaded.error().diagnostics) {
      all += diagnostic.format() + "\n";
    }
    ADD_FAILURE() << "expected the scenario to load, got:\n" << all;
    return Scenario{};
  }
  return *loaded;
}

inline std::string withMinimal(std::string_view extra) {
  return std::string(MinimalScenario) + std::string(extra);
}

}  // namespace outrider::scenarios::test
