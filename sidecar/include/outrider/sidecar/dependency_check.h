#pragma once

// outrider-echo --depends-on: one GET at start, before the app listens, as apps that fetch their
// config through the mesh at boot do (istio#11130). It fails when the URL cannot be reached in
// time or answers other than 2xx, and the app then exits 1: the boot race a pod's start order
// must prevent (scenario.md startup-race, F7).

#include <chrono>
#include <string>
#include <string_view>

#include "outrider/common/result.h"
#include "outrider/common/url.h"

namespace outrider::sidecar {

// An http:// URL with its port (url.h); InvalidArgument otherwise.
Result<Url> parseDependencyUrl(std::string_view text);

// One GET of `url` within `timeout` (resolve, connect, send and the whole reply). "HTTP 200"
// for a 2xx reply; otherwise Io (refused, reset, a non-2xx status) or Timeout, with a message
// saying which.
Result<std::string> checkDependency(const Url& url, std::chrono::nanoseconds timeout);

}  // namespace outrider::sidecar
