// parseProbe() from placeholders.h: the shape probes and scrapes must have once their
// placeholders are resolved. URLs are parsed by common/url.h, host:port by common/host_port.h.

#include "outrider/common/text.h"
#include "outrider/common/url.h"
#include "outrider/scenarios/placeholders.h"

namespace outrider::scenarios {

Result<ProbeTarget> parseProbe(const std::string& url) {
  auto parsed = parseUrl(url, {"http", "https", "tcp"});
  if (!parsed) {
    return tl::unexpected(parsed.error());
  }
  ProbeTarget probe;
  probe.kind = parsed->scheme == "http"    ? ProbeTarget::Kind::Http
               : parsed->scheme == "https" ? ProbeTarget::Kind::Https
                                           : ProbeTarget::Kind::Tcp;
  probe.host = parsed->host;
  probe.port = parsed->port;
  if (probe.kind == ProbeTarget::Kind::Tcp) {
    if (parsed->has_path) {
      return makeError(ErrorCode::InvalidArgument,
                       inQuotes(url) + " is a tcp:// probe and takes no path");
    }
    return probe;  // path keeps its default "/"
  }
  probe.path = parsed->target;
  return probe;
}

}  // namespace outrider::scenarios
