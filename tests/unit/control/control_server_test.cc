// The control plane's gRPC server in-process on 127.0.0.1:0, as its clients see it: joins,
// streams, secrets, a restart, each fault mode, and hostile input.
#include "outrider/control/control_server.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <openssl/rand.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <future>
#include <thread>

#include "control_test_support.h"
#include "outrider/admin/admin_server.h"
#include "outrider/common/clock.h"
#include "outrider/control/admin_routes.h"
#include "outrider/control/v1/control.grpc.pb.h"
#include "test_http_client.h"

namespace outrider::control {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using grpc::StatusCode;
using testing::HasSubstr;

constexpr const char* Token = "join-token-1";

// Polls `condition` until it holds or `timeout` passes (the condition, not the sleep, decides).
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = 5000ms) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) {
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::chrono::system_clock::time_point in(std::chrono::milliseconds after) {
  return std::chrono::system_clock::now() + after;
}

class ControlServerTest : public testing::Test {
 protected:
  void SetUp() override {
    test::writeText(dir_ / "tokens", std::string("# test tokens\n") + Token + "\n");
    test::writeText(dir_ / "secrets.json", R"({"db": {"user": "app", "password": "s3cret"}})");
    options_.state_dir = dir_ / "state";
    options_.tokens_file = dir_ / "tokens";
    options_.secrets_file = dir_ / "secrets.json";
    options_.cert_ttl = 600s;
    options_.secret_ttl = 30s;
    thread_ = std::thread([this] { context_.run(); });
    startServer();
  }
  void TearDown() override {
    stopAdmin();
    stopServer();
    work_.reset();
    thread_.join();
  }

  void startServer() {
    registry_ = std::make_shared<prometheus::Registry>();
    auto server = ControlServer::create(options_, clock_, context_.get_executor(), *registry_);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    ASSERT_TRUE(server_->start());
    channel_ = newChannel();
    stub_ = v1::Control::NewStub(channel_);
  }
  void stopServer() {
    stub_.reset();
    channel_.reset();
    if (server_) {
      server_->stop();
      server_.reset();
    }
  }
  std::shared_ptr<grpc::Channel> newChannel() {
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(-1);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
    return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server_->port()),
                                     grpc::InsecureChannelCredentials(), args);
  }

  grpc::Status join(v1::JoinResponse& response, const std::string& token = Token,
                    std::chrono::milliseconds deadline = 5000ms,
                    v1::Control::Stub* stub = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(in(deadline));
    v1::JoinRequest request;
    request.set_token(token);
    request.set_node_name("node-a");
    return (stub != nullptr ? stub : stub_.get())->Join(&context, request, &response);
  }
  std::string session() {
    v1::JoinResponse response;
    const auto status = join(response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.session();
  }
  // A session for another node (join() joins as node-a).
  std::string sessionFor(const std::string& node) {
    grpc::ClientContext context;
    context.set_deadline(in(5000ms));
    v1::JoinRequest request;
    request.set_token(Token);
    request.set_node_name(node);
    v1::JoinResponse response;
    const auto status = stub_->Join(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.session();
  }
  // The first SVID of a new stream (a rotation opens one), the stream closed again.
  v1::X509Update fetchOnce(const std::string& credential) {
    auto stream = openStream(credential);
    EXPECT_TRUE(stream->reader->Read(&stream->first));
    stream->context.TryCancel();
    stream->reader->Finish();
    return stream->first;
  }
  // A good Join on a fresh connection: the server still serves.
  testing::AssertionResult stillServes() {
    auto channel = newChannel();
    auto stub = v1::Control::NewStub(channel);
    v1::JoinResponse response;
    const auto status = join(response, Token, 5000ms, stub.get());
    if (!status.ok() || response.session().empty()) {
      return testing::AssertionFailure()
             << "Join: " << status.error_code() << " " << status.error_message();
    }
    return testing::AssertionSuccess();
  }
  double metric(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    for (const auto& family : registry_->Collect()) {
      if (family.name != name) {
        continue;
      }
      for (const auto& m : family.metric) {
        std::map<std::string, std::string> have;
        for (const auto& l : m.label) {
          have[l.name] = l.value;
        }
        bool match = true;
        for (const auto& [k, v] : labels) {
          match = match && have[k] == v;
        }
        if (match) {
          return family.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
        }
      }
    }
    return -1;
  }

  // The admin listener with the control plane's routes (as outrider-control serves them), on
  // context_'s thread.
  testing::AssertionResult startAdmin() {
    auto admin = admin::AdminServer::create(context_.get_executor(), clock_, admin::AdminOptions{});
    if (!admin) {
      return testing::AssertionFailure() << admin.error().message;
    }
    admin_ = std::move(*admin);
    addAdminRoutes(*admin_, *server_, registry_);
    admin_->start();
    return testing::AssertionSuccess();
  }
  // One request on a fresh connection, as the harness makes it.
  sidecar::test::Response adminCall(boost::beast::http::verb verb, const std::string& target) {
    sidecar::test::TestHttpClient client;
    EXPECT_TRUE(client.connect(admin_->endpoint().port()));
    auto request = sidecar::test::makeGet(target);
    request.method(verb);
    request.keep_alive(false);
    sidecar::test::Response response;
    EXPECT_TRUE(client.roundTrip(request, response));
    return response;
  }
  // Stopped on its own thread, then gone (before TearDown joins that thread).
  void stopAdmin() {
    if (!admin_) {
      return;
    }
    asio::post(context_, [this] { admin_->stop(); });
    std::promise<void> stopped;
    asio::post(context_, [&stopped] { stopped.set_value(); });
    stopped.get_future().wait();
    admin_.reset();
  }

  // An open FetchX509 stream, its first message read.
  struct OpenStream {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::X509Update>> reader;
    v1::X509Update first;
  };
  std::unique_ptr<OpenStream> openStream(const std::string& credential,
                                         std::vector<std::string> dns = {"localhost"}) {
    auto stream = std::make_unique<OpenStream>();
    stream->context.AddMetadata("authorization", "Bearer " + credential);
    stream->context.set_deadline(in(30000ms));
    v1::FetchX509Request request;
    for (auto& name : dns) {
      request.add_dns_names(name);
    }
    stream->reader = stub_->FetchX509(&stream->context, request);
    return stream;
  }

  test::TempDir dir_;
  ControlOptions options_;
  RealClock clock_;
  asio::io_context context_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{context_.get_executor()};
  std::thread thread_;
  std::shared_ptr<prometheus::Registry> registry_;
  ControlServerPtr server_;
  admin::AdminServerPtr admin_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Control::Stub> stub_;
};

// A good token gets the SPIFFE ID and a session that expires later.
TEST_F(ControlServerTest, JoinReturnsIdentityAndSession) {
  v1::JoinResponse response;
  const auto status = join(response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.spiffe_id(), "spiffe://outrider.local/node/node-a");
  EXPECT_FALSE(response.session().empty());
  EXPECT_GT(response.session_expires_unix_ms(),
            std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count());
  EXPECT_EQ(metric("outrider_control_calls_total", {{"method", "Join"}, {"code", "OK"}}), 1);
}

// A wrong token: UNAUTHENTICATED and an empty reply (no session, no key material).
TEST_F(ControlServerTest, WrongTokenIsUnauthenticatedWithNothing) {
  v1::JoinResponse response;
  const auto status = join(response, "not-the-token");
  EXPECT_EQ(status.error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(response.ByteSizeLong(), 0u);
  EXPECT_THAT(status.error_message(), testing::Not(HasSubstr("not-the-token")));
  EXPECT_TRUE(stillServes());
}

// The stream's first message comes at once: an SVID whose key matches it, issued by the bundle.
TEST_F(ControlServerTest, FetchX509FirstMessageIsAMatchingSvid) {
  auto stream = openStream(session(), {"localhost", "node-a.svc"});
  ASSERT_TRUE(stream->reader->Read(&stream->first));
  const auto& svid = stream->first.svid();
  EXPECT_EQ(svid.spiffe_id(), "spiffe://outrider.local/node/node-a");
  EXPECT_TRUE(test::keyMatches(svid.cert_chain_pem(), svid.private_key_pem()));
  EXPECT_EQ(stream->first.bundle_pem(), server_->stateDir().ca().certPem());
  auto cert = test::parseCert(svid.cert_chain_pem());
  auto root = test::parseCert(stream->first.bundle_pem());
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(root.get())), 1);
  EXPECT_THAT(test::subjectAltNames(cert.get()),
              testing::ElementsAre("URI:spiffe://outrider.local/node/node-a", "DNS:localhost",
                                   "DNS:node-a.svc", "IP:127.0.0.1"));
  EXPECT_EQ(svid.not_after_unix_ms() - svid.not_before_unix_ms(), (600 + 30) * 1000);
  EXPECT_GT(stream->first.issued_unix_ms(), 0);
  EXPECT_EQ(metric("outrider_control_certificates_issued_total"), 1);
  EXPECT_EQ(metric("outrider_control_streams_active"), 1);
  // The stream stays open: the re-issue hook pushes a second SVID on it.
  EXPECT_EQ(server_->reissueAll(), 1u);
  v1::X509Update second;
  ASSERT_TRUE(stream->reader->Read(&second));
  EXPECT_NE(second.svid().serial_hex(), svid.serial_hex());
  stream->context.TryCancel();
  EXPECT_EQ(stream->reader->Finish().error_code(), StatusCode::CANCELLED);
  EXPECT_TRUE(eventually([&] { return metric("outrider_control_streams_active") == 0; }));
}

