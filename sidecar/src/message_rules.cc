#include "message_rules.h"

#include <algorithm>
#include <cctype>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/url/parse.hpp>

namespace outrider::sidecar {
namespace {

namespace http = boost::beast::http;
namespace urls = boost::urls;

std::string_view view(boost::beast::string_view text) { return {text.data(), text.size()}; }

bool supportedVersion(unsigned version) { return version >= 10 && version <= 19; }

// Transfer-Encoding across every field: exactly one coding, "chunked", or a refusal. A request
// gets 501 for a coding we do not implement and 400 for faulty framing; a response gets 502.
std::optional<Refusal> checkTransferEncoding(const http::fields& fields, unsigned version,
                                             bool request) {
  const unsigned faulty = request ? 400 : 502;
  const unsigned unknown = request ? 501 : 502;
  std::size_t chunked = 0;
  bool any = false;
  bool other = false;
  for (const auto& field : fields) {
    if (field.name() != http::field::transfer_encoding) {
      continue;
    }
    any = true;
    for (const auto coding : http::token_list{field.value()}) {
      if (boost::beast::iequals(coding, "chunked")) {
        ++chunked;
      } else {
        other = true;
      }
    }
  }
  if (!any) {
    return std::nullopt;
  }
  if (fields.count(http::field::content_length) > 0) {
    return Refusal{faulty, "both Content-Length and Transfer-Encoding"};
  }
  if (other) {
    // gzip, compress, an unknown coding: never silently dropped (RFC 9112 §6.1).
    return Refusal{unknown, "unsupported transfer coding"};
  }
  if (chunked == 0) {
    return Refusal{faulty, "Transfer-Encoding without a coding"};
  }
  if (chunked > 1) {
    return Refusal{faulty, "chunked applied more than once"};
  }
  if (version < 11) {
    // HTTP/1.0 has no chunked coding: its framing is faulty (RFC 9112 §6.1).
    return Refusal{faulty, "Transfer-Encoding on HTTP/1.0"};
  }
  return std::nullopt;
}

// Host's port, defaulting to http's.
std::string_view portOrDefault(std::string_view port) { return port.empty() ? "80" : port; }

// Whether the unparsed request line ends in a well-formed "HTTP/d.d" (that Beast refused only
// because it is not 1.x).
bool wellFormedVersion(std::string_view unparsed) {
  const std::string_view line = unparsed.substr(0, unparsed.find("\r\n"));
  return line.size() >= 9 && line.substr(line.size() - 9, 6) == " HTTP/" &&
         std::isdigit(static_cast<unsigned char>(line[line.size() - 3])) &&
         line[line.size() - 2] == '.' &&
         std::isdigit(static_cast<unsigned char>(line[line.size() - 1]));
}

}  // namespace

Refusal refusalForHeadError(const boost::beast::error_code& ec, HeadProblem problem,
                            bool start_line_done, std::string_view unparsed) {
  if (ec == http::error::bad_version && wellFormedVersion(unparsed)) {
    return {505, "HTTP version not supported"};
  }
  if (ec == http::error::header_limit) {
    if (problem == HeadProblem::TooManyFields) {
      return {431, "too many header fields"};
    }
    if (problem == HeadProblem::RequestLineTooLong || !start_line_done) {
      return {414, "request line too long"};
    }
    return {431, "request header fields too large"};
  }
  if (ec == http::error::bad_content_length || ec == http::error::multiple_content_length) {
    return {400, "bad or conflicting Content-Length"};
  }
  if (ec == http::error::bad_transfer_encoding) {
    return {400, "bad or conflicting Transfer-Encoding"};
  }
  return {400, "malformed request"};
}

std::optional<Refusal> checkRequestHead(const http::request_header<>& head) {
  if (!supportedVersion(head.version())) {
    return Refusal{505, "HTTP version not supported"};
  }
  if (auto te = checkTransferEncoding(head, head.version(), true)) {
    return te;
  }
  if (head.method() == http::verb::connect) {
    return Refusal{501, "CONNECT is not supported by a reverse proxy"};
  }
  const std::size_t hosts = head.count(http::field::host);
  if (hosts > 1) {
    return Refusal{400, "more than one Host"};
  }
  if (hosts == 0 && head.version() >= 11) {
    return Refusal{400, "no Host"};
  }
  std::string_view host_value;
  if (hosts == 1) {
    host_value = view(head[http::field::host]);
    auto host = urls::parse_authority(host_value);
    const auto digits = [](std::string_view text) {
      return std::all_of(text.begin(), text.end(),
                         [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
    };
    if (!host || host->has_userinfo() || host->encoded_host().empty() || !digits(host->port()) ||
        host->encoded_host().size() + (host->has_port() ? host->port().size() + 1 : 0) !=
            host_value.size()) {
      return Refusal{400, "Host is not a valid host[:port]"};
    }
  }
  const std::string_view target = view(head.target());
  if (target.empty()) {
    return Refusal{400, "empty request target"};
  }
  if (target == "*") {
    if (head.method() != http::verb::options) {
      return Refusal{400, "asterisk-form target on a method other than OPTIONS"};
    }
  } else if (target.front() != '/') {
    // absolute-form: its authority routes the request, so it must agree with Host.
    auto uri = urls::parse_absolute_uri(target);
    if (!uri || !(boost::beast::iequals(uri->scheme(), "http") ||
                  boost::beast::iequals(uri->scheme(), "https"))) {
      return Refusal{400, "request target is neither origin-form nor an http URI"};
    }
    if (!uri->has_authority() || uri->has_userinfo() || uri->encoded_host().empty()) {
      return Refusal{400, "absolute-form target without a host"};
    }
    // Boost.URL 1.81 accepts "http://x:A0/p" as host x, an empty port and the path "A0/p": the
    // port must be digits and the path absolute, or two parsers would route it differently.
    const auto port = uri->port();
    const auto path = uri->encoded_path();
    if (!std::all_of(port.begin(), port.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }) ||
        (!path.empty() && path.front() != '/') || uri->has_fragment()) {
      return Refusal{400, "malformed absolute-form target"};
    }
    if (!host_value.empty()) {
      auto host = urls::parse_authority(host_value);
      if (!boost::beast::iequals(host->encoded_host(), uri->encoded_host()) ||
          portOrDefault(host->port()) != portOrDefault(uri->port())) {
        return Refusal{400, "absolute-form target and Host disagree"};
      }
    }
  } else if (!urls::parse_origin_form(target)) {
    return Refusal{400, "malformed request target"};
  }
  if (auto expect = head.find(http::field::expect); expect != head.end() &&
                                                     !boost::beast::iequals(expect->value(), "100-continue")) {
    return Refusal{417, "only Expect: 100-continue is supported"};
  }
  return std::nullopt;
}

std::optional<Refusal> checkResponseHead(const http::response_header<>& head) {
  if (!supportedVersion(head.version())) {
    return Refusal{502, "upstream answered with an unsupported HTTP version"};
  }
  if (auto te = checkTransferEncoding(head, head.version(), false)) {
    return te;
  }
  if (head.result_int() == 101) {
    return Refusal{502, "upstream switched protocols (Upgrade is not relayed)"};
  }
  return std::nullopt;
}

std::string upstreamTarget(std::string_view target) {
  if (target.empty() || target.front() == '/' || target == "*") {
    return std::string(target);
  }
  auto uri = urls::parse_absolute_uri(target);
  if (!uri) {
    return std::string(target);  // unreachable after checkRequestHead
  }
  // origin-form = absolute-path [ "?" query ]; an empty path is "/" (RFC 9112 §3.2.1).
  const auto path = uri->encoded_path();
  const auto query = uri->encoded_query();
  std::string origin = path.empty() ? "/" : std::string(path.data(), path.size());
  if (uri->has_query()) {
    origin += '?';
    origin.append(query.data(), query.size());
  }
  return origin;
}

void setFraming(http::fields& fields, Framing framing, std::uint64_t length) {
  fields.erase(http::field::content_length);
  fields.erase(http::field::transfer_encoding);
  if (framing == Framing::Length) {
    fields.set(http::field::content_length, std::to_string(length));
  } else if (framing == Framing::Chunked) {
    fields.set(http::field::transfer_encoding, "chunked");
  }
}

bool wantsKeepAlive(const http::fields& fields, unsigned version) {
  bool close = false;
  bool keep = false;
  for (const auto& field : fields) {
    if (field.name() != http::field::connection) {
      continue;
    }
    for (const auto token : http::token_list{field.value()}) {
      close = close || boost::beast::iequals(token, "close");
      keep = keep || boost::beast::iequals(token, "keep-alive");
    }
  }
  return version >= 11 ? !close : keep && !close;
}

void setKeepAlive(http::fields& fields, unsigned version, bool keep_alive) {
  fields.erase(http::field::connection);
  if (version >= 11 && !keep_alive) {
    fields.set(http::field::connection, "close");
  } else if (version < 11 && keep_alive) {
    fields.set(http::field::connection, "keep-alive");
  }
}

bool responseHasBody(http::verb method, unsigned status) {
  return method != http::verb::head && status >= 200 && status != 204 && status != 304;
}

}  // namespace outrider::sidecar
