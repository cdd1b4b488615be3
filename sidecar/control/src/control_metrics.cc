#include "outrider/control/control_metrics.h"

#include <string>

namespace outrider::control {

ControlMetrics::ControlMetrics(prometheus::Registry& registry)
    : calls_(prometheus::BuildCounter()
                 .Name("outrider_control_calls_total")
                 .Help("gRPC calls answered, by method and status code")
                 .Register(registry)),
      certificates_issued_(prometheus::BuildCounter()
                               .Name("outrider_control_certificates_issued_total")
                               .Help("Leaf certificates issued")
                               .Register(registry)
                               .Add({})),
      streams_active_(prometheus::BuildGauge()
                          .Name("outrider_control_streams_active")
                          .Help("FetchX509 streams open now")
                          .Register(registry)
                          .Add({})),
      fault_affected_(prometheus::BuildCounter()
                          .Name("outrider_control_fault_affected_calls_total")
                          .Help("Calls and streams a control-plane-outage mode acted on")
                          .Register(registry)),
      fault_mode_(prometheus::BuildGauge()
                      .Name("outrider_control_fault_mode")
                      .Help("1 for the control-plane-outage mode in force")
                      .Register(registry)),
      issuance_mode_(prometheus::BuildGauge()
                         .Name("outrider_control_issuance_mode")
                         .Help("1 for the issuance mode in force (cert-expiry, cert-wrong-ca)")
                         .Register(registry)),
      re_served_(prometheus::BuildCounter()
                     .Name("outrider_control_certificates_re_served_total")
                     .Help("Certificates handed back without renewal (issuance no-renewal)")
                     .Register(registry)
                     .Add({})),
      wrong_ca_(prometheus::BuildCounter()
                    .Name("outrider_control_certificates_wrong_ca_total")
                    .Help("Certificates signed by the CA no bundle holds (issuance wrong-ca)")
                    .Register(registry)
                    .Add({})),
      last_not_after_(prometheus::BuildGauge()
                          .Name("outrider_control_certificate_last_not_after_seconds")
                          .Help("NotAfter (unix seconds) of the last certificate handed out")
                          .Register(registry)
                          .Add({})) {
  for (const auto mode : AllFaultModes) {
    if (mode != FaultMode::None) {
      fault_affected_.Add({{"mode", std::string(faultModeName(mode))}});
    }
  }
  faultMode(FaultMode::None);
  issuanceMode(IssuanceMode::Normal);
}

void ControlMetrics::call(std::string_view method, std::string_view code) {
  calls_.Add({{"method", std::string(method)}, {"code", std::string(code)}}).Increment();
}

void ControlMetrics::faultAffected(FaultMode mode, double calls) {
  fault_affected_.Add({{"mode", std::string(faultModeName(mode))}}).Increment(calls);
}

void ControlMetrics::faultMode(FaultMode active) {
  for (const auto mode : AllFaultModes) {
    fault_mode_.Add({{"mode", std::string(faultModeName(mode))}}).Set(mode == active ? 1 : 0);
  }
}

}  // namespace outrider::control

namespace outrider::control {

void ControlMetrics::issuanceMode(IssuanceMode active) {
  for (const auto mode : AllIssuanceModes) {
    issuance_mode_.Add({{"mode", std::string(issuanceModeName(mode))}}).Set(mode == active ? 1 : 0);
  }
}

void ControlMetrics::certificateHandedOut(bool re_served, bool wrong_ca, SystemTime not_after) {
  if (re_served) {
    re_served_.Increment();
  }
  if (wrong_ca) {
    wrong_ca_.Increment();
  }
  last_not_after_.Set(std::chrono::duration<double>(not_after.time_since_epoch()).count());
}

}  // namespace outrider::control
