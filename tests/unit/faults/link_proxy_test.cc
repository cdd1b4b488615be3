#include "outrider/faults/link_proxy.h"

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace outrider::faults {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A blocking upstream on its own thread: accepts one connection, replies "<data>!" after the
// client half-closes, then half-closes itself.
class ShoutingUpstream {
 public:
  ShoutingUpstream() : acceptor_(ctx_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] {
      boost::system::error_code ec;
      tcp::socket socket(ctx_);
      acceptor_.accept(socket, ec);
      if (ec) {
        return;
      }
      std::string data;
      asio::read(socket, asio::dynamic_buffer(data), ec);  // until EOF
      std::string reply = data + "!";
      asio::write(socket, asio::buffer(reply), ec);
      socket.shutdown(tcp::socket::shutdown_send, ec);
    });
  }
  ~ShoutingUpstream() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::io_context ctx_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

class LinkProxyTest : public testing::Test {
 protected:
  void startLink(uint16_t target_port) {
    auto link =
        LinkProxy::create(ctx_.get_executor(), clock_,
                          LinkConfig{"upstream", {"127.0.0.1", 0}, {"127.0.0.1", target_port}});
    ASSERT_TRUE(link.has_value()) << link.error().message;
    link_ = std::move(*link);
    link_->start();
    thread_ = std::thread([this] { ctx_.run(); });
  }
  void TearDown() override {
    if (link_) {
      link_->stop();
    }
    ctx_.stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  const RealClock clock_;  // outlives the link
  asio::io_context ctx_;
  LinkProxyPtr link_;
  std::thread thread_;
};

// Bytes pass both ways and a client's half-close reaches the target.
TEST_F(LinkProxyTest, CopiesBothWaysWithHalfClose) {
  ShoutingUpstream upstream;
  startLink(upstream.port());
  asio::io_context client_ctx;
  tcp::socket client(client_ctx);
  client.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), link_->boundPort()));
  std::string payload(100000, 'x');
  asio::write(client, asio::buffer(payload));
  client.shutdown(tcp::socket::shutdown_send);
  std::string reply;
  boost::system::error_code ec;
  asio::read(client, asio::dynamic_buffer(reply), ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_EQ(reply, payload + "!");
  auto stats = link_->stats();
  EXPECT_EQ(stats.accepted, 1u);
  EXPECT_EQ(stats.bytes_upstream, payload.size());
  EXPECT_EQ(stats.bytes_downstream, payload.size() + 1);
}

// A target that is down shows up as a closed connection and a counted connect error.
TEST_F(LinkProxyTest, TargetDownClosesClientAndCounts) {
  uint16_t dead_port = 0;
  {
    asio::io_context tmp;
    tcp::acceptor probe(tmp, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    dead_port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  startLink(dead_port);
  asio::io_context client_ctx;
  tcp::socket client(client_ctx);
  client.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), link_->boundPort()));
  char byte = 0;
  boost::system::error_code ec;
  client.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_EQ(link_->stats().connect_errors, 1u);
}

// Binding a port that is taken fails at create(), naming the link.
TEST(LinkProxyCreateTest, TakenPortIsAnError) {
  asio::io_context ctx;
  const RealClock clock;
  tcp::acceptor taken(ctx, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto link = LinkProxy::create(
      ctx.get_executor(), clock,
      LinkConfig{"db", {"127.0.0.1", taken.local_endpoint().port()}, {"127.0.0.1", 1}});
  ASSERT_FALSE(link.has_value());
  EXPECT_NE(link.error().message.find("link db"), std::string::npos) << link.error().message;
}

}  // namespace
}  // namespace outrider::faults
