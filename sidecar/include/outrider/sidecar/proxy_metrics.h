#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>

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

// The two TLS sides of the proxy, the `listener` label of its TLS metrics.
enum class TlsSide { Downstream, Upstream };

// The proxy's Prometheus metrics over its own registry. Every handle is resolved at construction
// so the data plane touches only atomics (prometheus-cpp metrics are thread-safe).
class ProxyMetrics {
 public:
  ProxyMetrics();

  void countResponse(unsigned status);
  // --metrics-path-label: the response by its request path (the target without its query).
  // Each new path adds a series; prometheus-cpp's family lock makes it safe from any thread.
  void countResponseByPath(std::string_view target, unsigned status);
  void observeUpstreamLatency(double seconds) { upstream_latency_.Observe(seconds); }
  void countUpstreamError(UpstreamErrorKind kind);
  void countDownstreamError(DownstreamErrorKind kind);
  void countTlsHandshake(TlsSide side, bool resumed);
  // `reason` is one of tls::HandshakeFailureReasons.
  void countTlsHandshakeFailure(TlsSide side, std::string_view reason);
  void countTlsReload(TlsSide side, bool ok);
  // The NotAfter of the certificate this side presents, unix seconds.
  void setTlsCertificateNotAfter(TlsSide side, double unix_seconds);

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
  prometheus::Family<prometheus::Counter>* requests_by_path_ = nullptr;
  std::array<prometheus::Counter*, 4> upstream_errors_{};
  std::array<prometheus::Counter*, 6> downstream_errors_{};
  // [side][resumed]
  std::array<std::array<prometheus::Counter*, 2>, 2> tls_handshakes_{};
  // [side][index in tls::HandshakeFailureReasons]
  std::array<std::array<prometheus::Counter*, 9>, 2> tls_handshake_failures_{};
  // [side][ok]
  std::array<std::array<prometheus::Counter*, 2>, 2> tls_reloads_{};
  std::array<prometheus::Gauge*, 2> tls_not_after_{};
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
