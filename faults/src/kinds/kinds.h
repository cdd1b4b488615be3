#pragma once

// Each kind's file registers it; registry.cc calls these in the spec's order.

#include "outrider/faults/registry.h"

namespace outrider::faults::kinds {

void registerLinkKinds(FaultRegistry& registry);
void registerKill(FaultRegistry& registry);
void registerPause(FaultRegistry& registry);
void registerCrashloop(FaultRegistry& registry);
void registerPlannedKinds(FaultRegistry& registry);

}  // namespace outrider::faults::kinds
