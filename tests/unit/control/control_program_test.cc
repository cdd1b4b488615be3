// The outrider-control program: its announce line, exit codes, SIGTERM, and logs that never
// show a token or a key.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <csignal>
#include <map>

#include "child_process.h"
#include "control_test_support.h"
#include "outrider/control/v1/control.grpc.pb.h"
#include "test_http_client.h"

namespace outrider::control {
namespace {

using namespace std::chrono_literals;
using outrider::test::ChildProcess;
using testing::HasSubstr;

constexpr const char* Token = "program-test-token-7f3a";

std::string program() { return outrider::test::binDir() + "/outrider-control"; }

// The gRPC API as a node calls it, on the port the program announced.
class NodeClient {
 public:
  explicit NodeClient(uint16_t port)
      : stub_(v1::Control::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                       grpc::InsecureChannelCredentials()))) {}

  // Joins as `node`; later calls present the session.
  testing::AssertionResult join(const std::string& node) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    v1::JoinRequest request;
    request.set_token(Token);
    request.set_node_name(node);
    v1::JoinResponse response;
    const auto status = stub_->Join(&context, request, &response);
    if (!status.ok()) {
      return testing::AssertionFailure() << "Join: " << status.error_message();
    }
    session_ = response.session();
    return testing::AssertionSuccess();
  }
  // The first SVID of a new FetchX509 stream, the stream closed again.
  v1::X509Update fetchOnce() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    context.AddMetadata("authorization", "Bearer " + session_);
    auto reader = stub_->FetchX509(&context, v1::FetchX509Request());
    v1::X509Update update;
    EXPECT_TRUE(reader->Read(&update));
    context.TryCancel();
    reader->Finish();
    return update;
  }
  const std::string& session() const { return session_; }

 private:
  std::unique_ptr<v1::Control::Stub> stub_;
  std::string session_;
};

// One request to the admin listener on a fresh connection; its status.
unsigned adminCall(uint16_t port, boost::beast::http::verb verb, const std::string& target) {
  sidecar::test::TestHttpClient client;
  EXPECT_TRUE(client.connect(port));
  auto request = sidecar::test::makeGet(target);
  request.method(verb);
  request.keep_alive(false);
  sidecar::test::Response response;
  EXPECT_TRUE(client.roundTrip(request, response));
  return response.result_int();
}

class ControlProgramTest : public testing::Test {
 protected:
  void SetUp() override { test::writeText(dir_ / "tokens", std::string(Token) + "\n"); }
  // Runs the program through sh so its stderr lands in a file the test can read: `env` (say
  // OUTRIDER_CLOCK_SKEW=-2h) in its environment, `flags` and a state dir and the tokens file.
  testing::AssertionResult run(ChildProcess& child, const std::string& flags,
                               const std::string& log, const std::string& env = "",
                               const std::string& state = "state") {
    const std::string command = "exec " + (env.empty() ? "" : "env " + env + " ") + program() +
                                " " + flags + " --state-dir " + (dir_ / state).string() +
                                " --tokens " + (dir_ / "tokens").string() + " 2>" +
                                (dir_ / log).string();
    return child.start("/bin/sh", {"-c", command});
  }
  // Listening on both ports, which it announces.
  testing::AssertionResult start(ChildProcess& child, const std::string& extra = "",
                                 const std::string& log = "err.log", const std::string& env = "") {
    return run(child, "--listen 127.0.0.1:0 --admin 127.0.0.1:0 " + extra, log, env);
  }
  // SIGTERM, then the exit code (-1 when it did not exit within 5 s).
  static int stop(ChildProcess& child) {
    child.signal(SIGTERM);
    return exitCode(child);
  }
  static int exitCode(ChildProcess& child) {
    int code = -1;
    EXPECT_TRUE(child.waitForExit(code, 5000ms));
    return code;
  }
  test::TempDir dir_;
};