// How long a new stream waits for its first SVID (key generation, signing, the fsync of
// issued.json): p50 and p99 of 200 calls, recorded; only a generous bound is asserted.
TEST_F(ControlServerTest, FetchX509FirstMessageLatency) {
  const auto credential = session();
  std::vector<double> ms;
  for (int i = 0; i < 200; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto stream = openStream(credential);
    ASSERT_TRUE(stream->reader->Read(&stream->first));
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    stream->context.TryCancel();
    stream->reader->Finish();
  }
  std::sort(ms.begin(), ms.end());
  const double p50 = ms[ms.size() / 2];
  const double p99 = ms[ms.size() * 99 / 100];
  RecordProperty("first_svid_p50_ms", std::to_string(p50));
  RecordProperty("first_svid_p99_ms", std::to_string(p99));
  std::printf("FetchX509 first message: p50 %.2f ms, p99 %.2f ms\n", p50, p99);
  EXPECT_LT(p99, 1000.0);
  EXPECT_EQ(server_->stateDir().issuedCount(), 200u);
}

// FetchX509 without a session, with a forged one, or with bad DNS names is refused.
TEST_F(ControlServerTest, FetchX509RefusesBadSessionsAndNames) {
  auto forged = openStream("v1.99999999999999.00.node-a");
  v1::X509Update update;
  EXPECT_FALSE(forged->reader->Read(&update));
  EXPECT_EQ(forged->reader->Finish().error_code(), StatusCode::UNAUTHENTICATED);
  auto bad = openStream(session(), {"bad name"});
  EXPECT_FALSE(bad->reader->Read(&update));
  EXPECT_EQ(bad->reader->Finish().error_code(), StatusCode::INVALID_ARGUMENT);
  std::vector<std::string> many(17, "localhost");
  auto too_many = openStream(session(), many);
  EXPECT_FALSE(too_many->reader->Read(&update));
  EXPECT_EQ(too_many->reader->Finish().error_code(), StatusCode::INVALID_ARGUMENT);
}

