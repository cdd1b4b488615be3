#include "outrider/sidecar/proxy_metrics.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <iterator>

#include "outrider/tls/handshake_failure.h"

namespace outrider::sidecar {
namespace {

constexpr const char* TlsSides[] = {"downstream", "upstream"};

static_assert(std::size(tls::HandshakeFailureReasons) == 9,
              "tls_handshake_failures_ is sized for every reason");

std::size_t sideIndex(TlsSide side) { return static_cast<std::size_t>(side); }

// The `code` label: a status's class, "other" for codes outside 1xx-5xx (index 0).
constexpr const char* StatusClasses[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
std::size_t classIndex(unsigned status) {
  const unsigned status_class = status / 100;
  return status_class >= 1 && status_class <= 5 ? status_class : 0;
}

prometheus::Histogram::BucketBoundaries latencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,   10.0};
}

}  // namespace

ProxyMetrics::ProxyMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      upstream_latency_(prometheus::BuildHistogram()
                            .Name("outrider_proxy_upstream_latency_seconds")
                            .Help("Time from upstream request start to full response, seconds")
                            .Register(*registry_)
                            .Add({}, latencyBuckets())),
      active_connections_(prometheus::BuildGauge()
                              .Name("outrider_proxy_active_connections")
                              .Help("Open downstream connections")
                              .Register(*registry_)
                              .Add({})),
      upstream_requests_active_(prometheus::BuildGauge()
                                    .Name("outrider_proxy_upstream_requests_active")
                                    .Help("Requests waiting on the upstream")
                                    .Register(*registry_)
                                    .Add({})),
      draining_(prometheus::BuildGauge()
                    .Name("outrider_proxy_draining")
                    .Help("1 once a graceful drain has started")
                    .Register(*registry_)
                    .Add({})),
      upstream_connections_opened_(prometheus::BuildCounter()
                                       .Name("outrider_proxy_upstream_connections_opened_total")
                                       .Help("Upstream connections established")
                                       .Register(*registry_)
                                       .Add({})),
      upstream_retries_(prometheus::BuildCounter()
                            .Name("outrider_proxy_upstream_retries_total")
                            .Help("Requests sent again after a reused connection failed before "
                                  "the upstream acknowledged any byte of them")
                            .Register(*registry_)
                            .Add({})),
      upstream_overflows_(prometheus::BuildCounter()
                              .Name("outrider_proxy_upstream_overflow_total")
                              .Help("Requests refused with 503 at the upstream request cap")
                              .Register(*registry_)
                              .Add({})),
      upstream_pool_discarded_(
          prometheus::BuildCounter()
              .Name("outrider_proxy_upstream_pool_discarded_total")
              .Help("Idle pooled upstream connections dropped because the upstream sent bytes or "
                    "closed while they were idle")
              .Register(*registry_)
              .Add({})),
      downstream_overloaded_(
          prometheus::BuildCounter()
              .Name("outrider_proxy_downstream_overload_total")
              .Help("Downstream connections closed on accept at --max-connections")
              .Register(*registry_)
              .Add({})),
      accept_errors_(prometheus::BuildCounter()
                         .Name("outrider_proxy_accept_errors_total")
                         .Help("Failed accepts (EMFILE, ENFILE, ENOBUFS...), each followed by a "
                               "back-off")
                         .Register(*registry_)
                         .Add({})),
      dropped_trailers_(prometheus::BuildCounter()
                            .Name("outrider_proxy_dropped_trailers_total")
                            .Help("Chunked trailer fields dropped (never merged into a head)")
                            .Register(*registry_)
                            .Add({})) {
  auto& requests = prometheus::BuildCounter()
                       .Name("outrider_proxy_requests_total")
                       .Help("Downstream responses by status class")
                       .Register(*registry_);
  for (std::size_t i = 0; i < requests_by_class_.size(); ++i) {
    requests_by_class_[i] = &requests.Add({{"code", StatusClasses[i]}});
  }
  requests_by_path_ = &prometheus::BuildCounter()
                           .Name("outrider_proxy_requests_by_path_total")
                           .Help(
                               "Downstream responses by request path and status class "
                               "(--metrics-path-label only)")
                           .Register(*registry_);
  auto& upstream_errors = prometheus::BuildCounter()
                              .Name("outrider_proxy_upstream_errors_total")
                              .Help("Upstream failures by kind")
                              .Register(*registry_);
  static constexpr const char* UpstreamKinds[] = {"connect", "reset", "timeout", "bad_response"};
  for (std::size_t i = 0; i < upstream_errors_.size(); ++i) {
    upstream_errors_[i] = &upstream_errors.Add({{"kind", UpstreamKinds[i]}});
  }
  auto& downstream_errors = prometheus::BuildCounter()
                                .Name("outrider_proxy_downstream_errors_total")
                                .Help("Downstream requests rejected by kind")
                                .Register(*registry_);
  static constexpr const char* DownstreamKinds[] = {"bad_request",    "header_too_large",
                                                    "body_too_large", "timeout",
                                                    "uri_too_long",   "unsupported"};
  for (std::size_t i = 0; i < downstream_errors_.size(); ++i) {
    downstream_errors_[i] = &downstream_errors.Add({{"kind", DownstreamKinds[i]}});
  }
  auto& handshakes = prometheus::BuildCounter()
                         .Name("outrider_proxy_tls_handshakes_total")
                         .Help("Completed TLS handshakes by side and whether a session resumed")
                         .Register(*registry_);
  auto& failures = prometheus::BuildCounter()
                       .Name("outrider_proxy_tls_handshake_failures_total")
                       .Help(
                           "Failed TLS handshakes by side and reason (upstream: also a "
                           "rejection that arrived on a new connection's first exchange)")
                       .Register(*registry_);
  auto& reloads = prometheus::BuildCounter()
                      .Name("outrider_proxy_tls_reloads_total")
                      .Help(
                          "Rebuilds of a TLS context after its files changed; an error kept "
                          "the previous context")
                      .Register(*registry_);
  auto& not_after = prometheus::BuildGauge()
                        .Name("outrider_proxy_tls_certificate_not_after_seconds")
                        .Help(
                            "NotAfter of the certificate this side presents, unix seconds (0: "
                            "none)")
                        .Register(*registry_);
  for (std::size_t side = 0; side < 2; ++side) {
    const std::string listener = TlsSides[side];
    tls_handshakes_[side][0] = &handshakes.Add({{"listener", listener}, {"resumed", "false"}});
    tls_handshakes_[side][1] = &handshakes.Add({{"listener", listener}, {"resumed", "true"}});
    for (std::size_t i = 0; i < std::size(tls::HandshakeFailureReasons); ++i) {
      tls_handshake_failures_[side][i] = &failures.Add(
          {{"listener", listener}, {"reason", std::string(tls::HandshakeFailureReasons[i])}});
    }
    tls_reloads_[side][0] = &reloads.Add({{"listener", listener}, {"result", "error"}});
    tls_reloads_[side][1] = &reloads.Add({{"listener", listener}, {"result", "ok"}});
    tls_not_after_[side] = &not_after.Add({{"listener", listener}});
  }
}

