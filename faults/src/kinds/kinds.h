#pragma once

// Each kind's file registers it; registry.cc calls these in the spec's order.

#include "outrider/faults/registry.h"

namespace outrider::faults::kinds {

void registerLatency(FaultRegistry& registry);
void registerBandwidth(FaultRegistry& registry);
void registerReset(FaultRegistry& registry);
void registerBlackhole(FaultRegistry& registry);
void registerRefuse(FaultRegistry& registry);
void registerSlowClose(FaultRegistry& registry);
void registerSlicer(FaultRegistry& registry);
void registerLimitData(FaultRegistry& registry);
void registerHttpAbort(FaultRegistry& registry);
void registerKill(FaultRegistry& registry);
void registerPause(FaultRegistry& registry);
void registerCrashloop(FaultRegistry& registry);
void registerPlannedKinds(FaultRegistry& registry);

}  // namespace outrider::faults::kinds
