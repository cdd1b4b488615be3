// refuse: the link stops listening for the window, so new connections are refused; connections
// already open are untouched. It acts on the link's listener, not on a connection's stream, so
// it has no filter. Evidence: a probe connect to the closed port was refused.

#include "kinds.h"

namespace outrider::faults::kinds {

void registerRefuse(FaultRegistry& registry) {
  FaultKindEntry entry;
  entry.name = "refuse";
  entry.builtin = scenarios::FaultKind::Refuse;
  entry.acts_on_link = true;
  entry.closes_listener = true;
  entry.summary = "stop listening: new connections are refused";
  entry.link_evidence = [](const PlannedFault& fault, bool http_link, const FaultEvidence& e) {
    (void)fault;
    (void)http_link;
    return e.injections > 0 ? "listener closed; a probe connect was refused"
                            : "listener not closed";
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