void ProxyMetrics::countTlsHandshake(TlsSide side, bool resumed) {
  tls_handshakes_[sideIndex(side)][resumed ? 1 : 0]->Increment();
}

void ProxyMetrics::countTlsHandshakeFailure(TlsSide side, std::string_view reason) {
  const auto* begin = std::begin(tls::HandshakeFailureReasons);
  const auto* found = std::find(begin, std::end(tls::HandshakeFailureReasons), reason);
  // classifyHandshakeFailure returns only listed reasons; anything else counts as protocol.
  const auto index =
      found != std::end(tls::HandshakeFailureReasons)
          ? static_cast<std::size_t>(found - begin)
          : static_cast<std::size_t>(std::find(begin, std::end(tls::HandshakeFailureReasons),
                                               std::string_view("protocol")) -
                                     begin);
  tls_handshake_failures_[sideIndex(side)][index]->Increment();
}

void ProxyMetrics::countTlsReload(TlsSide side, bool ok) {
  tls_reloads_[sideIndex(side)][ok ? 1 : 0]->Increment();
}

void ProxyMetrics::setTlsCertificateNotAfter(TlsSide side, double unix_seconds) {
  tls_not_after_[sideIndex(side)]->Set(unix_seconds);
}

void ProxyMetrics::countResponseByPath(std::string_view target, unsigned status) {
  const std::string_view path = target.substr(0, target.find('?'));
  requests_by_path_->Add({{"path", std::string(path)}, {"code", StatusClasses[classIndex(status)]}})
      .Increment();
}

void ProxyMetrics::countResponse(unsigned status) {
  requests_by_class_[classIndex(status)]->Increment();
}

void ProxyMetrics::countUpstreamError(UpstreamErrorKind kind) {
  upstream_errors_[static_cast<std::size_t>(kind)]->Increment();
}

void ProxyMetrics::countDownstreamError(DownstreamErrorKind kind) {
  downstream_errors_[static_cast<std::size_t>(kind)]->Increment();
}

std::string ProxyMetrics::serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace outrider::sidecar
