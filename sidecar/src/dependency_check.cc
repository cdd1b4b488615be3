#include "outrider/sidecar/dependency_check.h"

#include <fmt/core.h>

#include "outrider/common/http_call.h"

namespace outrider::sidecar {

Result<Url> parseDependencyUrl(std::string_view text) { return parseUrl(text, {"http"}); }

Result<std::string> checkDependency(const Url& url, std::chrono::nanoseconds timeout) {
  auto answer = httpCall(url, "GET", {}, timeout, "outrider-echo (--depends-on)");
  if (!answer) {
    return tl::unexpected(answer.error());
  }
  if (answer->status < 200 || answer->status > 299) {
    return makeError(ErrorCode::Io, fmt::format("answered HTTP {}, not 2xx", answer->status));
  }
  return fmt::format("HTTP {}", answer->status);
}

}  // namespace outrider::sidecar
