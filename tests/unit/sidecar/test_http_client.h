#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include "child_process.h"

namespace outrider::sidecar::test {

namespace http = boost::beast::http;
using Millis = std::chrono::milliseconds;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

inline Request makeGet(std::string_view target,
                       const std::map<std::string, std::string>& headers = {}) {
  Request request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) {
    request.set(name, value);
  }
  return request;
}

// A blocking HTTP/1.1 client for tests: every operation takes a deadline and runs the private
// io_context only that long, cancelling the operation when it passes.
class TestHttpClient {
 public:
  testing::AssertionResult connect(uint16_t port, Millis timeout = Millis(2000)) {
    const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                  port);
    std::optional<boost::system::error_code> result;
    socket_.async_connect(endpoint, [&](const boost::system::error_code& ec) { result = ec; });
    if (!runFor(result, timeout)) {
      return testing::AssertionFailure() << "connect to " << port << " timed out";
    }
    if (*result) {
      return testing::AssertionFailure() << "connect to " << port << ": " << result->message();
    }
    return testing::AssertionSuccess();
  }

  testing::AssertionResult sendRaw(std::string_view bytes, Millis timeout = Millis(2000)) {
    std::optional<boost::system::error_code> result;
    const auto on_written = [&](const boost::system::error_code& ec, std::size_t) { result = ec; };
    boost::asio::async_write(socket_, boost::asio::buffer(bytes), on_written);
    if (!runFor(result, timeout)) {
      return testing::AssertionFailure() << "write timed out";
    }
    if (*result) {
      return testing::AssertionFailure() << "write: " << result->message();
    }
    return testing::AssertionSuccess();
  }

  testing::AssertionResult send(Request request, Millis timeout = Millis(2000)) {
    request.prepare_payload();
    std::optional<boost::system::error_code> result;
    http::async_write(socket_, request,
                      [&](const boost::system::error_code& ec, std::size_t) { result = ec; });
    if (!runFor(result, timeout)) {
      return testing::AssertionFailure() << "request write timed out";
    }
    if (*result) {
      return testing::AssertionFailure() << "request write: " << result->message();
    }
    return testing::AssertionSuccess();
  }

  testing::AssertionResult read(Response& response, Millis timeout = Millis(5000)) {
    std::optional<boost::system::error_code> result;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::async_read(socket_, buffer_, parser,
                     [&](const boost::system::error_code& ec, std::size_t) { result = ec; });
    if (!runFor(result, timeout)) {
      return testing::AssertionFailure() << "no response within " << timeout.count() << "ms";
    }
    if (*result) {
      return testing::AssertionFailure() << "response read: " << result->message();
    }
    response = parser.release();
    return testing::AssertionSuccess();
  }

  testing::AssertionResult roundTrip(const Request& request, Response& response,
                                     Millis timeout = Millis(5000)) {
    if (auto sent = send(request, timeout); !sent) {
      return sent;
    }
    return read(response, timeout);
  }

  // Reads once, whatever has arrived, into the client's buffer (a later read() parses it too);
  // returns everything buffered so far.
  testing::AssertionResult readSome(std::string& buffered, Millis timeout = Millis(5000)) {
    std::optional<boost::system::error_code> result;
    socket_.async_read_some(buffer_.prepare(64 * 1024),
                            [&](const boost::system::error_code& ec, std::size_t n) {
                              buffer_.commit(n);
                              result = ec;
                            });
    if (!runFor(result, timeout)) {
      return testing::AssertionFailure() << "nothing arrived within " << timeout.count() << "ms";
    }
    if (*result) {
      return testing::AssertionFailure() << "read: " << result->message();
    }
    buffered.assign(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    return testing::AssertionSuccess();
  }

  // Waits until the peer closes (EOF or reset), discarding anything it still sends.
  testing::AssertionResult waitForClose(Millis timeout = Millis(3000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::optional<boost::system::error_code> result;
      socket_.async_read_some(buffer_.prepare(4096),
                              [&](const boost::system::error_code& ec, std::size_t n) {
                                buffer_.commit(n);
                                result = ec;
                              });
      const auto left =
          std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !runFor(result, left)) {
        return testing::AssertionFailure() << "connection still open after " << timeout.count()
                                           << "ms";
      }
      if (*result) {
        return testing::AssertionSuccess();
      }
      buffer_.consume(buffer_.size());
    }
  }

 private:
  template <class T>
  bool runFor(std::optional<T>& result, Millis timeout) {
    context_.restart();
    context_.run_for(timeout);
    if (result.has_value()) {
      return true;
    }
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    context_.restart();
    context_.run();
    return false;
  }

  boost::asio::io_context context_;
  boost::asio::ip::tcp::socket socket_{context_};
  boost::beast::flat_buffer buffer_;
};

