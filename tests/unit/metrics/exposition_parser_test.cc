#include <cmath>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "outrider/metrics/exposition.h"

namespace outrider::metrics {
namespace {

using testing::HasSubstr;

// The error message of a scrape that must not parse.
std::string errorOf(std::string_view text) {
  auto parsed = parseExposition(text);
  EXPECT_FALSE(parsed.has_value()) << "parsed: " << text;
  return parsed ? std::string() : parsed.error().message;
}

// What outrider-proxy (prometheus-cpp's TextSerializer) sends, abridged.
constexpr std::string_view ProxyScrape =
    "# HELP outrider_proxy_requests_total Downstream responses by status class\n"
    "# TYPE outrider_proxy_requests_total counter\n"
    "outrider_proxy_requests_total{code=\"other\"} 0\n"
    "outrider_proxy_requests_total{code=\"2xx\"} 1520\n"
    "outrider_proxy_requests_total{code=\"5xx\"} 37\n"
    "# HELP outrider_proxy_upstream_latency_seconds Time from upstream request start\n"
    "# TYPE outrider_proxy_upstream_latency_seconds histogram\n"
    "outrider_proxy_upstream_latency_seconds_count 1557\n"
    "outrider_proxy_upstream_latency_seconds_sum 0.912\n"
    "outrider_proxy_upstream_latency_seconds_bucket{le=\"0.001\"} 1400\n"
    "outrider_proxy_upstream_latency_seconds_bucket{le=\"+Inf\"} 1557\n";

// A real scrape parses into its samples, families and types.
TEST(ExpositionParserTest, ParsesWhatTheProxySends) {
  auto parsed = parseExposition(ProxyScrape);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->samples.size(), 7u);
  EXPECT_EQ(parsed->seriesCount(), 7u);
  const Sample& ok = parsed->samples[1];
  EXPECT_EQ(ok.name, "outrider_proxy_requests_total");
  ASSERT_EQ(ok.labels.size(), 1u);
  EXPECT_EQ(ok.labels[0], (Label{"code", "2xx"}));
  EXPECT_EQ(ok.value, 1520);
  EXPECT_FALSE(ok.timestamp_ms);
  EXPECT_EQ(parsed->families.at("outrider_proxy_requests_total").type, MetricType::Counter);
  EXPECT_EQ(parsed->families.at("outrider_proxy_requests_total").help,
            "Downstream responses by status class");
  EXPECT_EQ(parsed->families.at("outrider_proxy_upstream_latency_seconds").type,
            MetricType::Histogram);
  EXPECT_EQ(parsed->samples[6].labels[0].value, "+Inf");
}

// Label values unescape \\, \" and \n; labels come out sorted by name.
TEST(ExpositionParserTest, UnescapesLabelValuesAndSortsLabels) {
  auto parsed =
      parseExposition("m{zeta=\"a\\\\b\",alpha=\"say \\\"hi\\\"\",mid=\"two\\nlines\",} 1\n");
  ASSERT_TRUE(parsed) << parsed.error().message;
  const Labels& labels = parsed->samples.at(0).labels;
  ASSERT_EQ(labels.size(), 3u);
  EXPECT_EQ(labels[0], (Label{"alpha", "say \"hi\""}));
  EXPECT_EQ(labels[1], (Label{"mid", "two\nlines"}));
  EXPECT_EQ(labels[2], (Label{"zeta", "a\\b"}));
  EXPECT_EQ(seriesKey("m", labels),
            "m{alpha=\"say \\\"hi\\\"\",mid=\"two\\nlines\",zeta=\"a\\\\b\"}");
}

// NaN, +Inf, -Inf, exponents and signs, and integer millisecond timestamps.
TEST(ExpositionParserTest, ReadsSpecialValuesAndTimestamps) {
  auto parsed =
      parseExposition("a NaN\nb +Inf\nc -Inf\nd 1.5e3 1700000000000\ne -0.25 -5\nf +7\ng Inf\n");
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& s = parsed->samples;
  ASSERT_EQ(s.size(), 7u);
  EXPECT_TRUE(std::isnan(s[0].value));
  EXPECT_EQ(s[1].value, INFINITY);
  EXPECT_EQ(s[2].value, -INFINITY);
  EXPECT_EQ(s[3].value, 1500);
  EXPECT_EQ(s[3].timestamp_ms, 1700000000000);
  EXPECT_EQ(s[4].value, -0.25);
  EXPECT_EQ(s[4].timestamp_ms, -5);
  EXPECT_EQ(s[5].value, 7);
  EXPECT_EQ(s[6].value, INFINITY);
}

// Blank lines, comments, blanks and tabs between tokens, CRLF line ends and a missing final
// newline are all fine.
TEST(ExpositionParserTest, ToleratesLayout) {
  auto parsed = parseExposition(
      "\n   \n# just a comment\n#\n  m \t{ a = \"1\" , b=\"2\" }\t 3 \r\n# HELP\n# TYPE m2\nm2 4");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->samples.size(), 2u);
  EXPECT_EQ(parsed->samples[0].value, 3);
  EXPECT_EQ(parsed->samples[0].labels.size(), 2u);
  EXPECT_EQ(parsed->samples[1].value, 4);
}

