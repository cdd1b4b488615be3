// cert-expiry: from `at`, outrider-control grants no renewal (its issuance switch, mode
// no-renewal): a node that holds a certificate gets the same one back on each fetch, a node that
// holds none gets one `ttl` long, so the certificate in use runs out unless the window ends
// first. Evidence: what the control plane handed out meanwhile and the last NotAfter.

#include <fmt/format.h>

#include "issuance_switch_kind.h"
#include "kinds.h"
#include "outrider/common/units.h"

namespace outrider::faults::kinds {
namespace {

class CertExpiry final : public IssuanceSwitchKind {
 public:
  using IssuanceSwitchKind::IssuanceSwitchKind;

 protected:
  std::string_view mode() const override { return "no-renewal"; }

  std::string switchTarget() const override {
    // Milliseconds: never truncated here (outrider-control keeps whole seconds, as X.509 does).
    return fmt::format(
        "/issuance?mode=no-renewal&ttl={}ms",
        std::chrono::duration_cast<std::chrono::milliseconds>(fault_.spec.ttl).count());
  }

  Part controlPlanePart(const IssuanceReading& reading) const override {
    const uint64_t handed_out = reading.re_served + reading.issued;
    if (handed_out == 0) {
      return {false,
              fmt::format("{} switched to no-renewal, but no certificate was fetched while the "
                          "fault held",
                          fault_.target),
              0};
    }
    std::string text = fmt::format("{} re-served {} certificate{} without renewal", fault_.target,
                                   reading.re_served, reading.re_served == 1 ? "" : "s");
    if (reading.issued > 0) {
      text += fmt::format(", issued {} fresh with ttl {}", reading.issued,
                          formatDuration(fault_.spec.ttl));
    }
    if (reading.last_not_after) {
      text += "; last NotAfter " + wallMoment(*reading.last_not_after);
    }
    return {true, text, handed_out};
  }
};

}  // namespace

void registerCertExpiry(FaultRegistry& registry) {
  registry.add(processKindEntry<CertExpiry>(
      scenarios::FaultKind::CertExpiry,
      "outrider-control renews no certificate (a node gets the one it holds back; one without "
      "gets a `ttl`-long one), so the one in use expires; target: the control plane service"));
}

}  // namespace outrider::faults::kinds
