#include "outrider/common/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace outrider {
namespace {

constexpr int64_t Us = 1'000;
constexpr int64_t Ms = 1'000'000;
constexpr int64_t Sec = 1'000'000'000;

// The exact sample percentile with HdrHistogram's rank rule: the ceil(p/100 * n)-th smallest.
int64_t exactPercentile(std::vector<int64_t> values, double p) {
  std::sort(values.begin(), values.end());
  // The epsilon keeps 99.9% of 20000 at rank 19980 despite the product's rounding error.
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size()) - 1e-9));
  rank = std::clamp<size_t>(rank, 1, values.size());
  return values[rank - 1];
}

// The reported percentile is never below the true one and at most 0.1% above it.
testing::AssertionResult withinResolution(int64_t reported, int64_t exact) {
  if (reported < exact) {
    return testing::AssertionFailure() << reported << " is below the exact " << exact;
  }
  if (static_cast<double>(reported - exact) > 0.001 * static_cast<double>(exact)) {
    return testing::AssertionFailure() << reported << " is more than 0.1% above " << exact;
  }
  return testing::AssertionSuccess();
}

const double Percentiles[] = {0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100};

TEST(HistogramTest, EmptyReportsZeros) {
  // An empty histogram answers every query with 0 and takes no counts memory.
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.valueAtPercentile(50), 0);
  EXPECT_EQ(h.valueAtPercentile(100), 0);
  EXPECT_EQ(h.countAtOrBelow(Sec), 0u);
  EXPECT_EQ(h.memoryBytes(), 0u);
}

TEST(HistogramTest, SingleValueIsExactAtEveryPercentile) {
  // Percentiles are capped at the exact max, so one sample reads back exactly.
  Histogram h;
  h.record(123'456'789);
  for (double p : Percentiles) {
    EXPECT_EQ(h.valueAtPercentile(p), 123'456'789) << "p" << p;
  }
  EXPECT_EQ(h.min(), 123'456'789);
  EXPECT_EQ(h.max(), 123'456'789);
  EXPECT_DOUBLE_EQ(h.mean(), 123'456'789.0);
  EXPECT_EQ(h.count(), 1u);
}