// A known secret with its TTL; an unknown one NOT_FOUND; without a session UNAUTHENTICATED.
TEST_F(ControlServerTest, FetchSecret) {
  const auto credential = session();
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + credential);
    v1::FetchSecretRequest request;
    request.set_name("db");
    v1::FetchSecretResponse response;
    ASSERT_TRUE(stub_->FetchSecret(&context, request, &response).ok());
    EXPECT_EQ(response.data().at("password"), "s3cret");
    EXPECT_EQ(response.ttl_ms(), 30000);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + credential);
    v1::FetchSecretRequest request;
    request.set_name("nope");
    v1::FetchSecretResponse response;
    EXPECT_EQ(stub_->FetchSecret(&context, request, &response).error_code(), StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    v1::FetchSecretRequest request;
    request.set_name("db");
    v1::FetchSecretResponse response;
    EXPECT_EQ(stub_->FetchSecret(&context, request, &response).error_code(),
              StatusCode::UNAUTHENTICATED);
  }
}

// After a restart on the same state dir: the same CA, and a session from before still works.
TEST_F(ControlServerTest, StateSurvivesRestart) {
  const auto credential = session();
  const auto ca_before = server_->stateDir().ca().certPem();
  stopServer();
  startServer();
  EXPECT_EQ(server_->stateDir().ca().certPem(), ca_before);
  auto stream = openStream(credential);
  ASSERT_TRUE(stream->reader->Read(&stream->first));
  EXPECT_EQ(stream->first.bundle_pem(), ca_before);
  stream->context.TryCancel();
  stream->reader->Finish();
}

