#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

namespace outrider::sidecar {

// What one parser accepts before the message is refused.
struct HeadLimits {
  // The whole head, start line and fields (431 past it).
  std::size_t max_header_size = 16 * 1024;
  // Header fields in one head (431 past it; Envoy's max_headers_count is 100 too).
  std::size_t max_fields = 100;
  // The request line alone (414 past it).
  std::size_t max_request_line = 8 * 1024;
};

// Why a HeadParser stopped, beyond Beast's own errors.
enum class HeadProblem { None, TooManyFields, RequestLineTooLong };

// Beast's HTTP/1 parser driven for relaying rather than for buffering: the head lands in a
// header<> object (trailers never do: they are counted and dropped), and each body piece is a
// view into the caller's input buffer, so a body streams through without a copy. Views stay valid
// until the caller consumes or refills that buffer. De-chunking is Beast's; re-framing is ours.
template <bool IsRequest>
class HeadParser final : public boost::beast::http::basic_parser<IsRequest> {
 public:
  using Header = boost::beast::http::header<IsRequest, boost::beast::http::fields>;

  explicit HeadParser(const HeadLimits& limits) : limits_(limits) {
    this->header_limit(static_cast<std::uint32_t>(limits.max_header_size));
    // Streaming: the body length is never capped by the parser (callers apply their own limit).
    this->body_limit(boost::none);
  }

  const HeadLimits& limits() const { return limits_; }

  Header& head() { return head_; }
  bool startLineDone() const { return start_line_done_; }
  const Header& head() const { return head_; }
  HeadProblem problem() const { return problem_; }

  // Body bytes recognised by the last put() calls, in order.
  const std::vector<boost::asio::const_buffer>& pieces() const { return pieces_; }
  std::size_t pieceBytes() const { return piece_bytes_; }
  void clearPieces() {
    pieces_.clear();
    piece_bytes_ = 0;
  }
  // Body bytes seen so far, over the whole message.
  std::uint64_t bodyBytes() const { return body_bytes_; }
  std::size_t droppedTrailers() const { return trailers_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb method, string_view method_str,
                       string_view target, int version, error_code& ec) override {
    start_line_done_ = true;
    if constexpr (IsRequest) {
      // The method and target are the request line, less the version and two spaces.
      if (method_str.size() + target.size() + 10 > limits_.max_request_line) {
        problem_ = HeadProblem::RequestLineTooLong;
        ec = boost::beast::http::error::header_limit;
        return;
      }
      if (method == boost::beast::http::verb::unknown) {
        head_.method_string(method_str);
      } else {
        head_.method(method);
      }
      head_.target(target);
      head_.version(version);
    } else {
      (void)method, (void)method_str, (void)target, (void)version, (void)ec;
    }
  }

  void on_response_impl(int code, string_view reason, int version, error_code& ec) override {
    start_line_done_ = true;
    if constexpr (!IsRequest) {
      head_.result(static_cast<unsigned>(code));
      head_.reason(reason);
      head_.version(version);
    } else {
      (void)code, (void)reason, (void)version, (void)ec;
    }
  }

  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override {
    if (header_done_) {
      ++trailers_;  // a chunked trailer: never merged into the forwarded head
      if (trailers_ > limits_.max_fields) {
        problem_ = HeadProblem::TooManyFields;
        ec = boost::beast::http::error::header_limit;
      }
      return;
    }
    if (++fields_ > limits_.max_fields) {
      problem_ = HeadProblem::TooManyFields;
      ec = boost::beast::http::error::header_limit;
      return;
    }
    if (name != boost::beast::http::field::unknown) {
      head_.insert(name, value);
    } else {
      head_.insert(name_string, value);
    }
  }

  void on_header_impl(error_code&) override { header_done_ = true; }

  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}

  std::size_t on_body_impl(string_view body, error_code&) override {
    addPiece(body);
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    addPiece(body);
    return body.size();
  }

  void on_finish_impl(error_code&) override {}

  void addPiece(string_view body) {
    if (body.empty()) {
      return;
    }
    pieces_.emplace_back(body.data(), body.size());
    piece_bytes_ += body.size();
    body_bytes_ += body.size();
  }

  HeadLimits limits_;
  Header head_;
  std::vector<boost::asio::const_buffer> pieces_;
  std::size_t piece_bytes_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::size_t fields_ = 0;
  std::size_t trailers_ = 0;
  bool header_done_ = false;
  bool start_line_done_ = false;
  HeadProblem problem_ = HeadProblem::None;
};

using RequestHeadParser = HeadParser<true>;
using ResponseHeadParser = HeadParser<false>;

}  // namespace outrider::sidecar
