#pragma once

// What the link kinds' filters share: the fault and its counters, the draw that decides whether
// the fault acts on a connection (or, on http links, on a request) and the words of their
// evidence lines.

#include <cstdint>
#include <memory>
#include <string>

#include "outrider/faults/link_filter.h"
#include "outrider/faults/registry.h"

namespace outrider::faults::kinds {

class LinkKind : public LinkFilter {
 public:
  explicit LinkKind(const LinkFilterArgs& args)
      : fault_(args.fault), counters_(args.counters), connection_(args.connection) {}

 protected:
  const PlannedFault& fault() const { return *fault_; }
  const scenarios::Fault& spec() const { return fault_->spec; }
  bool http() const { return connection_.http; }
  uint64_t number() const { return connection_.number; }
  bool acts(Way way) const { return affects(fault_->spec.direction, way); }

  // The per-connection draw, made once at the first event that asks, keyed by the accept
  // ordinal. `opportunity`: the kind counts connections (not chunks) as its opportunities.
  bool connectionHit(bool opportunity);
  // Per-request kinds on http links: the draw for the message beginning (an opportunity), kept
  // for its segments; a reply shares its request's draw.
  bool decideMessage(const MessageBegin& message);
  // A message of the fault's direction that decideMessage picks, counted in requests_affected:
  // where each per-request kind's onMessageBegin starts.
  bool messageAffected(const MessageBegin& message);
  // Whether a segment belongs to a message decided as hit. A fault applied in the middle of a
  // message leaves that message alone.
  bool messageHit(const Segment& segment) const;

  void count(std::atomic<uint64_t> FaultCounters::*counter, uint64_t n = 1) {
    FaultCounters::add((*counters_).*counter, n);
  }
  // Counts the connection in connections_affected, once.
  void affect();

 private:
  static constexpr uint64_t NoMessage = ~0ULL;

  std::shared_ptr<const PlannedFault> fault_;
  std::shared_ptr<FaultCounters> counters_;
  const LinkConnection connection_;
  bool seen_ = false;
  bool hit_ = false;
  bool affected_ = false;
  uint64_t message_[2] = {NoMessage, NoMessage};
  bool message_hit_[2] = {false, false};
};

// A per-request kind that takes a picked request off the target (http-abort answers it, misroute
// sends it elsewhere): requests only, whatever the direction, drawn by their link-wide number; a
// request another fault took already stays with it. Counts what it took.
class RequestTakeover : public LinkKind {
 public:
  using LinkKind::LinkKind;

  Effect onMessageBegin(const MessageBegin& message) override {
    if (message.way != Way::Up || message.answered) {
      return {};
    }
    count(&FaultCounters::opportunities);
    if (!decide(fault(), 0, message.draw)) {
      return {};
    }
    return takeOver();
  }

  void onAnswered() override {
    count(&FaultCounters::injections);
    count(&FaultCounters::requests_affected);
  }

  void onSwallowed(Way way, uint64_t length) override {
    (void)way;
    count(&FaultCounters::bytes_affected, length);
  }

 protected:
  // What becomes of a picked request.
  virtual Effect takeOver() const = 0;
};

// A link kind's registry entry, whose filter `Filter` each connection makes for itself.
template <class Filter>
FaultKindEntry linkKindEntry(scenarios::FaultKind kind, std::string summary) {
  FaultKindEntry entry;
  entry.name = scenarios::toString(kind);
  entry.builtin = kind;
  entry.acts_on_link = true;
  entry.summary = std::move(summary);
  entry.make_link_filter = [](const LinkFilterArgs& args) -> LinkFilterPtr {
    return std::make_shared<Filter>(args);
  };
  return entry;
}

// What one unit of a per-chunk or per-message fault is called, by direction: "reply chunks",
// "requests".
std::string evidenceUnits(scenarios::Direction direction, bool http_link);
// " on 3 connections" (tcp links; empty on http links, whose units are requests).
std::string onConnections(const FaultEvidence& evidence, bool http_link);
// What a per-connection kind saw: "connections", or on http links the messages of its direction.
std::string seenUnits(scenarios::Direction direction, bool http_link);

}  // namespace outrider::faults::kinds
