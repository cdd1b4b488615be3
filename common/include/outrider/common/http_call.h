#pragma once

// One blocking HTTP/1.1 exchange on its own io_context, for the few places that need an answer
// before they go on: outrider-echo --depends-on at boot, and the harness switching
// outrider-control's faults. One deadline covers connect, send and the whole reply; resolving a
// name is not under it (the callers pass IP literals, which resolve at once).

#include <chrono>
#include <string>
#include <string_view>

#include "outrider/common/result.h"
#include "outrider/common/url.h"

namespace outrider {

struct HttpAnswer {
  unsigned status = 0;
  std::string body;
};

// Any status is an answer; Io (refused, reset, a bad reply) or Timeout otherwise, with a message
// naming the step: "connect: Connection refused", "reply: timed out". `target` empty: the URL's.
Result<HttpAnswer> httpCall(const Url& url, std::string_view method, std::string_view target,
                            std::chrono::nanoseconds timeout, std::string_view user_agent);

}  // namespace outrider
