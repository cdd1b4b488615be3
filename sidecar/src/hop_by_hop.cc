#include "outrider/sidecar/hop_by_hop.h"

#include <string>
#include <vector>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace outrider::sidecar {
namespace {

namespace http = boost::beast::http;

bool isHopByHop(const http::fields::value_type& field) {
  switch (field.name()) {
    case http::field::connection:
    case http::field::keep_alive:
    case http::field::te:
    case http::field::trailer:
    case http::field::transfer_encoding:
    case http::field::upgrade:
    case http::field::proxy_authenticate:
    case http::field::proxy_authentication_info:
    case http::field::proxy_authorization:
    case http::field::proxy_connection:
    case http::field::proxy_features:
    case http::field::proxy_instruction:
      return true;
    case http::field::unknown: {
      const auto name = field.name_string();
      return name.size() > 6 && boost::beast::iequals(name.substr(0, 6), "proxy-");
    }
    default:
      return false;
  }
}

}  // namespace

bool isProtectedFromConnection(boost::beast::string_view name) {
  // Framing, routing and provenance: a client that names one of these in Connection would make
  // the proxy drop the length of its body, its destination or the chain of addresses it came
  // through (the classic hop-by-hop abuse). The nomination is ignored, as Envoy does.
  static constexpr std::string_view Protected[] = {
      "host",          "content-length",    "transfer-encoding", "x-request-id",
      "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded",
      "via",           "x-real-ip",         "cookie",            "authorization"};
  for (const auto candidate : Protected) {
    if (boost::beast::iequals(name, boost::beast::string_view(candidate.data(), candidate.size()))) {
      return true;
    }
  }
  return false;
}

void stripHopByHopFields(http::fields& fields) {
  // Fields named by Connection are hop-by-hop too; "close" and "keep-alive" name none. Rare, so
  // the names are only copied when there are some.
  std::vector<std::string> named;
  for (const auto& field : fields) {
    if (field.name() != http::field::connection) {
      continue;
    }
    for (const auto token : http::token_list{field.value()}) {
      if (!boost::beast::iequals(token, "close") && !boost::beast::iequals(token, "keep-alive") &&
          !isProtectedFromConnection(token)) {
        named.emplace_back(token);
      }
    }
  }
  for (const auto& name : named) {
    fields.erase(name);
  }
  for (auto it = fields.begin(); it != fields.end();) {
    if (isHopByHop(*it)) {
      it = fields.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace outrider::sidecar
