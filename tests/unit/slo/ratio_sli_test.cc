#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "outrider/metrics/exposition.h"
#include "outrider/slo/ratio_sli.h"

namespace outrider::slo {
namespace {

using testing::HasSubstr;

scenarios::Slo ratioSlo(std::string good, std::string bad, std::string total) {
  scenarios::Slo slo;
  slo.name = "proxy-availability";
  slo.sli = scenarios::SliKind::Ratio;
  slo.objective = 0.99;
  slo.source = "proxy";
  slo.good = std::move(good);
  slo.bad = std::move(bad);
  slo.total = std::move(total);
  return slo;
}

// The proxy's requests counter with these 2xx and 5xx values.
metrics::Exposition proxyScrape(double ok, double errors) {
  auto parsed = metrics::parseExposition(
      "# TYPE outrider_proxy_requests_total counter\n"
      "outrider_proxy_requests_total{code=\"2xx\"} " +
      std::to_string(ok) +
      "\n"
      "outrider_proxy_requests_total{code=\"5xx\"} " +
      std::to_string(errors) + "\n");
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? *parsed : metrics::Exposition{};
}

RatioSli badRatio() {
  auto sli = RatioSli::create(
      ratioSlo("", "outrider_proxy_requests_total{code=\"5xx\"}", "outrider_proxy_requests_total"));
  EXPECT_TRUE(sli) << sli.error().message;
  return std::move(*sli);
}

std::optional<EventCounts> events(uint64_t good, uint64_t total) {
  return EventCounts{good, total};
}

// Each second's events are the increases between its two scrapes; good = total - bad.
TEST(RatioSliTest, SecondsAreIncreasesBetweenScrapes) {
  RatioSli sli = badRatio();
  auto s0 = proxyScrape(1000, 10);
  sli.addScrape(&s0, 1);
  auto s1 = proxyScrape(1200, 10);
  auto s2 = proxyScrape(1390, 20);
  sli.addScrape(&s1, 1);
  sli.addScrape(&s2, 1);
  EXPECT_THAT(sli.seconds(), testing::ElementsAre(events(200, 200), events(190, 200)));
  EXPECT_TRUE(sli.gaps().empty());
  EXPECT_EQ(sli.resetSeconds(), 0u);
}

// A restarted proxy's counters start again from zero: its first second counts the new values,
// never a negative increase and never the old count again.
TEST(RatioSliTest, RestartResetsCountersWithoutNegativeOrDoubleCounts) {
  RatioSli sli = badRatio();
  auto before = proxyScrape(5000, 50);
  auto last_old = proxyScrape(5200, 50);
  auto first_new = proxyScrape(150, 0);
  auto next_new = proxyScrape(350, 5);
  sli.addScrape(&before, 1);
  sli.addScrape(&last_old, 1);
  sli.addScrape(&first_new, 2);
  sli.addScrape(&next_new, 2);
  EXPECT_THAT(sli.seconds(),
              testing::ElementsAre(events(200, 200), events(150, 150), events(200, 205)));
  EXPECT_EQ(sli.resetSeconds(), 1u);
}

// A restart the supervisor saw counts from zero even when the new counter already passed the
// old value, which the value alone cannot show.
TEST(RatioSliTest, KnownRestartCountsFromZeroEvenAboveOldValue) {
  RatioSli sli = badRatio();
  auto old_process = proxyScrape(100, 0);
  auto new_process = proxyScrape(300, 0);
  sli.addScrape(&old_process, 1);
  sli.addScrape(&new_process, 2);
  EXPECT_THAT(sli.seconds(), testing::ElementsAre(events(300, 300)));
  // Without the incarnation, only a drop shows a reset: 300 - 100.
  RatioSli unaware = badRatio();
  unaware.addScrape(&old_process, 0);
  unaware.addScrape(&new_process, 0);
  EXPECT_THAT(unaware.seconds(), testing::ElementsAre(events(200, 200)));
}

// A failed scrape leaves a gap, not a second of zero good events; the counters went on, so the
// next good scrape's second holds the gap's events and none are lost.
TEST(RatioSliTest, FailedScrapeIsAGapAndEventsCarryOver) {
  RatioSli sli = badRatio();
  auto s0 = proxyScrape(0, 0);
  auto s2 = proxyScrape(380, 20);
  auto s3 = proxyScrape(580, 20);
  sli.addScrape(&s0, 1);
  sli.addScrape(nullptr, 1, "timed out after 800ms");
  sli.addScrape(&s2, 1);
  sli.addScrape(&s3, 1);
  EXPECT_THAT(sli.seconds(),
              testing::ElementsAre(std::nullopt, events(380, 400), events(200, 200)));
  ASSERT_EQ(sli.gaps().size(), 1u);
  EXPECT_EQ(sli.gaps()[0].second, 0u);
  EXPECT_EQ(sli.gaps()[0].reason, "scrape failed: timed out after 800ms");
}

// Without any good scrape before it, a second has nothing to count from.
TEST(RatioSliTest, NoBaselineIsAGap) {
  RatioSli sli = badRatio();
  auto s1 = proxyScrape(100, 0);
  auto s2 = proxyScrape(300, 0);
  sli.addScrape(nullptr, 0, "connect: Connection refused");
  sli.addScrape(&s1, 1);
  sli.addScrape(&s2, 1);
  EXPECT_THAT(sli.seconds(), testing::ElementsAre(std::nullopt, events(200, 200)));
  EXPECT_EQ(sli.gaps().at(0).reason, "no earlier scrape to count from");
}

// A value no counter can have makes a gap and keeps the baseline of both selectors, so good and
// total stay in step.
TEST(RatioSliTest, ImpossibleCounterValueIsAGap) {
  RatioSli sli = badRatio();
  auto s0 = proxyScrape(100, 0);
  auto broken = proxyScrape(200, -1);
  auto s2 = proxyScrape(300, 10);
  sli.addScrape(&s0, 1);
  sli.addScrape(&broken, 1);
  sli.addScrape(&s2, 1);
  EXPECT_THAT(sli.seconds(), testing::ElementsAre(std::nullopt, events(200, 210)));
  EXPECT_THAT(sli.gaps().at(0).reason, HasSubstr("no counter can have"));
}

// A good selector counts good events directly; good above total in a second is capped.
TEST(RatioSliTest, GoodSelectorAndCap) {
  auto sli = RatioSli::create(ratioSlo("outrider_proxy_requests_total{code=\"2xx\"}", "",
                                       "outrider_proxy_requests_total{code=\"5xx\"}"));
  ASSERT_TRUE(sli);
  EXPECT_FALSE(sli->countsBad());
  auto s0 = proxyScrape(0, 0);
  auto s1 = proxyScrape(10, 4);
  sli->addScrape(&s0, 1);
  sli->addScrape(&s1, 1);
  EXPECT_THAT(sli->seconds(), testing::ElementsAre(events(4, 4)));
}

// Fractional counters are handed out as whole events without drift.
TEST(RatioSliTest, FractionalIncreasesDoNotDrift) {
  RatioSli sli = badRatio();
  uint64_t total = 0;
  for (int k = 0; k <= 10; ++k) {
    auto scrape = proxyScrape(0.4 * k, 0);
    sli.addScrape(&scrape, 1);
  }
  for (const auto& second : sli.seconds()) {
    ASSERT_TRUE(second);
    total += second->total;
  }
  EXPECT_EQ(total, 4u);
}

// A selector that does not parse is refused with the key it came from.
TEST(RatioSliTest, CreateNamesTheBadSelector) {
  auto sli = RatioSli::create(ratioSlo("", "x{", "y"));
  ASSERT_FALSE(sli);
  EXPECT_THAT(sli.error().message, HasSubstr("slo proxy-availability.bad: column 3"));
}

}  // namespace
}  // namespace outrider::slo
