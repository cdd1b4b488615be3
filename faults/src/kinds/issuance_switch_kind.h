#pragma once

// What cert-expiry and cert-wrong-ca share: outrider-control's issuance switch on its admin
// listener (POST /issuance?mode=... at the start; at the end GET /issuance, read before switching
// back with mode=normal), and what the control plane counted while it held. The evidence is
// composed: controlPlanePart() is the control plane's view, and evidence() adds what went wrong
// with the switch; a view from the load side can be composed beside it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "outrider/faults/process_fault.h"

namespace outrider::faults::kinds {

// GET /issuance as the control plane answered it.
struct IssuanceReading {
  std::string mode;
  uint64_t re_served = 0;
  uint64_t wrong_ca = 0;
  uint64_t issued = 0;
  std::optional<SystemTime> last_not_after;
};

// Read without exceptions (the body comes from a process under test); nullopt when it is not
// the JSON of outrider-control's GET /issuance.
std::optional<IssuanceReading> parseIssuanceReading(std::string_view body);

class IssuanceSwitchKind : public ProcessFault {
 public:
  IssuanceSwitchKind(const PlannedFault& fault, FaultContext& context)
      : fault_(fault), context_(context) {}

  void begin() final;
  void end() final;
  KindEvidence evidence() const final;

 protected:
  // The mode switched on, as outrider-control names it ("no-renewal").
  virtual std::string_view mode() const = 0;
  // The POST's target: "/issuance?mode=no-renewal&ttl=10000ms".
  virtual std::string switchTarget() const = 0;

  struct Part {
    bool effective = false;
    std::string text;
    uint64_t injections = 0;
  };
  // The control plane's part of the evidence, from its counters at the end.
  virtual Part controlPlanePart(const IssuanceReading& reading) const = 0;

  // "at 14.0s into the run" for a wall time the control plane reported (its NotAfter), placed on
  // the run's clock through the harness's wall clock at the reading.
  std::string wallMoment(SystemTime at) const;

  const PlannedFault& fault_;
  FaultContext& context_;

 private:
  MonotonicTime began_at_{};
  bool switched_ = false;
  bool ended_ = false;
  std::optional<IssuanceReading> reading_;
  SystemTime read_wall_{};
  MonotonicTime read_at_{};
  std::string error_;
  std::string revert_error_;
};

}  // namespace outrider::faults::kinds
