#pragma once

// A TLS HTTP/1.1 upstream on 127.0.0.1:0 with its own thread, answering every request "200 ok":
// its certificate (and, with a client CA, mTLS) from files, and what its side of each handshake
// saw: how many completed or failed, and the serial of each client certificate presented, so a
// test can tell a full handshake per connection and a rotated client certificate apart.
// `silent`: accept and never answer, a server that lets the handshake time out.

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "outrider/tls/context.h"
#include "outrider/tls/peer_certificate.h"

namespace outrider::test {

class FakeHttpsServer {
 public:
  // `files`: cert and key served; ca set: every client must present a certificate from it.
  explicit FakeHttpsServer(tls::Files files, bool silent = false)
      : silent_(silent), acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    auto context = tls::makeContext(tls::Role::Server, files);
    if (context) {
      context_ = std::move(*context);
    } else {
      error_ = context.error().message;
    }
    port_ = acceptor_.local_endpoint().port();
    boost::asio::co_spawn(io_, accept(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~FakeHttpsServer() {
    io_.stop();
    thread_.join();
  }

  FakeHttpsServer(const FakeHttpsServer&) = delete;
  FakeHttpsServer& operator=(const FakeHttpsServer&) = delete;

  bool ok() const { return context_ != nullptr; }
  const std::string& error() const { return error_; }
  uint16_t port() const { return port_; }
  uint64_t connections() const { return connections_.load(); }
  uint64_t handshakes() const { return handshakes_.load(); }
  uint64_t handshakeFailures() const { return handshake_failures_.load(); }
  uint64_t requests() const { return requests_.load(); }
  // Connections the client ended with close_notify (not a bare TCP close).
  uint64_t closeNotifies() const { return close_notifies_.load(); }
  // One per completed handshake with a client certificate, in order.
  std::vector<std::string> clientSerials() const {
    std::lock_guard lock(mutex_);
    return client_serials_;
  }

 private:
  using tcp = boost::asio::ip::tcp;
  using Stream = boost::asio::ssl::stream<tcp::socket>;
  static constexpr auto UseTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

  boost::asio::awaitable<void> accept() {
    std::vector<tcp::socket> held;  // silent: kept open, never read
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(UseTuple);
      if (ec) {
        co_return;
      }
      ++connections_;
      if (silent_ || !context_) {
        held.push_back(std::move(socket));
        continue;
      }
      boost::asio::co_spawn(io_, serve(std::move(socket)), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(tcp::socket socket) {
    namespace http = boost::beast::http;
    Stream stream(std::move(socket), *context_);
    auto [handshake_ec] = co_await stream.async_handshake(Stream::server, UseTuple);
    if (handshake_ec) {
      ++handshake_failures_;
      // Drain until the client closes: closing with its request unread would reset the
      // connection and could discard the alert before the client reads it.
      boost::system::error_code ignored;
      stream.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
      char sink[512];
      for (;;) {
        auto [ec, n] =
            co_await stream.next_layer().async_read_some(boost::asio::buffer(sink), UseTuple);
        if (ec) {
          co_return;
        }
      }
    }
    if (auto client = tls::peerValidity(stream.native_handle())) {
      std::lock_guard lock(mutex_);
      client_serials_.push_back(client->serial_hex);
    }
    ++handshakes_;
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, UseTuple);
      if (read_ec) {
        // Beast reads the client's close_notify before a request as the end of the stream; a
        // bare TCP close is a truncated stream.
        if (read_ec == http::error::end_of_stream) {
          ++close_notifies_;
        }
        break;
      }
      ++requests_;
      static const std::string Response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      auto [write_ec, written] =
          co_await boost::asio::async_write(stream, boost::asio::buffer(Response), UseTuple);
      if (write_ec) {
        break;
      }
    }
    boost::system::error_code ignored;
    stream.next_layer().close(ignored);
  }

  const bool silent_;
  boost::asio::io_context io_;
  tls::ContextPtr context_;
  std::string error_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> connections_{0};
  std::atomic<uint64_t> handshakes_{0};
  std::atomic<uint64_t> handshake_failures_{0};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> close_notifies_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> client_serials_;
  std::thread thread_;
};

}  // namespace outrider::test
