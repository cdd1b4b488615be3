#include "outrider/reports/html_report.h"

#include <gtest/gtest.h>

#include "golden.h"
#include "sample_journal.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <string>
#include <vector>

namespace outrider::reports {
namespace {

std::vector<std::string> svgBlocks(const std::string& html) {
  std::vector<std::string> blocks;
  size_t at = 0;
  while ((at = html.find("<svg", at)) != std::string::npos) {
    const size_t end = html.find("</svg>", at);
    if (end == std::string::npos) {
      break;
    }
    blocks.push_back(html.substr(at, end - at));
    at = end;
  }
  return blocks;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// report.html matches the golden file for the sample journal.
TEST(HtmlReportTest, MatchesGolden) {
  const std::string rendered = renderHtml(test::sampleJournal());
  const std::string golden_path = "tests/golden/reports/sample-report.html";
  test::expectMatchesGolden(rendered, golden_path);
}

// CPU and memory per process and each ratio SLI's events against the clients' requests are
// charted; the ratio and resource tables are there.
TEST(HtmlReportTest, ChartsResourcesAndRatios) {
  const std::string html = renderHtml(test::observedJournal());
  test::expectMatchesGolden(html, "tests/golden/reports/observed-report.html");
  EXPECT_EQ(count(html, "<title>CPU and memory: "), 2u);
  EXPECT_NE(html.find("<title>CPU and memory: proxy</title>"), std::string::npos);
  EXPECT_NE(html.find("<title>Ratio SLI: proxy-availability</title>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Resources</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Metrics scrapes</h2>"), std::string::npos);
  EXPECT_NE(html.find("outrider_proxy_requests_total{code=&quot;5xx&quot;}"), std::string::npos);
  // A second without a sample lifts the pen: the proxy's CPU line is drawn in two pieces.
  for (const auto& svg : svgBlocks(html)) {
    if (svg.find("<title>CPU and memory: proxy</title>") != std::string::npos) {
      const size_t line = svg.find("<title>CPU cores</title>");
      ASSERT_NE(line, std::string::npos);
      const size_t path = svg.rfind("<path d=\"M", line);
      EXPECT_NE(svg.substr(path, line - path).find(" M"), std::string::npos);
    }
  }
}

// The same journal renders the same bytes every time.
TEST(HtmlReportTest, IsDeterministic) {
  EXPECT_EQ(renderHtml(test::sampleJournal()), renderHtml(test::sampleJournal()));
}

// The page has the header, the verdict badge, each section and the three kinds of chart.
TEST(HtmlReportTest, HasSectionsBadgeAndCharts) {
  const std::string html = renderHtml(test::sampleJournal());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find(R"(<span class="badge fail">fail</span>)"), std::string::npos);
  for (const char* section :
       {"<h2>SLOs</h2>", "<h2>Alerts</h2>", "<h2>Faults</h2>", "<h2>Charts</h2>", "<h2>Load</h2>",
        "<h2>Processes</h2>", "<h2>Links</h2>", "<h2>Timeline</h2>"}) {
    EXPECT_NE(html.find(section), std::string::npos) << section;
  }
  EXPECT_NE(html.find("52.0s (http-abort-upstream)"), std::string::npos);  // time to detect
  EXPECT_NE(html.find("503 on 5000 of 5000 requests"), std::string::npos);
  // requests/errors, latency, and one burn-rate chart for the one SLO with a series.
  const auto svgs = svgBlocks(html);
  ASSERT_EQ(svgs.size(), 3u);
  for (const auto& svg : svgs) {
    EXPECT_NE(svg.find("seconds since start"), std::string::npos);  // x axis
    EXPECT_NE(svg.find("fault active"), std::string::npos);         // legend + shading
    EXPECT_NE(svg.find("fill-opacity=\"0.25\"><title>fault http-abort-upstream"),
              std::string::npos);
    EXPECT_NE(svg.find("alert fired"), std::string::npos);
  }
  EXPECT_NE(svgs[2].find("5m window"), std::string::npos);
  EXPECT_NE(svgs[2].find("1h window"), std::string::npos);
  EXPECT_LT(svgs[2].find("5m window"), svgs[2].find("1h window"));  // shortest first
}

// Each verdict gets its own badge colour class; an unknown one gets the neutral one.
TEST(HtmlReportTest, BadgeClassFollowsVerdict) {
  Journal j = test::sampleJournal();
  for (const char* verdict : {"pass", "fail", "inconclusive", "invalid"}) {
    j.verdict = verdict;
    EXPECT_NE(renderHtml(j).find(std::string("badge ") + verdict + "\""), std::string::npos);
  }
  j.verdict = "x\" onclick=\"y";
  const std::string html = renderHtml(j);
  EXPECT_NE(html.find("class=\"badge none\""), std::string::npos);
  EXPECT_EQ(html.find("onclick=\""), std::string::npos);
}

// Every string from the journal is escaped: a hostile name never reaches the page raw.
TEST(HtmlReportTest, EscapesHostileStrings) {
  const std::string hostile = "<script>alert('x&y')</script>\"";
  Journal j = test::sampleJournal();
  j.scenario_name = hostile;
  j.scenario_file = hostile;
  j.started_at = hostile;
  j.harness_error = hostile;
  j.invalid_reasons.push_back(hostile);
  j.findings.push_back(FindingRecord{hostile, hostile, hostile, false});
  j.slos.at(0).name = hostile;
  j.alerts.at(0).slo = hostile;
  j.alerts.at(0).caused_by = hostile;
  j.faults.at(0).name = hostile;
  j.faults.at(0).description = hostile;
  j.faults.at(0).evidence = hostile;
  j.load.target = hostile;
  j.load.status[hostile] = 1;
  j.processes.at(0).name = hostile;
  j.processes.at(0).log = hostile;
  j.processes.at(0).exits.at(0).signal = hostile;
  j.links.at(0).name = hostile;
  j.timeline.push_back(TimelineEvent{1.0, hostile, hostile});
  j.series.burn_rate[hostile]["5m"] = {1, 2};
  const std::string html = renderHtml(j);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("alert('"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&apos;x&amp;y&apos;)&lt;/script&gt;&quot;"),
            std::string::npos);
}

TEST(HtmlReportTest, HtmlEscapeEscapesAllFive) {
  EXPECT_EQ(htmlEscape(R"(a&b<c>d"e'f)"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  EXPECT_EQ(htmlEscape(""), "");
}

void expectFiniteSvg(const std::string& html) {
  const auto svgs = svgBlocks(html);
  EXPECT_FALSE(svgs.empty());
  for (const auto& svg : svgs) {
    // A number printed as nan or inf (words like "dominant" do not count).
    static const std::regex non_finite("(^|[^a-zA-Z])-?(nan|inf)([^a-zA-Z]|$)", std::regex::icase);
    EXPECT_FALSE(std::regex_search(svg, non_finite)) << svg;
  }
}

// An empty journal (no series, no duration, no faults) still renders: no division by zero.
TEST(HtmlReportTest, HandlesEmptySeries) {
  Journal empty;
  const std::string html = renderHtml(empty);
  expectFiniteSvg(html);
  EXPECT_NE(html.find("no data recorded"), std::string::npos);
  EXPECT_NE(html.find("No burn-rate series were recorded."), std::string::npos);

  Journal j = test::sampleJournal();
  j.duration_s = 0;
  j.series = Series{};
  j.series.interval_s = 0;
  j.series.burn_rate["availability"]["5m"] = {};
  expectFiniteSvg(renderHtml(j));
}

// Non-finite samples and an all-zero series leave gaps or flat lines, never NaN coordinates.
TEST(HtmlReportTest, HandlesNonFiniteAndZeroSamples) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Journal j = test::sampleJournal();
  j.series.rps = {0, 0, 0};
  j.series.errors = {0, 0, 0};
  j.series.p50_ms = {nan, 1, inf};
  j.series.p99_ms = {inf, nan, 2};
  j.series.burn_rate["availability"]["5m"] = {nan, inf};
  j.faults.at(0).ended_at_s = std::nullopt;
  j.faults.push_back(j.faults.at(0));
  j.faults.back().ended_at_s = j.faults.back().started_at_s;  // an instant: a vertical line
  expectFiniteSvg(renderHtml(j));
}

// Self-contained: no scripts, style sheets, images or fonts from elsewhere. The only URL on the
// page is the load target, shown as text.
TEST(HtmlReportTest, HasNoExternalResources) {
  std::string html = renderHtml(test::sampleJournal());
  const std::string target = htmlEscape(test::sampleJournal().load.target);
  ASSERT_NE(html.find(target), std::string::npos);
  for (size_t at = html.find(target); at != std::string::npos; at = html.find(target)) {
    html.erase(at, target.size());
  }
  for (const char* bad : {"http://", "https://", "<script", "<link", "<img", "<iframe",
                          "src=", "href=", "url(", "@import", "@font-face"}) {
    EXPECT_EQ(html.find(bad), std::string::npos) << bad;
  }
  EXPECT_EQ(count(html, "<style>"), 1u);
}

}  // namespace
}  // namespace outrider::reports
