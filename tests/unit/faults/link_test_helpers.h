#pragma once

// Real-socket helpers for the link fault tests: a tcp upstream (echo or one-shot source) on its
// own thread, a blocking client whose every read has a deadline, and a link on its own thread.

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/faults/link_proxy.h"
#include "outrider/faults/plan.h"
#include "planned_link_fault.h"

namespace outrider::faults::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

inline const asio::ip::address Loopback = asio::ip::make_address("127.0.0.1");

// Echo: every chunk read is written back; the arrival time of each chunk is recorded.
// Source: on accept, writes `payload` and half-closes, then waits for the client to close.
class TcpUpstream {
 public:
  enum class Mode { Echo, Source };

  explicit TcpUpstream(Mode mode, std::string payload = {})
      : mode_(mode), payload_(std::move(payload)), acceptor_(ctx_, {Loopback, 0}) {
    asio::co_spawn(ctx_, accept(), asio::detached);
    thread_ = std::thread([this] { ctx_.run(); });
  }
  ~TcpUpstream() {
    ctx_.stop();
    thread_.join();
  }
  TcpUpstream(const TcpUpstream&) = delete;
  TcpUpstream& operator=(const TcpUpstream&) = delete;

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::vector<Clock::time_point> arrivals() const {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }
  uint64_t bytesReceived() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  static constexpr auto UseTuple = asio::as_tuple(asio::use_awaitable);

  asio::awaitable<void> accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(UseTuple);
      if (ec) {
        co_return;
      }
      asio::co_spawn(ctx_, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (mode_ == Mode::Source) {
      co_await asio::async_write(socket, asio::buffer(payload_), UseTuple);
      socket.shutdown(tcp::socket::shutdown_send, ignored);
    }
    std::vector<char> buffer(64 * 1024);
    for (;;) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), UseTuple);
      if (n > 0) {
        {
          std::lock_guard lock(mutex_);
          arrivals_.push_back(Clock::now());
          received_ += n;
        }
        if (mode_ == Mode::Echo) {
          co_await asio::async_write(socket, asio::buffer(buffer.data(), n), UseTuple);
        }
      }
      if (ec) {
        if (mode_ == Mode::Echo) {
          socket.shutdown(tcp::socket::shutdown_send, ignored);
        }
        co_return;
      }
    }
  }

  Mode mode_;
  std::string payload_;
  asio::io_context ctx_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<Clock::time_point> arrivals_;
  uint64_t received_ = 0;
};

// A client whose reads all have deadlines (async ops driven by run_for), so a test that goes
// wrong fails instead of hanging.
class TestClient {
 public:
  struct Read {
    std::string data;
    boost::system::error_code ec;
    bool timed_out = false;
    std::vector<size_t> pieces;  // sizes of the reads that made up `data`
  };

  boost::system::error_code connect(uint16_t port) {
    boost::system::error_code ec;
    socket_.connect({Loopback, port}, ec);
    if (!ec) {
      socket_.set_option(tcp::no_delay(true), ec);
    }
    return ec;
  }