// HELP text keeps its escapes \\ and \n; a family can have HELP without TYPE (untyped).
TEST(ExpositionParserTest, ReadsHelpText) {
  auto parsed = parseExposition("# HELP m a \\\\ b\\nc  d\nm 1\n");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->families.at("m").help, "a \\ b\nc  d");
  EXPECT_EQ(parsed->families.at("m").type, MetricType::Untyped);
}

// An empty scrape is a valid scrape with no series.
TEST(ExpositionParserTest, EmptyScrapeHasNoSeries) {
  auto parsed = parseExposition("");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->seriesCount(), 0u);
}

// Each malformed line is refused with its line, column and what was expected.
TEST(ExpositionParserTest, RefusesMalformedSamplesWithPosition) {
  EXPECT_EQ(errorOf("ok 1\nm{code=\"2xx\" 1\n"),
            "line 2, column 14: expected ',' or '}' after a label, got '1'");
  EXPECT_EQ(errorOf("m{code=2xx} 1\n"),
            "line 1, column 8: expected '\"' to open the value of label code, got '2'");
  EXPECT_EQ(errorOf("m{code=\"2xx} 1\n"),
            "line 1, column 8: unterminated label value (no closing '\"' on this line)");
  EXPECT_EQ(errorOf("m{code\"x\"} 1\n"),
            "line 1, column 7: expected '=' after label name code, got '\"'");
  EXPECT_EQ(errorOf("m{1a=\"x\"} 1\n"), "line 1, column 3: expected a label name or '}', got '1'");
  EXPECT_EQ(errorOf("m\n"), "line 1, column 2: expected a value after the metric name and labels");
  EXPECT_EQ(errorOf("m abc\n"),
            "line 1, column 3: invalid value 'abc' (expected a number, NaN, +Inf or -Inf)");
  EXPECT_EQ(errorOf("m 1 2 3\n"), "line 1, column 7: unexpected text after the timestamp");
  EXPECT_EQ(errorOf("m 1 1.5\n"),
            "line 1, column 5: invalid timestamp '1.5' (expected integer milliseconds)");
  EXPECT_EQ(errorOf("m-x 1\n"), "line 1, column 2: invalid character '-' in metric name");
  EXPECT_EQ(errorOf("9m 1\n"), "line 1, column 1: expected a metric name, got '9'");
  EXPECT_EQ(errorOf("m 1e999\n"), "line 1, column 3: value '1e999' is out of range");
  EXPECT_THAT(errorOf("m{a=\"\\t\"} 1\n"), HasSubstr("invalid escape sequence '\\t'"));
  EXPECT_THAT(errorOf("m{a=\"x\\"), HasSubstr("unterminated label value (it ends in '\\')"));
}

