#pragma once

// The control-plane-outage switch of outrider-control's admin listener, as data: the mode, its
// latency, when it began and how many calls it touched. The server (control_server.h) acts on
// it; the admin routes (admin_routes.h) parse and render it:
//   POST /fault?mode=down|hang|error|slow[&latency=500ms]   POST /fault?mode=none ends it
//   GET  /fault -> {"mode": "...", "latency_ms": N, "since_unix_ms": N, "affected_calls": N}

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"

namespace outrider::control {

enum class FaultMode { None, Down, Hang, Error, Slow };

inline constexpr FaultMode AllFaultModes[] = {FaultMode::None, FaultMode::Down, FaultMode::Hang,
                                              FaultMode::Error, FaultMode::Slow};

std::string_view faultModeName(FaultMode mode);
std::optional<FaultMode> parseFaultMode(std::string_view name);

struct FaultSetting {
  FaultMode mode = FaultMode::None;
  std::chrono::nanoseconds latency{0};  // slow only
};

// From an admin query "mode=slow&latency=250ms": InvalidArgument for an unknown mode, a slow
// without a positive latency, or a latency on another mode.
Result<FaultSetting> parseFaultQuery(std::string_view query);

struct FaultState {
  FaultSetting setting;
  SystemTime since{};
  uint64_t affected_calls = 0;  // since the mode began
};

std::string faultStateJson(const FaultState& state);

// Thread-safe: the admin listener sets it, gRPC's threads read it on every call.
class FaultSwitch {
 public:
  FaultState state() const;
  FaultMode mode() const;
  // Returns the state that ended.
  FaultState set(const FaultSetting& setting, SystemTime now);
  void countAffected(uint64_t calls = 1);

 private:
  mutable std::mutex mutex_;
  FaultState state_;
};

}  // namespace outrider::control
