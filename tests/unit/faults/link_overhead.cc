// What a link adds with no fault active: p50/p99 round trip of keep-alive HTTP requests at
// 1000 req/s on loopback, straight to the upstream and through a tcp link and an http link.
// A measurement program, not a test (not registered with ctest):
//   build-faults/tests/faults_link_overhead [requests=5000]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "fake_http_server.h"
#include "link_test_helpers.h"

namespace {

using namespace outrider::faults::test;
using namespace std::chrono_literals;

struct Figures {
  double p50 = 0;
  double p99 = 0;
  double max = 0;
};

Figures measure(uint16_t port, int requests) {
  TestClient client;
  if (client.connect(port)) {
    std::fprintf(stderr, "connect failed\n");
    std::exit(3);
  }
  const std::string request = httpGet("/");
  std::vector<double> micros;
  micros.reserve(static_cast<size_t>(requests));
  auto next = Clock::now();
  for (int i = 0; i < requests + 200; ++i) {  // the first 200 warm up
    std::this_thread::sleep_until(next);
    next += 1ms;
    const auto start = Clock::now();
    client.send(request);
    auto response = client.response(1s);
    if (!response) {
      std::fprintf(stderr, "request %d failed\n", i);
      std::exit(3);
    }
    if (i >= 200) {
      micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
  }
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[static_cast<size_t>(q * (micros.size() - 1))]; };
  return {at(0.50), at(0.99), micros.back()};
}

}  // namespace

int main(int argc, char** argv) {
  const int requests = argc > 1 ? std::atoi(argv[1]) : 5000;
  outrider::test::FakeHttpServer server;
  const Figures direct = measure(server.port(), requests);
  Figures tcp;
  Figures http;
  // Alternate the two links in rounds so drift on a shared machine hits both alike.
  for (int round = 0; round < 2; ++round) {
    for (auto protocol : {outrider::scenarios::LinkProtocol::Http,
                          outrider::scenarios::LinkProtocol::Tcp}) {
      LinkUnderTest link(server.port(), protocol);
      auto figures = measure(link.port(), requests / 2);
      auto& total = protocol == outrider::scenarios::LinkProtocol::Tcp ? tcp : http;
      total.p50 += figures.p50 / 2;
      total.p99 += figures.p99 / 2;
      total.max = std::max(total.max, figures.max);
    }
  }
  std::printf("%d keep-alive GETs at 1000 req/s, loopback, round trip in µs\n", requests);
  std::printf("  %-14s p50 %7.1f  p99 %7.1f  max %8.1f\n", "direct", direct.p50, direct.p99,
              direct.max);
  std::printf("  %-14s p50 %7.1f  p99 %7.1f  max %8.1f   added p50 %+6.1f  p99 %+6.1f\n",
              "via tcp link", tcp.p50, tcp.p99, tcp.max, tcp.p50 - direct.p50,
              tcp.p99 - direct.p99);
  std::printf("  %-14s p50 %7.1f  p99 %7.1f  max %8.1f   added p50 %+6.1f  p99 %+6.1f\n",
              "via http link", http.p50, http.p99, http.max, http.p50 - direct.p50,
              http.p99 - direct.p99);
  return 0;
}
