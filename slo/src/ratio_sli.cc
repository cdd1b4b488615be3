#include "outrider/slo/ratio_sli.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace outrider::slo {

Result<RatioSli> RatioSli::create(const scenarios::Slo& slo) {
  const bool counts_bad = slo.good.empty();
  auto total = metrics::Selector::parse(slo.total);
  if (!total) {
    return makeError(ErrorCode::InvalidArgument,
                     "slo " + slo.name + ".total: " + total.error().message);
  }
  auto events = metrics::Selector::parse(counts_bad ? slo.bad : slo.good);
  if (!events) {
    return makeError(
        ErrorCode::InvalidArgument,
        "slo " + slo.name + (counts_bad ? ".bad: " : ".good: ") + events.error().message);
  }
  return RatioSli(slo.name, std::move(*total), std::move(*events), counts_bad);
}

void RatioSli::gap(std::string reason) {
  gaps_.push_back(Gap{seconds_.size(), std::move(reason)});
  seconds_.push_back(std::nullopt);
}

RatioSli::Measured RatioSli::measure(const metrics::Exposition& exposition, bool restarted) {
  Measured out;
  const auto total_selection = total_.evaluate(exposition);
  const auto events_selection = events_.evaluate(exposition);
  if (total_selection.match_errors > 0 || events_selection.match_errors > 0) {
    out.why = "a selector's regular expression could not be decided on a label value";
    return out;
  }
  const auto total_points = metrics::CounterIncrease::pointsOf(total_selection);
  const auto events_points = metrics::CounterIncrease::pointsOf(events_selection);
  const auto total_step = total_increase_.measure(total_points, restarted);
  const auto events_step = events_increase_.measure(events_points, restarted);
  using Kind = metrics::CounterIncrease::Step::Kind;
  if (total_step.kind == Kind::Invalid || events_step.kind == Kind::Invalid) {
    out.why = total_step.kind == Kind::Invalid ? total_step.problem : events_step.problem;
    return out;  // both baselines stay, so the two selectors stay in step
  }
  total_increase_.advance(total_points);
  events_increase_.advance(events_points);
  out.advanced = true;
  if (total_step.kind == Kind::Baseline || events_step.kind == Kind::Baseline) {
    out.why = "no earlier scrape to count from";
    return out;
  }
  if (total_step.resets > 0 || events_step.resets > 0) {
    ++reset_seconds_;
  }
  total_sum_ += total_step.increase;
  events_sum_ += events_step.increase;
  const auto total_now = static_cast<uint64_t>(std::llround(total_sum_));
  const auto events_now = static_cast<uint64_t>(std::llround(events_sum_));
  EventCounts counts;
  counts.total = total_now - std::min(total_now, total_given_);
  // good or bad can run ahead of total within a second (two counters are not read atomically):
  // never more of them than events.
  const uint64_t selected =
      std::min(counts.total, events_now - std::min(events_now, events_given_));
  counts.good = counts_bad_ ? counts.total - selected : selected;
  total_given_ = std::max(total_given_, total_now);
  events_given_ = std::max(events_given_, events_now);
  out.counts = counts;
  return out;
}

void RatioSli::addScrape(const metrics::Exposition* exposition, uint32_t incarnation,
                         std::string_view failure) {
  const bool opens_only = scrapes_ == 0;
  ++scrapes_;
  if (exposition == nullptr) {
    if (!opens_only) {
      gap("scrape failed: " + std::string(failure.empty() ? "no reply" : failure));
    }
    return;
  }
  const bool restarted =
      incarnation != 0 && baseline_incarnation_ != 0 && incarnation != baseline_incarnation_;
  Measured measured = measure(*exposition, restarted);
  if (measured.advanced) {
    baseline_incarnation_ = incarnation;
  }
  if (opens_only) {
    return;
  }
  if (!measured.counts) {
    gap(std::move(measured.why));
    return;
  }
  seconds_.push_back(*measured.counts);
}

}  // namespace outrider::slo