// down: the port refuses (UNAVAILABLE), open streams end UNAVAILABLE; then it serves again.
TEST_F(ControlServerTest, FaultDown) {
  auto stream = openStream(session());
  ASSERT_TRUE(stream->reader->Read(&stream->first));
  ASSERT_TRUE(server_->setFault({FaultMode::Down, 0ns}));
  v1::X509Update update;
  EXPECT_FALSE(stream->reader->Read(&update));
  EXPECT_EQ(stream->reader->Finish().error_code(), StatusCode::UNAVAILABLE);
  auto channel = newChannel();
  auto stub = v1::Control::NewStub(channel);
  v1::JoinResponse response;
  EXPECT_EQ(join(response, Token, 2000ms, stub.get()).error_code(), StatusCode::UNAVAILABLE);
  EXPECT_EQ(server_->fault().affected_calls, 1u);
  EXPECT_EQ(metric("outrider_control_fault_mode", {{"mode", "down"}}), 1);
  ASSERT_TRUE(server_->setFault({FaultMode::None, 0ns}));
  EXPECT_TRUE(stillServes());
}

// hang: a call with a short deadline gets DEADLINE_EXCEEDED; a patient one is answered when
// the mode ends.
TEST_F(ControlServerTest, FaultHang) {
  ASSERT_TRUE(server_->setFault({FaultMode::Hang, 0ns}));
  v1::JoinResponse response;
  EXPECT_EQ(join(response, Token, 300ms).error_code(), StatusCode::DEADLINE_EXCEEDED);
  auto patient = std::async(std::launch::async, [this] {
    v1::JoinResponse late;
    return join(late, Token, 10000ms);
  });
  EXPECT_TRUE(eventually([&] { return server_->fault().affected_calls == 2; }));
  EXPECT_EQ(patient.wait_for(0ms), std::future_status::timeout);
  ASSERT_TRUE(server_->setFault({FaultMode::None, 0ns}));
  EXPECT_TRUE(patient.get().ok());
  EXPECT_EQ(metric("outrider_control_fault_affected_calls_total", {{"mode", "hang"}}), 2);
}

// error: calls are answered UNAVAILABLE and an open stream ends UNAVAILABLE.
TEST_F(ControlServerTest, FaultError) {
  auto stream = openStream(session());
  ASSERT_TRUE(stream->reader->Read(&stream->first));
  ASSERT_TRUE(server_->setFault({FaultMode::Error, 0ns}));
  v1::X509Update update;
  EXPECT_FALSE(stream->reader->Read(&update));
  EXPECT_EQ(stream->reader->Finish().error_code(), StatusCode::UNAVAILABLE);
  v1::JoinResponse response;
  const auto status = join(response);
  EXPECT_EQ(status.error_code(), StatusCode::UNAVAILABLE);
  EXPECT_EQ(server_->fault().affected_calls, 2u);
  EXPECT_EQ(metric("outrider_control_calls_total", {{"method", "Join"}, {"code", "UNAVAILABLE"}}),
            1);
  ASSERT_TRUE(server_->setFault({FaultMode::None, 0ns}));
  EXPECT_TRUE(join(response).ok());
}

