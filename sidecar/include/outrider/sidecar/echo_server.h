#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/sidecar/host_port.h"
#include "outrider/tls/context.h"

namespace outrider::sidecar {

// What outrider-echo answers. Requests may override status, latency and body size with the
// X-Echo-Status, X-Echo-Latency and X-Echo-Body-Size headers.
struct EchoOptions {
  HostPort listen{"127.0.0.1", 0};
  std::size_t body_size = 64;
  std::chrono::nanoseconds latency{0};
  unsigned status = 200;
  std::size_t threads = 1;
  // Close the connection silently (no "Connection: close") after this many responses; 0 never.
  // Reproduces the keep-alive race an upstream pool must survive.
  std::size_t max_requests_per_connection = 0;
  // The same request hygiene as the proxy (it sits in the pod under test and must not be the weak
  // link): head limits (431/414), framing rules (400/501/505), and deadlines for a connection
  // waiting for a request, a head in progress and a body that stops moving.
  std::size_t max_header_size = 16 * 1024;
  std::size_t max_headers = 100;
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(60);
  std::chrono::nanoseconds header_timeout = std::chrono::seconds(10);
  std::chrono::nanoseconds body_timeout = std::chrono::seconds(30);
  // SIGTERM: stop accepting, answer the requests in hand (with Connection: close), close idle
  // connections, exit once none is left or this long after.
  std::chrono::nanoseconds drain_timeout = std::chrono::seconds(5);
  // --credential-file: every reply but /healthz is 401 while this file holds no certificate
  // valid now (credential_file.h). Empty: no credential.
  std::string credential_file;
  // --error-rate: this fraction of requests (all but /healthz) answered error_status instead, the
  // n-th request's draw a hash of (seed, n): a seed gives the same errors at the same request
  // numbers. A known error rate for a canary's candidate or an SLO test; X-Echo-Status wins.
  double error_rate = 0;
  unsigned error_status = 503;
  uint64_t seed = 0;
  // --name: every reply carries X-Served-By: name (which service answered, for [load] expect to
  // catch a misroute). Empty: no such header.
  std::string name;
  // --tls-cert/--tls-key: serve TLS (files followed as they rotate); --tls-client-ca: require
  // client certificates that verify against it. An upstream for the proxy's upstream TLS.
  tls::Files tls;
};

class EchoState;
using EchoServerPtr = std::unique_ptr<class EchoServer>;

// The outrider-echo backend: an HTTP/1.1 keep-alive server for load tests. GET /healthz is 200
// "ok"; GET /headers returns the request's header block; every other path gets the configured
// response. Each response carries X-Echo-Connection (a per-process connection serial) and the
// request's X-Request-Id.
class EchoServer {
 public:
  static Result<EchoServerPtr> create(const EchoOptions& options, const Clock& clock);
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  boost::asio::ip::tcp::endpoint listenEndpoint() const;
  boost::asio::io_context& controlContext();

  // Serves until stop(); runs loop 0 on the calling thread.
  void run();
  // Stops every loop. Safe from any thread.
  void stop();
  // Graceful: no new connections, the requests in hand answered, then run() returns (at the
  // latest after drain_timeout). Safe from any thread; a second call does nothing more.
  void drain();

 private:
  explicit EchoServer(std::unique_ptr<EchoState> state);

  std::unique_ptr<EchoState> state_;
};

}  // namespace outrider::sidecar
