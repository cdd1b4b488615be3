#pragma once

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "outrider/tls/context.h"
#include "outrider/tls/peer_certificate.h"
#include "test_http_client.h"

namespace outrider::sidecar::test {

// A blocking HTTP/1.1-over-TLS client for tests (Asio's ssl::stream): every operation takes a
// deadline and runs the private io_context only that long, cancelling when it passes.
class TestTlsClient {
 public:
  explicit TestTlsClient(tls::ContextPtr context)
      : context_(std::move(context)), stream_(context_io_, *context_) {}

  ~TestTlsClient() {
    // Ended by framing, like the proxy's connections: the session stays resumable.
    SSL_set_shutdown(stream_.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }

  testing::AssertionResult connect(uint16_t port, Millis timeout = Millis(2000)) {
    const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
    std::optional<boost::system::error_code> result;
    stream_.next_layer().async_connect(endpoint,
                                       [&](const boost::system::error_code& ec) { result = ec; });
    if (!runFor(result, timeout)) {
      return testing::AssertionFailure() << "connect to " << port << " timed out";
    }
    if (*result) {
      return testing::AssertionFailure() << "connect to " << port << ": " << result->message();
    }
    return testing::AssertionSuccess();
  }

  // The handshake's error (success when it completed; a timeout is operation_aborted).
  boost::system::error_code handshake(SSL_SESSION* resume = nullptr,
                                      Millis timeout = Millis(3000)) {
    tls::setServerName(stream_.native_handle(), "localhost");
    if (resume != nullptr) {
      SSL_set_session(stream_.native_handle(), resume);
    }
    std::optional<boost::system::error_code> result;
    stream_.async_handshake(boost::asio::ssl::stream_base::client,
                            [&](const boost::system::error_code& ec) { result = ec; });
    if (!runFor(result, timeout)) {
      return boost::asio::error::operation_aborted;
    }
    return *result;
  }

  // Connects and completes the handshake.
  testing::AssertionResult open(uint16_t port, SSL_SESSION* resume = nullptr) {
    if (auto connected = connect(port); !connected) {
      return connected;
    }
    if (const auto ec = handshake(resume)) {
      return testing::AssertionFailure() << "TLS handshake: " << ec.message();
    }
    return testing::AssertionSuccess();
  }

  testing::AssertionResult roundTrip(Request request, Response& response,
                                     Millis timeout = Millis(5000)) {
    request.prepare_payload();
    std::optional<boost::system::error_code> written;
    http::async_write(stream_, request,
                      [&](const boost::system::error_code& ec, std::size_t) { written = ec; });
    if (!runFor(written, timeout)) {
      return testing::AssertionFailure() << "request write timed out";
    }
    if (*written) {
      return testing::AssertionFailure() << "request write: " << written->message();
    }
    std::optional<boost::system::error_code> read;
    http::response_parser<http::string_body> parser;
    http::async_read(stream_, buffer_, parser,
                     [&](const boost::system::error_code& ec, std::size_t) { read = ec; });
    if (!runFor(read, timeout)) {
      return testing::AssertionFailure() << "no response within " << timeout.count() << "ms";
    }
    if (*read) {
      return testing::AssertionFailure() << "response read: " << read->message();
    }
    response = parser.release();
    return testing::AssertionSuccess();
  }

  // The server refused this client: its handshake failed, or (TLS 1.3, where the server judges
  // the client's certificate after the client finished) its first exchange did.
  testing::AssertionResult refused(uint16_t port) {
    if (auto connected = connect(port); !connected) {
      return connected;
    }
    if (const auto ec = handshake()) {
      return testing::AssertionSuccess() << "handshake: " << ec.message();
    }
    Response response;
    if (auto answered = roundTrip(makeGet("/"), response); !answered) {
      return testing::AssertionSuccess() << answered.message();
    }
    return testing::AssertionFailure() << "served with status " << response.result_int();
  }

  std::optional<tls::CertificateValidity> peer() {
    return tls::peerValidity(stream_.native_handle());
  }
  bool resumed() { return SSL_session_reused(stream_.native_handle()) == 1; }
  // The session to resume later (owned by the caller: SSL_SESSION_free).
  SSL_SESSION* session() { return SSL_get1_session(stream_.native_handle()); }

 private:
  template <class T>
  bool runFor(std::optional<T>& result, Millis timeout) {
    context_io_.restart();
    context_io_.run_for(timeout);
    if (result.has_value()) {
      return true;
    }
    boost::system::error_code ignored;
    stream_.next_layer().cancel(ignored);
    context_io_.restart();
    context_io_.run();
    return false;
  }

  tls::ContextPtr context_;
  boost::asio::io_context context_io_;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace outrider::sidecar::test
