#include "outrider/sidecar/proxy_metrics.h"

#include <gtest/gtest.h>

#include "outrider/tls/handshake_failure.h"
#include "test_http_client.h"

namespace outrider::sidecar {
namespace {

using test::metricValue;

// Responses are counted by status class.
TEST(ProxyMetricsTest, CountsResponsesByClass) {
  ProxyMetrics metrics;
  metrics.countResponse(200);
  metrics.countResponse(204);
  metrics.countResponse(503);
  metrics.countResponse(42);
  const auto text = metrics.serialize();
  EXPECT_EQ(metricValue(text, R"(outrider_proxy_requests_total{code="2xx"})"), 2.0);
  EXPECT_EQ(metricValue(text, R"(outrider_proxy_requests_total{code="5xx"})"), 1.0);
  EXPECT_EQ(metricValue(text, R"(outrider_proxy_requests_total{code="other"})"), 1.0);
  EXPECT_EQ(metricValue(text, R"(outrider_proxy_requests_total{code="4xx"})"), 0.0);
}

// --metrics-path-label's family: one series per path (the query cut off) and status class, none
// until a response is counted by path.
TEST(ProxyMetricsTest, ResponsesByPathAddASeriesPerPath) {
  ProxyMetrics metrics;
  EXPECT_EQ(metrics.serialize().find("outrider_proxy_requests_by_path_total{"), std::string::npos);
  metrics.countResponseByPath("/items/1?x=2", 200);
  metrics.countResponseByPath("/items/1", 200);
  metrics.countResponseByPath("/items/2", 503);
  const auto text = metrics.serialize();
  EXPECT_EQ(
      metricValue(text, R"(outrider_proxy_requests_by_path_total{code="2xx",path="/items/1"})"),
      2.0);
  EXPECT_EQ(
      metricValue(text, R"(outrider_proxy_requests_by_path_total{code="5xx",path="/items/2"})"),
      1.0);
  size_t series = 0;
  for (size_t at = text.find("\noutrider_proxy_requests_by_path_total{"); at != std::string::npos;
       at = text.find("\noutrider_proxy_requests_by_path_total{", at + 1)) {
    ++series;
  }
  EXPECT_EQ(series, 2u);
}

// Every TLS handshake failure reason exists at 0 on both sides before any handshake (a dashboard
// shows a series, not a gap); counts land on their side and reason only.
TEST(ProxyMetricsTest, TlsFailureReasonsArePreCreatedAndCountedBySide) {
  ProxyMetrics metrics;
  const auto initial = metrics.serialize();
  for (const char* side : {"downstream", "upstream"}) {
    for (const auto reason : tls::HandshakeFailureReasons) {
      const std::string sample = std::string("outrider_proxy_tls_handshake_failures_total{") +
                                 "listener=\"" + side + "\",reason=\"" + std::string(reason) +
                                 "\"}";
      EXPECT_EQ(metricValue(initial, sample), 0.0) << sample;
    }
  }
  metrics.countTlsHandshakeFailure(TlsSide::Upstream, "unknown-ca");
  metrics.countTlsHandshake(TlsSide::Downstream, true);
  metrics.countTlsReload(TlsSide::Downstream, false);
  metrics.setTlsCertificateNotAfter(TlsSide::Downstream, 1780000000);
  const auto text = metrics.serialize();
  EXPECT_EQ(
      metricValue(
          text,
          R"(outrider_proxy_tls_handshake_failures_total{listener="upstream",reason="unknown-ca"})"),
      1.0);
  EXPECT_EQ(
      metricValue(
          text,
          R"(outrider_proxy_tls_handshake_failures_total{listener="downstream",reason="unknown-ca"})"),
      0.0);
  EXPECT_EQ(
      metricValue(text,
                  R"(outrider_proxy_tls_handshakes_total{listener="downstream",resumed="true"})"),
      1.0);
  EXPECT_EQ(
      metricValue(text,
                  R"(outrider_proxy_tls_handshakes_total{listener="downstream",resumed="false"})"),
      0.0);
  EXPECT_EQ(metricValue(
                text, R"(outrider_proxy_tls_reloads_total{listener="downstream",result="error"})"),
            1.0);
  EXPECT_EQ(metricValue(
                text, R"(outrider_proxy_tls_certificate_not_after_seconds{listener="downstream"})"),
            1780000000.0);
}

// Upstream errors by kind and the latency histogram reach the exposition.
TEST(ProxyMetricsTest, ExposesErrorsAndLatency) {
  ProxyMetrics metrics;
  metrics.countUpstreamError(UpstreamErrorKind::Timeout);
  metrics.countUpstreamError(UpstreamErrorKind::BadResponse);
  metrics.countDownstreamError(DownstreamErrorKind::HeaderTooLarge);
  metrics.observeUpstreamLatency(0.0003);
  metrics.activeConnections().Increment();
  const auto text = metrics.serialize();
  EXPECT_EQ(metricValue(text, R"(outrider_proxy_upstream_errors_total{kind="timeout"})"), 1.0);
  EXPECT_EQ(metricValue(text, R"(outrider_proxy_upstream_errors_total{kind="bad_response"})"),
            1.0);
  EXPECT_EQ(metricValue(text, R"(outrider_proxy_upstream_errors_total{kind="connect"})"), 0.0);
  EXPECT_EQ(metricValue(text, R"(outrider_proxy_downstream_errors_total{kind="header_too_large"})"),
            1.0);
  EXPECT_EQ(metricValue(text, "outrider_proxy_upstream_latency_seconds_count"), 1.0);
  EXPECT_EQ(metricValue(text, R"(outrider_proxy_upstream_latency_seconds_bucket{le="0.0005"})"),
            1.0);
  EXPECT_EQ(metricValue(text, "outrider_proxy_active_connections"), 1.0);
}

}  // namespace
}  // namespace outrider::sidecar
