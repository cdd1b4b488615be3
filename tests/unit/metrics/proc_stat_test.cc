#include <gtest/gtest.h>

#include "outrider/metrics/proc_stat.h"

namespace outrider::metrics {
namespace {

// A real line from /proc/PID/stat (outrider-proxy, 4 threads).
constexpr std::string_view ProxyStat =
    "4242 (outrider-proxy) S 4240 4242 4240 0 -1 4194560 1520 0 0 0 137 42 3 1 20 0 4 0 "
    "5188322 225054720 2613 18446744073709551615 1 1 0 0 0 0 0 4096 17922 0 0 0 17 1 0 0 0 0 0\n";

// The fields the sampler needs: times, group, resident pages.
TEST(ProcStatTest, ParsesTheFieldsTheSamplerUses) {
  auto stat = parseProcStat(ProxyStat);
  ASSERT_TRUE(stat) << stat.error().message;
  EXPECT_EQ(stat->pid, 4242);
  EXPECT_EQ(stat->comm, "outrider-proxy");
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 4240);
  EXPECT_EQ(stat->pgrp, 4242);
  EXPECT_EQ(stat->utime, 137u);
  EXPECT_EQ(stat->stime, 42u);
  EXPECT_EQ(stat->cutime, 3u);
  EXPECT_EQ(stat->cstime, 1u);
  EXPECT_EQ(stat->cpuTicks(), 183u);
  EXPECT_EQ(stat->starttime, 5188322u);
  EXPECT_EQ(stat->rss_pages, 2613u);
}

// A command name with spaces and parentheses cannot shift the fields.
TEST(ProcStatTest, CommandNameMayHoldParentheses) {
  auto stat = parseProcStat("77 (a) b (c) Z 1 77 77 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 0 0 0 0\n");
  ASSERT_TRUE(stat) << stat.error().message;
  EXPECT_EQ(stat->comm, "a) b (c");
  EXPECT_EQ(stat->state, 'Z');
  EXPECT_EQ(stat->utime, 5u);
  EXPECT_EQ(stat->rss_pages, 0u);
}

// Truncated or garbled text is an error naming what is wrong, never a crash.
TEST(ProcStatTest, RefusesMalformedText) {
  EXPECT_FALSE(parseProcStat(""));
  EXPECT_FALSE(parseProcStat("12 no-parentheses S 1"));
  EXPECT_FALSE(parseProcStat("12 (x) S 1 12"));
  EXPECT_FALSE(parseProcStat("x (x) S 1 12 12 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 0 9"));
  auto bad_utime = parseProcStat("12 (x) S 1 12 12 0 -1 0 0 0 0 0 five 6 0 0 20 0 1 0 100 0 9\n");
  ASSERT_FALSE(bad_utime);
  EXPECT_EQ(bad_utime.error().message, "/proc/PID/stat: field 14 (utime) is not a number");
  for (size_t cut = 0; cut < ProxyStat.size(); ++cut) {
    (void)parseProcStat(ProxyStat.substr(0, cut));  // any prefix: an answer, no crash
  }
}

// VmRSS from /proc/PID/status in bytes; absent for kernel threads and zombies.
TEST(ProcStatTest, ParsesStatusRss) {
  EXPECT_EQ(parseStatusRssBytes("Name:\tproxy\nVmPeak:\t  9000 kB\nVmRSS:\t   10452 kB\n"
                                "RssAnon:\t 3000 kB\n"),
            10452u * 1024);
  EXPECT_EQ(parseStatusRssBytes("Name:\tkthreadd\nState:\tS (sleeping)\n"), std::nullopt);
  EXPECT_EQ(parseStatusRssBytes("VmRSS:\tlots kB\n"), std::nullopt);
  EXPECT_EQ(parseStatusRssBytes("VmRSS:\t12 MB\n"), std::nullopt);
}

// statm's second field is the resident set in pages.
TEST(ProcStatTest, ParsesStatm) {
  EXPECT_EQ(parseStatmResidentPages("54944 2613 1824 311 0 5201 0\n"), 2613u);
  EXPECT_EQ(parseStatmResidentPages("54944\n"), std::nullopt);
}

}  // namespace
}  // namespace outrider::metrics
