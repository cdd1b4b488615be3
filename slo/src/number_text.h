#pragma once

// Numbers as findings print them: short, but never so rounded that a comparison reads wrong.

#include <string>

namespace outrider::slo {

// The fewest significant digits (at least 3) that still show value < bound (or value > bound when
// !below): 0.812 against 0.99 gives "0.812", 0.98999 gives "0.98999" rather than "0.99".
std::string formatAgainst(double value, double bound, bool below);
// Shortest round-trip-ish form of a configured number: 0.99, 14.4, 6.
std::string formatNumber(double value);
// Run-time seconds: "82s", "82.5s".
std::string formatSeconds(double seconds);

}  // namespace outrider::slo
