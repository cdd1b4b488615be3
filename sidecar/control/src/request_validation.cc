#include "outrider/control/request_validation.h"

#include <fmt/core.h>

#include "outrider/control/ca.h"

namespace outrider::control {

bool isValidNodeName(std::string_view name) {
  if (name.empty() || name.size() > 63) {
    return false;
  }
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool isValidSecretName(std::string_view name) {
  if (name.empty() || name.size() > 253) {
    return false;
  }
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '/' || c == '-')) {
      return false;
    }
  }
  return true;
}

// Messages never quote a token; node and DNS names are quoted only once known to be valid, so
// a client cannot make the control plane echo arbitrary bytes.
std::optional<std::string> validateJoin(const v1::JoinRequest& request) {
  if (request.token().empty()) {
    return "token: empty";
  }
  if (request.token().size() > MaxTokenSize) {
    return fmt::format("token: longer than {} bytes", MaxTokenSize);
  }
  if (!isValidNodeName(request.node_name())) {
    return "node_name: must match [a-z0-9.-]{1,63}";
  }
  return std::nullopt;
}

std::optional<std::string> validateFetchX509(const v1::FetchX509Request& request) {
  if (static_cast<std::size_t>(request.dns_names_size()) > MaxDnsNames) {
    return fmt::format("dns_names: at most {}, got {}", MaxDnsNames, request.dns_names_size());
  }
  for (int i = 0; i < request.dns_names_size(); ++i) {
    if (!isValidDnsName(request.dns_names(i))) {
      return fmt::format("dns_names[{}]: not a valid host name", i);
    }
  }
  return std::nullopt;
}

std::optional<std::string> validateFetchSecret(const v1::FetchSecretRequest& request) {
  if (!isValidSecretName(request.name())) {
    return "name: must match [A-Za-z0-9._/-]{1,253}";
  }
  return std::nullopt;
}

}  // namespace outrider::control