// slow: each answer comes at least `latency` after the call.
TEST_F(ControlServerTest, FaultSlow) {
  ASSERT_TRUE(server_->setFault({FaultMode::Slow, 300ms}));
  const auto start = std::chrono::steady_clock::now();
  v1::JoinResponse response;
  ASSERT_TRUE(join(response).ok());
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 3000ms);
  const auto stream_start = std::chrono::steady_clock::now();
  auto stream = openStream(response.session());
  ASSERT_TRUE(stream->reader->Read(&stream->first));
  EXPECT_GE(std::chrono::steady_clock::now() - stream_start, 300ms);
  stream->context.TryCancel();
  stream->reader->Finish();
  EXPECT_EQ(server_->fault().affected_calls, 2u);
  RecordProperty(
      "slow_join_ms",
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

// The admin switches as the harness calls them: POST /fault, GET /fault, /metrics, /ready.
TEST_F(ControlServerTest, AdminFaultInterface) {
  ASSERT_TRUE(startAdmin());
  using boost::beast::http::verb;
  EXPECT_EQ(adminCall(verb::get, "/ready").result_int(), 200u);
  EXPECT_EQ(adminCall(verb::get, "/live").result_int(), 200u);
  const auto set = adminCall(verb::post, "/fault?mode=slow&latency=250ms");
  EXPECT_EQ(set.result_int(), 200u);
  EXPECT_THAT(set.body(), HasSubstr("\"mode\": \"slow\", \"latency_ms\": 250"));
  EXPECT_EQ(adminCall(verb::post, "/fault?mode=sideways").result_int(), 400u);
  ASSERT_TRUE(adminCall(verb::post, "/fault?mode=error").result_int() == 200u);
  v1::JoinResponse response;
  EXPECT_EQ(join(response).error_code(), StatusCode::UNAVAILABLE);
  EXPECT_THAT(adminCall(verb::get, "/fault").body(),
              testing::MatchesRegex("\\{\"mode\": \"error\", \"latency_ms\": 0, \"since_unix_ms\": "
                                    "[0-9]+, \"affected_calls\": 1\\}\n"));
  const auto metrics = adminCall(verb::get, "/metrics").body();
  EXPECT_THAT(metrics, HasSubstr("outrider_control_fault_affected_calls_total{mode=\"error\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("outrider_control_fault_mode{mode=\"error\"} 1"));
  EXPECT_THAT(metrics,
              HasSubstr("outrider_control_calls_total{code=\"UNAVAILABLE\",method=\"Join\"} 1"));
  EXPECT_EQ(adminCall(verb::post, "/fault?mode=none").result_int(), 200u);
  EXPECT_TRUE(join(response).ok());
  stopAdmin();
}

// X509_verify_cert of `leaf` against `root` alone, the way a TLS peer judges it (time included).
bool chainsTo(const std::string& leaf_pem, const std::string& root_pem) {
  auto leaf = test::parseCert(leaf_pem);
  auto root = test::parseCert(root_pem);
  if (!leaf || !root) {
    return false;
  }
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, root.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf.get(), nullptr);
  const bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

// no-renewal: a node that holds a certificate gets the very same one back on each new fetch
// (serial, NotAfter, key); one that holds none gets a fresh one `ttl` long; normal renews again.
TEST_F(ControlServerTest, NoRenewalReServesTheHeldCertificate) {
  const auto credential = session();
  const auto held = fetchOnce(credential);
  ASSERT_TRUE(server_->setIssuance({IssuanceMode::NoRenewal, 10s}));
  for (int rotation = 0; rotation < 2; ++rotation) {
    const auto again = fetchOnce(credential);
    EXPECT_EQ(again.svid().serial_hex(), held.svid().serial_hex());
    EXPECT_EQ(again.svid().not_after_unix_ms(), held.svid().not_after_unix_ms());
    EXPECT_EQ(again.svid().private_key_pem(), held.svid().private_key_pem());
    EXPECT_EQ(again.bundle_pem(), server_->stateDir().ca().certPem());
  }
  // A node without a certificate: a fresh one with the fault's ttl (10s, backdated 1s).
  const auto fresh = fetchOnce(sessionFor("node-b"));
  EXPECT_NE(fresh.svid().serial_hex(), held.svid().serial_hex());
  EXPECT_EQ(fresh.svid().not_after_unix_ms() - fresh.svid().not_before_unix_ms(), 11000);
  EXPECT_TRUE(chainsTo(fresh.svid().cert_chain_pem(), fresh.bundle_pem()));
  const auto state = server_->issuance();
  EXPECT_EQ(state.re_served, 2u);
  EXPECT_EQ(state.issued, 1u);
  EXPECT_EQ(state.wrong_ca, 0u);
  ASSERT_TRUE(state.last_not_after);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(
                state.last_not_after->time_since_epoch())
                .count(),
            fresh.svid().not_after_unix_ms());
  EXPECT_EQ(metric("outrider_control_certificates_re_served_total"), 2);
  EXPECT_EQ(metric("outrider_control_issuance_mode", {{"mode", "no-renewal"}}), 1);
  EXPECT_EQ(metric("outrider_control_certificate_last_not_after_seconds"),
            static_cast<double>(fresh.svid().not_after_unix_ms()) / 1000);
  // Back to normal: the next fetch is a real renewal with --cert-ttl.
  ASSERT_TRUE(server_->setIssuance({IssuanceMode::Normal, std::nullopt}));
  const auto renewed = fetchOnce(credential);
  EXPECT_NE(renewed.svid().serial_hex(), held.svid().serial_hex());
  EXPECT_EQ(renewed.svid().not_after_unix_ms() - renewed.svid().not_before_unix_ms(),
            (600 + 30) * 1000);
}

// wrong-ca: open streams are pushed a leaf of the second CA at once (it fails against the
// bundle, which stays the real CA, and chains to wrong-ca.pem), and a real one at the switch back.
TEST_F(ControlServerTest, WrongCaPushesAtOnceAndReverts) {
  auto stream = openStream(session());
  ASSERT_TRUE(stream->reader->Read(&stream->first));
  const std::string real_ca = server_->stateDir().ca().certPem();
  ASSERT_TRUE(chainsTo(stream->first.svid().cert_chain_pem(), real_ca));
  ASSERT_TRUE(server_->setIssuance({IssuanceMode::WrongCa, std::nullopt}));
  v1::X509Update wrong;
  ASSERT_TRUE(stream->reader->Read(&wrong));
  const std::string wrong_ca = test::readText(options_.state_dir / "wrong-ca.pem");
  ASSERT_FALSE(wrong_ca.empty());
  EXPECT_NE(wrong_ca, real_ca);
  EXPECT_EQ(wrong.bundle_pem(), real_ca);
  EXPECT_FALSE(chainsTo(wrong.svid().cert_chain_pem(), wrong.bundle_pem()));
  EXPECT_TRUE(chainsTo(wrong.svid().cert_chain_pem(), wrong_ca));
  EXPECT_TRUE(test::keyMatches(wrong.svid().cert_chain_pem(), wrong.svid().private_key_pem()));
  // A new fetch meanwhile gets the wrong CA's too.
  const auto fetched = fetchOnce(session());
  EXPECT_TRUE(chainsTo(fetched.svid().cert_chain_pem(), wrong_ca));
  EXPECT_EQ(server_->issuance().wrong_ca, 2u);
  EXPECT_EQ(metric("outrider_control_certificates_wrong_ca_total"), 2);
  ASSERT_TRUE(server_->setIssuance({IssuanceMode::Normal, std::nullopt}));
  v1::X509Update back;
  ASSERT_TRUE(stream->reader->Read(&back));
  EXPECT_TRUE(chainsTo(back.svid().cert_chain_pem(), real_ca));
  stream->context.TryCancel();
  stream->reader->Finish();
  // The same wrong CA after a restart: it was kept in the state dir.
  stopServer();
  startServer();
  ASSERT_TRUE(server_->setIssuance({IssuanceMode::WrongCa, std::nullopt}));
  EXPECT_TRUE(chainsTo(fetchOnce(session()).svid().cert_chain_pem(), wrong_ca));
}

// The issuance switch as the harness calls it: POST /issuance, GET /issuance, beside /fault.
TEST_F(ControlServerTest, AdminIssuanceInterface) {
  ASSERT_TRUE(startAdmin());
  using boost::beast::http::verb;
  const auto credential = session();
  const auto held = fetchOnce(credential);
  EXPECT_EQ(adminCall(verb::post, "/issuance?mode=sideways").result_int(), 400u);
  EXPECT_EQ(adminCall(verb::post, "/issuance?mode=no-renewal&ttl=1s").result_int(), 400u);
  const auto set = adminCall(verb::post, "/issuance?mode=no-renewal&ttl=10s");
  EXPECT_EQ(set.result_int(), 200u);
  EXPECT_THAT(set.body(), HasSubstr("\"mode\": \"no-renewal\", \"ttl_ms\": 10000"));
  // Combined with the outage switch: slow calls still get the held certificate.
  EXPECT_EQ(adminCall(verb::post, "/fault?mode=slow&latency=50ms").result_int(), 200u);
  EXPECT_EQ(fetchOnce(credential).svid().serial_hex(), held.svid().serial_hex());
  EXPECT_THAT(adminCall(verb::get, "/issuance").body(),
              testing::MatchesRegex(
                  "\\{\"mode\": \"no-renewal\", \"ttl_ms\": 10000, \"since_unix_ms\": [0-9]+, "
                  "\"re_served_certificates\": 1, \"wrong_ca_certificates\": 0, "
                  "\"issued_certificates\": 0, \"last_not_after_unix_ms\": " +
                  std::to_string(held.svid().not_after_unix_ms()) + "\\}\n"));
  EXPECT_THAT(adminCall(verb::get, "/metrics").body(),
              HasSubstr("outrider_control_issuance_mode{mode=\"no-renewal\"} 1"));
  EXPECT_EQ(adminCall(verb::post, "/fault?mode=none").result_int(), 200u);
  EXPECT_EQ(adminCall(verb::post, "/issuance?mode=normal").result_int(), 200u);
  EXPECT_NE(fetchOnce(credential).svid().serial_hex(), held.svid().serial_hex());
  stopAdmin();
}

// Random bytes on the gRPC port: the connection is closed, and the server serves on.
TEST_F(ControlServerTest, RandomBytesOnThePort) {
  sidecar::test::TestHttpClient raw;
  ASSERT_TRUE(raw.connect(server_->port()));
  std::string garbage(4096, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(garbage.data()), static_cast<int>(garbage.size()));
  ASSERT_TRUE(raw.sendRaw(garbage));
  EXPECT_TRUE(raw.waitForClose(std::chrono::milliseconds(5000)));
  EXPECT_TRUE(stillServes());
}

// A 100 MiB request gets RESOURCE_EXHAUSTED (the 64 KiB limit), and the server serves on.
TEST_F(ControlServerTest, OversizedMessage) {
  v1::JoinResponse response;
  const auto status = join(response, std::string(100u << 20, 't'), 20000ms);
  EXPECT_EQ(status.error_code(), StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_TRUE(stillServes());
}

// Streams opened and never read, and a connection that never speaks, do not stop others.
TEST_F(ControlServerTest, StreamsNeverReadAndSilentConnections) {
  const auto credential = session();
  std::vector<std::unique_ptr<OpenStream>> streams;
  for (int i = 0; i < 20; ++i) {
    streams.push_back(openStream(credential));
  }
  sidecar::test::TestHttpClient silent;
  ASSERT_TRUE(silent.connect(server_->port()));
  EXPECT_TRUE(eventually([&] { return metric("outrider_control_streams_active") == 20; }));
  EXPECT_TRUE(stillServes());
  for (auto& stream : streams) {
    stream->context.TryCancel();
    stream->reader->Finish();
  }
  EXPECT_TRUE(eventually([&] { return metric("outrider_control_streams_active") == 0; }));
}

// Every gRPC status after hostile input is counted; a bad node name is INVALID_ARGUMENT.
TEST_F(ControlServerTest, InvalidNodeName) {
  grpc::ClientContext context;
  v1::JoinRequest request;
  request.set_token(Token);
  request.set_node_name("Not Valid!");
  v1::JoinResponse response;
  EXPECT_EQ(stub_->Join(&context, request, &response).error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      metric("outrider_control_calls_total", {{"method", "Join"}, {"code", "INVALID_ARGUMENT"}}),
      1);
}

}  // namespace
}  // namespace outrider::control
