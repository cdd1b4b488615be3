// The sampler on /proc text given as strings and a manual clock: no real /proc, no waiting.
#include "outrider/harness/process_sampler.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "outrider/common/manual_clock.h"

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;

// /proc/PID/stat text for a process of group pgrp with these CPU ticks and resident pages.
std::string statText(int pid, int pgrp, uint64_t utime, uint64_t stime, uint64_t rss_pages,
                     uint64_t cutime = 0, const std::string& comm = "outrider-proxy") {
  return fmt::format(
      "{} ({}) S 1 {} {} 0 -1 4194560 1520 0 0 0 {} {} {} 0 20 0 4 0 5188322 "
      "225054720 {} 18446744073709551615 1 1 0 0 0 0 0 4096 17922 0 0 0 17 1 0\n",
      pid, comm, pgrp, pgrp, utime, stime, cutime, rss_pages);
}

class FakeProc final : public ProcSource {
 public:
  explicit FakeProc(std::vector<std::string>* texts) : texts_(texts) {}
  std::vector<std::string> statTexts() const override { return *texts_; }
  uint64_t ticksPerSecond() const override { return 100; }
  uint64_t pageBytes() const override { return 4096; }

 private:
  std::vector<std::string>* texts_;
};

class ProcessSamplerTest : public testing::Test {
 protected:
  ProcessSamplerTest() : sampler_(clock_, std::make_unique<FakeProc>(&texts_)) {}

  ManualClock clock_;
  std::vector<std::string> texts_;
  ProcessSampler sampler_;
};

// CPU is the growth of utime + stime over clock time, from the start (a new process has used
// nothing); memory is resident pages times the page size.
TEST_F(ProcessSamplerTest, CpuOverClockTimeAndResidentMemory) {
  sampler_.started("proxy", 100, clock_.monotonicNow());
  clock_.advance(1s);
  texts_ = {statText(100, 100, 30, 20, 2000)};
  auto first = sampler_.sample();
  ASSERT_EQ(first.count("proxy"), 1u);
  EXPECT_DOUBLE_EQ(*first["proxy"].cpu_cores, 0.5);  // 50 ticks of 1/100 s in 1 s
  EXPECT_EQ(first["proxy"].rss_bytes, 2000u * 4096);
  clock_.advance(2s);
  texts_ = {statText(100, 100, 130, 120, 2500)};
  auto second = sampler_.sample();
  EXPECT_DOUBLE_EQ(*second["proxy"].cpu_cores, 1.0);  // 200 ticks in 2 s
  EXPECT_EQ(second["proxy"].rss_bytes, 2500u * 4096);
}

// A process group counts together: a wrapper and its child, and children it reaped (cutime);
// other groups' processes do not count.
TEST_F(ProcessSamplerTest, SumsTheProcessGroup) {
  sampler_.started("app", 200, clock_.monotonicNow());
  clock_.advance(1s);
  texts_ = {statText(200, 200, 10, 0, 100, /*cutime=*/5, "sh"), statText(201, 200, 40, 5, 900),
            statText(300, 300, 1000, 1000, 50000)};
  auto sample = sampler_.sample();
  EXPECT_DOUBLE_EQ(*sample["app"].cpu_cores, 0.6);
  EXPECT_EQ(sample["app"].rss_bytes, 1000u * 4096);
}

// A restart starts the count again from the new process; a stopped one has no sample.
TEST_F(ProcessSamplerTest, RestartAndExit) {
  sampler_.started("proxy", 100, clock_.monotonicNow());
  clock_.advance(1s);
  texts_ = {statText(100, 100, 500, 0, 10)};
  sampler_.sample();
  sampler_.exited("proxy");
  clock_.advance(500ms);
  EXPECT_EQ(sampler_.sample().count("proxy"), 0u);
  sampler_.started("proxy", 150, clock_.monotonicNow());
  clock_.advance(500ms);
  texts_ = {statText(150, 150, 25, 0, 10)};
  auto sample = sampler_.sample();
  EXPECT_DOUBLE_EQ(*sample["proxy"].cpu_cores, 0.5);  // 25 ticks in 0.5 s, not 500 - 25
}

// A group member that vanished takes its ticks with it: never a negative CPU.
TEST_F(ProcessSamplerTest, NeverNegative) {
  sampler_.started("app", 200, clock_.monotonicNow());
  clock_.advance(1s);
  texts_ = {statText(200, 200, 10, 0, 1), statText(201, 200, 90, 0, 1)};
  sampler_.sample();
  clock_.advance(1s);
  texts_ = {statText(200, 200, 20, 0, 1)};
  auto sample = sampler_.sample();
  EXPECT_DOUBLE_EQ(*sample["app"].cpu_cores, 0.0);
  clock_.advance(1s);
  texts_ = {statText(200, 200, 40, 0, 1)};
  EXPECT_DOUBLE_EQ(*sampler_.sample()["app"].cpu_cores, 0.2);
}

// A running process missing from /proc (exited, not yet reaped) has no values; text that does
// not parse is counted and skipped.
TEST_F(ProcessSamplerTest, MissingAndUnreadable) {
  sampler_.started("proxy", 100, clock_.monotonicNow());
  clock_.advance(1s);
  texts_ = {"garbage", statText(7, 7, 1, 1, 1)};
  auto sample = sampler_.sample();
  ASSERT_EQ(sample.count("proxy"), 1u);
  EXPECT_FALSE(sample["proxy"].cpu_cores);
  EXPECT_FALSE(sample["proxy"].rss_bytes);
  EXPECT_EQ(sampler_.unreadable(), 1u);
}

// The real /proc has this very process in it, with a sane page size and tick rate.
TEST(SystemProcSourceTest, ReadsThisProcess) {
  auto source = systemProcSource();
  EXPECT_GT(source->ticksPerSecond(), 0u);
  EXPECT_GE(source->pageBytes(), 4096u);
  const std::string self = std::to_string(::getpid()) + " (";
  bool found = false;
  for (const auto& text : source->statTexts()) {
    found = found || text.rfind(self, 0) == 0;
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace outrider::harness
