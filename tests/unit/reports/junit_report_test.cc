#include "outrider/reports/junit_report.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "golden.h"
#include "sample_journal.h"

namespace outrider::reports {
namespace {

// The sample journal of journal_test.cc.


size_t countOf(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// The value of attribute `name` in the first element that starts with `open`.
std::string attribute(const std::string& xml, const std::string& open, const std::string& name) {
  const size_t start = xml.find(open);
  if (start == std::string::npos) {
    return "";
  }
  const size_t end = xml.find('>', start);
  const std::string element = xml.substr(start, end - start);
  std::smatch match;
  if (!std::regex_search(element, match, std::regex(" " + name + "=\"([^\"]*)\""))) {
    return "";
  }
  return match[1];
}

// junit.xml matches the golden file for the sample journal.
TEST(JunitReportTest, MatchesGolden) {
  test::expectMatchesGolden(renderJunit(test::sampleJournal()),
                            "tests/golden/reports/sample-junit.xml");
}

// One case per SLO, per finding, per fault and the validity case; the counts in the attributes
// are those of the cases.
TEST(JunitReportTest, CountsMatchTestcases) {
  Journal j = test::sampleJournal();
  j.faults.push_back(FaultRecord{"kill-proxy", "process-kill", "proxy", "SIGKILL proxy", 12.5,
                                 std::nullopt, false, "proxy was not running", 0});
  j.verdict = "invalid";
  j.invalid_reasons = {"load generator stalled"};
  const std::string xml = renderJunit(j);
  const size_t cases = countOf(xml, "<testcase ");
  EXPECT_EQ(cases, j.slos.size() + j.findings.size() + 1 + j.faults.size());
  const size_t failures = countOf(xml, "<failure ");
  const size_t errors = countOf(xml, "<error ");
  EXPECT_EQ(failures, 4u);  // availability, two gate findings, kill-proxy
  EXPECT_EQ(errors, 1u);    // run.validity
  for (const std::string open : {"<testsuites ", "<testsuite "}) {
    EXPECT_EQ(attribute(xml, open, "tests"), std::to_string(cases)) << open;
    EXPECT_EQ(attribute(xml, open, "failures"), std::to_string(failures)) << open;
    EXPECT_EQ(attribute(xml, open, "errors"), std::to_string(errors)) << open;
    EXPECT_EQ(attribute(xml, open, "skipped"), "0") << open;
    EXPECT_EQ(attribute(xml, open, "time"), "30.000") << open;
  }
  EXPECT_EQ(attribute(xml, "<testsuite ", "name"), "outrider.quickstart");
  EXPECT_NE(xml.find("load generator stalled"), std::string::npos);
  EXPECT_NE(xml.find("proxy was not running"), std::string::npos);
}

// Hostile strings cannot break the document: markup is escaped and control characters dropped.
TEST(JunitReportTest, EscapesHostileStrings) {
  Journal j = test::sampleJournal();
  j.scenario_name = "a\"b<c>&'d";
  j.faults.at(0).effective = false;
  j.faults.at(0).evidence = std::string("</failure><x a=\"1\">&amp;\x1b[31mred\x01\x7f") +
                            "\xff end";
  j.harness_error = "exec failed: \"]]>\" <boom>\x00";
  const std::string xml = renderJunit(j);
  EXPECT_NE(xml.find("name=\"outrider.a&quot;b&lt;c&gt;&amp;&apos;d\""), std::string::npos);
  EXPECT_NE(xml.find("&lt;/failure&gt;&lt;x a=&quot;1&quot;&gt;&amp;amp;[31mred\xEF\xBF\xBD end"),
            std::string::npos);
  EXPECT_EQ(xml.find("</failure><x"), std::string::npos);
  EXPECT_EQ(xml.find("]]>"), std::string::npos);
  for (char c : xml) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 || c == '\n') << "control character " << static_cast<int>(u);
    EXPECT_NE(u, 0x7F);
  }
  EXPECT_EQ(escapeXml("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
  EXPECT_EQ(escapeXml("\xC3\xA9\xE2\x89\xA5\xF0\x9F\x94\xA5"),
            "\xC3\xA9\xE2\x89\xA5\xF0\x9F\x94\xA5");  // é ≥ and an emoji pass through
  EXPECT_EQ(escapeXml("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

// A pass journal: no failure, no error; non-failing findings are passed cases with the detail.
TEST(JunitReportTest, PassingRunHasNoFailures) {
  Journal j = test::sampleJournal();
  j.verdict = "pass";
  j.slos.at(0).met = true;
  j.slos.at(0).verdict = "pass";
  j.findings = {FindingRecord{"ticket", "availability", "3d/6h burn rate above 1", false}};
  const std::string xml = renderJunit(j);
  EXPECT_EQ(attribute(xml, "<testsuite ", "failures"), "0");
  EXPECT_EQ(attribute(xml, "<testsuite ", "errors"), "0");
  EXPECT_EQ(countOf(xml, "<failure"), 0u);
  EXPECT_NE(xml.find("not in the gate&apos;s fail_on"), std::string::npos);
}

// An inconclusive SLO is skipped, not failed.
TEST(JunitReportTest, InconclusiveSloIsSkipped) {
  Journal j = test::sampleJournal();
  j.slos.at(1).verdict = "inconclusive";
  const std::string xml = renderJunit(j);
  EXPECT_EQ(attribute(xml, "<testsuite ", "skipped"), "1");
  EXPECT_EQ(countOf(xml, "<skipped "), 1u);
}

// gate: several runs in one <testsuites>, totals summed, a repeated scenario gets a suffix.
TEST(JunitReportTest, MergesSuites) {
  Journal first = test::sampleJournal();
  Journal second = test::sampleJournal();
  second.verdict = "pass";
  second.findings.clear();
  second.slos.at(0).met = true;
  second.slos.at(0).verdict = "pass";
  second.duration_s = 12.5;
  Journal third = test::sampleJournal();
  third.scenario_name = "other";
  third.duration_s = 1;
  const std::string xml = renderJunitSuites({first, second, third});
  EXPECT_EQ(countOf(xml, "<testsuites "), 1u);
  EXPECT_EQ(countOf(xml, "<testsuite "), 3u);
  EXPECT_NE(xml.find("name=\"outrider.quickstart\""), std::string::npos);
  EXPECT_NE(xml.find("name=\"outrider.quickstart#2\""), std::string::npos);
  EXPECT_NE(xml.find("name=\"outrider.other\""), std::string::npos);
  EXPECT_EQ(attribute(xml, "<testsuites ", "tests"),
            std::to_string(countOf(xml, "<testcase ")));
  EXPECT_EQ(attribute(xml, "<testsuites ", "failures"), std::to_string(3 + 0 + 3));
  EXPECT_EQ(attribute(xml, "<testsuites ", "time"), "43.500");
  EXPECT_EQ(renderJunitSuites({first}), renderJunit(first));
}

}  // namespace
}  // namespace outrider::reports
