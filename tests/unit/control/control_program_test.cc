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

class ControlProgramTest : public testing::Test {
 protected:
  void SetUp() override { test::writeText(dir_ / "tokens", std::string(Token) + "\n"); }
  // Runs the program through sh so its stderr lands in a file the test can read.
  testing::AssertionResult start(ChildProcess& child, const std::string& extra = "",
                                 const std::string& log = "err.log") {
    const std::string command = "exec " + program() + " --listen 127.0.0.1:0 --admin 127.0.0.1:0" +
                                " --state-dir " + (dir_ / "state").string() + " --tokens " +
                                (dir_ / "tokens").string() + " " + extra + " 2>" +
                                (dir_ / log).string();
    return child.start("/bin/sh", {"-c", command});
  }
  test::TempDir dir_;
};

// The announce line names both ports; /ready answers; SIGTERM ends it with 0; the log of a join
// and a FetchX509 holds neither the token, the session nor a private key.
TEST_F(ControlProgramTest, ServesAnnouncesAndStopsCleanly) {
  ChildProcess child;
  ASSERT_TRUE(start(child));
  std::map<std::string, uint16_t> ports;
  ASSERT_TRUE(child.waitForAnnounce(ports));
  ASSERT_EQ(ports.count("listening"), 1u);
  ASSERT_EQ(ports.count("admin"), 1u);
  {
    sidecar::test::TestHttpClient client;
    ASSERT_TRUE(client.connect(ports["admin"]));
    auto request = sidecar::test::makeGet("/ready");
    request.keep_alive(false);
    sidecar::test::Response response;
    ASSERT_TRUE(client.roundTrip(request, response));
    EXPECT_EQ(response.result_int(), 200u);
  }
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(ports["listening"]),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::Control::NewStub(channel);
  std::string session;
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    v1::JoinRequest request;
    request.set_token(Token);
    request.set_node_name("node-p");
    v1::JoinResponse response;
    ASSERT_TRUE(stub->Join(&context, request, &response).ok());
    session = response.session();
  }
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    context.AddMetadata("authorization", "Bearer " + session);
    auto reader = stub->FetchX509(&context, v1::FetchX509Request());
    v1::X509Update update;
    ASSERT_TRUE(reader->Read(&update));
    context.TryCancel();
    reader->Finish();
  }
  child.signal(SIGTERM);
  int code = -1;
  ASSERT_TRUE(child.waitForExit(code, 5000ms));
  EXPECT_EQ(code, 0);
  const std::string log = test::readText(dir_ / "err.log");
  EXPECT_THAT(log, HasSubstr("node node-p joined"));
  EXPECT_THAT(log, testing::Not(HasSubstr(Token)));
  EXPECT_THAT(log, testing::Not(HasSubstr(session)));
  EXPECT_THAT(log, testing::Not(HasSubstr("PRIVATE KEY")));
}

// A gRPC port already taken is a host error: exit 3 (gRPC's SO_REUSEPORT is off).
TEST_F(ControlProgramTest, BusyPortExits3) {
  ChildProcess first;
  ASSERT_TRUE(start(first));
  std::map<std::string, uint16_t> ports;
  ASSERT_TRUE(first.waitForAnnounce(ports));
  ChildProcess second;
  const std::string command = "exec " + program() +
                              " --listen 127.0.0.1:" + std::to_string(ports["listening"]) +
                              " --state-dir " + (dir_ / "state2").string() + " --tokens " +
                              (dir_ / "tokens").string() + " 2>" + (dir_ / "err2.log").string();
  ASSERT_TRUE(second.start("/bin/sh", {"-c", command}));
  int code = -1;
  ASSERT_TRUE(second.waitForExit(code, 5000ms));
  EXPECT_EQ(code, 3);
  EXPECT_THAT(test::readText(dir_ / "err2.log"), HasSubstr("cannot bind"));
}

// Usage and configuration errors exit 2: a missing flag, a corrupt state file (named).
TEST_F(ControlProgramTest, ConfigErrorsExit2) {
  {
    ChildProcess child;
    ASSERT_TRUE(child.start(program(), {"--state-dir", (dir_ / "state").string()}));
    int code = -1;
    ASSERT_TRUE(child.waitForExit(code, 5000ms));
    EXPECT_EQ(code, 2);
  }
  std::filesystem::create_directories(dir_ / "state");
  test::writeText(dir_ / "state" / "session.key", "not hex\n");
  ChildProcess child;
  ASSERT_TRUE(start(child));
  int code = -1;
  ASSERT_TRUE(child.waitForExit(code, 5000ms));
  EXPECT_EQ(code, 2);
  EXPECT_THAT(test::readText(dir_ / "err.log"), HasSubstr("session.key"));
}

