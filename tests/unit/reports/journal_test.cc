#include "outrider/reports/journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "golden.h"
#include "outrider/reports/html_report.h"
#include "outrider/reports/markdown_report.h"
#include "sample_journal.h"

namespace outrider::reports {
namespace {


// Every field survives a write and a read, so reports can be re-rendered from the journal alone.
TEST(JournalTest, RoundTripsThroughJson) {
  Journal original = test::sampleJournal();
  auto back = journalFromJson(toJson(original));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(toJson(*back), toJson(original));
  EXPECT_EQ(back->processes.at(0).exits.at(0).signal, "SIGKILL");
  EXPECT_EQ(back->processes.at(0).exits.at(1).code, 0);
}

// What a run observes of its processes survives the round trip too, nulls included.
TEST(JournalTest, RoundTripsObservations) {
  Journal original = test::observedJournal();
  auto back = journalFromJson(toJson(original));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(toJson(*back), toJson(original));
  ASSERT_TRUE(back->slos.at(2).ratio);
  EXPECT_EQ(back->slos.at(2).ratio->gaps.at(0).reason,
            "scrape failed: connect: Connection refused");
  EXPECT_EQ(back->slos.at(2).ratio->clients_sent, 1483u);
  EXPECT_EQ(back->series.process.at("proxy").cpu_cores.at(2), std::nullopt);
  EXPECT_EQ(back->series.process.at("proxy").rss_bytes.at(1), 6u << 20);
  EXPECT_EQ(back->scrapes.at(0).failures.at(0).at_s, 3.0);
}

// journal.md v1.1's series: process.<name>.{cpu_cores,rss_bytes}, metrics.<process>.<selector>
// and metrics_series.<process>, with null for the seconds that have no value.
TEST(JournalTest, HasVersionOnePointOneSeries) {
  auto json = toJson(test::observedJournal());
  const auto& series = json["series"];
  EXPECT_EQ(series["process"]["proxy"]["cpu_cores"][0], 0.12);
  EXPECT_TRUE(series["process"]["proxy"]["cpu_cores"][2].is_null());
  EXPECT_EQ(series["process"]["app"]["rss_bytes"][0], 4u << 20);
  EXPECT_EQ(series["metrics"]["proxy"]["outrider_proxy_requests_total"][1], 1000);
  EXPECT_TRUE(series["metrics"]["proxy"]["outrider_proxy_requests_total"][2].is_null());
  EXPECT_EQ(series["metrics_series"]["proxy"][0], 20);
  EXPECT_EQ(json["slos"][2]["ratio"]["gap_seconds"], 1);
  EXPECT_EQ(json["slos"][2]["ratio"]["clients"]["failed"], 503);
}

// The contract fields of spec/journal.md are present under their names.
TEST(JournalTest, HasContractFields) {
  auto json = toJson(test::sampleJournal());
  EXPECT_EQ(json["schema"], "outrider.journal/v1");
  EXPECT_EQ(json["scenario"]["sha256"], "ab12cd34ef56ab12cd34ef56");
  for (const char* key : {"scheduled", "sent", "completed", "failed", "timed_out", "late",
                          "not_sent"}) {
    EXPECT_TRUE(json["load"].contains(key)) << key;
  }
  for (const char* key : {"p50", "p90", "p99", "p999", "max"}) {
    EXPECT_TRUE(json["load"]["latency_ms"].contains(key)) << key;
  }
  EXPECT_TRUE(json["processes"][0]["exits"][0]["code"].is_null());
  EXPECT_EQ(json["series"]["interval_s"], 1.0);
}

// load.unexpected (journal.md v1.1): written and read back; an old journal without it reads 0.
TEST(JournalTest, UnexpectedRoundTrips) {
  Journal original = test::sampleJournal();
  original.load.unexpected = 1234;
  original.load.unexpected_5xx = 34;
  auto json = toJson(original);
  EXPECT_EQ(json["load"]["unexpected"], 1234);
  EXPECT_EQ(json["load"]["unexpected_5xx"], 34);
  auto back = journalFromJson(json);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->load.unexpected, 1234u);
  EXPECT_EQ(back->load.unexpected_5xx, 34u);
  json["load"].erase("unexpected");
  json["load"].erase("unexpected_5xx");
  auto old = journalFromJson(json);
  ASSERT_TRUE(old.has_value()) << old.error().message;
  EXPECT_EQ(old->load.unexpected, 0u);
  EXPECT_EQ(old->load.unexpected_5xx, 0u);
}

// audit[] (v1.1) is written as the spec names its fields and read back; a journal without it
// reads as "not audited", an empty one as a clean audit. Both reports show it as a table.
TEST(JournalTest, AuditRoundTripsAndIsShown) {
  Journal original = test::sampleJournal();
  EXPECT_FALSE(toJson(original).contains("audit"));
  original.audit =
      std::vector<AuditRecord>{{"proxy", "user", "high", "runs as root (euid 0)"},
                               {"proxy", "no_new_privs", "low", "no_new_privs not set"},
                               {"app", "secret_in_log", "high",
                                "join token from /s/join-token found in logs/app.log line 3"}};
  auto json = toJson(original);
  ASSERT_TRUE(json.contains("audit"));
  EXPECT_EQ(json["audit"][0], nlohmann::ordered_json({{"process", "proxy"},
                                                      {"check", "user"},
                                                      {"severity", "high"},
                                                      {"detail", "runs as root (euid 0)"}}));
  auto back = journalFromJson(json);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  ASSERT_TRUE(back->audit);
  EXPECT_EQ(*back->audit, *original.audit);
  EXPECT_EQ(toJson(*back), json);
  const std::string md = renderMarkdown(original);
  EXPECT_NE(md.find("## Audit"), std::string::npos);
  EXPECT_NE(md.find("| proxy | user | **high** | runs as root (euid 0) |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| proxy | no_new_privs | low | no_new_privs not set |"), std::string::npos);
  const std::string html = renderHtml(original);
  EXPECT_NE(html.find("<h2>Audit</h2>"), std::string::npos);
  EXPECT_NE(html.find("join token from /s/join-token found in logs/app.log line 3"),
            std::string::npos);
  // Clean: said so, no table.
  original.audit = std::vector<AuditRecord>{};
  auto clean = journalFromJson(toJson(original));
  ASSERT_TRUE(clean.has_value());
  ASSERT_TRUE(clean->audit);
  EXPECT_TRUE(clean->audit->empty());
  EXPECT_NE(renderMarkdown(original).find("secrets: no problem."), std::string::npos);
  json.erase("audit");
  auto old = journalFromJson(json);
  ASSERT_TRUE(old.has_value());
  EXPECT_FALSE(old->audit);
}

// An https load's fields (journal.md v1.1 load.tls_failures, and beyond the contract the
// handshake and connect histograms, the served certificates and series.tls) are written under
// their names and read back.
TEST(JournalTest, HttpsLoadFieldsRoundTrip) {
  Journal original = test::sampleJournal();
  original.load.requests_per_connection = 10;
  original.load.connect_ms = {40, 0.05, 0.08, 0.2, 0.3};
  LoadTlsRecord tls;
  tls.failures = {{"expired", 1730}, {"unknown-ca", 2}};
  tls.handshake_ms = {38, 1.25, 2.5, 4.75, 6.0};
  tls.served.push_back(
      {"1A2B", "CN=outrider test CA", 1780000000000, 1780000014000, 0.02, 13.9, 38});
  tls.reloads = 1;
  original.load.tls = tls;
  original.series.tls =
      Series::Tls{{0, 0, 1730}, {20, 18, 0}, {1780000014000, 1780000014000, std::nullopt}};
  const auto json = toJson(original);
  EXPECT_EQ(json["load"]["tls_failures"]["expired"], 1730);
  EXPECT_EQ(json["load"]["tls_handshake"]["count"], 38);
  EXPECT_EQ(json["load"]["tls_handshake"]["p99"], 4.75);
  EXPECT_EQ(json["load"]["connect_ms"]["max"], 0.3);
  EXPECT_EQ(json["load"]["requests_per_connection"], 10);
  EXPECT_EQ(json["load"]["tls_served"][0]["not_after_ms"], 1780000014000);
  EXPECT_EQ(json["load"]["tls_served"][0]["serial"], "1A2B");
  EXPECT_EQ(json["load"]["tls_reloads"]["ok"], 1);
  EXPECT_EQ(json["series"]["tls"]["failures"][2], 1730);
  EXPECT_TRUE(json["series"]["tls"]["min_not_after_ms"][2].is_null());
  auto back = journalFromJson(json);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(toJson(*back), json);
  ASSERT_TRUE(back->load.tls);
  EXPECT_EQ(back->load.tls->served.at(0).last_seen_s, 13.9);
  EXPECT_EQ(back->series.tls->min_not_after_ms.at(0), 1780000014000);
}

// processes[].oom_kills, .cgroup and .limits (journal.md v1.1): values and nulls both survive.
TEST(JournalTest, ProcessCgroupFieldsRoundTrip) {
  Journal original = test::sampleJournal();
  ASSERT_EQ(original.processes.size(), 1u);
  original.processes.push_back(original.processes[0]);
  original.processes[1].name = "app";
  original.processes[0].oom_kills = 5;
  original.processes[0].cgroup = "/sys/fs/cgroup/memory/outrider-42/proxy";
  original.processes[0].memory_limit_bytes = 256ull << 20;
  original.processes[0].cpu_limit_cores = 0.5;
  const auto json = toJson(original);
  EXPECT_EQ(json["processes"][0]["oom_kills"], 5);
  EXPECT_EQ(json["processes"][0]["cgroup"], "/sys/fs/cgroup/memory/outrider-42/proxy");
  EXPECT_EQ(json["processes"][0]["limits"]["memory_bytes"], 256ull << 20);
  EXPECT_EQ(json["processes"][0]["limits"]["cpu_cores"], 0.5);
  EXPECT_TRUE(json["processes"][1]["oom_kills"].is_null());
  EXPECT_TRUE(json["processes"][1]["cgroup"].is_null());
  EXPECT_TRUE(json["processes"][1]["limits"]["memory_bytes"].is_null());
  auto back = journalFromJson(json);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(toJson(*back), json);
  EXPECT_EQ(back->processes[0].oom_kills, std::optional<uint64_t>(5));
  EXPECT_FALSE(back->processes[1].cpu_limit_cores.has_value());
}

// A plain-http load has no TLS fields at all, and requests_per_connection is null (unlimited).
TEST(JournalTest, PlainLoadHasNoTlsFields) {
  const auto json = toJson(test::sampleJournal());
  EXPECT_FALSE(json["load"].contains("tls_failures"));
  EXPECT_FALSE(json["series"].contains("tls"));
  EXPECT_TRUE(json["load"]["requests_per_connection"].is_null());
  EXPECT_EQ(json["load"]["connect_ms"]["count"], 0);
  auto back = journalFromJson(json);
  ASSERT_TRUE(back.has_value());
  EXPECT_FALSE(back->load.tls);
  EXPECT_FALSE(back->series.tls);
}

// A journal of another schema is refused with a message, not misread.
TEST(JournalTest, RejectsOtherSchema) {
  auto json = toJson(test::sampleJournal());
  json["schema"] = "outrider.journal/v9";
  auto back = journalFromJson(json);
  ASSERT_FALSE(back.has_value());
  EXPECT_NE(back.error().message.find("v9"), std::string::npos);
}

// writeJournal leaves exactly journal.json (no temp file) and readJournal reads it back.
TEST(JournalTest, WritesAtomicallyAndReadsBack) {
  auto dir = std::filesystem::temp_directory_path() /
             ("outrider-journal-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(writeJournal(test::sampleJournal(), dir.string()).has_value());
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(names, testing::ElementsAre("journal.json"));  // no temporary file beside it
  auto back = readJournal(dir.string());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->seed, 42u);
  std::filesystem::remove_all(dir);
}

// report.md matches the golden file for the sample journal.
// With a ratio SLO, the report says what the sidecar counted against what clients saw, shows
// the gap, the reset, scrape failures and each process's resources.
TEST(MarkdownReportTest, ShowsObservations) {
  const std::string md = renderMarkdown(test::observedJournal());
  test::expectMatchesGolden(md, "tests/golden/reports/observed-report.md");
  for (const char* text :
       {"## Ratio SLIs: what the sidecar reported and what clients saw",
        "clients sent 1483 requests in it (980 completed, 503 failed, 0 timed out): 503 requests "
        "(33.92%) proxy never reported",
        "1 measured second(s) without events, neither good nor bad: 2s (scrape failed: connect: "
        "Connection refused)",
        "clients sent 500 requests in those seconds",
        "Counters started again from 0 in 1 second(s)", "Warning: no metric named typo_total",
        "## Resources",
        "| proxy | 1 | 0.123 | 0.200 | "
        "6.0 MiB | 5.0 MiB | 1 of 4 |",
        "## Metrics scrapes",
        "| proxy | `http://127.0.0.1:9/metrics` | 5 | **1** | 20 -> 21 | 3.0s: connect: "
        "Connection refused |"}) {
    EXPECT_NE(md.find(text), std::string::npos) << text;
  }
}

TEST(MarkdownReportTest, MatchesGolden) {
  const std::string rendered = renderMarkdown(test::sampleJournal());
  const std::string golden_path = "tests/golden/reports/sample-report.md";
  test::expectMatchesGolden(rendered, golden_path);
}

}  // namespace
}  // namespace outrider::reports
