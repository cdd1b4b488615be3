#pragma once

// Per-second (good, total) event counts of one SLO, with the sum over any trailing window in O(1).
//
// Representation: a ring of prefix sums. prefix(i) holds the events of seconds [0, i), so the
// window [a, b) is prefix(b) - prefix(a): two loads and a subtraction, whatever the window's or
// the run's length. The ring keeps the last longest_window + 1 prefixes and grows only as seconds
// arrive, so memory is 16 bytes x min(seconds appended, longest window + 1): 4 MiB for the
// sre-workbook's 3d window, 40 MiB for a 30d one. A run-length encoding of flat stretches would be
// smaller under a steady load, but its lookups need a search or a cursor per window, and a noisy
// second would cost three times the bytes; the ring's cost does not depend on the data.

#include <cstdint>
#include <vector>

namespace outrider::slo {

// Events of one second or one window. good <= total.
struct EventCounts {
  uint64_t good = 0;
  uint64_t total = 0;

  uint64_t bad() const { return total - good; }
  EventCounts& operator+=(const EventCounts& other) {
    good += other.good;
    total += other.total;
    return *this;
  }
  friend bool operator==(const EventCounts&, const EventCounts&) = default;
};

class EventSeries {
 public:
  // longest_window_s: the longest window that will be asked for, in seconds.
  explicit EventSeries(uint64_t longest_window_s);

  // Appends the next second (second number seconds()). A good count above the total is clamped to
  // the total: the engine's sums rely on good <= total.
  void append(EventCounts second);

  // Seconds appended so far.
  uint64_t seconds() const { return seconds_; }
  uint64_t longestWindow() const { return longest_; }

  // Every event appended.
  EventCounts totals() const { return ring_[head_]; }

  // The events of seconds [end_s - length_s, end_s); the part of the window before second 0 holds
  // nothing. Requires end_s <= seconds() and a window that starts no earlier than
  // seconds() - longestWindow(); throws std::out_of_range otherwise (a caller's bug: the engine
  // sizes the series from its rules).
  EventCounts window(uint64_t end_s, uint64_t length_s) const;

  // The last length_s seconds (fewer at the start of the run). Requires length_s <=
  // longestWindow().
  EventCounts trailing(uint64_t length_s) const;

 private:
  // prefix(seconds_ - back) for back <= min(seconds_, longest_), with no division: the ring's
  // slot for prefix(i) is i mod (longest_ + 1), and head_ is that slot for i = seconds_.
  const EventCounts& prefixBack(uint64_t back) const {
    return ring_[head_ >= back ? head_ - back : head_ + slots_ - back];
  }

  uint64_t longest_;
  uint64_t slots_;  // longest_ + 1
  std::vector<EventCounts> ring_;
  uint64_t head_ = 0;
  uint64_t seconds_ = 0;
};

}  // namespace outrider::slo