  boost::system::error_code send(const std::string& data) {
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(data), ec);
    return ec;
  }

  void shutdownSend() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Reads until `bytes` arrived (0: until EOF), an error, or the deadline.
  Read read(size_t bytes, std::chrono::milliseconds timeout) {
    Read result;
    const auto deadline = Clock::now() + timeout;
    std::vector<char> buffer(64 * 1024);
    while (bytes == 0 || result.data.size() < bytes) {
      const size_t want = bytes == 0 ? buffer.size()
                                     : std::min(buffer.size(), bytes - result.data.size());
      bool done = false;
      size_t got = 0;
      socket_.async_read_some(asio::buffer(buffer.data(), want),
                              [&](boost::system::error_code ec, size_t n) {
                                result.ec = ec;
                                got = n;
                                done = true;
                              });
      ctx_.restart();
      ctx_.run_until(deadline);
      if (!done) {
        socket_.cancel();
        ctx_.restart();
        ctx_.run();
        result.timed_out = true;
        result.data.append(buffer.data(), got);
        return result;
      }
      if (got > 0) {
        result.data.append(buffer.data(), got);
        result.pieces.push_back(got);
      }
      if (result.ec) {
        return result;
      }
    }
    return result;
  }

  // One HTTP response, within the deadline; nullopt on error or timeout.
  std::optional<boost::beast::http::response<boost::beast::http::string_body>> response(
      std::chrono::milliseconds timeout) {
    namespace http = boost::beast::http;
    http::response<http::string_body> response;
    bool done = false;
    boost::system::error_code error;
    http::async_read(socket_, buffer_, response, [&](boost::system::error_code ec, size_t) {
      error = ec;
      done = true;
    });
    ctx_.restart();
    ctx_.run_for(timeout);
    if (!done) {
      socket_.cancel();
      ctx_.restart();
      ctx_.run();
      return std::nullopt;
    }
    if (error) {
      return std::nullopt;
    }
    return response;
  }

  tcp::socket& socket() { return socket_; }

 private:
  asio::io_context ctx_;
  tcp::socket socket_{ctx_};
  boost::beast::flat_buffer buffer_;
};

// A link on its own io_context thread (with a work guard, as the runner has).
class LinkUnderTest {
 public:
  LinkUnderTest(uint16_t target_port, scenarios::LinkProtocol protocol) {
    LinkConfig config{"upstream", {"127.0.0.1", 0}, {"127.0.0.1", target_port}, protocol};
    auto link = LinkProxy::create(ctx_.get_executor(), clock_, std::move(config));
    EXPECT_TRUE(link.has_value()) << link.error().message;
    if (link) {
      link_ = std::move(*link);
      link_->start();
    }
    thread_ = std::thread([this] { ctx_.run(); });
  }
  ~LinkUnderTest() {
    if (link_) {
      link_->stop();
    }
    work_.reset();
    ctx_.stop();
    thread_.join();
  }
  LinkUnderTest(const LinkUnderTest&) = delete;
  LinkUnderTest& operator=(const LinkUnderTest&) = delete;

  LinkProxy& operator*() { return *link_; }
  LinkProxy* operator->() { return link_.get(); }
  uint16_t port() const { return link_->boundPort(); }

 private:
  const RealClock clock_;  // outlives the link
  asio::io_context ctx_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{ctx_.get_executor()};
  LinkProxyPtr link_;
  std::thread thread_;
};

// What most link-fault tests start from: a target, a link in front of it and a client for the
// link. Target: a TcpUpstream (tcp links) or a FakeHttpServer (http links).
template <class Target>
struct LinkPath {
  template <class... TargetArgs>
  explicit LinkPath(scenarios::LinkProtocol protocol, TargetArgs&&... target_args)
      : target(std::forward<TargetArgs>(target_args)...), link(target.port(), protocol) {}

  // Applies `fault` to the link, then connects the client through it.
  testing::AssertionResult applyAndConnect(const PlannedFault& fault) {
    if (auto applied = link->applyFault(fault); !applied) {
      return testing::AssertionFailure()
             << "apply " << fault.name << ": " << applied.error().message;
    }
    if (auto ec = client.connect(link.port())) {
      return testing::AssertionFailure() << "connect: " << ec.message();
    }
    return testing::AssertionSuccess();
  }

  Target target;
  LinkUnderTest link;
  TestClient client;
};

// A tcp link in front of an echo, or of a source of `payload`.
struct TcpLinkPath : LinkPath<TcpUpstream> {
  explicit TcpLinkPath(TcpUpstream::Mode mode = TcpUpstream::Mode::Echo, std::string payload = {})
      : LinkPath(scenarios::LinkProtocol::Tcp, mode, std::move(payload)) {}
};

inline std::string httpGet(const std::string& path, bool close = false) {
  return "GET " + path + " HTTP/1.1\r\nHost: link\r\n" + (close ? "Connection: close\r\n" : "") +
         "\r\n";
}

inline double millisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace outrider::faults::test
