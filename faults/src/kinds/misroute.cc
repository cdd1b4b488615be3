// misroute: for its window, traffic meant for the link's destination goes to `to` instead, as a
// wrong route or a bad config rollout would send it (F3).
// - tcp links: each new connection is drawn once, by its accept ordinal, and the picked ones
//   connect to `to`; connections already open stay where they are. That happens where the link
//   connects, so there is no filter.
// - http links: each request is drawn by its link-wide number; a picked one is sent to `to` on a
//   connection of its own and that server's reply is relayed in its place, in order, so a
//   keep-alive client sees about `probability` of its replies come from the wrong service.
// The same seed picks the same connections or requests. Evidence: what was sent elsewhere.

#include <fmt/format.h>

#include "kinds.h"
#include "link_kind.h"

namespace outrider::faults::kinds {
namespace {

class MisrouteRequests final : public RequestTakeover {
 public:
  using RequestTakeover::RequestTakeover;

 protected:
  Effect takeOver() const override { return {.divert = true}; }
};

}  // namespace

void registerMisroute(FaultRegistry& registry) {
  FaultKindEntry entry = linkKindEntry<MisrouteRequests>(
      scenarios::FaultKind::Misroute,
      "send new connections (tcp links) or requests (http links) to `to` instead of the link's "
      "destination");
  entry.redirects_connections = true;
  entry.link_evidence = [](const PlannedFault& fault, bool http_link, const FaultEvidence& e) {
    const char* unit = http_link ? "request" : "new connection";
    return fmt::format("{} of {} {}{} sent to {}", e.injections, e.opportunities, unit,
                       e.opportunities == 1 ? "" : "s", fault.spec.to);
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