// OUTRIDER_CLOCK_SKEW (the clock-skew fault): the whole program runs on the shifted wall clock,
// so what it issues is dated by it; the issuance switch of the real program's admin listener
// turns renewal off. A bad value is a start-up error naming the variable.
TEST_F(ControlProgramTest, ClockSkewDatesItsCertificatesAndIssuanceSwitchWorks) {
  ChildProcess child;
  const std::string command = "exec env OUTRIDER_CLOCK_SKEW=-2h " + program() +
                              " --listen 127.0.0.1:0 --admin 127.0.0.1:0 --cert-ttl 1h" +
                              " --state-dir " + (dir_ / "state").string() + " --tokens " +
                              (dir_ / "tokens").string() + " 2>" + (dir_ / "err.log").string();
  ASSERT_TRUE(child.start("/bin/sh", {"-c", command}));
  std::map<std::string, uint16_t> ports;
  ASSERT_TRUE(child.waitForAnnounce(ports));
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(ports["listening"]),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::Control::NewStub(channel);
  std::string session;
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    v1::JoinRequest request;
    request.set_token(Token);
    request.set_node_name("node-s");
    v1::JoinResponse response;
    ASSERT_TRUE(stub->Join(&context, request, &response).ok());
    session = response.session();
  }
  const auto fetch = [&] {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    context.AddMetadata("authorization", "Bearer " + session);
    auto reader = stub->FetchX509(&context, v1::FetchX509Request());
    v1::X509Update update;
    EXPECT_TRUE(reader->Read(&update));
    context.TryCancel();
    reader->Finish();
    return update;
  };
  const auto admin = [&](const std::string& target) {
    sidecar::test::TestHttpClient client;
    EXPECT_TRUE(client.connect(ports["admin"]));
    auto request = sidecar::test::makeGet(target);
    request.method(boost::beast::http::verb::post);
    request.keep_alive(false);
    sidecar::test::Response response;
    EXPECT_TRUE(client.roundTrip(request, response));
    return response.result_int();
  };
  const auto first = fetch();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  // Issued "now" on a clock 2h behind: it expires about an hour before now (1h lifetime).
  EXPECT_NEAR(static_cast<double>(first.issued_unix_ms()), static_cast<double>(now_ms - 7200000),
              60000);
  EXPECT_NEAR(static_cast<double>(first.svid().not_after_unix_ms()),
              static_cast<double>(now_ms - 3600000), 60000);
  EXPECT_EQ(admin("/issuance?mode=no-renewal"), 200u);
  EXPECT_EQ(fetch().svid().serial_hex(), first.svid().serial_hex());
  EXPECT_EQ(admin("/issuance?mode=normal"), 200u);
  EXPECT_NE(fetch().svid().serial_hex(), first.svid().serial_hex());
  child.signal(SIGTERM);
  int code = -1;
  ASSERT_TRUE(child.waitForExit(code, 5000ms));
  EXPECT_EQ(code, 0);
  const std::string log = test::readText(dir_ / "err.log");
  EXPECT_THAT(log, HasSubstr("wall clock shifted by -2h (OUTRIDER_CLOCK_SKEW)"));
  EXPECT_THAT(log, HasSubstr("issuance normal -> no-renewal"));

  ChildProcess bad;
  const std::string bad_command = "exec env OUTRIDER_CLOCK_SKEW=2hours " + program() +
                                  " --state-dir " + (dir_ / "state").string() + " --tokens " +
                                  (dir_ / "tokens").string() + " 2>" + (dir_ / "bad.log").string();
  ASSERT_TRUE(bad.start("/bin/sh", {"-c", bad_command}));
  ASSERT_TRUE(bad.waitForExit(code, 5000ms));
  EXPECT_EQ(code, 2);
  EXPECT_THAT(test::readText(dir_ / "bad.log"), HasSubstr("OUTRIDER_CLOCK_SKEW=\"2hours\""));
}

}  // namespace
}  // namespace outrider::control