// The announce line names both ports; /ready answers; SIGTERM ends it with 0; the log of a join
// and a FetchX509 holds neither the token, the session nor a private key.
TEST_F(ControlProgramTest, ServesAnnouncesAndStopsCleanly) {
  using boost::beast::http::verb;
  ChildProcess child;
  ASSERT_TRUE(start(child));
  std::map<std::string, uint16_t> ports;
  ASSERT_TRUE(child.waitForAnnounce(ports));
  ASSERT_EQ(ports.count("listening"), 1u);
  ASSERT_EQ(ports.count("admin"), 1u);
  EXPECT_EQ(adminCall(ports["admin"], verb::get, "/ready"), 200u);
  NodeClient node(ports["listening"]);
  ASSERT_TRUE(node.join("node-p"));
  node.fetchOnce();
  EXPECT_EQ(stop(child), 0);
  const std::string log = test::readText(dir_ / "err.log");
  EXPECT_THAT(log, HasSubstr("node node-p joined"));
  EXPECT_THAT(log, testing::Not(HasSubstr(Token)));
  EXPECT_THAT(log, testing::Not(HasSubstr(node.session())));
  EXPECT_THAT(log, testing::Not(HasSubstr("PRIVATE KEY")));
}

// A gRPC port already taken is a host error: exit 3 (gRPC's SO_REUSEPORT is off).
TEST_F(ControlProgramTest, BusyPortExits3) {
  ChildProcess first;
  ASSERT_TRUE(start(first));
  std::map<std::string, uint16_t> ports;
  ASSERT_TRUE(first.waitForAnnounce(ports));
  ChildProcess second;
  ASSERT_TRUE(run(second, "--listen 127.0.0.1:" + std::to_string(ports["listening"]), "err2.log",
                  "", "state2"));
  EXPECT_EQ(exitCode(second), 3);
  EXPECT_THAT(test::readText(dir_ / "err2.log"), HasSubstr("cannot bind"));
}

// Usage and configuration errors exit 2: a missing flag, a corrupt state file (named).
TEST_F(ControlProgramTest, ConfigErrorsExit2) {
  {
    ChildProcess child;
    ASSERT_TRUE(child.start(program(), {"--state-dir", (dir_ / "state").string()}));
    EXPECT_EQ(exitCode(child), 2);
  }
  std::filesystem::create_directories(dir_ / "state");
  test::writeText(dir_ / "state" / "session.key", "not hex\n");
  ChildProcess child;
  ASSERT_TRUE(start(child));
  EXPECT_EQ(exitCode(child), 2);
  EXPECT_THAT(test::readText(dir_ / "err.log"), HasSubstr("session.key"));
}

// OUTRIDER_CLOCK_SKEW (the clock-skew fault): the whole program runs on the shifted wall clock,
// so what it issues is dated by it; the issuance switch of the real program's admin listener
// turns renewal off. A bad value is a start-up error naming the variable.
TEST_F(ControlProgramTest, ClockSkewDatesItsCertificatesAndIssuanceSwitchWorks) {
  using boost::beast::http::verb;
  ChildProcess child;
  ASSERT_TRUE(start(child, "--cert-ttl 1h", "err.log", "OUTRIDER_CLOCK_SKEW=-2h"));
  std::map<std::string, uint16_t> ports;
  ASSERT_TRUE(child.waitForAnnounce(ports));
  NodeClient node(ports["listening"]);
  ASSERT_TRUE(node.join("node-s"));
  const auto first = node.fetchOnce();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  // Issued "now" on a clock 2h behind: it expires about an hour before now (1h lifetime).
  EXPECT_NEAR(static_cast<double>(first.issued_unix_ms()), static_cast<double>(now_ms - 7200000),
              60000);
  EXPECT_NEAR(static_cast<double>(first.svid().not_after_unix_ms()),
              static_cast<double>(now_ms - 3600000), 60000);
  EXPECT_EQ(adminCall(ports["admin"], verb::post, "/issuance?mode=no-renewal"), 200u);
  EXPECT_EQ(node.fetchOnce().svid().serial_hex(), first.svid().serial_hex());
  EXPECT_EQ(adminCall(ports["admin"], verb::post, "/issuance?mode=normal"), 200u);
  EXPECT_NE(node.fetchOnce().svid().serial_hex(), first.svid().serial_hex());
  EXPECT_EQ(stop(child), 0);
  const std::string log = test::readText(dir_ / "err.log");
  EXPECT_THAT(log, HasSubstr("wall clock shifted by -2h (OUTRIDER_CLOCK_SKEW)"));
  EXPECT_THAT(log, HasSubstr("issuance normal -> no-renewal"));

  ChildProcess bad;
  ASSERT_TRUE(run(bad, "", "bad.log", "OUTRIDER_CLOCK_SKEW=2hours"));
  EXPECT_EQ(exitCode(bad), 2);
  EXPECT_THAT(test::readText(dir_ / "bad.log"), HasSubstr("OUTRIDER_CLOCK_SKEW=\"2hours\""));
}

}  // namespace
}  // namespace outrider::control
