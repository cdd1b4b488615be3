// blackhole: the connection stays open and what it carries in the fault's direction is
// swallowed, its close included, until the fault is removed; a held way that lost bytes is then
// closed. On http links the hold starts at a request (or reply) the fault picks: a reply cannot
// be skipped without handing the next one to the wrong request. Evidence: the connections held
// and the bytes swallowed.

#include <fmt/format.h>

#include "../text.h"
#include "kinds.h"
#include "link_kind.h"

namespace outrider::faults::kinds {
namespace {

class Blackhole final : public LinkKind {
 public:
  using LinkKind::LinkKind;

  Effect onMessageBegin(const MessageBegin& message) override {
    return messageAffected(message) ? hold(message.held) : Effect{};
  }

  Effect onSegment(const Segment& segment) override {
    if (!acts(segment.way)) {
      return {};
    }
    const bool hit = http() ? messageHit(segment) : connectionHit(/*opportunity=*/true);
    return hit ? hold(segment.held) : Effect{};
  }

  Effect onEof(const EndOfStream& eof) override {
    // A hit connection that sent nothing yet is held at its close all the same.
    if (http() || eof.held || !acts(eof.way) || !connectionHit(/*opportunity=*/true)) {
      return {};
    }
    return hold(false);
  }

  void onSwallowed(Way way, uint64_t length) override {
    (void)way;
    count(&FaultCounters::bytes_affected, length);
  }

 private:
  // One hold per way: a way another blackhole holds already is not this one's injection.
  Effect hold(bool held) {
    if (held) {
      return {};
    }
    count(&FaultCounters::injections);
    affect();
    return {.hold = true};
  }
};

}  // namespace

void registerBlackhole(FaultRegistry& registry) {
  FaultKindEntry entry = linkKindEntry<Blackhole>(
      scenarios::FaultKind::Blackhole, "hold the connection open and drop what it carries");
  entry.link_evidence = [](const PlannedFault& fault, bool http_link, const FaultEvidence& e) {
    return fmt::format("{} connection{} held, {} swallowed ({} {} seen)", e.injections,
                       e.injections == 1 ? "" : "s", detail::formatBytes(e.bytes_affected),
                       e.opportunities, seenUnits(fault.spec.direction, http_link));
  };
  registry.add(std::move(entry));
}

}  // namespace outrider::faults::kinds
