#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "forwarding.h"
#include "head_parser.h"
#include "message_rules.h"
#include "outrider/sidecar/connection_tracker.h"
#include "outrider/sidecar/upstream_pool.h"
#include "proxy_shared.h"

namespace outrider::sidecar {

// One downstream connection of the proxy: reads a request head, vets it, streams it with its body
// to a pooled upstream connection, then streams the response back, one exchange at a time. Lives
// in its coroutine frame on its worker's loop. Network errors and bad input end the exchange with
// a status or a close; nothing is thrown across it.
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
  enum class Phase { Idle, ReadingHeader, Connecting, Upstream, Writing, Closing };

  // How moving one body from one socket to another ended.
  enum class Relay {
    Done,
    ReadFailed,   // the source closed early, reset, or timed out
    WriteFailed,  // the destination closed, reset, or timed out
    BadBody,      // the source's framing broke (a bad chunk)
    TooLarge,     // past --max-body-size
  };

  // What the upstream exchange produced: a connection whose response head is parsed, or a status
  // of our own (0 when the client went away).
  struct Exchange {
    unsigned local_status = 0;
    std::string_view reason;
    UpstreamConnectionPtr connection;
    // The request body was not read to its end: the client connection cannot be reused.
    bool request_unfinished = false;
  };

  boost::asio::awaitable<bool> serveOne();
  // Reads and vets one request head; false when the connection should end (refusals answered).
  boost::asio::awaitable<bool> readRequestHead(RequestHeadParser& parser);
  // Sends the request (head, then its body as it streams in) and reads the response head, with
  // one retry on a fresh connection when nothing of the request could have been processed.
  boost::asio::awaitable<Exchange> exchange(RequestHeadParser& request,
                                            std::optional<ResponseHeadParser>& response);
  boost::asio::awaitable<bool> connectUpstream(UpstreamConnection& connection,
                                               MonotonicTime request_deadline);
  // Streams the body `parser` recognises in `in_buffer` (reading more from `in`) to `out`, after
  // `head` (sent with the first bytes), framed as `framing`. With `hold`, a message complete in
  // its first write leaves its bytes unconsumed in `in_buffer` (held = true) so it can be sent
  // again; the gathered write stays in wire_.
  template <class Parser>
  boost::asio::awaitable<Relay> relay(Parser& parser, boost::asio::ip::tcp::socket& in,
                                      boost::beast::flat_buffer& in_buffer,
                                      boost::asio::ip::tcp::socket& out, std::string_view head,
                                      Framing framing, std::uint64_t max_body, bool hold,
                                      bool& held, std::size_t& held_bytes, std::uint64_t* written);
  boost::asio::awaitable<void> reject(unsigned status, std::string_view reason);
  // Sends a response made by the proxy itself; false when the connection should end.
  boost::asio::awaitable<bool> sendLocalResponse(unsigned status, std::string_view body,
                                                 bool keep_alive, unsigned version,
                                                 std::string_view request_id);
  // Half-closes, then reads and drops what the client still sends (bounded in bytes and time)
  // so that closing does not reset the connection before the client has read our response.
  // Skipped after a clean response when nothing is unread.
  boost::asio::awaitable<void> lingerClose();
  void enterPhase(Phase phase, std::chrono::nanoseconds timeout);
  void closeUpstream(UpstreamConnectionPtr& connection);

  ProxyWorker& worker_;
  const ProxyOptions& options_;
  const HeadLimits limits_;
  // Upstream heads may be larger (64 KiB) than what clients may send.
  const HeadLimits upstream_limits_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::string client_address_;
  // The rendered head of the message being written (capacity reused across requests).
  std::string wire_head_;
  // The gathered buffers of one write; after a held request, what to send again on a retry.
  std::vector<boost::asio::const_buffer> wire_;
  BodyFramer framer_;
  Framing request_framing_ = Framing::None;
  std::string request_id_;
  Phase phase_ = Phase::Idle;
  bool timed_out_ = false;
  // The request was refused: the client may still be sending.
  bool rejected_ = false;
  // The upstream connection in use, so a deadline can cancel it.
  UpstreamConnection* upstream_ = nullptr;
};

}  // namespace outrider::sidecar
