#pragma once

// The loader's first step: one linear pass over the raw text that refuses input past an
// InputLimits limit (loader.h) before toml++ sees it. toml++ recurses once per nesting level (a
// dotted key part is a level too), so a deep enough file overflows the stack inside the parser;
// this pass is what bounds that depth.

#include <optional>
#include <string>
#include <string_view>

#include "outrider/scenarios/loader.h"

namespace outrider::scenarios::detail {

// The first limit the text passes, located where it was passed, or nothing. It knows just enough
// TOML (strings, comments, keys, headers, brackets) to count what toml++ would nest; input it
// cannot follow is left for toml++ to reject, and is never refused for being odd.
std::optional<Diagnostic> checkInputLimits(std::string_view text, const std::string& path);

}  // namespace outrider::scenarios::detail