TEST(HistogramTest, UniformMicrosecondsMatchExactPercentiles) {
  // 1..10000 us: every percentile within 0.1% above the exact sample percentile.
  Histogram h;
  std::vector<int64_t> values;
  for (int64_t i = 1; i <= 10'000; ++i) {
    values.push_back(i * Us);
    h.record(i * Us);
  }
  for (double p : Percentiles) {
    EXPECT_TRUE(withinResolution(h.valueAtPercentile(p), exactPercentile(values, p))) << "p" << p;
  }
  EXPECT_TRUE(withinResolution(h.valueAtPercentile(50), 5'000 * Us));
  EXPECT_TRUE(withinResolution(h.valueAtPercentile(99), 9'900 * Us));
  EXPECT_TRUE(withinResolution(h.valueAtPercentile(99.9), 9'990 * Us));
  EXPECT_EQ(h.valueAtPercentile(100), 10'000 * Us);
  EXPECT_EQ(h.min(), 1 * Us);
  EXPECT_EQ(h.max(), 10'000 * Us);
  EXPECT_DOUBLE_EQ(h.mean(), 5'000.5 * Us);
  EXPECT_EQ(h.count(), 10'000u);
}

TEST(HistogramTest, BimodalSplitsAtTheModeBoundary) {
  // 900 fast requests around 1 ms, 100 slow ones around 200 ms: p90 is fast, p91 is slow.
  Histogram h;
  std::vector<int64_t> values;
  for (int i = 0; i < 900; ++i) {
    values.push_back(1 * Ms + i * 100);
  }
  for (int i = 0; i < 100; ++i) {
    values.push_back(200 * Ms + i * 10 * Us);
  }
  for (int64_t v : values) {
    h.record(v);
  }
  for (double p : Percentiles) {
    EXPECT_TRUE(withinResolution(h.valueAtPercentile(p), exactPercentile(values, p))) << "p" << p;
  }
  EXPECT_LT(h.valueAtPercentile(90), 2 * Ms);
  EXPECT_GE(h.valueAtPercentile(91), 200 * Ms);
  EXPECT_EQ(h.countAtOrBelow(100 * Ms), 900u);
}

TEST(HistogramTest, RandomSamplesAcrossTheRange) {
  // Log-uniform samples 1 us..60 s: every percentile within resolution of the exact one.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> exponent(3.0, std::log10(60.0 * Sec));
  Histogram h;
  std::vector<int64_t> values;
  for (int i = 0; i < 20'000; ++i) {
    auto v = static_cast<int64_t>(std::pow(10.0, exponent(rng)));
    values.push_back(v);
    h.record(v);
  }
  for (double p : Percentiles) {
    EXPECT_TRUE(withinResolution(h.valueAtPercentile(p), exactPercentile(values, p))) << "p" << p;
  }
  for (double p : {97.5, 33.3, 66.6, 12.5}) {
    EXPECT_TRUE(withinResolution(h.valueAtPercentile(p), exactPercentile(values, p))) << "p" << p;
  }
}

TEST(HistogramTest, PercentileRankUsesCeiling) {
  // Rank ceil(p/100 * n): with 100 samples p99 is the 99th, p99.5 the 100th.
  Histogram h;
  for (int64_t i = 1; i <= 100; ++i) {
    h.record(i);
  }
  EXPECT_EQ(h.valueAtPercentile(99), 99);
  EXPECT_EQ(h.valueAtPercentile(99.5), 100);
  EXPECT_EQ(h.valueAtPercentile(50), 50);
  EXPECT_EQ(h.valueAtPercentile(50.5), 51);
  EXPECT_EQ(h.valueAtPercentile(0), 1);
}

TEST(HistogramTest, MergeEqualsRecordingEverything) {
  // add() of two halves answers every query exactly like one histogram of all samples.
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(std::log(2.0 * Ms), 1.0);
  Histogram all;
  Histogram a;
  Histogram b;
  for (int i = 0; i < 10'000; ++i) {
    auto v = static_cast<int64_t>(latency(rng));
    all.record(v);
    (i % 3 == 0 ? a : b).record(v);
  }
  b.compact();  // merging from the compacted form is exact too
  Histogram merged;
  merged.add(a);
  merged.add(b);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  for (double p : Percentiles) {
    EXPECT_EQ(merged.valueAtPercentile(p), all.valueAtPercentile(p)) << "p" << p;
  }
  for (int64_t t : {100 * Us, 1 * Ms, 2 * Ms, 10 * Ms, 100 * Ms}) {
    EXPECT_EQ(merged.countAtOrBelow(t), all.countAtOrBelow(t)) << t;
  }
}

TEST(HistogramTest, MergeAcrossLayoutsKeepsCountsWithinResolution) {
  // A coarser histogram merged into a finer one keeps every count, values within its resolution.
  Histogram fine;
  Histogram coarse(1, Histogram::DefaultHighest, 2);
  for (int64_t i = 1; i <= 1000; ++i) {
    coarse.record(i * Ms);
  }
  fine.add(coarse);
  EXPECT_EQ(fine.count(), 1000u);
  EXPECT_NEAR(static_cast<double>(fine.valueAtPercentile(50)), 500.0 * Ms, 0.01 * 500 * Ms);
}

TEST(HistogramTest, BucketEdgesMatchHdrHistogram) {
  // The same geometry as HdrHistogram's own tests (3 digits, unit 1).
  Histogram h(1, 3'600'000'000LL, 3);
  EXPECT_EQ(h.lowestEquivalentValue(10007), 10000);
  EXPECT_EQ(h.lowestEquivalentValue(10009), 10008);
  EXPECT_EQ(h.highestEquivalentValue(8180 * 1024), 8183 * 1024 + 1023);
  EXPECT_EQ(h.highestEquivalentValue(8191 * 1024), 8191 * 1024 + 1023);
  EXPECT_EQ(h.highestEquivalentValue(8193 * 1024), 8199 * 1024 + 1023);
  EXPECT_EQ(h.highestEquivalentValue(9995 * 1024), 9999 * 1024 + 1023);
  EXPECT_EQ(h.highestEquivalentValue(10007 * 1024), 10007 * 1024 + 1023);
  EXPECT_EQ(h.highestEquivalentValue(10008 * 1024), 10015 * 1024 + 1023);
  EXPECT_TRUE(h.equivalent(10000, 10001));
  EXPECT_FALSE(h.equivalent(2047, 2046));  // single-unit resolution below 2048
}

TEST(HistogramTest, ValuesAtBucketEdgesStayWithinOnePerMille) {
  // Powers of two, their neighbours and decimal steps from 1 us to 60 s read back within 0.1%.
  std::vector<int64_t> edges;
  for (int shift = 10; shift < 36; ++shift) {
    const int64_t p2 = int64_t{1} << shift;
    edges.insert(edges.end(), {p2 - 1, p2, p2 + 1});
  }
  for (int64_t d = Us; d <= 10 * Sec; d *= 10) {
    edges.insert(edges.end(), {d - 1, d, d + 1, 6 * d});
  }
  Histogram geometry;
  for (int64_t v : edges) {
    Histogram h;
    h.record(v);
    h.record(v);
    h.record(Histogram::DefaultHighest);  // so p50 is not capped by max()
    EXPECT_TRUE(withinResolution(h.valueAtPercentile(50), v)) << v;
    EXPECT_LE(geometry.lowestEquivalentValue(v), v);
    EXPECT_GE(geometry.highestEquivalentValue(v), v);
    const auto width = geometry.highestEquivalentValue(v) - geometry.lowestEquivalentValue(v);
    EXPECT_LE(static_cast<double>(width), 0.001 * static_cast<double>(v)) << v;
  }
}

TEST(HistogramTest, OutOfRangeValuesAreClampedAndCounted) {
  // Above 60 s counts as 60 s (and is reported); negative counts as 0.
  Histogram h;
  h.record(61 * Sec);
  h.record(3600 * Sec);
  h.record(-5);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.clampedCount(), 2u);
  EXPECT_EQ(h.max(), Histogram::DefaultHighest);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.valueAtPercentile(100), Histogram::DefaultHighest);
  EXPECT_EQ(h.countAtOrBelow(0), 1u);
  EXPECT_EQ(h.countAtOrBelow(Histogram::DefaultHighest), 3u);
}

TEST(HistogramTest, CountAtOrBelowIsExactInTheLinearRange) {
  // Below 2048 units every value has its own bucket.
  Histogram h;
  for (int64_t i = 1; i <= 2000; ++i) {
    h.record(i);
  }
  EXPECT_EQ(h.countAtOrBelow(1000), 1000u);
  EXPECT_EQ(h.countAtOrBelow(0), 0u);
  EXPECT_EQ(h.countAtOrBelow(-1), 0u);
  EXPECT_EQ(h.countAtOrBelow(5000), 2000u);
}

TEST(HistogramTest, CountAtOrBelowIsWithinOnePerMilleAboveThreshold) {
  // A latency threshold counts the values below it plus at most those within 0.1% above it.
  Histogram h;
  for (int64_t i = 1; i <= 10'000; ++i) {
    h.record(i * Us);
  }
  const uint64_t good = h.countAtOrBelow(5 * Ms);
  EXPECT_GE(good, 5000u);
  EXPECT_LE(good, 5005u);
  EXPECT_EQ(h.countAtOrBelow(Histogram::DefaultHighest), 10'000u);
}

TEST(HistogramTest, RecordCountEqualsRepeatedRecords) {
  // recordCount(v, n) is n records of v.
  Histogram a;
  Histogram b;
  a.recordCount(5 * Ms, 1000);
  a.recordCount(7 * Ms, 0);
  for (int i = 0; i < 1000; ++i) {
    b.record(5 * Ms);
  }
  EXPECT_EQ(a.count(), b.count());
  EXPECT_EQ(a.valueAtPercentile(99), b.valueAtPercentile(99));
  EXPECT_DOUBLE_EQ(a.mean(), b.mean());
}

TEST(HistogramTest, CompactKeepsAnswersAndShrinks) {
  // compact() drops the dense array; queries are unchanged and recording resumes.
  Histogram h;
  for (int i = 1; i <= 500; ++i) {
    h.record(i * 37 * Us);
  }
  const size_t dense_bytes = h.memoryBytes();
  const auto p99 = h.valueAtPercentile(99);
  const auto below = h.countAtOrBelow(5 * Ms);
  h.compact();
  EXPECT_LT(h.memoryBytes() * 10, dense_bytes);
  EXPECT_EQ(h.valueAtPercentile(99), p99);
  EXPECT_EQ(h.countAtOrBelow(5 * Ms), below);
  h.record(1 * Sec);
  EXPECT_EQ(h.count(), 501u);
  EXPECT_EQ(h.max(), 1 * Sec);
  EXPECT_EQ(h.countAtOrBelow(5 * Ms), below);
}

TEST(HistogramTest, MicrosecondLayoutIsSmaller) {
  // A 1 us..60 s histogram in microseconds needs HdrHistogram's 17408 counters.
  Histogram h(1, 60'000'000, 3);
  h.record(1);
  EXPECT_EQ(h.memoryBytes(), 17408u * sizeof(uint64_t));
  h.record(60'000'000);
  EXPECT_EQ(h.valueAtPercentile(100), 60'000'000);
}

TEST(HistogramTest, ResetForgetsEverything) {
  // reset() returns to the empty state.
  Histogram h;
  h.record(5 * Ms);
  h.record(100 * Sec);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.clampedCount(), 0u);
  EXPECT_EQ(h.max(), 0);
  h.record(3 * Ms);
  EXPECT_EQ(h.min(), 3 * Ms);
  EXPECT_EQ(h.max(), 3 * Ms);
}

TEST(HistogramTest, ForEachBucketVisitsNonZeroBucketsInOrder) {
  // The bucket walk sees each value's bucket once, ascending, with its count.
  Histogram h;
  h.recordCount(10 * Ms, 3);
  h.recordCount(1 * Us, 2);
  std::vector<std::pair<int64_t, uint64_t>> seen;
  h.forEachBucket([&](int64_t low, int64_t high, uint64_t count) {
    EXPECT_LE(low, high);
    seen.emplace_back(low, count);
  });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first, 1 * Us);
  EXPECT_EQ(seen[0].second, 2u);
  EXPECT_EQ(seen[1].first, h.lowestEquivalentValue(10 * Ms));
  EXPECT_EQ(seen[1].second, 3u);
}

}  // namespace
}  // namespace outrider
