#pragma once

#include <string>

#include "outrider/common/clock.h"

namespace outrider {

// RFC 3339 UTC to the second ("2026-11-27T08:00:00Z"), or compact for folder names
// ("20261127T080000Z").
std::string formatUtc(SystemTime t, bool compact = false);

}  // namespace outrider
