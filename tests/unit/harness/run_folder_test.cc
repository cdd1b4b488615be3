// The run folder and the summary: where a run's files go and what it prints at the end.
#include "outrider/harness/run_folder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "outrider/harness/run_summary.h"
#include "outrider/reports/journal.h"
#include "sample_journal.h"

namespace outrider::harness {
namespace {

namespace fs = std::filesystem;

class RunFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = fs::temp_directory_path() / "outrider-run-folder-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    previous_ = fs::current_path();
    fs::current_path(dir_);  // the default folder is relative: runs/<scenario>-<time>
  }
  void TearDown() override {
    fs::current_path(previous_);
    fs::remove_all(dir_);
  }
  fs::path dir_;
  fs::path previous_;
};

// Two runs in one second must not share a folder.
TEST_F(RunFolderTest, DefaultFolderIsNamedAfterScenarioAndTimeAndNeverShared) {
  const SystemTime now = SystemTime{} + std::chrono::hours(24 * 365 * 57);
  auto first = createRunFolder("", "quickstart", now);
  auto second = createRunFolder("", "quickstart", now);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(first->rfind("runs/quickstart-", 0), 0u) << *first;
  EXPECT_EQ(*second, *first + "-2");
  EXPECT_TRUE(fs::is_directory(*second + "/logs"));
}

TEST_F(RunFolderTest, AFolderThatCannotBeCreatedIsAnError) {
  std::ofstream("file") << "x";
  auto folder = createRunFolder("file/run", "quickstart", SystemTime{});
  ASSERT_FALSE(folder);
  EXPECT_NE(folder.error().message.find("cannot create file/run"), std::string::npos)
      << folder.error().message;
}

TEST_F(RunFolderTest, WritesTheJournalAndEveryRendering) {
  auto folder = createRunFolder("out", "quickstart", SystemTime{});
  ASSERT_TRUE(folder);
  const auto journal = test::sampleJournal();
  auto written = writeRunFolder(journal, *folder);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_TRUE(written->empty());
  for (const char* name : {"journal.json", "report.md", "report.html", "junit.xml"}) {
    EXPECT_GT(fs::file_size(fs::path("out") / name), 0u) << name;
  }
  auto back = reports::readJournal("out");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->scenario_name, journal.scenario_name);
}

TEST(RunSummaryTest, SaysWhatTheJournalSays) {
  auto journal = test::sampleJournal();
  journal.harness_error = "the pod did not start";
  SummaryContext context{"runs/x", true, {}};
  context.load_trust.connections_saturated = true;
  std::ostringstream out;
  std::ostringstream err;
  printSummary(out, err, journal, context);
  const std::string text = out.str();
  EXPECT_NE(text.find("quickstart: seed 42, runs/x"), std::string::npos) << text;
  EXPECT_NE(text.find("load: 12500 scheduled, 12490 completed"), std::string::npos) << text;
  EXPECT_NE(text.find("were never sent because all 16 connections were busy"), std::string::npos);
  EXPECT_EQ(text.find("fell behind its schedule"), std::string::npos);
  ASSERT_FALSE(journal.alerts.empty());
  EXPECT_NE(text.find("alert " + journal.alerts[0].slo), std::string::npos) << text;
  EXPECT_NE(text.find("journal: runs/x/journal.json"), std::string::npos);
  EXPECT_EQ(err.str(), "outrider: harness error: the pod did not start\n");
}

TEST(RunSummaryTest, NoLoadLinesWithoutLoad) {
  std::ostringstream out;
  std::ostringstream err;
  printSummary(out, err, test::sampleJournal(), SummaryContext{"runs/x", false, {}});
  EXPECT_EQ(out.str().find("load:"), std::string::npos);
  EXPECT_TRUE(err.str().empty());
}

}  // namespace
}  // namespace outrider::harness
