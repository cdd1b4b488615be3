#include "outrider/reports/journal.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "golden.h"
#include "sample_journal.h"

#include "outrider/reports/markdown_report.h"

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
  EXPECT_TRUE(std::filesystem::exists(dir / "journal.json"));
  EXPECT_FALSE(std::filesystem::exists(dir / "journal.json.tmp"));
  auto back = readJournal(dir.string());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->seed, 42u);
  std::filesystem::remove_all(dir);
}

// report.md matches the golden file for the sample journal.
TEST(MarkdownReportTest, MatchesGolden) {
  const std::string rendered = renderMarkdown(test::sampleJournal());
  const std::string golden_path = "tests/golden/reports/sample-report.md";
  test::expectMatchesGolden(rendered, golden_path);
}

}  // namespace
}  // namespace outrider::reports
