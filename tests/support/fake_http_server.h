#pragma once

// A scriptable HTTP/1.1 upstream on 127.0.0.1:0 with its own thread (Envoy's FakeUpstream in
// miniature): each request's reply (delay, status, reset, close, hang) comes from a callback, so
// tests can build slow, failing and stalling targets with exact, known behaviour.

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <variant>

namespace outrider::test {

struct FakeRequest {
  uint64_t number = 0;  // 0-based, across all connections, in arrival order
  std::chrono::steady_clock::time_point arrived;
  std::string target;
};

struct FakeReply {
  enum class Action {
    Reply,  // answer with status and body
    Reset,  // send a TCP RST instead of a reply
    Close,  // close (FIN) without a reply
    Hang,   // never answer; keep the connection until the client drops it
  };
  Action action = Action::Reply;
  std::chrono::nanoseconds delay{0};  // before acting (service time, stall)
  int status = 200;
  std::string body = "ok";
  bool close_after = false;  // "Connection: close" and close once written
  std::string extra_headers;  // whole lines ("X-Served-By: app\r\n"), sent as given
};

using FakeBehaviour = std::function<FakeReply(const FakeRequest&)>;

class FakeHttpServer {
 public:
  // Binds 127.0.0.1:0 and starts serving on its own thread; behaviour runs on that thread.
  // idle_timeout > 0: close a keep-alive connection that waits that long for its next request.
  explicit FakeHttpServer(FakeBehaviour behaviour = {},
                          std::chrono::nanoseconds idle_timeout = std::chrono::nanoseconds(0))
      : behaviour_(std::move(behaviour)),
        idle_timeout_(idle_timeout),
        acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    boost::asio::co_spawn(io_, accept(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~FakeHttpServer() {
    io_.stop();
    thread_.join();
  }

  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  uint16_t port() const { return port_; }
  uint64_t requests() const { return requests_.load(); }
  uint64_t connections() const { return connections_.load(); }

  // A reply of `status` after `delay`, for every request.
  static FakeBehaviour fixed(std::chrono::nanoseconds delay, int status = 200) {
    return [delay, status](const FakeRequest&) {
      FakeReply reply;
      reply.delay = delay;
      reply.status = status;
      return reply;
    };
  }

  // `action` (a reset, a close, a hang) instead of every reply.
  static FakeBehaviour acting(FakeReply::Action action) {
    return [action](const FakeRequest&) {
      FakeReply reply;
      reply.action = action;
      return reply;
    };
  }

 private:
  using tcp = boost::asio::ip::tcp;

  boost::asio::awaitable<void> accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(UseTuple);
      if (ec) {
        co_return;
      }
      ++connections_;
      socket.set_option(tcp::no_delay(true), ec);
      boost::asio::co_spawn(io_, serve(std::move(socket)), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(tcp::socket socket) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    boost::asio::steady_timer timer(io_);
    for (;;) {
      http::request_parser<http::string_body> parser;
      boost::system::error_code read_ec;
      if (idle_timeout_.count() > 0) {
        using namespace boost::asio::experimental::awaitable_operators;
        timer.expires_after(idle_timeout_);
        auto first = co_await (http::async_read(socket, buffer, parser, UseTuple) ||
                               timer.async_wait(UseTuple));
        if (first.index() == 1) {
          boost::system::error_code ignored;
          socket.close(ignored);  // idle too long: the keep-alive close real servers do
          co_return;
        }
        read_ec = std::get<0>(std::get<0>(first));
      } else {
        auto [ec, read] = co_await http::async_read(socket, buffer, parser, UseTuple);
        read_ec = ec;
      }
      if (read_ec) {
        co_return;
      }
      FakeRequest request;
      request.number = requests_++;
      request.arrived = std::chrono::steady_clock::now();
      request.target = std::string(parser.get().target());
      FakeReply reply = behaviour_ ? behaviour_(request) : FakeReply{};
      if (reply.delay.count() > 0) {
        timer.expires_after(reply.delay);
        co_await timer.async_wait(UseTuple);
      }
      boost::system::error_code ec;
      switch (reply.action) {
        case FakeReply::Action::Reset:
          socket.set_option(boost::asio::socket_base::linger(true, 0), ec);
          socket.close(ec);
          co_return;
        case FakeReply::Action::Close:
          socket.shutdown(tcp::socket::shutdown_both, ec);
          socket.close(ec);
          co_return;
        case FakeReply::Action::Hang: {
          // Hold the connection until the client gives up on it.
          char byte = 0;
          co_await socket.async_read_some(boost::asio::buffer(&byte, 1), UseTuple);
          co_return;
        }
        case FakeReply::Action::Reply:
          break;
      }
      std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " Fake\r\n" +
                             "Content-Length: " + std::to_string(reply.body.size()) + "\r\n" +
                             (reply.close_after ? "Connection: close\r\n" : "") +
                             reply.extra_headers + "\r\n" + reply.body;
      auto [write_ec, written] =
          co_await boost::asio::async_write(socket, boost::asio::buffer(response), UseTuple);
      if (write_ec || reply.close_after) {
        socket.close(ec);
        co_return;
      }
    }
  }

  static constexpr auto UseTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

  boost::asio::io_context io_;
  FakeBehaviour behaviour_;
  std::chrono::nanoseconds idle_timeout_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> connections_{0};
  std::thread thread_;
};

}  // namespace outrider::test
