#pragma once

// Readiness and liveness probes: http(s)://host:port/path (2xx is a success) and tcp://host:port
// (the connect succeeds), each attempt bounded by a timeout.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/harness/pod_runtime.h"
#include "outrider/scenarios/placeholders.h"

namespace boost::asio::ssl {
class context;
}

namespace outrider::harness {

namespace asio = boost::asio;

struct ProbeResult {
  bool success = false;
  std::string detail;  // "HTTP 200", "connect: Connection refused", "timed out after 1s"
};

class Probe;
using ProbePtr = std::unique_ptr<Probe>;

// One probe URL. https:// does a TLS handshake without verifying the certificate: the probe asks
// "is it serving?", not "is it trusted?" (kubelet's HTTPS probes do the same).
class Probe final : public HealthCheck {
 public:
  // Parses the URL and resolves its host once. InvalidArgument for a bad URL or unknown host.
  // The timeout waits on `clock`, which must outlive the Probe.
  static Result<ProbePtr> create(const std::string& url, std::chrono::nanoseconds timeout,
                                 const Clock& clock);
  ~Probe() override;
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  // One attempt on the calling coroutine's executor. Never throws for network outcomes; keep
  // the Probe alive until it completes.
  asio::awaitable<ProbeResult> check() override;

  const std::string& url() const override { return url_; }
  std::chrono::nanoseconds timeout() const { return timeout_; }

 private:
  Probe(std::string url, scenarios::ProbeTarget target,
        std::vector<asio::ip::tcp::endpoint> endpoints, std::chrono::nanoseconds timeout,
        const Clock& clock);
  asio::awaitable<ProbeResult> attempt();

  std::string url_;
  scenarios::ProbeTarget target_;
  std::vector<asio::ip::tcp::endpoint> endpoints_;
  std::chrono::nanoseconds timeout_;
  const Clock& clock_;
  std::unique_ptr<asio::ssl::context> tls_;  // https only
};

}  // namespace outrider::harness
