// The control plane's request decoding and validation (sidecar/control request_validation.h):
// the first byte picks the message, the rest is its wire encoding as a client would send it.
// Whatever parses is validated; what validation accepts must satisfy the stated rules.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "outrider/control/ca.h"
#include "outrider/control/request_validation.h"

namespace {

using namespace outrider::control;

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const int which = data[0] % 3;
  const void* body = data + 1;
  const int body_size = static_cast<int>(size - 1);
  if (which == 0) {
    v1::JoinRequest request;
    if (request.ParseFromArray(body, body_size) && !validateJoin(request)) {
      check(isValidNodeName(request.node_name()));
      check(!request.token().empty() && request.token().size() <= MaxTokenSize);
    }
  } else if (which == 1) {
    v1::FetchX509Request request;
    if (request.ParseFromArray(body, body_size) && !validateFetchX509(request)) {
      check(static_cast<size_t>(request.dns_names_size()) <= MaxDnsNames);
      for (const auto& name : request.dns_names()) {
        check(isValidDnsName(name));
        check(name.find_first_of(",:/ \n\r") == std::string::npos);
      }
    }
  } else {
    v1::FetchSecretRequest request;
    if (request.ParseFromArray(body, body_size) && !validateFetchSecret(request)) {
      check(isValidSecretName(request.name()));
    }
  }
  return 0;
}
