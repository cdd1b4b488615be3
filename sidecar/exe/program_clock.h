#pragma once

// The clock each of our programs runs on (exe-only): real time, its wall shifted by
// OUTRIDER_CLOCK_SKEW when the harness's clock-skew fault set it (outrider/common/clock_skew.h).

#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "outrider/common/clock_skew.h"
#include "outrider/common/skewed_clock.h"

namespace outrider::exe {

// The skew in force, said on stderr when there is one; nullopt after printing why the variable
// is unusable (the caller exits 2: a usage error, never a run on the real clock).
inline std::optional<std::chrono::nanoseconds> clockSkewFromEnvironment(std::string_view program) {
  auto skew = parseClockSkew(std::getenv(ClockSkewVariable));
  if (!skew) {
    fmt::print(stderr, "{}: {}\n", program, skew.error().message);
    return std::nullopt;
  }
  if (skew->count() != 0) {
    fmt::print(stderr, "{}: wall clock shifted by {} ({})\n", program, formatClockSkew(*skew),
               ClockSkewVariable);
  }
  return *skew;
}

}  // namespace outrider::exe
