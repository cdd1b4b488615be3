#include <cstdlib>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "sidecar_processes.h"
#include "test_http_client.h"

namespace outrider::sidecar::test {
namespace {

// The first path to an executable wrk, or empty.
std::string findWrk() {
  for (const char* candidate : {"/usr/bin/wrk", "/usr/local/bin/wrk"}) {
    if (::access(candidate, X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

// A count wrk prints ("Non-2xx or 3xx responses: 12"); absent means zero.
uint64_t wrkCount(const std::string& output, const std::regex& pattern) {
  std::smatch match;
  return std::regex_search(output, match, pattern) ? std::stoull(match[1].str()) : 0;
}

// wrk -t1 -c16 -d10s through the proxy: every response 2xx and no socket error.
TEST(ProxyWrkTest, SixteenConnectionsTenSecondsWithoutErrors) {
  const std::string wrk = findWrk();
  if (wrk.empty()) {
    GTEST_SKIP() << "wrk is not installed";
  }
  ChildProcess echo;
  ChildProcess proxy;
  uint16_t echo_port = 0;
  ProxyPorts ports;
  ASSERT_TRUE(startEcho(echo, echo_port));
  ASSERT_TRUE(startProxy(proxy, echo_port, ports));

  ChildProcess load;
  ASSERT_TRUE(load.start(wrk, {"-t1", "-c16", "-d10s", "--latency",
                               "http://127.0.0.1:" + std::to_string(ports.listen) + "/"}));
  std::string output;
  ASSERT_TRUE(load.readAll(output, Millis(30000)));
  int exit_code = -1;
  ASSERT_TRUE(load.waitForExit(exit_code, Millis(5000)));
  ASSERT_EQ(exit_code, 0) << output;
  std::cerr << output;

  const uint64_t requests = wrkCount(output, std::regex(R"((\d+) requests in)"));
  EXPECT_GT(requests, 1000u) << output;
  EXPECT_EQ(wrkCount(output, std::regex(R"(Non-2xx or 3xx responses: (\d+))")), 0u) << output;
  const std::regex socket_errors(
      R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))");
  std::smatch match;
  if (std::regex_search(output, match, socket_errors)) {
    ADD_FAILURE() << "socket errors: " << match[0].str();
  }
  double served = 0;
  ASSERT_TRUE(scrapeMetric(ports.admin, R"(outrider_proxy_requests_total{code="2xx"})", served));
  EXPECT_GE(served, static_cast<double>(requests));
}

}  // namespace
}  // namespace outrider::sidecar::test
