// slow-close: a close (FIN) in the fault's direction is passed on `delay` after it arrived, once
// what came before it is out. Evidence: the closes delayed.

#include <fmt/format.h>

#include "kinds.h"
#include "link_kind.h"
#include "outrider/common/units.h"

namespace outrider::faults::kinds {
namespace {

class SlowClose final : public LinkKind {
 public:
  using LinkKind::LinkKind;

  Effect onEof(const EndOfStream& eof) override {
    // A held close goes nowhere, so there is nothing to delay.
    if (eof.held || !acts(eof.way) || !connectionHit(/*opportunity=*/true)) {
      return {};
    }
    count(&FaultCounters::injections);
    affect();
    return {.close_delay = spec().delay};
  }
};

}  // namespace

void registerSlowClose(FaultRegistry& registry) {
  FaultKindEntry entry = linkKindEntry<SlowClose>(scenarios::FaultKind::SlowClose,
                                                  "hold a close for `delay` before passing it on");
  entry.link_evidence = [](const PlannedFault& fault, bool http_link, const FaultEvidence& e) {
    (void)http_link;
    return fmt::format("{} close{} delayed {} ({} connections seen)", e.injections,
                       e.injections == 1 ? "" : "s", formatDuration(fault.spec.delay),
                       e.opportunities);
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
