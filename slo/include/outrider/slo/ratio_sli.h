#pragma once

// sli = "ratio" (spec/scenario.md, "SLIs, budgets and alerts"): a second's events are the
// increases of a process's counters, `total` and `good` (or `bad`), between the scrape that
// opens the second and the one that closes it. Pure: scrapes in, per-second events out.
//
// Scrape k is the one taken k seconds into the run (k = 0 as load begins), so run second k lies
// between scrapes k and k + 1. Increases follow Prometheus's increase() series by series (see
// metrics/counter_increase.h): a restarted sidecar's counters count from 0, never negative, never
// twice.
//
// A second without events is a gap, neither good nor bad, when its closing scrape failed or
// could not be read (a failed request, a value no counter has), or when no earlier scrape had
// succeeded. The counters go on counting across a gap, so the next good scrape's increase holds
// the gap's events too: they are counted in the second that scrape closes, and none is lost or
// invented, except what a process counted after its last good scrape and then took with it when
// it died (its restart resets the counters, as it would for Prometheus).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/common/result.h"
#include "outrider/metrics/counter_increase.h"
#include "outrider/metrics/exposition.h"
#include "outrider/metrics/selector.h"
#include "outrider/scenarios/scenario.h"
#include "outrider/slo/event_series.h"

namespace outrider::slo {

class RatioSli {
 public:
  // Parses the SLO's selectors (InvalidArgument naming the key when one does not parse, which
  // validate refuses first).
  static Result<RatioSli> create(const scenarios::Slo& slo);

  // Scrape number scrapes(): `exposition` is null when the scrape failed, `failure` says why.
  // `incarnation` is the source's start number when it was scraped (1 for the first start; 0 when
  // unknown): a change between two scrapes is a restart, and every series counts from 0.
  void addScrape(const metrics::Exposition* exposition, uint32_t incarnation,
                 std::string_view failure = {});

  uint64_t scrapes() const { return scrapes_; }

  // Run second k's events (k < scrapes() - 1); nullopt for a gap.
  const std::vector<std::optional<EventCounts>>& seconds() const { return seconds_; }

  struct Gap {
    uint64_t second = 0;
    std::string reason;  // "scrape failed: connect: Connection refused", "no earlier scrape"
  };
  const std::vector<Gap>& gaps() const { return gaps_; }
  // Seconds whose increase began from 0 for some series (a drop or a known restart).
  uint32_t resetSeconds() const { return reset_seconds_; }

  const std::string& name() const { return name_; }
  const metrics::Selector& total() const { return total_; }
  // The good selector, or the bad one when countsBad().
  const metrics::Selector& events() const { return events_; }
  bool countsBad() const { return counts_bad_; }

 private:
  RatioSli(std::string name, metrics::Selector total, metrics::Selector events, bool counts_bad)
      : name_(std::move(name)),
        total_(std::move(total)),
        events_(std::move(events)),
        counts_bad_(counts_bad) {}

  struct Measured {
    std::optional<EventCounts> counts;  // the events since the baseline, if it can say
    bool advanced = false;              // the scrape became the new baseline
    std::string why;                    // no counts: why not
  };
  Measured measure(const metrics::Exposition& exposition, bool restarted);
  void gap(std::string reason);

  std::string name_;
  metrics::Selector total_;
  metrics::Selector events_;
  bool counts_bad_ = false;
  metrics::CounterIncrease total_increase_;
  metrics::CounterIncrease events_increase_;
  uint32_t baseline_incarnation_ = 0;
  // Increases summed so far, and what was handed out as whole events: counters may hold
  // fractions, and rounding each second on its own would drift.
  double total_sum_ = 0;
  double events_sum_ = 0;
  uint64_t total_given_ = 0;
  uint64_t events_given_ = 0;

  uint64_t scrapes_ = 0;
  std::vector<std::optional<EventCounts>> seconds_;
  std::vector<Gap> gaps_;
  uint32_t reset_seconds_ = 0;
};

}  // namespace outrider::slo
