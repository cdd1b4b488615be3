#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "outrider/metrics/exposition.h"
#include "outrider/metrics/selector.h"

namespace outrider::metrics {
namespace {

using testing::HasSubstr;

Exposition scrape(std::string_view text) {
  auto parsed = parseExposition(text);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? *parsed : Exposition{};
}

double sumOf(std::string_view selector, const Exposition& exposition) {
  auto parsed = Selector::parse(selector);
  EXPECT_TRUE(parsed) << selector << ": " << parsed.error().message;
  return parsed ? parsed->evaluate(exposition).sum : -1;
}

std::string errorOf(std::string_view selector) {
  auto parsed = Selector::parse(selector);
  EXPECT_FALSE(parsed) << "parsed: " << selector;
  return parsed ? std::string() : parsed.error().message;
}

const Exposition& requests() {
  static const Exposition exposition = scrape(
      "outrider_proxy_requests_total{code=\"2xx\"} 90\n"
      "outrider_proxy_requests_total{code=\"4xx\"} 3\n"
      "outrider_proxy_requests_total{code=\"5xx\"} 7\n"
      "outrider_proxy_requests_total{code=\"other\"} 0\n"
      "other_total{code=\"5xx\"} 1000\n"
      "labelless_total 5\n");
  return exposition;
}

// A bare name sums every series of that name, whatever their labels.
TEST(SelectorTest, BareNameSumsAllSeries) {
  EXPECT_EQ(sumOf("outrider_proxy_requests_total", requests()), 100);
  EXPECT_EQ(sumOf("labelless_total", requests()), 5);
  EXPECT_EQ(sumOf("absent_total", requests()), 0);
}

// The four matchers, as PromQL reads them.
TEST(SelectorTest, MatchersSelectSeries) {
  EXPECT_EQ(sumOf("outrider_proxy_requests_total{code=\"5xx\"}", requests()), 7);
  EXPECT_EQ(sumOf("outrider_proxy_requests_total{code!=\"5xx\"}", requests()), 93);
  EXPECT_EQ(sumOf("outrider_proxy_requests_total{code=~\"[45]xx\"}", requests()), 10);
  EXPECT_EQ(sumOf("outrider_proxy_requests_total{code!~\"5..\"}", requests()), 93);
  EXPECT_EQ(sumOf("outrider_proxy_requests_total{code=~\"5\", }", requests()), 0);  // anchored
  EXPECT_EQ(sumOf("outrider_proxy_requests_total{code=\"2xx\",code!=\"2xx\"}", requests()), 0);
}

// A label a series lacks has the value "", so != and !~ select it and ="" does too.
TEST(SelectorTest, MissingLabelIsEmpty) {
  EXPECT_EQ(sumOf("labelless_total{code!=\"5xx\"}", requests()), 5);
  EXPECT_EQ(sumOf("labelless_total{code=\"\"}", requests()), 5);
  EXPECT_EQ(sumOf("outrider_proxy_requests_total{code=\"\"}", requests()), 0);
}

// __name__ is a label like any other; a regex on it can stand in for the name.
TEST(SelectorTest, NameMatcher) {
  EXPECT_EQ(sumOf("{__name__=~\".*_total\", code=\"5xx\"}", requests()), 1007);
  EXPECT_EQ(sumOf("{__name__=\"other_total\"}", requests()), 1000);
}

// Blanks anywhere between tokens, single quotes, backticks and escapes.
TEST(SelectorTest, AcceptsPromqlSpelling) {
  EXPECT_EQ(sumOf("  outrider_proxy_requests_total { code = '5xx' } ", requests()), 7);
  EXPECT_EQ(sumOf("outrider_proxy_requests_total{code=~`5\\w\\w`}", requests()), 7);
  EXPECT_EQ(sumOf("outrider_proxy_requests_total{code=~\"5\\\\w\\\\w\"}", requests()), 7);
  auto parsed = Selector::parse("  m{a=\"x\"}  ");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->text(), "m{a=\"x\"}");
  EXPECT_EQ(parsed->metricName(), "m");
}

// Histogram buckets are plain series: a latency ratio is a bucket over the count.
TEST(SelectorTest, SelectsHistogramBuckets) {
  const auto histogram = scrape(
      "# TYPE lat histogram\n"
      "lat_bucket{le=\"0.1\"} 80\nlat_bucket{le=\"+Inf\"} 100\nlat_sum 3\nlat_count 100\n");
  EXPECT_EQ(sumOf("lat_bucket{le=\"0.1\"}", histogram), 80);
  EXPECT_EQ(sumOf("lat_count", histogram), 100);
}

// Each malformed selector names its column and what was expected.
TEST(SelectorTest, RefusesMalformedSelectorsWithColumn) {
  EXPECT_EQ(errorOf(""),
            "column 1: empty selector (expected a metric name like "
            "\"http_requests_total\")");
  EXPECT_EQ(errorOf("m{code=\"5xx\""),
            "column 13: expected ',' or '}' after a matcher, got the end");
  EXPECT_EQ(errorOf("m{code==\"5xx\"}"), "column 8: expected a quoted string, got '='");
  EXPECT_EQ(errorOf("m{code~\"5xx\"}"),
            "column 7: expected '=', '!=', '=~' or '!~' after label code, got '~'");
  EXPECT_EQ(errorOf("m{code=\"5xx}"), "column 8: unterminated string");
  EXPECT_EQ(errorOf("m x"), "column 3: unexpected 'x' after the selector");
  EXPECT_EQ(errorOf("  9m"), "column 3: expected a metric name or '{', got '9'");
  EXPECT_EQ(errorOf("m{code=\"5xx\"} or n"), "column 15: unexpected 'o' after the selector");
  EXPECT_EQ(errorOf("rate(m[5m])"), "column 5: unexpected '(' after the selector");
  EXPECT_THAT(errorOf("m{code=~\"5(\"}"), HasSubstr("column 9: invalid regular expression \"5(\""));
  EXPECT_THAT(errorOf("m{code=\"\\d\"}"), HasSubstr("column 9: invalid escape sequence '\\d'"));
  EXPECT_THAT(errorOf("{code=\"5xx\"}"), HasSubstr("a selector must name its metric"));
  EXPECT_THAT(errorOf("{__name__=~\".*\"}"), HasSubstr("a selector must name its metric"));
}

// A pathological pattern on a long value is decided or given up on, never run away from; a
// give-up is counted, not silently read as a match.
TEST(SelectorTest, PathologicalRegexIsBounded) {
  Exposition exposition;
  exposition.samples.push_back(Sample{"m", {{"v", std::string(5000, 'a') + "!"}}, 1, std::nullopt});
  auto selector = Selector::parse("m{v=~\"(a*)*b\"}");
  ASSERT_TRUE(selector);
  const auto evaluation = selector->evaluate(exposition);
  EXPECT_EQ(evaluation.sum, 0);
  EXPECT_EQ(evaluation.samples.size(), 0u);
  EXPECT_EQ(evaluation.match_errors, 1u);
}

}  // namespace
}  // namespace outrider::metrics
