// outrider-proxy: the HTTP/1.1 reverse-proxy sidecar.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <random>

#include "flag_values.h"
#include "outrider/sidecar/proxy.h"
#include "program_clock.h"

namespace {

// Re-arms after each signal: the first starts the drain, later ones are reminders it runs.
void awaitSignals(boost::asio::signal_set& signals, outrider::sidecar::Proxy& proxy) {
  signals.async_wait([&signals, &proxy](const boost::system::error_code& ec, int signal) {
    if (ec) {
      return;
    }
    fmt::print(stderr, "outrider-proxy: signal {}, draining\n", signal);
    proxy.drain();
    awaitSignals(signals, proxy);
  });
}

}  // namespace

int main(int argc, char** argv) {
  using namespace outrider::sidecar;
  ProxyOptions options;
  CLI::App app{"outrider-proxy: an HTTP/1.1 reverse-proxy sidecar with a keep-alive upstream "
               "pool, an admin listener (/ready, /live, /metrics) and a graceful SIGTERM drain"};
  exe::addHostPort(app, "--listen", options.listen, "Address to serve on; port 0 picks one");
  exe::addHostPort(app, "--upstream", options.upstream, "The upstream to forward to");
  exe::addHostPort(app, "--admin", options.admin, "Admin listener; port 0 picks one");
  exe::addDuration(app, "--request-timeout", options.request_timeout,
                   "Upstream round trip (and request body read) limit; 504 past it");
  exe::addDuration(app, "--idle-timeout", options.idle_timeout,
                   "Downstream keep-alive idle limit");
  exe::addDuration(app, "--header-timeout", options.header_timeout,
                   "Limit from a request's first byte to its full header; 408 past it");
  exe::addDuration(app, "--upstream-connect-timeout", options.upstream_connect_timeout,
                   "Upstream TCP connect limit");
  exe::addDuration(app, "--drain-timeout", options.drain_timeout,
                   "Longest graceful drain after SIGTERM/SIGINT");
  exe::addHeadLimits(app, options.max_header_size, options.max_headers);
  exe::addSize(app, "--max-body-size", options.max_body_size,
               "Largest request body, 413 past it; 0 for no limit (bodies stream)");
  exe::addSize(app, "--max-request-line", options.max_request_line,
               "Longest request line; 414 past it");
  exe::addSize(app, "--buffer-limit", options.buffer_limit,
               "Most bytes one connection buffers per direction (bodies stream through it)");
  app.add_option("--max-connections", options.max_connections,
                 "Open downstream connections; newer ones are closed at once. 0: as many as the "
                 "open-file limit allows with a reserve for the admin listener")
      ->capture_default_str();
  app.add_option("--threads", options.threads, "Event loop threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--pool-size", options.pool_size,
                 "Idle upstream keep-alive connections kept per thread")
      ->capture_default_str();
  app.add_option("--max-upstream-requests", options.max_upstream_requests,
                 "Concurrent upstream requests before answering 503")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_flag("--metrics-path-label", options.metrics_path_label,
               "Also count responses by request path on /metrics (one series per path: a "
               "cardinality flood, for showing what the harness catches; never for real use)");
  // TLS files are re-read when they change (a rotation); live connections keep their set.
  exe::addServerTls(app, options.downstream_tls,
                    "Serve TLS with this PEM certificate chain (leaf first); re-read when it "
                    "changes",
                    "Require client certificates that verify against this PEM bundle (mTLS)");
  app.add_option("--upstream-tls-ca", options.upstream_tls.ca,
                 "Speak TLS to the upstream and verify it against this PEM bundle (the name "
                 "checked is --upstream's host)")
      ->check(CLI::ExistingFile);
  exe::addCertAndKey(app, "upstream-tls-", options.upstream_tls.cert, options.upstream_tls.key,
                     "Client certificate presented to the upstream (PEM)");
  CLI11_PARSE(app, argc, argv);

  // The one place real time and real randomness enter; the clock-skew fault shifts the wall.
  const auto clock = outrider::exe::programClock("outrider-proxy");
  if (!clock) {
    return 2;
  }
  options.request_id_seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^
                            std::random_device{}();
  auto proxy = Proxy::create(options, *clock);
  if (!proxy) {
    fmt::print(stderr, "outrider-proxy: {}\n", proxy.error().message);
    return outrider::exitCodeFor(proxy.error().code);
  }
  boost::asio::signal_set signals((*proxy)->controlContext(), SIGINT, SIGTERM);
  awaitSignals(signals, **proxy);
  fmt::print("outrider-proxy listening={} admin={}\n", formatEndpoint((*proxy)->listenEndpoint()),
             formatEndpoint((*proxy)->adminEndpoint()));
  std::fflush(stdout);
  (*proxy)->run();
  return 0;
}
