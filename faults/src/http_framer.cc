#include "http_framer.h"

#include <optional>

// Beast's parser trips GCC 12's -Wmaybe-uninitialized on a boost::optional it fills before use
// (seen with -fsanitize=address); the warning is in Beast's inlined code, not ours.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/verb.hpp>

namespace outrider::faults::detail {

namespace http = boost::beast::http;
using boost::beast::error_code;
using boost::beast::string_view;

namespace {

// Real headers reach tens of KiB (cookies, JWTs); past this the stream goes raw.
constexpr uint32_t HeaderLimit = 256 * 1024;

// A parser that stores nothing: it only has to know where things end.
template <bool IsRequest>
class FramingParser final : public http::basic_parser<IsRequest> {
 public:
  FramingParser() {
    this->header_limit(HeaderLimit);
    this->body_limit(boost::none);
  }
  http::verb method = http::verb::unknown;
  int status = 0;
  int version = 11;

 private:
  void on_request_impl(http::verb verb, string_view, string_view, int v, error_code&) override {
    method = verb;
    version = v;
  }
  void on_response_impl(int code, string_view, int v, error_code&) override {
    status = code;
    version = v;
  }
  void on_field_impl(http::field, string_view, string_view, error_code&) override {}
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code&) override { return body.size(); }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    return body.size();
  }
  void on_finish_impl(error_code&) override {}
};

}  // namespace

// One of the two parser kinds, behind one interface. Kept for the connection's life and rebuilt
// in place per message, so framing allocates nothing per request.
class HttpFramer::Parser {
 public:
  explicit Parser(bool requests) : requests_(requests) {}
  void reset() {
    if (requests_) {
      request_.emplace();
    } else {
      response_.emplace();
    }
  }
  size_t put(std::string_view data, error_code& ec) {
    auto buffer = boost::asio::const_buffer(data.data(), data.size());
    return requests_ ? request_->put(buffer, ec) : response_->put(buffer, ec);
  }
  void putEof(error_code& ec) {
    if (requests_) {
      request_->put_eof(ec);
    } else {
      response_->put_eof(ec);
    }
  }
  void skip(bool v) {
    if (!requests_) {
      response_->skip(v);
    }
  }
  bool gotSome() const { return requests_ ? request_->got_some() : response_->got_some(); }
  bool headerDone() const {
    return requests_ ? request_->is_header_done() : response_->is_header_done();
  }
  bool done() const { return requests_ ? request_->is_done() : response_->is_done(); }
  bool needEof() const { return requests_ ? request_->need_eof() : response_->need_eof(); }
  bool keepAlive() const { return requests_ ? request_->keep_alive() : response_->keep_alive(); }
  bool upgrade() const { return requests_ ? request_->upgrade() : response_->upgrade(); }
  http::verb method() const { return requests_ ? request_->method : http::verb::unknown; }
  int status() const { return requests_ ? 0 : response_->status; }
  int version() const { return requests_ ? request_->version : response_->version; }

 private:
  bool requests_;
  std::optional<FramingParser<true>> request_;
  std::optional<FramingParser<false>> response_;
};

HttpFramer::HttpFramer(bool requests)
    : requests_(requests), parser_(std::make_unique<Parser>(requests)) {}
HttpFramer::~HttpFramer() = default;
HttpFramer::HttpFramer(HttpFramer&&) noexcept = default;
HttpFramer& HttpFramer::operator=(HttpFramer&&) noexcept = default;

void HttpFramer::expectResponse(bool head_request, bool connect) {
  expected_.push_back({head_request, connect});
}

bool HttpFramer::inMessage() const { return in_message_; }

void HttpFramer::begin(std::vector<FrameEvent>& out) {
  parser_->reset();
  in_message_ = true;
  head_emitted_ = false;
  current_ = {};
  if (!requests_ && !expected_.empty()) {
    current_ = expected_.front();
    // A response to HEAD or a tunnel's 2xx to CONNECT carries no body whatever its header says.
    parser_->skip(current_.head_request || current_.connect);
  }
  ++messages_;
  out.push_back({FrameEvent::Type::Begin, 0, {}});
}

