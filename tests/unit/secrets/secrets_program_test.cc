// The outrider-secrets program against the in-process fake control plane (real time): it writes
// a set, serves /ready and /metrics, logs no secret, restarts ready from disk without a control
// plane within 200 ms, and --oneshot exits 0 (a set) or 1 (none in time).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "fake_control.h"
#include "outrider/secrets/atomic_writer.h"
#include "run_program.h"
#include "test_dir.h"

namespace outrider::secrets {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::FakeControl;

// One GET on a fresh connection; the status code, or 0 when nothing answered. `body` gets the
// rest of the reply.
int httpGet(uint16_t port, const std::string& path, std::string* body = nullptr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return 0;
  }
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  (void)::write(fd, request.data(), request.size());
  std::string reply;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0;) {
    reply.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (body != nullptr) {
    *body = reply;
  }
  return reply.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(reply.c_str() + 9) : 0;
}

class SecretsProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = outrider::test::freshTestDir("secrets-program");
    fs::create_directories(root_);
    std::ofstream(root_ / "token") << FakeControl::Token << "\n";
    control_.useRealTime();
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<std::string> args(const std::string& control, std::vector<std::string> more = {}) {
    std::vector<std::string> argv{outrider::test::binDir() + "/outrider-secrets",
                                  "--control",
                                  control,
                                  "--token-file",
                                  (root_ / "token").string(),
                                  "--dir",
                                  (root_ / "creds").string(),
                                  "--admin",
                                  "127.0.0.1:0",
                                  "--seed",
                                  "7"};
    argv.insert(argv.end(), more.begin(), more.end());
    return argv;
  }
  // The admin port from the announce line (polled, bounded).
  uint16_t adminPort(const outrider::test::Program& program) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string out = program.currentOut();
      if (auto at = out.find("outrider-secrets admin=127.0.0.1:");
          at != std::string::npos && out.find('\n', at) != std::string::npos) {
        return static_cast<uint16_t>(std::atoi(out.c_str() + at + 33));
      }
      std::this_thread::sleep_for(1ms);  // a poll interval on a file, not a sync point
    }
    return 0;
  }
  bool waitForStatus(uint16_t port, const std::string& path, int status,
                     std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (httpGet(port, path) == status) {
        return true;
      }
      std::this_thread::sleep_for(1ms);
    }
    return false;
  }

  fs::path root_;
  FakeControl control_{60s};
};

// A run: set on disk with key.pem 0600, /ready 200, /metrics, SIGTERM exits 0, and no key,
// token or session in its stderr.
TEST_F(SecretsProgramTest, WritesASetServesAdminAndLogsNoSecrets) {
  outrider::test::Program program(args(control_.address()), root_ / "run");
  const uint16_t port = adminPort(program);
  ASSERT_NE(port, 0) << program.currentOut();
  ASSERT_TRUE(waitForStatus(port, "/ready", 200));
  EXPECT_EQ(httpGet(port, "/live"), 200);
  std::string metrics;
  EXPECT_EQ(httpGet(port, "/metrics", &metrics), 200);
  EXPECT_NE(metrics.find("outrider_secrets_ready 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("outrider_secrets_refresh_seconds_count 1"), std::string::npos);
  EXPECT_NE(metrics.find("outrider_secrets_fetch_failures_total{code=\"UNAVAILABLE\"} 0"),
            std::string::npos);
  struct stat key_stat {};
  ASSERT_EQ(::stat((root_ / "creds" / "key.pem").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600U);
  EXPECT_TRUE(readSet(root_ / "creds"));
  program.signal(SIGTERM);
  const auto result = program.wait(10s);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("wrote set serial"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("PRIVATE KEY"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(FakeControl::Token), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(control_.session()), std::string::npos) << result.err;
}

// SS-7: restarted over a valid set with the control plane gone, /ready is 200 within 200 ms of
// the program's start.
TEST_F(SecretsProgramTest, RestartIsReadyFromDiskWithin200ms) {
  {
    outrider::test::Program first(args(control_.address(), {"--oneshot"}), root_ / "first");
    const auto result = first.wait(10s);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  const std::string gone = control_.address();
  control_.shutdown();
  const auto began = std::chrono::steady_clock::now();
  outrider::test::Program second(args(gone), root_ / "second");
  const uint16_t port = adminPort(second);
  ASSERT_NE(port, 0);
  ASSERT_TRUE(waitForStatus(port, "/ready", 200, 2s));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - began);
  std::printf("ready from disk %lld ms after the start, without a control plane\n",
              static_cast<long long>(took.count()));
  EXPECT_LT(took, 200ms);
  second.signal(SIGTERM);
  const auto result = second.wait(10s);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.err.find("found set on disk"), std::string::npos) << result.err;
}

// --oneshot: a set and exit 0; with nothing answering, exit 1 after --oneshot-timeout.
TEST_F(SecretsProgramTest, OneshotExitsZeroWithASetAndOneWithout) {
  auto done =
      outrider::test::runProgram(args(control_.address(), {"--oneshot"}), root_ / "ok", 10s);
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_TRUE(readSet(root_ / "creds"));
  const std::string gone = control_.address();
  control_.shutdown();
  auto failed =
      outrider::test::runProgram(args(gone, {"--oneshot", "--oneshot-timeout", "1s",
                                             "--backoff-min", "100ms", "--backoff-max", "200ms"}),
                                 root_ / "fail", 10s);
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_NE(failed.err.find("code UNAVAILABLE"), std::string::npos) << failed.err;
}

// Usage errors exit 2.
TEST_F(SecretsProgramTest, UsageErrorsExitTwo) {
  auto missing = outrider::test::runProgram(
      {outrider::test::binDir() + "/outrider-secrets", "--dir", "x"}, root_ / "usage", 5s);
  EXPECT_EQ(missing.exit_code, 2);
  auto bad_node = outrider::test::runProgram(args("127.0.0.1:1", {"--node-name", "Bad_Name"}),
                                             root_ / "node", 5s);
  EXPECT_EQ(bad_node.exit_code, 2);
}

}  // namespace
}  // namespace outrider::secrets
