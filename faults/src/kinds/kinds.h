#pragma once

// Each kind's file registers it; registry.cc calls these in the spec's order.

#include <memory>
#include <string>

#include "outrider/faults/process_fault.h"
#include "outrider/faults/registry.h"

namespace outrider::faults::kinds {

// A process kind's registry entry, whose fault object `Fault(planned, context)` the executor
// makes for each planned fault of the kind.
template <class Fault>
FaultKindEntry processKindEntry(scenarios::FaultKind kind, std::string summary) {
  FaultKindEntry entry;
  entry.name = scenarios::toString(kind);
  entry.builtin = kind;
  entry.summary = std::move(summary);
  entry.make = [](const PlannedFault& fault, FaultContext& context) -> ProcessFaultPtr {
    return std::make_unique<Fault>(fault, context);
  };
  return entry;
}

void registerLatency(FaultRegistry& registry);
void registerBandwidth(FaultRegistry& registry);
void registerReset(FaultRegistry& registry);
void registerBlackhole(FaultRegistry& registry);
void registerRefuse(FaultRegistry& registry);
void registerSlowClose(FaultRegistry& registry);
void registerSlicer(FaultRegistry& registry);
void registerLimitData(FaultRegistry& registry);
void registerHttpAbort(FaultRegistry& registry);
void registerMisroute(FaultRegistry& registry);
void registerKill(FaultRegistry& registry);
void registerPause(FaultRegistry& registry);
void registerCrashloop(FaultRegistry& registry);
void registerOom(FaultRegistry& registry);
void registerCpuStarve(FaultRegistry& registry);
void registerPodRestart(FaultRegistry& registry);
void registerStartupRace(FaultRegistry& registry);
void registerControlPlaneOutage(FaultRegistry& registry);
void registerCertExpiry(FaultRegistry& registry);
void registerCertWrongCa(FaultRegistry& registry);
void registerClockSkew(FaultRegistry& registry);

}  // namespace outrider::faults::kinds
