#include "outrider/slo/event_series.h"

#include <algorithm>
#include <stdexcept>

namespace outrider::slo {

EventSeries::EventSeries(uint64_t longest_window_s)
    : longest_(longest_window_s), slots_(longest_window_s + 1) {
  ring_.reserve(std::min<uint64_t>(slots_, 64));
  ring_.push_back(EventCounts{});  // prefix(0)
}

void EventSeries::append(EventCounts second) {
  second.good = std::min(second.good, second.total);
  EventCounts next = ring_[head_];
  next += second;
  ++seconds_;
  if (ring_.size() < slots_) {
    // Still filling: slot i holds prefix(i). Grow by doubling, but never past the ring's size, so a
    // short run of a long window takes only what it uses.
    if (ring_.size() == ring_.capacity()) {
      ring_.reserve(std::min<uint64_t>(slots_, 2 * ring_.capacity()));
    }
    ring_.push_back(next);
    head_ = ring_.size() - 1;
    return;
  }
  head_ = head_ + 1 == slots_ ? 0 : head_ + 1;
  ring_[head_] = next;
}

EventCounts EventSeries::window(uint64_t end_s, uint64_t length_s) const {
  const uint64_t start_s = end_s > length_s ? end_s - length_s : 0;
  const uint64_t retained_from = seconds_ > longest_ ? seconds_ - longest_ : 0;
  if (end_s > seconds_ || start_s < retained_from) {
    throw std::out_of_range("EventSeries::window: outside the retained seconds");
  }
  const EventCounts& end = prefixBack(seconds_ - end_s);
  const EventCounts& start = prefixBack(seconds_ - start_s);
  return EventCounts{end.good - start.good, end.total - start.total};
}

EventCounts EventSeries::trailing(uint64_t length_s) const {
  if (length_s > longest_) {
    throw std::out_of_range("EventSeries::trailing: longer than the longest window");
  }
  const EventCounts& end = ring_[head_];
  const EventCounts& start = prefixBack(std::min(length_s, seconds_));
  return EventCounts{end.good - start.good, end.total - start.total};
}

}  // namespace outrider::slo
