// outrider-echo: the HTTP/1.1 backend for load tests and game days.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <string>

#include "flag_values.h"
#include "outrider/sidecar/dependency_check.h"
#include "outrider/sidecar/echo_server.h"
#include "program_clock.h"

int main(int argc, char** argv) {
  using namespace outrider::sidecar;
  EchoOptions options;
  CLI::App app{"outrider-echo: an HTTP/1.1 keep-alive backend whose answers requests can steer "
               "with X-Echo-Status, X-Echo-Latency and X-Echo-Body-Size"};
  exe::addHostPort(app, "--listen", options.listen, "Address to serve on; port 0 picks one");
  exe::addSize(app, "--body-size", options.body_size, "Response body size");
  exe::addDuration(app, "--latency", options.latency, "Delay before each response");
  app.add_option("--status", options.status, "Response status")
      ->check(CLI::Range(200, 599))
      ->capture_default_str();
  app.add_option("--error-rate", options.error_rate,
                 "Answer this fraction of requests (not /healthz) with --error-status instead")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--error-status", options.error_status, "The status of --error-rate's replies")
      ->check(CLI::Range(400, 599))
      ->capture_default_str();
  app.add_option("--seed", options.seed,
                 "Seed of --error-rate's draws (the same seed, the same requests fail)");
  app.add_option("--name", options.name,
                 "Add X-Served-By: NAME to every reply (which service answered)");
  app.add_option("--threads", options.threads, "Event loop threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--max-requests-per-connection", options.max_requests_per_connection,
                 "Close a connection silently after this many responses; 0 never")
      ->capture_default_str();
  exe::addHeadLimits(app, options.max_header_size, options.max_headers);
  exe::addDuration(app, "--idle-timeout", options.idle_timeout,
                   "Keep-alive connection waiting for its next request");
  exe::addDuration(app, "--header-timeout", options.header_timeout,
                   "From a request's first byte to its full head; 408 past it");
  exe::addDuration(app, "--body-timeout", options.body_timeout,
                   "Longest pause in a request body (or in writing a response); 408 past it");
  exe::addDuration(app, "--drain-timeout", options.drain_timeout,
                   "Longest graceful drain after SIGTERM/SIGINT");
  app.add_option("--credential-file", options.credential_file,
                 "Answer 401 (but /healthz) while this file holds no certificate valid now");
  exe::addServerTls(app, options.tls,
                    "Serve TLS with this PEM certificate chain (re-read on change)",
                    "Require client certificates that verify against this PEM bundle");
  std::string depends_on;
  std::chrono::nanoseconds depends_on_timeout = std::chrono::seconds(2);
  app.add_option("--depends-on", depends_on,
                 "At start, before listening, one GET of this http:// URL (say, through the "
                 "egress sidecar); exit 1 when it fails");
  exe::addDuration(app, "--depends-on-timeout", depends_on_timeout,
                   "How long the --depends-on GET may take");
  CLI11_PARSE(app, argc, argv);

  if (!depends_on.empty()) {
    auto url = parseDependencyUrl(depends_on);
    if (!url) {
      fmt::print(stderr, "outrider-echo: --depends-on: {}\n", url.error().message);
      return 2;
    }
    auto answer = checkDependency(*url, depends_on_timeout);
    if (!answer) {
      fmt::print(stderr, "outrider-echo: --depends-on {} failed: {}; exiting 1\n", depends_on,
                 answer.error().message);
      return 1;
    }
    fmt::print(stderr, "outrider-echo: --depends-on {}: {}\n", depends_on, *answer);
  }

  // The one place real time enters; the clock-skew fault shifts the wall.
  const auto clock = outrider::exe::programClock("outrider-echo");
  if (!clock) {
    return 2;
  }
  auto server = EchoServer::create(options, *clock);
  if (!server) {
    fmt::print(stderr, "outrider-echo: {}\n", server.error().message);
    return outrider::exitCodeFor(server.error().code);
  }
  // The first signal drains (in-flight requests are answered), a second one stops at once.
  boost::asio::signal_set signals((*server)->controlContext(), SIGINT, SIGTERM);
  bool draining = false;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int) {
        if (ec) {
          return;
        }
        if (draining) {
          (*server)->stop();
          return;
        }
        draining = true;
        (*server)->drain();
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  fmt::print("outrider-echo listening={}\n", formatEndpoint((*server)->listenEndpoint()));
  std::fflush(stdout);
  (*server)->run();
  return 0;
}
