#pragma once

// The clock each of our programs runs on (exe-only): real time, its wall shifted by
// OUTRIDER_CLOCK_SKEW when the harness's clock-skew fault set it (outrider/common/clock_skew.h).

#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <utility>

#include "outrider/common/clock.h"
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

// The one place a program's real time enters: the real clock, its wall shifted by the skew in
// force. nullopt after printing why OUTRIDER_CLOCK_SKEW is unusable (the caller exits 2).
inline std::optional<SkewedClock> programClock(std::string_view program) {
  static const RealClock real_clock;  // outlives every clock made on it: main returns first
  const auto skew = clockSkewFromEnvironment(program);
  if (!skew) {
    return std::nullopt;
  }
  return std::optional<SkewedClock>(std::in_place, real_clock, *skew);
}

}  // namespace outrider::exe
