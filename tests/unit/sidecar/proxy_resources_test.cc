// outrider-proxy's resources under load it cannot refuse: bodies stream (time to first byte does
// not depend on body size, memory does not grow with it), stalled clients cost only their own
// buffers, and with descriptors exhausted the admin listener still answers.

#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "recording_upstream.h"
#include "sidecar_processes.h"
#include "test_http_client.h"

namespace outrider::sidecar::test {
namespace {

constexpr std::size_t MiB = 1024 * 1024;

// Resident memory of a process, from /proc (bytes; 0 when unreadable).
std::size_t residentBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::size_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
    status.ignore(4096, '\n');
  }
  return 0;
}

// CPU seconds (user + system) a process has used, from /proc/PID/stat.
double cpuSeconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close_paren = text.rfind(')');
  if (close_paren == std::string::npos) {
    return 0;
  }
  std::istringstream fields(text.substr(close_paren + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) {  // fields 3..13
    fields >> skip;
  }
  double user = 0;
  double system = 0;
  fields >> user >> system;
  return (user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The test process holds hundreds of sockets on both sides of the proxy.
void raiseOwnDescriptorLimit() {
  struct rlimit limit {};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

// Polls `condition` until it holds or the deadline passes (bounded in count and time; the pause
// between polls is a poll interval, not a synchronisation point).
template <class Condition>
bool eventually(Condition condition, Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int attempt = 0; attempt < 100000; ++attempt) {
    if (condition()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    ::poll(nullptr, 0, 10);
  }
  return false;
}

std::string pattern(std::size_t size, char seed) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    text[i] = static_cast<char>('a' + (i / 4096 + static_cast<std::size_t>(seed)) % 26);
  }
  return text;
}

// A 40 MB response: the client has its first body bytes while the upstream still holds back 39
// MB behind a gate, so nothing waited for the whole body. Then the whole body arrives intact.
TEST(ProxyStreamingTest, LargeResponseFirstByteBeforeUpstreamFinishes) {
  const std::string body = pattern(40 * MiB, 'x');
  RecordingUpstream upstream([&body](const RecordedRequest&) {
    ScriptedReply reply;
    reply.bytes = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\n\r\n" + body.substr(0, MiB);
    reply.after_gate = body.substr(MiB);
    return reply;
  });
  ChildProcess proxy;
  ProxyPorts ports;
  ASSERT_TRUE(startProxy(proxy, upstream.port(), ports));
  TestHttpClient client;
  ASSERT_TRUE(connectAndSendRaw(client, ports.listen, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string buffered;
  bool first_body_byte = false;
  for (int reads = 0; reads < 1000 && !first_body_byte; ++reads) {
    ASSERT_TRUE(client.readSome(buffered));
    const auto head_end = buffered.find("\r\n\r\n");
    first_body_byte = head_end != std::string::npos && buffered.size() > head_end + 4;
  }
  ASSERT_TRUE(first_body_byte);
  // The gate is still shut: at most the first MiB can have left the upstream.
  upstream.openGate();
  Response response;
  ASSERT_TRUE(client.read(response, Millis(20000)));
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body().size(), body.size());
  EXPECT_TRUE(response.body() == body);
}

// A 40 MB upload streams to the upstream as it comes and arrives whole.
TEST(ProxyStreamingTest, LargeUploadStreamsThrough) {
  RecordingUpstream upstream;
  ChildProcess proxy;
  ProxyPorts ports;
  ASSERT_TRUE(startProxy(proxy, upstream.port(), ports));
  const std::string body = pattern(40 * MiB, 'u');
  TestHttpClient client;
  ASSERT_TRUE(
      connectAndSendRaw(client, ports.listen,
                        "POST /up HTTP/1.1\r\nHost: x\r\nX-Test-Id: up\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body,
                        Millis(20000)));
  Response response;
  ASSERT_TRUE(client.read(response, Millis(20000)));
  EXPECT_EQ(response.body(), "id=up;conn=0");
  const auto seen = upstream.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].body == body);
}

