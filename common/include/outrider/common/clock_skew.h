#pragma once

// OUTRIDER_CLOCK_SKEW: how the clock-skew fault shifts our own programs' wall clocks. The harness
// sets it in the environment of an outrider-* program it restarts; each main reads it once and
// runs the whole program on a SkewedClock (skewed_clock.h) by that much.

#include <chrono>
#include <string>
#include <string_view>

#include "outrider/common/result.h"

namespace outrider {

inline constexpr const char* ClockSkewVariable = "OUTRIDER_CLOCK_SKEW";

// The variable's value as getenv() gives it: null or empty is no skew; else a signed duration,
// "-2h", "+30m", "90s" (parseSignedDuration). InvalidArgument naming the variable otherwise, so
// a typo stops the program at start-up instead of running it unskewed.
Result<std::chrono::nanoseconds> parseClockSkew(const char* value);

// "-2h", "+30m", "+0s": the sign always written, as the variable takes it back.
std::string formatClockSkew(std::chrono::nanoseconds skew);

}  // namespace outrider
