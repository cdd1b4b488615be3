// http-abort (http links): a request the fault picks is answered by the link with `status` and
// never reaches the target (Envoy's fault filter abort); the connection stays usable unless the
// request asked to close it. Evidence: the requests answered.

#include <fmt/format.h>

#include "kinds.h"
#include "link_kind.h"

namespace outrider::faults::kinds {
namespace {

class HttpAbort final : public RequestTakeover {
 public:
  using RequestTakeover::RequestTakeover;

 protected:
  Effect takeOver() const override { return {.answer = spec().status}; }
};

}  // namespace

void registerHttpAbort(FaultRegistry& registry) {
  FaultKindEntry entry = linkKindEntry<HttpAbort>(
      scenarios::FaultKind::HttpAbort,
      "answer requests with `status` instead of forwarding them (http links)");
  entry.needs_http = true;
  entry.link_evidence = [](const PlannedFault& fault, bool http_link, const FaultEvidence& e) {
    (void)http_link;
    return fmt::format("{} on {} of {} requests", fault.spec.status, e.injections, e.opportunities);
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
