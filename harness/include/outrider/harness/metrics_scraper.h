#pragma once

// One process's `metrics` URL: an HTTP GET on a fresh loopback connection, bounded by a
// timeout and a reply size, whose body is parsed as the Prometheus text format. Every way a
// scrape can fail (connect, timeout, status, size, encoding, syntax) is an error that says so;
// none is read as an empty scrape.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/metrics/exposition.h"
#include "outrider/scenarios/placeholders.h"

namespace boost::asio::ssl {
class context;
}

namespace outrider::harness {

namespace asio = boost::asio;

struct ScrapeResult {
  std::optional<metrics::Exposition> exposition;  // nullopt: the scrape failed
  std::string error;  // "connect: Connection refused", "HTTP 503", "line 3, column 7: ..."
  size_t bytes = 0;   // of the reply's body
};

struct ScrapeOptions {
  // Below the one-second scrape interval, so a hung endpoint never has two scrapes in flight.
  std::chrono::nanoseconds timeout = std::chrono::milliseconds(800);
  size_t max_bytes = 16 * 1024 * 1024;
  metrics::ParseLimits limits;
};

class MetricsScraper;
using MetricsScraperPtr = std::unique_ptr<MetricsScraper>;

// https:// does a TLS handshake without verifying the certificate, as the probes do.
class MetricsScraper {
 public:
  // Parses the URL (http or https) and resolves its host once. InvalidArgument otherwise. The
  // timeout is a timer of `clock`, which must outlive the scraper.
  static Result<MetricsScraperPtr> create(const std::string& url, const Clock& clock,
                                          ScrapeOptions options = {});
  ~MetricsScraper();
  MetricsScraper(const MetricsScraper&) = delete;
  MetricsScraper& operator=(const MetricsScraper&) = delete;

  // One scrape on the calling coroutine's executor. Never throws for network outcomes; keep the
  // scraper alive until it completes.
  asio::awaitable<ScrapeResult> scrape();

  const std::string& url() const { return url_; }

 private:
  MetricsScraper(std::string url, scenarios::ProbeTarget target,
                 std::vector<asio::ip::tcp::endpoint> endpoints, const Clock& clock,
                 ScrapeOptions options);
  asio::awaitable<ScrapeResult> attempt();

  std::string url_;
  scenarios::ProbeTarget target_;
  std::vector<asio::ip::tcp::endpoint> endpoints_;
  const Clock& clock_;
  ScrapeOptions options_;
  std::unique_ptr<asio::ssl::context> tls_;  // https only
};

}  // namespace outrider::harness
