#pragma once

// The ${...} grammar shared by the loader (which checks it) and resolvePlaceholders() (which
// substitutes it), so both agree on what a placeholder is.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/common/result.h"
#include "outrider/scenarios/loader.h"

namespace outrider::scenarios::detail {

struct Placeholder {
  enum class Kind { Port, Bin, ScenarioDir, RunDir, Env };
  Kind kind = Kind::Bin;
  std::string name;  // the NAME of ${port.NAME} and ${env.NAME}
  size_t begin = 0;  // offset of the '$'
  size_t end = 0;    // one past the '}'
};

struct PlaceholderScan {
  std::vector<Placeholder> placeholders;
  std::vector<std::string> problems;  // one message per malformed or unknown placeholder
};

// Finds every ${...} in text. A '$' not followed by '{' is literal text.
PlaceholderScan scanPlaceholders(std::string_view text);

using PlaceholderValue = std::function<Result<std::string>(const Placeholder&)>;

// text with each placeholder replaced by value(); the first problem or failed value wins.
Result<std::string> substitutePlaceholders(std::string_view text, const PlaceholderValue& value);

// text with placeholders replaced by plausible stand-ins ("1" for a port, the variable's value
// or "" for ${env.NAME}), so its shape (URL, host:port) can be checked before ports exist.
std::string substituteStandIns(std::string_view text, const EnvLookup& env);

}  // namespace outrider::scenarios::detail
