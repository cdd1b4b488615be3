#pragma once

// One link kind's filter, made from the registry for one connection, fed events by hand: the
// kinds' unit tests check its effects and its evidence as data, with no socket and no clock.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "../evidence_counts.h"
#include "../planned_link_fault.h"
#include "outrider/faults/link_filter.h"
#include "outrider/faults/registry.h"

namespace outrider::faults::test {

// What every kind's test names: its kind, its direction, its durations.
using namespace std::chrono_literals;
using scenarios::Direction;
using scenarios::FaultKind;

class FilterUnderTest {
 public:
  explicit FilterUnderTest(const PlannedFault& fault, LinkConnection connection = {})
      : fault_(std::make_shared<PlannedFault>(fault)),
        counters_(std::make_shared<FaultCounters>()) {
    const FaultKindEntry* entry = registry().find(fault.spec.kindName());
    if (entry == nullptr || !entry->make_link_filter) {
      ADD_FAILURE() << fault.spec.kindName() << " has no link filter";
      return;
    }
    filter_ = entry->make_link_filter({fault_, counters_, connection});
  }

  LinkFilter* operator->() const { return filter_.get(); }

  Effect segment(Way way, uint64_t chunk, uint64_t length, uint64_t request = 0,
                 bool held = false) {
    return filter_->onSegment({way, chunk, request, length, length, held});
  }
  Effect begin(Way way, uint64_t request, uint64_t draw, bool held = false, bool answered = false) {
    return filter_->onMessageBegin({way, request, draw, held, answered});
  }
  Effect eof(Way way, bool held = false) { return filter_->onEof({way, held}); }

  // The counters as LinkProxy::faultEvidence reads them, with the kind's own evidence line.
  FaultEvidence evidence(bool http_link = false) const {
    FaultEvidence e;
    e.name = fault_->name;
    e.kind = fault_->kind;
    e.injections = counters_->injections.load();
    e.opportunities = counters_->opportunities.load();
    e.connections_affected = counters_->connections_affected.load();
    e.requests_affected = counters_->requests_affected.load();
    e.bytes_affected = counters_->bytes_affected.load();
    e.evidence = describeEvidence(*fault_, http_link, e);
    return e;
  }

  // Effects carry nothing at all: the filter let the bytes (or the close) pass untouched.
  static bool untouched(const Effect& effect) {
    return !effect.delay && effect.pace_rate == 0 && !effect.slice && !effect.pass &&
           !effect.reset_after && !effect.hold && !effect.answer && !effect.close_delay;
  }

 private:
  std::shared_ptr<PlannedFault> fault_;
  std::shared_ptr<FaultCounters> counters_;
  LinkFilterPtr filter_;
};

}  // namespace outrider::faults::test
