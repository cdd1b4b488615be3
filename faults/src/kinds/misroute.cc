// misroute: for its window, a new connection to the link goes to `to` instead of the link's own
// destination, as a wrong route or a bad config rollout would send it (F3). Each connection is
// drawn once, by its accept ordinal, so `probability = 0.5` sends about half of them away and
// the same seed picks the same ones. Connections already open stay where they are. It acts
// where the link connects, so it has no filter. Evidence: the connections sent elsewhere.

#include <fmt/format.h>

#include "kinds.h"

namespace outrider::faults::kinds {

void registerMisroute(FaultRegistry& registry) {
  FaultKindEntry entry;
  entry.name = "misroute";
  entry.builtin = scenarios::FaultKind::Misroute;
  entry.acts_on_link = true;
  entry.redirects_connections = true;
  entry.summary = "send new connections to `to` instead of the link's destination";
  entry.link_evidence = [](const PlannedFault& fault, bool http_link, const FaultEvidence& e) {
    (void)http_link;
    return fmt::format("{} of {} new connection{} sent to {}", e.injections, e.opportunities,
                       e.opportunities == 1 ? "" : "s", fault.spec.to);
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