// Family-level rules: one TYPE and one HELP per family, TYPE before samples, known types,
// no duplicate series or labels, histogram buckets with le and summaries with quantile.
TEST(ExpositionParserTest, RefusesInconsistentFamilies) {
  EXPECT_EQ(errorOf("# TYPE m counter\n# TYPE m gauge\n"),
            "line 2, column 8: second TYPE line for metric m");
  EXPECT_EQ(errorOf("# HELP m a\n# HELP m b\n"), "line 2, column 8: second HELP line for metric m");
  EXPECT_EQ(errorOf("m 1\n# TYPE m counter\n"),
            "line 2, column 8: TYPE line for metric m after its samples");
  EXPECT_THAT(errorOf("# TYPE m countr\n"), HasSubstr("unknown metric type 'countr'"));
  EXPECT_EQ(errorOf("# TYPE 1m counter\n"), "line 1, column 8: invalid metric name in TYPE line");
  EXPECT_EQ(errorOf("m{a=\"1\"} 1\nm{a=\"1\"} 2\n"),
            "line 2, column 1: duplicate series m{a=\"1\"} (first on line 1)");
  EXPECT_EQ(errorOf("m{a=\"1\",a=\"2\"} 1\n"), "line 1, column 9: label a appears twice");
  EXPECT_EQ(errorOf("m{__name__=\"x\"} 1\n"), "line 1, column 3: label name __name__ is reserved");
  EXPECT_THAT(errorOf("# TYPE h histogram\nh_bucket 1\n"),
              HasSubstr("histogram bucket h_bucket needs an 'le' label holding a number"));
  EXPECT_THAT(errorOf("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n"),
              HasSubstr("needs an 'le' label"));
  EXPECT_THAT(errorOf("# TYPE s summary\ns 1\n"),
              HasSubstr("summary quantile s needs a 'quantile' label"));
  EXPECT_EQ(errorOf("m{a=\"\xff\"} 1\n"),
            "line 1, column 5: the value of label a is not valid UTF-8");
}

// Errors carry their position as data too.
TEST(ExpositionParserTest, ErrorHasLocation) {
  auto parsed = parseExposition("a 1\nb 2\nc{ 3\n");
  ASSERT_FALSE(parsed);
  ASSERT_TRUE(parsed.error().where);
  EXPECT_EQ(parsed.error().where->line, 3u);
  EXPECT_EQ(parsed.error().where->column, 4u);
  EXPECT_EQ(parsed.error().code, ErrorCode::InvalidArgument);
}

// The limits hold against a scrape that tries to be huge.
TEST(ExpositionParserTest, EnforcesLimits) {
  std::string many;
  for (int i = 0; i < 11; ++i) {
    many += "m{i=\"" + std::to_string(i) + "\"} 1\n";
  }
  ParseLimits limits;
  limits.max_samples = 10;
  auto parsed = parseExposition(many, limits);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message, "line 11, column 1: more than 10 samples");
  limits.max_labels_per_sample = 2;
  EXPECT_THAT(parseExposition("m{a=\"1\",b=\"2\",c=\"3\"} 1\n", limits).error().message,
              HasSubstr("more than 2 labels on one sample"));
}

// Error messages quote hostile input as printable ASCII, and cut it short.
TEST(ExpositionParserTest, ErrorsQuoteHostileBytesSafely) {
  const std::string message = errorOf("m \x1b[31m" + std::string(500, 'x') + "\n");
  EXPECT_THAT(message, HasSubstr("\\x1b[31m"));
  EXPECT_LT(message.size(), 200u);
  EXPECT_THAT(errorOf(std::string("m\0 1", 4)), HasSubstr("byte 0x00"));
}

// Mutations of a real scrape (bytes flipped, cut, duplicated) parse or fail cleanly: never a
// crash, never a hang, and always a located message on failure.
TEST(ExpositionParserTest, SurvivesMutatedInput) {
  std::mt19937_64 random(20261127);
  const std::string base(ProxyScrape);
  std::string alphabet = "{}\"=,\\# \t\n\r+-.eE0123456789aZ_:\xff";
  alphabet.push_back('\0');
  for (int round = 0; round < 20000; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(random() % 8);
    for (int e = 0; e < edits; ++e) {
      const size_t at = random() % (text.size() + 1);
      switch (random() % 4) {
        case 0:
          if (at < text.size()) {
            text[at] = alphabet[random() % alphabet.size()];
          }
          break;
        case 1:
          text.insert(at, 1, alphabet[random() % alphabet.size()]);
          break;
        case 2:
          text.erase(at, random() % 16);
          break;
        default:
          text.insert(at, text.substr(random() % text.size(), random() % 32));
      }
    }
    auto parsed = parseExposition(text);
    if (!parsed) {
      ASSERT_TRUE(parsed.error().where) << text;
      ASSERT_THAT(parsed.error().message, testing::StartsWith("line ")) << text;
    }
  }
}

}  // namespace
}  // namespace outrider::metrics
