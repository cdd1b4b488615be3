#pragma once

// What a clock-skew fault needs of the host: a target that is not one of our programs runs under
// faketime, so a run with one on a host without it is refused before anything starts (as a
// scenario that needs cgroups is on a host without them), never a silent pass.

#include <optional>
#include <string>
#include <string_view>

#include "outrider/scenarios/scenario.h"

namespace outrider::faults::host {

// An executable `program` in one of `path`'s folders (a PATH value, ':'-separated).
bool onPath(std::string_view program, std::string_view path);

// faketime on the harness's PATH (the one its processes inherit; /usr/local/bin:/usr/bin:/bin
// when it has none, as the spawner assumes).
bool faketimeInstalled();

// Why the scenario cannot run here: its clock-skew faults that need faketime, named, when
// `faketime_found` is false; nullopt when none needs it or it is there.
std::optional<std::string> faketimeProblem(const scenarios::Scenario& scenario,
                                           bool faketime_found);

}  // namespace outrider::faults::host