// One request on a fresh connection.
inline testing::AssertionResult fetch(uint16_t port, const Request& request, Response& response,
                                      Millis timeout = Millis(5000)) {
  TestHttpClient client;
  if (auto connected = client.connect(port, timeout); !connected) {
    return connected;
  }
  return client.roundTrip(request, response, timeout);
}

// `client` connected to `port` with `bytes` sent on it (a request the test reads, or never does).
inline testing::AssertionResult connectAndSendRaw(TestHttpClient& client, uint16_t port,
                                                  std::string_view bytes,
                                                  Millis send_timeout = Millis(2000)) {
  if (auto connected = client.connect(port); !connected) {
    return connected;
  }
  return client.sendRaw(bytes, send_timeout);
}

// `client` connected to `port`, one GET / answered on it: a keep-alive connection in use.
inline testing::AssertionResult connectAndGet(TestHttpClient& client, uint16_t port,
                                              Response& response) {
  if (auto connected = client.connect(port); !connected) {
    return connected;
  }
  return client.roundTrip(makeGet("/"), response);
}

// `requests` GETs of / one after another on one keep-alive connection to `port`, every one of
// them answered 200.
inline testing::AssertionResult getsInARowAnswer200(uint16_t port, int requests) {
  TestHttpClient client;
  if (auto connected = client.connect(port); !connected) {
    return connected;
  }
  for (int i = 0; i < requests; ++i) {
    Response response;
    if (auto answered = client.roundTrip(makeGet("/"), response); !answered) {
      return answered << " (request " << i << ")";
    }
    if (response.result_int() != 200) {
      return testing::AssertionFailure() << "request " << i << ": " << response.result_int();
    }
  }
  return testing::AssertionSuccess();
}

// The value of one sample ("name{labels}") in a Prometheus text exposition, or nullopt.
inline std::optional<double> metricValue(const std::string& exposition, std::string_view sample) {
  std::size_t at = 0;
  while ((at = exposition.find(sample, at)) != std::string::npos) {
    const bool line_start = at == 0 || exposition[at - 1] == '\n';
    const std::size_t after = at + sample.size();
    if (line_start && after < exposition.size() && exposition[after] == ' ') {
      return std::strtod(exposition.c_str() + after + 1, nullptr);
    }
    at = after;
  }
  return std::nullopt;
}

// Scrapes /metrics from the admin port and reads one sample.
inline testing::AssertionResult scrapeMetric(uint16_t admin_port, std::string_view sample,
                                             double& value) {
  Response response;
  if (auto got = fetch(admin_port, makeGet("/metrics"), response); !got) {
    return got;
  }
  const auto parsed = metricValue(response.body(), sample);
  if (!parsed) {
    return testing::AssertionFailure() << "no sample " << sample << " in /metrics";
  }
  value = *parsed;
  return testing::AssertionSuccess();
}

// Polls a metric until it equals `expected` or the deadline passes.
inline testing::AssertionResult waitForMetric(uint16_t admin_port, std::string_view sample,
                                              double expected, Millis timeout = Millis(3000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  double value = -1;
  // Bounded in count and time; the pause between scrapes is a poll interval, not a sync point.
  const auto attempts = timeout.count() / 5 + 1;
  for (int64_t attempt = 0; attempt < attempts; ++attempt) {
    if (scrapeMetric(admin_port, sample, value) && value == expected) {
      return testing::AssertionSuccess();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    ::poll(nullptr, 0, 5);
  }
  return testing::AssertionFailure() << sample << " is " << value << ", expected " << expected;
}

}  // namespace outrider::sidecar::test
