#pragma once

// The control plane's Prometheus metrics (prometheus-cpp core; served on the admin /metrics):
//   outrider_control_calls_total{method,code}
//   outrider_control_certificates_issued_total
//   outrider_control_streams_active
//   outrider_control_fault_affected_calls_total{mode}
//   outrider_control_fault_mode{mode}            1 for the active mode, 0 for the others
//   outrider_control_issuance_mode{mode}         the issuance switch's, likewise
//   outrider_control_certificates_re_served_total    handed back without renewal (no-renewal)
//   outrider_control_certificates_wrong_ca_total     signed by the wrong CA (wrong-ca)
//   outrider_control_certificate_last_not_after_seconds   NotAfter (unix) of the last handed out

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string_view>

#include "outrider/common/clock.h"
#include "outrider/control/fault_switch.h"
#include "outrider/control/issuance_switch.h"

namespace outrider::control {

class ControlMetrics {
 public:
  explicit ControlMetrics(prometheus::Registry& registry);

  void call(std::string_view method, std::string_view code);
  void certificateIssued() { certificates_issued_.Increment(); }
  void streamOpened() { streams_active_.Increment(); }
  void streamClosed() { streams_active_.Decrement(); }
  void faultAffected(FaultMode mode, double calls = 1);
  void faultMode(FaultMode active);
  void issuanceMode(IssuanceMode active);
  // A certificate handed out on FetchX509 (fresh ones are also certificateIssued()).
  void certificateHandedOut(bool re_served, bool wrong_ca, SystemTime not_after);

 private:
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Counter& certificates_issued_;
  prometheus::Gauge& streams_active_;
  prometheus::Family<prometheus::Counter>& fault_affected_;
  prometheus::Family<prometheus::Gauge>& fault_mode_;
  prometheus::Family<prometheus::Gauge>& issuance_mode_;
  prometheus::Counter& re_served_;
  prometheus::Counter& wrong_ca_;
  prometheus::Gauge& last_not_after_;
};

}  // namespace outrider::control
