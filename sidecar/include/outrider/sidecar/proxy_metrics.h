#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <string>

namespace outrider::sidecar {

enum class UpstreamErrorKind { Connect, Reset, Timeout, BadResponse };
enum class DownstreamErrorKind {
  BadRequest,
  HeaderTooLarge,
  BodyTooLarge,
  Timeout,
  UriTooLong,
  Unsupported,  // 501 (transfer coding, CONNECT), 505 (version), 417 (expectation)
};

// The proxy's Prometheus metrics over its own registry. Every handle is resolved at construction
// so the data plane touches only atomics (prometheus-cpp metrics are thread-safe).
class ProxyMetrics {
 public:
  ProxyMetrics();

  void countResponse(unsigned status);
  void observeUpstreamLatency(double seconds) { upstream_latency_.Observe(seconds); }
  void countUpstreamError(UpstreamErrorKind kind);
  void countDownstreamError(DownstreamErrorKind kind);

  prometheus::Gauge& activeConnections() { return active_connections_; }
  prometheus::Gauge& upstreamRequestsActive() { return upstream_requests_active_; }
  prometheus::Gauge& draining() { return draining_; }
  prometheus::Counter& upstreamConnectionsOpened() { return upstream_connections_opened_; }
  prometheus::Counter& upstreamRetries() { return upstream_retries_; }
  prometheus::Counter& upstreamOverflows() { return upstream_overflows_; }
  prometheus::Counter& upstreamPoolDiscarded() { return upstream_pool_discarded_; }
  prometheus::Counter& downstreamOverloaded() { return downstream_overloaded_; }
  prometheus::Counter& acceptErrors() { return accept_errors_; }
  prometheus::Counter& droppedTrailers() { return dropped_trailers_; }

  // The Prometheus text exposition (format 0.0.4) of every metric.
  std::string serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::array<prometheus::Counter*, 6> requests_by_class_{};  // index 0: codes outside 1xx-5xx
  std::array<prometheus::Counter*, 4> upstream_errors_{};
  std::array<prometheus::Counter*, 6> downstream_errors_{};
  prometheus::Histogram& upstream_latency_;
  prometheus::Gauge& active_connections_;
  prometheus::Gauge& upstream_requests_active_;
  prometheus::Gauge& draining_;
  prometheus::Counter& upstream_connections_opened_;
  prometheus::Counter& upstream_retries_;
  prometheus::Counter& upstream_overflows_;
  prometheus::Counter& upstream_pool_discarded_;
  prometheus::Counter& downstream_overloaded_;
  prometheus::Counter& accept_errors_;
  prometheus::Counter& dropped_trailers_;
};

}  // namespace outrider::sidecar
