#include "outrider/common/url.h"

#include <algorithm>
#include <cctype>

#include <boost/url/parse.hpp>

#include "outrider/common/host_port.h"
#include "outrider/common/text.h"

namespace outrider {
namespace {

namespace urls = boost::urls;

tl::unexpected<Error> invalid(std::string message) {
  return makeError(ErrorCode::InvalidArgument, std::move(message));
}

std::string schemeList(std::initializer_list<std::string_view> schemes) {
  std::string list;
  size_t i = 0;
  for (auto scheme : schemes) {
    if (i > 0) {
      list += i + 1 == schemes.size() ? " or " : ", ";
    }
    list += std::string(scheme) + "://";
    ++i;
  }
  return list;
}

uint16_t defaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Result<Url> parseUrl(std::string_view text, std::initializer_list<std::string_view> schemes,
                     UrlPort port) {
  const std::string quoted = inQuotes(text);
  const size_t separator = text.find("://");
  const std::string scheme =
      separator == std::string_view::npos ? "" : lower(text.substr(0, separator));
  if (std::find(schemes.begin(), schemes.end(), scheme) == schemes.end()) {
    return invalid(quoted + " is not an " + schemeList(schemes) + " URL");
  }
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; })) {
    return invalid(quoted + " has a space or control character in it");
  }
  auto parsed = urls::parse_uri(text);
  if (!parsed) {
    return invalid(quoted + " is not a valid URL (RFC 3986): " + parsed.error().message());
  }
  const urls::url_view& uri = *parsed;
  if (uri.has_userinfo()) {
    return invalid(quoted + " carries credentials, which outrider does not send");
  }
  const std::string authority(uri.encoded_authority());
  if (uri.encoded_host().empty()) {
    return invalid(quoted + " names no host");
  }
  Url url;
  url.scheme = scheme;
  // host:port by the one host:port parser, so every endpoint accepts the same hosts.
  std::string endpoint_text = authority;
  if (!uri.has_port() && port == UrlPort::SchemeDefault) {
    endpoint_text += ":" + std::to_string(defaultPort(scheme));
  }
  auto endpoint = parseHostPort(endpoint_text);
  if (!endpoint) {
    std::string message = endpoint.error().message;
    const std::string prefix = inQuotes(endpoint_text);
    if (message.compare(0, prefix.size(), prefix) == 0) {
      message = quoted + message.substr(prefix.size());
    }
    return invalid(std::move(message));
  }
  url.host = endpoint->host;
  url.port = endpoint->port;
  const std::string_view path = uri.encoded_path();
  url.has_path = (!path.empty() && path != "/") || uri.has_query();
  url.target = path.empty() ? "/" : std::string(path);
  if (uri.has_query()) {
    url.target += "?" + std::string(uri.encoded_query());
  }
  return url;
}

}  // namespace outrider
