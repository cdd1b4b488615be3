#pragma once

// The small HTTP/1.1 admin listener that outrider-control and outrider-secrets serve /ready,
// /live, /metrics and their switches on. Routes are (method, path) pairs; a handler runs on the
// server's executor and returns the whole reply. Connections have deadlines from the injected
// Clock and a cap, so a stuck health checker cannot hold the listener.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "outrider/common/clock.h"
#include "outrider/common/host_port.h"
#include "outrider/common/result.h"

namespace outrider::admin {

struct AdminRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // without the query
  std::string_view query;   // after '?', undecoded
  std::string_view body;
};

struct AdminReply {
  unsigned status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

using AdminHandler = std::function<AdminReply(const AdminRequest&)>;

// The value of `name` in an undecoded query ("a=1&b=2"), percent-decoded; empty when absent.
std::string queryValue(std::string_view query, std::string_view name);

struct AdminOptions {
  HostPort listen{"127.0.0.1", 0};
  std::size_t max_connections = 32;
  std::chrono::nanoseconds header_timeout = std::chrono::seconds(10);
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(60);
  std::size_t max_body = 64 * 1024;
};

class AdminServer {
 public:
  // Binds at once (so the port is known and a busy port is an error here); serves after start().
  static Result<std::unique_ptr<AdminServer>> create(const boost::asio::any_io_executor& executor,
                                                     const Clock& clock,
                                                     const AdminOptions& options);
  virtual ~AdminServer() = default;

  // Before start(). A GET route also answers HEAD.
  virtual void route(std::string method, std::string path, AdminHandler handler) = 0;
  virtual boost::asio::ip::tcp::endpoint endpoint() const = 0;
  virtual void start() = 0;
  // Closes the listener and every connection; safe from the executor's thread.
  virtual void stop() = 0;
};

using AdminServerPtr = std::unique_ptr<AdminServer>;

}  // namespace outrider::admin
