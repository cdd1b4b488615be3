#include "outrider/admin/admin_server.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "outrider/common/clock.h"
#include "outrider/common/manual_clock.h"
#include "test_http_client.h"

namespace outrider::admin {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using sidecar::test::makeGet;
using sidecar::test::Response;
using sidecar::test::TestHttpClient;

// Routes answered over loopback by a server on its own thread and the real clock.
class AdminServerTest : public testing::Test {
 protected:
  void SetUp() override {
    auto server = AdminServer::create(context_.get_executor(), clock_, AdminOptions{});
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    server_->route("GET", "/live", [](const AdminRequest&) {
      return AdminReply{200, "text/plain", "live\n"};
    });
    server_->route("POST", "/echo", [](const AdminRequest& request) {
      return AdminReply{200, "text/plain",
                        std::string(request.method) + " " + std::string(request.path) + " " +
                            queryValue(request.query, "v") + " " + std::string(request.body)};
    });
    server_->start();
    thread_ = std::thread([this] { context_.run(); });
  }
  void TearDown() override {
    asio::post(context_, [this] { server_->stop(); });
    work_.reset();
    thread_.join();
  }
  uint16_t port() const { return server_->endpoint().port(); }
  Response roundTrip(sidecar::test::Request request) {
    TestHttpClient client;
    Response response;
    EXPECT_TRUE(client.connect(port()));
    request.keep_alive(false);
    request.prepare_payload();
    EXPECT_TRUE(client.roundTrip(request, response));
    return response;
  }

  asio::io_context context_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{context_.get_executor()};
  RealClock clock_;
  AdminServerPtr server_;
  std::thread thread_;
};

// A route answers; its query and body reach the handler decoded.
TEST_F(AdminServerTest, RoutesAndQueryDecoding) {
  EXPECT_EQ(roundTrip(makeGet("/live")).body(), "live\n");
  auto post = makeGet("/echo?v=a%20b%2Bc+d&w=1");
  post.method(boost::beast::http::verb::post);
  post.body() = "payload";
  const auto response = roundTrip(post);
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response.body(), "POST /echo a b+c d payload");
}

// An unknown path is 404 listing the routes; a known path with another method is 405.
TEST_F(AdminServerTest, NotFoundAndMethodNotAllowed) {
  const auto missing = roundTrip(makeGet("/nope"));
  EXPECT_EQ(missing.result_int(), 404u);
  EXPECT_NE(missing.body().find("GET /live"), std::string::npos);
  const auto wrong = roundTrip(makeGet("/echo"));
  EXPECT_EQ(wrong.result_int(), 405u);
  EXPECT_NE(wrong.body().find("POST"), std::string::npos);
}

// HEAD on a GET route: the status and length of the GET, no body.
TEST_F(AdminServerTest, HeadAnswersLikeGetWithoutBody) {
  TestHttpClient client;
  ASSERT_TRUE(connectAndSendRaw(client, port(),
                                "HEAD /live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string raw;
  while (client.readSome(raw, std::chrono::milliseconds(2000))) {
  }
  EXPECT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw;
  EXPECT_NE(raw.find("Content-Length: 5"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("live"), std::string::npos) << raw;
}

// A connection that sends half a head is closed when the ManualClock passes its deadline, not
// before: the whole test runs on one thread, the clock moving only when told. The deadline is
// the idle one (20 s here): the server arms header_timeout only when bytes are already buffered
// as a read begins, so a first request's stalled head is held for idle_timeout.
TEST(AdminServerDeadlineTest, HalfAHeadIsClosedAtTheDeadline) {
  asio::io_context context;
  ManualClock clock;
  AdminOptions options;
  options.idle_timeout = 20s;
  options.header_timeout = 5s;
  auto server = AdminServer::create(context.get_executor(), clock, options);
  ASSERT_TRUE(server);
  (*server)->route("GET", "/live", [](const AdminRequest&) { return AdminReply{}; });
  (*server)->start();
  asio::ip::tcp::socket socket(context);
  socket.connect((*server)->endpoint());
  asio::write(socket, asio::buffer(std::string("GET /live HTTP/1.1\r\nHost: x\r\n")));
  bool closed = false;
  char byte = 0;
  socket.async_read_some(asio::buffer(&byte, 1),
                         [&](const boost::system::error_code& ec, std::size_t) { closed = !!ec; });
  const auto settle = [&] {
    for (int i = 0; i < 100 && context.poll() > 0; ++i) {
    }
  };
  // Let the server accept and start reading (bounded by real time only as a safety net).
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (clock.armedTimers() == 0 && std::chrono::steady_clock::now() < until) {
    context.run_for(10ms);
  }
  ASSERT_GT(clock.armedTimers(), 0u);
  clock.advance(19s, settle);
  settle();
  EXPECT_FALSE(closed);
  clock.advance(2s, settle);
  const auto closed_until = std::chrono::steady_clock::now() + 2s;
  while (!closed && std::chrono::steady_clock::now() < closed_until) {
    context.run_for(10ms);
  }
  EXPECT_TRUE(closed);
  (*server)->stop();
  settle();
}

}  // namespace
}  // namespace outrider::admin