// 300 clients stall mid-upload, each after 256 KiB of a 10 MB body: the proxy holds only its
// bounded buffers for them (RSS grows < 100 MB) and keeps serving others.
TEST(ProxyStreamingTest, StalledUploadsStayBounded) {
  raiseOwnDescriptorLimit();
  RecordingUpstream upstream;
  ChildProcess proxy;
  ProxyPorts ports;
  ASSERT_TRUE(startProxy(proxy, upstream.port(), ports));
  Response warm;
  ASSERT_TRUE(fetch(ports.listen, makeGet("/"), warm));
  const std::size_t before = residentBytes(proxy.pid());
  ASSERT_GT(before, 0u);
  constexpr int Clients = 300;
  const std::string sent = pattern(256 * 1024, 's');
  std::vector<std::unique_ptr<TestHttpClient>> clients;
  for (int i = 0; i < Clients; ++i) {
    auto client = std::make_unique<TestHttpClient>();
    ASSERT_TRUE(client->connect(ports.listen));
    ASSERT_TRUE(client->sendRaw("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n"
                                "\r\n" +
                                sent));
    clients.push_back(std::move(client));
  }
  // Every stalled upload has been relayed as far as the client sent it (the first may reuse the
  // warm-up's pooled connection).
  std::size_t relayed = 0;
  ASSERT_TRUE(eventually(
      [&] {
        relayed = 0;
        for (std::size_t c = 0; c < upstream.connections(); ++c) {
          relayed += upstream.raw(c).size() >= sent.size() ? 1 : 0;
        }
        return relayed == Clients;
      },
      Millis(20000)))
      << relayed << " of " << Clients << " uploads reached the upstream";
  const std::size_t during = residentBytes(proxy.pid());
  EXPECT_LT(during, before + 100 * MiB) << "RSS " << before << " -> " << during;
  Response response;
  ASSERT_TRUE(fetch(ports.listen, makeGet("/"), response));
  EXPECT_EQ(response.result_int(), 200);
  // When they go, the memory goes back to the system (the proxy trims its heap after a burst).
  clients.clear();
  std::size_t after = 0;
  EXPECT_TRUE(eventually(
      [&] {
        after = residentBytes(proxy.pid());
        return after < before + 8 * MiB;
      },
      Millis(10000)))
      << "RSS stayed at " << after;
  std::cerr << "proxy RSS: " << before / 1024 << " KiB idle, " << during / 1024 << " KiB with "
            << Clients << " stalled uploads, " << after / 1024 << " KiB after they closed\n";
}

// A client that requests 40 MB and never reads stalls its own exchange only.
TEST(ProxyStreamingTest, ClientThatDoesNotReadStallsOnlyItself) {
  const std::string big = pattern(40 * MiB, 'b');
  RecordingUpstream upstream([&big](const RecordedRequest& request) {
    return ScriptedReply{request.target == "/big" ? rawResponse(big) : rawResponse("small")};
  });
  ChildProcess proxy;
  ProxyPorts ports;
  ASSERT_TRUE(startProxy(proxy, upstream.port(), ports));
  TestHttpClient stuck;
  ASSERT_TRUE(connectAndSendRaw(stuck, ports.listen, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
  for (int i = 0; i < 20; ++i) {
    Response response;
    ASSERT_TRUE(fetch(ports.listen, makeGet("/small"), response, Millis(2000)));
    EXPECT_EQ(response.body(), "small");
  }
  EXPECT_LT(residentBytes(proxy.pid()), 40 * MiB);
}

// With 256 descriptors and 400 idle clients the proxy closes the newest connections at once
// (counted), /live answers within a second, it idles, and it serves again when they go.
TEST(ProxyOverloadTest, DescriptorExhaustionLeavesAdminAndRecovery) {
  raiseOwnDescriptorLimit();
  RecordingUpstream upstream;
  ChildProcess proxy;
  ASSERT_TRUE(proxy.start("/bin/sh", {"-c",
                                      "ulimit -n 256 && exec \"$0\" \"$@\"",
                                      binPath("outrider-proxy"), "--listen", "127.0.0.1:0",
                                      "--admin", "127.0.0.1:0", "--upstream",
                                      "127.0.0.1:" + std::to_string(upstream.port())}));
  std::map<std::string, uint16_t> announced;
  ASSERT_TRUE(proxy.waitForAnnounce(announced));
  const uint16_t listen = announced["listening"];
  const uint16_t admin = announced["admin"];

  std::vector<std::unique_ptr<TestHttpClient>> idle;
  for (int i = 0; i < 400; ++i) {
    auto client = std::make_unique<TestHttpClient>();
    ASSERT_TRUE(client->connect(listen));
    idle.push_back(std::move(client));
  }
  double overloaded = 0;
  ASSERT_TRUE(eventually(
      [&] {
        return scrapeMetric(admin, "outrider_proxy_downstream_overload_total", overloaded) &&
               overloaded > 0;
      },
      Millis(5000)));
  Response live;
  ASSERT_TRUE(fetch(admin, makeGet("/live"), live, Millis(1000)));
  EXPECT_EQ(live.result_int(), 200);

  const double cpu_before = cpuSeconds(proxy.pid());
  const auto wall_before = std::chrono::steady_clock::now();
  ::poll(nullptr, 0, 1000);  // a measuring window, not a synchronisation point
  const double cpu_share =
      (cpuSeconds(proxy.pid()) - cpu_before) /
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  EXPECT_LT(cpu_share, 0.10);

  idle.clear();
  ASSERT_TRUE(eventually(
      [&] {
        Response response;
        return fetch(listen, makeGet("/"), response, Millis(1000)) && response.result_int() == 200;
      },
      Millis(5000)));
  std::cerr << "closed on accept: " << overloaded << ", idle CPU " << cpu_share * 100 << "%\n";
}

}  // namespace
}  // namespace outrider::sidecar::test
