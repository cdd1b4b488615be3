// reset: a TCP RST `after` the first byte the connection (tcp links) or a request and its reply
// (http links) shows the fault. Evidence: the connections reset.

#include <fmt/format.h>

#include "kinds.h"
#include "link_kind.h"

namespace outrider::faults::kinds {
namespace {

class Reset final : public LinkKind {
 public:
  using LinkKind::LinkKind;

  Effect onMessageBegin(const MessageBegin& message) override {
    return messageAffected(message) ? resetEffect() : Effect{};
  }

  Effect onSegment(const Segment& segment) override {
    // On http links the message's first byte decided; its segments add nothing.
    if (http() || !acts(segment.way) || !connectionHit(/*opportunity=*/true)) {
      return {};
    }
    return resetEffect();
  }

  void onReset() override {
    count(&FaultCounters::injections);
    affect();
  }

 private:
  Effect resetEffect() const { return {.reset_after = spec().after}; }
};

}  // namespace

void registerReset(FaultRegistry& registry) {
  FaultKindEntry entry = linkKindEntry<Reset>(scenarios::FaultKind::Reset,
                                              "TCP RST `after` the connection's first byte");
  entry.link_evidence = [](const PlannedFault& fault, bool http_link, const FaultEvidence& e) {
    return fmt::format("{} connection{} reset ({} {} seen)", e.injections,
                       e.injections == 1 ? "" : "s", e.opportunities,
                       seenUnits(fault.spec.direction, http_link));
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
