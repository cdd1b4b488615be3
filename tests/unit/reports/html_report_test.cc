#include "outrider/reports/html_report.h"

#include <gtest/gtest.h>

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

// The same journal as journal_test.cc's sampleJournal(), so report.md and report.html render the
// same run.
Journal sampleJournal() {
  Journal j;
  j.scenario_name = "quickstart";
  j.scenario_file = "scenarios/quickstart.toml";
  j.scenario_sha256 = "ab12cd34ef56ab12cd34ef56";
  j.seed = 42;
  j.started_at = "2026-11-27T08:00:00Z";
  j.duration_s = 30;
  j.startup_s = 0.25;
  j.load.target = "http://127.0.0.1:40001/";
  j.load.rate = 500;
  j.load.connections = 16;
  j.load.warmup_s = 5;
  j.load.timeout_s = 1;
  j.load.scheduled = 12500;
  j.load.sent = 12498;
  j.load.completed = 12490;
  j.load.failed = 5;
  j.load.timed_out = 3;
  j.load.late = 4;
  j.load.not_sent = 2;
  j.load.status = {{"2xx", 12480}, {"5xx", 10}};
  j.load.latency_ms = {0.41, 0.9, 1.5, 3.2, 7.1, 0.5};
  j.load.service_time_ms = {0.40, 0.8, 1.2, 2.9, 7.0, 0.45};
  ProcessRecord proxy;
  proxy.name = "proxy";
  proxy.role = "sidecar";
  proxy.starts = 2;
  proxy.restarts = 1;
  proxy.exits = {ProcessExit{12.5, std::nullopt, "SIGKILL"}, ProcessExit{30.2, 0, std::nullopt}};
  proxy.ready_at_s = {-0.1, 12.8};
  proxy.log = "logs/proxy.log";
  proxy.pids = {1234, 1240};
  j.processes.push_back(proxy);
  j.links.push_back(LinkRecord{"upstream", "127.0.0.1:1", "127.0.0.1:2", 16, 0, 100, 200});
  j.timeline.push_back(TimelineEvent{-0.1, "ready", "proxy"});
  j.timeline.push_back(TimelineEvent{12.5, "process-exit", "proxy by SIGKILL"});
  j.verdict = "fail";
  j.findings.push_back(FindingRecord{"objective", "availability", "0.998 < 0.999", true});
  j.findings.push_back(FindingRecord{"page", "availability", "1h/5m burn rate above 14.4", true});
  j.slos.push_back(SloRecord{"availability", "availability", 0.999, 2592000, std::nullopt, 12470,
                             12500, 0.9976, false, 0.0231, "fail"});
  j.slos.push_back(SloRecord{"latency", "latency", 0.99, 2592000, 100.0, 12400, 12500, 0.992, true,
                             0.0001, "pass"});
  j.alerts.push_back(AlertRecord{"availability", "page", 3600, 300, 14.4, 67.0, 90.0,
                                 "http-abort-upstream", 52.0});
  j.faults.push_back(FaultRecord{"http-abort-upstream", "http-abort", "upstream",
                                 "http-abort 503 on upstream, p=1", 15.0, 25.0, true,
                                 "503 on 5000 of 5000 requests", 5000});
  j.series.burn_rate["availability"]["5m"] = {0, 1.5};
  j.series.burn_rate["availability"]["1h"] = {0, 0.2};
  j.series.rps = {500, 499.5};
  j.series.errors = {0, 3};
  j.series.p50_ms = {0.4, 0.41};
  j.series.p99_ms = {1.2, 9.5};
  return j;
}

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
  const std::string rendered = renderHtml(sampleJournal());
  const std::string golden_path = "tests/golden/reports/sample-report.html";
  if (std::getenv("OUTRIDER_UPDATE_GOLDEN") != nullptr) {
    std::filesystem::create_directories("tests/golden/reports");
    std::ofstream(golden_path) << rendered;
  }
  std::ifstream file(golden_path);
  ASSERT_TRUE(file) << "missing " << golden_path << " (OUTRIDER_UPDATE_GOLDEN=1 writes it)";
  std::string golden((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rendered, golden);
}

// The same journal renders the same bytes every time.
TEST(HtmlReportTest, IsDeterministic) {
  EXPECT_EQ(renderHtml(sampleJournal()), renderHtml(sampleJournal()));
}

// The page has the header, the verdict badge, each section and the three kinds of chart.
TEST(HtmlReportTest, HasSectionsBadgeAndCharts) {
  const std::string html = renderHtml(sampleJournal());
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
  Journal j = sampleJournal();
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
  Journal j = sampleJournal();
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
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;&quot;"),
            std::string::npos);
}

TEST(HtmlReportTest, HtmlEscapeEscapesAllFive) {
  EXPECT_EQ(htmlEscape(R"(a&b<c>d"e'f)"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
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

  Journal j = sampleJournal();
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
  Journal j = sampleJournal();
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
  std::string html = renderHtml(sampleJournal());
  const std::string target = htmlEscape(sampleJournal().load.target);
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
