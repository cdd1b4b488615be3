// cert-wrong-ca: for the window, outrider-control signs leaves with a second CA of its state dir
// that no bundle holds (its issuance switch, mode wrong-ca); every open stream is pushed such a
// certificate at once, and a real one when the window ends, so peers stop trusting each other
// at once and trust again at once. Evidence: how many certificates the wrong CA signed.

#include <fmt/format.h>

#include "issuance_switch_kind.h"
#include "kinds.h"

namespace outrider::faults::kinds {
namespace {

class CertWrongCa final : public IssuanceSwitchKind {
 public:
  using IssuanceSwitchKind::IssuanceSwitchKind;

 protected:
  std::string_view mode() const override { return "wrong-ca"; }
  std::string switchTarget() const override { return "/issuance?mode=wrong-ca"; }

  Part controlPlanePart(const IssuanceReading& reading) const override {
    if (reading.wrong_ca == 0) {
      return {false,
              fmt::format("{} switched to wrong-ca, but handed out no certificate while the "
                          "fault held (no open stream, no fetch)",
                          fault_.target),
              0};
    }
    std::string text =
        fmt::format("{} handed out {} certificate{} signed by a CA outside the bundle",
                    fault_.target, reading.wrong_ca, reading.wrong_ca == 1 ? "" : "s");
    if (reading.last_not_after) {
      text += "; last NotAfter " + wallMoment(*reading.last_not_after);
    }
    return {true, text, reading.wrong_ca};
  }
};

}  // namespace

void registerCertWrongCa(FaultRegistry& registry) {
  registry.add(processKindEntry<CertWrongCa>(
      scenarios::FaultKind::CertWrongCa,
      "outrider-control signs certificates with a CA the peers do not trust (pushed to open "
      "streams at once, and real ones again at the end); target: the control plane service"));
}

}  // namespace outrider::faults::kinds
