#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "outrider/sidecar/connection_tracker.h"
#include "outrider/sidecar/upstream_pool.h"
#include "proxy_shared.h"

namespace outrider::sidecar {

// One downstream connection of the proxy: reads requests, forwards each to a pooled upstream
// connection, writes the response back. Lives in its coroutine frame on its worker's loop.
// Network errors and bad input end the connection; nothing is thrown across it.
class DownstreamSession final : public TrackedConnection {
 public:
  DownstreamSession(ProxyWorker& worker, boost::asio::ip::tcp::socket socket);
  ~DownstreamSession() override;
  DownstreamSession(const DownstreamSession&) = delete;
  DownstreamSession& operator=(const DownstreamSession&) = delete;

  // Serves requests until the connection ends.
  boost::asio::awaitable<void> run();

  void onDeadline() override;
  void onDrain() override;

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  using ResponseParser = boost::beast::http::response_parser<boost::beast::http::string_body>;

  enum class Phase { Idle, ReadingHeader, ReadingBody, Connecting, Upstream, Writing, Closing };
  enum class ReadOutcome { Complete, Closed, BadRequest, HeaderTooLarge, BodyTooLarge, TimedOut };

  // What reading one upstream response produced.
  struct ResponseRead {
    boost::system::error_code ec;
    bool got_bytes = false;
  };

  // Serves one request; false when the connection should end.
  boost::asio::awaitable<bool> serveOne();
  boost::asio::awaitable<ReadOutcome> readRequest(RequestParser& parser);
  // Forwards the request; returns 0 once `parser` holds the response, else the status to send.
  boost::asio::awaitable<unsigned> forward(const Request& request,
                                           std::optional<ResponseParser>& parser);
  boost::asio::awaitable<ResponseRead> readResponse(UpstreamConnection& connection, bool head,
                                                    std::optional<ResponseParser>& parser);
  boost::asio::awaitable<void> reject(ReadOutcome outcome);
  // Sends a response made by the proxy itself; false when the connection should end.
  boost::asio::awaitable<bool> sendLocalResponse(unsigned status, std::string_view body,
                                                 bool keep_alive, unsigned version,
                                                 std::string_view request_id);
  // Half-closes, then reads and drops what the client still sends (bounded in bytes and time)
  // so that closing does not reset the connection before the client has read our response.
  // Skipped after a clean response when nothing is unread.
  boost::asio::awaitable<void> lingerClose();
  void enterPhase(Phase phase, std::chrono::nanoseconds timeout);

  ProxyWorker& worker_;
  const ProxyOptions& options_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::string client_address_;
  // The rendered head of the message being written (capacity reused across requests).
  std::string wire_head_;
  // A response body string kept between requests so its capacity is reused.
  std::string body_cache_;
  Phase phase_ = Phase::Idle;
  bool timed_out_ = false;
  // The request was refused (4xx from readRequest): the client may still be sending.
  bool rejected_ = false;
  // The upstream connection in use, so a deadline can cancel it.
  UpstreamConnection* upstream_ = nullptr;
};

}  // namespace outrider::sidecar
