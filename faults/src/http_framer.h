#pragma once

// Finds HTTP/1.1 message boundaries in a byte stream without touching the bytes, so an http link
// can number requests, act per request (http-abort, per-request latency) and still forward
// everything verbatim. Beast's basic_parser does the parsing (Content-Length, chunked, HEAD,
// 1xx, until-EOF bodies); this only reports where each message begins, where its header ends and
// where it ends. Anything it cannot parse turns the stream opaque ("raw") from there on.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace outrider::faults::detail {

struct FrameHead {
  bool head_request = false;  // requests: HEAD (its response has no body)
  bool connect = false;       // requests: CONNECT
  bool keep_alive = true;
  bool upgrade = false;
  int status = 0;  // responses
  int version = 11;
};

struct FrameEvent {
  enum class Type {
    Begin,  // the first byte of a new message
    Data,   // `length` bytes of the current message, in stream order
    Head,   // the current message's header is complete (`head`)
    End,    // the current message is complete (`head` repeated)
    Raw,    // framing is lost: what follows is opaque data of the current message
  };
  Type type = Type::Data;
  size_t length = 0;
  FrameHead head;
};

class HttpFramer {
 public:
  // requests: frames client -> target (requests); else target -> client (responses).
  explicit HttpFramer(bool requests);
  ~HttpFramer();
  HttpFramer(HttpFramer&&) noexcept;
  HttpFramer& operator=(HttpFramer&&) noexcept;

  // Response framers: one call per request forwarded to the target, in order, so a response to
  // HEAD or CONNECT is framed without a body. Unmatched responses are framed as plain GET replies.
  void expectResponse(bool head_request, bool connect);

  // Appends the events for the next `data` of the stream. The Data lengths add up to data.size().
  void feed(std::string_view data, std::vector<FrameEvent>& out);
  // The stream ended: completes a body delimited by EOF.
  void feedEof(std::vector<FrameEvent>& out);

  bool raw() const { return raw_; }
  bool inMessage() const;
  uint64_t messages() const { return messages_; }  // messages begun

 private:
  class Parser;
  struct Expected {
    bool head_request = false;
    bool connect = false;
  };

  void begin(std::vector<FrameEvent>& out);
  FrameHead head() const;

  bool requests_;
  bool raw_ = false;
  bool in_message_ = false;
  bool head_emitted_ = false;
  uint64_t messages_ = 0;
  std::unique_ptr<Parser> parser_;  // rebuilt in place at each message's first byte
  std::string pending_;             // bytes of an unfinished header or chunk line
  std::deque<Expected> expected_;
  Expected current_;
};

}  // namespace outrider::faults::detail
