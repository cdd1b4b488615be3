#pragma once

// outrider-secrets' Prometheus metrics (prometheus-cpp core, served as text on admin /metrics).

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace outrider::secrets {

class SecretsMetrics {
 public:
  SecretsMetrics();

  // M10: from opening a FetchX509 call to its set being on disk.
  // A refresh that landed: its latency, and one attempt.
  void observeRefresh(double seconds) {
    refresh_seconds_.Observe(seconds);
    attempts_.Increment();
  }
  // One failed join or fetch, by gRPC code name ("UNAVAILABLE", "DEADLINE_EXCEEDED", ...; an
  // invalid set from the wire counts as "INVALID_SET", a failed write as "WRITE_FAILED").
  void countFailure(const std::string& code);
  void countRotation() { rotations_.Increment(); }
  void setRemainingValidity(double seconds) { remaining_validity_.Set(seconds); }
  void setNotAfter(double unix_seconds) { not_after_.Set(unix_seconds); }
  void setDegraded(bool degraded) { degraded_.Set(degraded ? 1 : 0); }
  void setReady(bool ready) { ready_.Set(ready ? 1 : 0); }

  double failuresForTest(const std::string& code) const;
  double rotationsForTest() const { return rotations_.Value(); }
  uint64_t refreshCountForTest() const;

  // The text exposition (version 0.0.4).
  std::string serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Histogram& refresh_seconds_;
  prometheus::Gauge& remaining_validity_;
  prometheus::Family<prometheus::Counter>& failures_;
  prometheus::Counter& rotations_;
  prometheus::Counter& attempts_;
  prometheus::Gauge& degraded_;
  prometheus::Gauge& not_after_;
  prometheus::Gauge& ready_;
};

}  // namespace outrider::secrets
