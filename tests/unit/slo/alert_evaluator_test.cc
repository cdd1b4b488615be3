#include "outrider/slo/alert_evaluator.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "outrider/slo/event_series.h"
#include "outrider/slo/history.h"

namespace outrider::slo {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class AlertEvaluatorTest : public testing::Test {
 protected:
  // Feeds one second and evaluates at its end (t = k + 1, no warmup).
  void feed(AlertEvaluator& evaluator, EventCounts counts) {
    series_.append(counts);
    evaluator.evaluate(series_, history_, static_cast<double>(series_.seconds()));
  }

  EventSeries series_{600};
  History history_ = History::none();
};

// A custom rule fires when both windows exceed its factor, and resolves when the short window
// recovers although the long one is still above.
TEST_F(AlertEvaluatorTest, CustomRuleFiresAndResolvesOnShortWindow) {
  // ticket 10m/1m x2 on a 99% objective: fires above 2% bad in both windows. 10 events/s; from
  // second 700 (the 10m window is full by then) to 819, 2 of them bad (20%). The 10m window
  // (6000 events) exceeds 2% with more than 120 bad, i.e. after 61 bad seconds: evaluated at the
  // end of second 760, t = 761. The 1m window drops to 12 bad (2%) or fewer once at most 6 bad
  // seconds remain in it: seconds [k - 59, k] hold 879 - k of them, so at k = 873, t = 874; the
  // 10m window then still holds all 240 bad (4%, burn rate 4).
  AlertEvaluator evaluator("availability", 0.99, {{"ticket", minutes(10), minutes(1), 2.0}});
  for (uint64_t k = 0; k < 1000; ++k) {
    const bool failing = k >= 700 && k < 820;
    feed(evaluator, EventCounts{failing ? 8u : 10u, 10});
    if (k == 873) {
      EXPECT_GT(*evaluator.burnRate(600), 2.0);
      EXPECT_LE(*evaluator.burnRate(60), 2.0);
    }
  }
  ASSERT_EQ(evaluator.alerts().size(), 1u);
  const AlertRecord& alert = evaluator.alerts()[0];
  EXPECT_EQ(alert.slo, "availability");
  EXPECT_EQ(alert.severity, "ticket");
  EXPECT_EQ(alert.long_s, 600);
  EXPECT_EQ(alert.short_s, 60);
  EXPECT_EQ(alert.factor, 2.0);
  EXPECT_EQ(alert.fired_at_s, 761);
  EXPECT_EQ(alert.resolved_at_s, 874);
  EXPECT_FALSE(evaluator.firing(0));
}

// Exceeding means strictly above: a burn rate equal to the factor neither fires nor keeps firing.
TEST_F(AlertEvaluatorTest, FactorIsExclusive) {
  // Objective 0.5: a half-bad second burns at exactly 1.0, with no rounding.
  AlertEvaluator evaluator("x", 0.5, {{"page", seconds(1), seconds(1), 1.0}});
  feed(evaluator, EventCounts{5, 10});
  EXPECT_EQ(*evaluator.burnRate(1), 1.0);
  EXPECT_TRUE(evaluator.alerts().empty());
  feed(evaluator, EventCounts{4, 10});
  ASSERT_EQ(evaluator.alerts().size(), 1u);
  EXPECT_EQ(evaluator.alerts()[0].fired_at_s, 2);
  EXPECT_TRUE(evaluator.firing(0));
  feed(evaluator, EventCounts{5, 10});
  EXPECT_EQ(evaluator.alerts()[0].resolved_at_s, 3);
  feed(evaluator, EventCounts{0, 10});
  ASSERT_EQ(evaluator.alerts().size(), 2u);
  EXPECT_EQ(evaluator.alerts()[1].fired_at_s, 4);
  EXPECT_FALSE(evaluator.alerts()[1].resolved_at_s.has_value());  // still firing at the end
}

// Rules sharing a window compute it once; the series holds one value per evaluation per window.
TEST_F(AlertEvaluatorTest, BurnRateSeriesPerDistinctWindow) {
  AlertEvaluator evaluator(
      "x", 0.9, {{"page", minutes(5), seconds(30), 2.0}, {"ticket", minutes(10), minutes(5), 1.0}});
  EXPECT_EQ(evaluator.longestWindow(), 600u);
  for (int k = 0; k < 7; ++k) {
    feed(evaluator, EventCounts{9, 10});
  }
  const auto series = evaluator.burnRateSeries();
  ASSERT_EQ(series.size(), 3u);
  for (const char* key : {"30s", "5m", "10m"}) {
    ASSERT_EQ(series.count(key), 1u) << key;
    ASSERT_EQ(series.at(key).size(), 7u) << key;
    EXPECT_NEAR(series.at(key).back(), 1.0, 1e-9) << key;
  }
  EXPECT_FALSE(evaluator.burnRate(61).has_value());
}

// Without recording, the per-second series stay empty (a month-long run keeps no history).
TEST_F(AlertEvaluatorTest, SeriesNotRecorded) {
  AlertEvaluator evaluator("x", 0.9, {{"page", minutes(5), seconds(30), 2.0}}, false);
  feed(evaluator, EventCounts{9, 10});
  for (const auto& [key, values] : evaluator.burnRateSeries()) {
    EXPECT_TRUE(values.empty()) << key;
  }
  EXPECT_NEAR(*evaluator.burnRate(300), 1.0, 1e-9);
}

}  // namespace
}  // namespace outrider::slo