FrameHead HttpFramer::head() const {
  FrameHead h;
  h.version = parser_->version();
  h.keep_alive = parser_->keepAlive();
  h.upgrade = parser_->upgrade();
  if (requests_) {
    h.head_request = parser_->method() == http::verb::head;
    h.connect = parser_->method() == http::verb::connect;
  } else {
    h.status = parser_->status();
    h.head_request = current_.head_request;
    h.connect = current_.connect;
  }
  return h;
}

void HttpFramer::feed(std::string_view data, std::vector<FrameEvent>& out) {
  size_t offset = 0;
  while (offset < data.size()) {
    if (raw_) {
      out.push_back({FrameEvent::Type::Data, data.size() - offset, {}});
      return;
    }
    if (!in_message_) {
      begin(out);
    }
    // Beast wants a whole header (or chunk line) in one buffer: bytes it left unconsumed wait in
    // pending_ and go in again with what follows. They were reported as Data already.
    const size_t old = pending_.size();
    std::string_view input = data.substr(offset);
    if (old > 0) {
      pending_.append(input);
      input = pending_;
    }
    size_t consumed = 0;
    size_t emitted = offset;  // position in `data` reported so far
    auto emitTo = [&](size_t input_position) {
      const size_t position = offset + (input_position > old ? input_position - old : 0);
      if (position > emitted) {
        out.push_back({FrameEvent::Type::Data, position - emitted, {}});
        emitted = position;
      }
    };
    bool done = false;
    bool failed = false;
    while (consumed < input.size()) {
      error_code ec;
      const size_t n = parser_->put(input.substr(consumed), ec);
      consumed += n;
      if (ec == http::error::need_more) {
        break;
      }
      if (ec) {
        failed = true;
        break;
      }
      if (!head_emitted_ && parser_->headerDone()) {
        emitTo(consumed);
        out.push_back({FrameEvent::Type::Head, 0, head()});
        head_emitted_ = true;
      }
      if (parser_->done()) {
        done = true;
        break;
      }
      if (n == 0) {
        break;  // no progress without more input
      }
    }
    if (failed) {
      raw_ = true;
      pending_.clear();
      out.push_back({FrameEvent::Type::Raw, 0, {}});
      out.push_back({FrameEvent::Type::Data, data.size() - emitted, {}});
      return;
    }
    if (!done) {
      out.push_back({FrameEvent::Type::Data, data.size() - emitted, {}});
      pending_ = std::string(input.substr(consumed));
      return;
    }
    emitTo(consumed);
    FrameHead finished = head();
    out.push_back({FrameEvent::Type::End, 0, finished});
    offset = emitted;
    pending_.clear();
    in_message_ = false;
    const bool informational = !requests_ && finished.status >= 100 && finished.status < 200;
    if (!requests_ && !informational && !expected_.empty()) {
      expected_.pop_front();
    }
    // After an upgrade or a tunnel the bytes are no longer HTTP.
    const bool tunnel = requests_ ? (finished.upgrade || finished.connect)
                                  : (finished.status == 101 ||
                                     (finished.connect && finished.status / 100 == 2));
    if (tunnel) {
      raw_ = true;
    }
  }
}

void HttpFramer::feedEof(std::vector<FrameEvent>& out) {
  if (raw_ || !in_message_ || !parser_->gotSome()) {
    return;
  }
  if (!pending_.empty() || !parser_->needEof()) {
    return;  // cut short: the message never completes
  }
  error_code ec;
  parser_->putEof(ec);
  if (!ec && parser_->done()) {
    if (!head_emitted_) {
      out.push_back({FrameEvent::Type::Head, 0, head()});
    }
    out.push_back({FrameEvent::Type::End, 0, head()});
    in_message_ = false;
  }
}

}  // namespace outrider::faults::detail
