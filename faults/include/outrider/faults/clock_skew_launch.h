#pragma once

// How the clock-skew fault shifts a process's clock: our programs (outrider-*) take
// OUTRIDER_CLOCK_SKEW and run on an injected clock (outrider/common/clock_skew.h); any other
// program is started under libfaketime (Debian package faketime):
//   faketime --exclude-monotonic -f "-7200s" COMMAND...
// --exclude-monotonic keeps CLOCK_MONOTONIC real (without it libfaketime sets the monotonic
// clock to the faked wall time, a jump of decades that breaks timeouts), the same split as the
// injected clock. The offset is whole seconds, rounded toward zero: libfaketime's fractions
// follow the locale's decimal separator.

#include <chrono>
#include <string>
#include <vector>

#include "outrider/faults/process_restart.h"

namespace outrider::faults {

inline constexpr const char* FaketimeProgram = "faketime";

// The command's program is one of ours: its basename starts with "outrider-".
bool takesInjectedClock(const std::vector<std::string>& command);

// "+1800s", "-7200s": libfaketime's relative offset.
std::string faketimeOffset(std::chrono::nanoseconds skew);

// What the restart adds to `command` for `skew`.
ProcessLaunch clockSkewLaunch(const std::vector<std::string>& command,
                              std::chrono::nanoseconds skew);

}  // namespace outrider::faults
