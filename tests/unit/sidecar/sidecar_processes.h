#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "child_process.h"

namespace outrider::sidecar::test {

using outrider::test::binPath;
using outrider::test::ChildProcess;

// Starts outrider-echo on 127.0.0.1:0 and reads its port from the announce line.
inline testing::AssertionResult startEcho(ChildProcess& echo, uint16_t& port,
                                          std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"--listen", "127.0.0.1:0"});
  if (auto started = echo.start(binPath("outrider-echo"), args); !started) {
    return started;
  }
  std::map<std::string, uint16_t> ports;
  if (auto announced = echo.waitForAnnounce(ports); !announced) {
    return announced;
  }
  if (!ports.count("listening")) {
    return testing::AssertionFailure() << "outrider-echo announced no listening= port";
  }
  port = ports["listening"];
  return testing::AssertionSuccess();
}

struct ProxyPorts {
  uint16_t listen = 0;
  uint16_t admin = 0;
};

// Starts outrider-proxy on 127.0.0.1:0 in front of 127.0.0.1:upstream_port.
inline testing::AssertionResult startProxy(ChildProcess& proxy, uint16_t upstream_port,
                                           ProxyPorts& ports, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--upstream",
                             "127.0.0.1:" + std::to_string(upstream_port)});
  if (auto started = proxy.start(binPath("outrider-proxy"), args); !started) {
    return started;
  }
  std::map<std::string, uint16_t> announced;
  if (auto got = proxy.waitForAnnounce(announced); !got) {
    return got;
  }
  if (!announced.count("listening") || !announced.count("admin")) {
    return testing::AssertionFailure() << "outrider-proxy announce lacks listening= or admin=";
  }
  ports.listen = announced["listening"];
  ports.admin = announced["admin"];
  return testing::AssertionSuccess();
}

// A loopback port with nothing listening: bound once by the kernel, then released.
inline uint16_t closedPort() {
  boost::asio::io_context context;
  boost::asio::ip::tcp::acceptor acceptor(
      context, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

}  // namespace outrider::sidecar::test
