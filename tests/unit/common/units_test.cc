#include "outrider/common/units.h"

#include <limits>

#include <gtest/gtest.h>

namespace outrider {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

class UnitsTest : public testing::Test {};

// Each unit of the spec parses to its length.
TEST_F(UnitsTest, DurationUnits) {
  EXPECT_EQ(parseDuration("7ns"), nanoseconds(7));
  EXPECT_EQ(parseDuration("100us"), microseconds(100));
  EXPECT_EQ(parseDuration("100\xC2\xB5s"), microseconds(100));
  EXPECT_EQ(parseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(parseDuration("10s"), seconds(10));
  EXPECT_EQ(parseDuration("5m"), minutes(5));
  EXPECT_EQ(parseDuration("1h"), hours(1));
  EXPECT_EQ(parseDuration("30d"), hours(24 * 30));
}

// Compound and fractional durations add up.
TEST_F(UnitsTest, CompoundAndFractionalDurations) {
  EXPECT_EQ(parseDuration("1m30s"), seconds(90));
  EXPECT_EQ(parseDuration("1h0m5s"), seconds(3605));
  EXPECT_EQ(parseDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parseDuration("0.25ms"), microseconds(250));
}

// Zero is a duration.
TEST_F(UnitsTest, ZeroDuration) {
  EXPECT_EQ(parseDuration("0s"), nanoseconds(0));
  EXPECT_EQ(parseDuration("0ms"), nanoseconds(0));
}

// A "m" followed by "s" is read as milliseconds, never as minutes then seconds.
TEST_F(UnitsTest, MillisecondsAreNotMinutes) { EXPECT_EQ(parseDuration("2ms"), milliseconds(2)); }

// Text that is not a number with a unit is rejected.
TEST_F(UnitsTest, MalformedDurations) {
  EXPECT_EQ(parseDuration(""), std::nullopt);
  EXPECT_EQ(parseDuration("10"), std::nullopt);
  EXPECT_EQ(parseDuration("s"), std::nullopt);
  EXPECT_EQ(parseDuration("1m30"), std::nullopt);
  EXPECT_EQ(parseDuration("10 s"), std::nullopt);
  EXPECT_EQ(parseDuration(" 10s"), std::nullopt);
  EXPECT_EQ(parseDuration("10S"), std::nullopt);
  EXPECT_EQ(parseDuration("10sec"), std::nullopt);
  EXPECT_EQ(parseDuration("1e3s"), std::nullopt);
  EXPECT_EQ(parseDuration(".s"), std::nullopt);
  EXPECT_EQ(parseDuration("1.2.3s"), std::nullopt);
}

// Negative durations are not durations (a skew's sign is the caller's business).
TEST_F(UnitsTest, NegativeDurationIsRejected) { EXPECT_EQ(parseDuration("-1s"), std::nullopt); }

// A duration beyond what nanoseconds can hold is rejected, not wrapped.
TEST_F(UnitsTest, OverflowingDurationIsRejected) {
  EXPECT_EQ(parseDuration("999999999d"), std::nullopt);
  EXPECT_EQ(parseDuration("200000d200000d"), std::nullopt);
}

// Known bug, enable once fixed in common/src/units.cc: a total that rounds to exactly 2^63 ns
// passes the `>` overflow check and std::llround wraps it to a negative duration.
TEST_F(UnitsTest, DurationAtTwoTo63IsRejected) {
  EXPECT_EQ(parseDuration("106751d23h47m16.854775808s"), std::nullopt);
}

// Binary and decimal size units, and bare bytes.
TEST_F(UnitsTest, SizeUnits) {
  EXPECT_EQ(parseSize("512B"), 512u);
  EXPECT_EQ(parseSize("512"), 512u);
  EXPECT_EQ(parseSize("64KiB"), 65536u);
  EXPECT_EQ(parseSize("256MiB"), 256u * 1024 * 1024);
  EXPECT_EQ(parseSize("1GiB"), 1024u * 1024 * 1024);
  EXPECT_EQ(parseSize("2TiB"), 2ull * 1024 * 1024 * 1024 * 1024);
  EXPECT_EQ(parseSize("10KB"), 10000u);
  EXPECT_EQ(parseSize("3MB"), 3000000u);
  EXPECT_EQ(parseSize("1GB"), 1000000000u);
}

// A fractional size rounds to whole bytes.
TEST_F(UnitsTest, FractionalSize) { EXPECT_EQ(parseSize("1.5KiB"), 1536u); }

// Sizes without a number, with spaces, lowercase units or a sign are rejected.
TEST_F(UnitsTest, MalformedSizes) {
  EXPECT_EQ(parseSize(""), std::nullopt);
  EXPECT_EQ(parseSize("KiB"), std::nullopt);
  EXPECT_EQ(parseSize("10 KiB"), std::nullopt);
  EXPECT_EQ(parseSize("10kib"), std::nullopt);
  EXPECT_EQ(parseSize("10M"), std::nullopt);
  EXPECT_EQ(parseSize("-1B"), std::nullopt);
  EXPECT_EQ(parseSize("1KiB1KiB"), std::nullopt);
}

// A size beyond 64 bits is rejected.
TEST_F(UnitsTest, OverflowingSizeIsRejected) { EXPECT_EQ(parseSize("99999999TiB"), std::nullopt); }

// Known bug, enable once fixed in common/src/units.cc: sizes between 2^63 and 2^64 bytes go
// through the signed std::llround and come back as 9223372036854775808.
TEST_F(UnitsTest, SizeAbove2To63IsExactOrRejected) {
  auto size = parseSize("10000000TiB");
  EXPECT_TRUE(!size.has_value() || *size == 10995116277760000000ull);
}

// Byte rates are sizes per second.
TEST_F(UnitsTest, ByteRates) {
  EXPECT_EQ(parseByteRate("64KiB/s"), 65536u);
  EXPECT_EQ(parseByteRate("1MiB/s"), 1048576u);
  EXPECT_EQ(parseByteRate("10/s"), 10u);
}

// A rate needs both a size and "/s".
TEST_F(UnitsTest, MalformedByteRates) {
  EXPECT_EQ(parseByteRate("64KiB"), std::nullopt);
  EXPECT_EQ(parseByteRate("/s"), std::nullopt);
  EXPECT_EQ(parseByteRate("64KiB/m"), std::nullopt);
  EXPECT_EQ(parseByteRate(""), std::nullopt);
}

// formatDuration writes whole units compound and sub-second values in one unit.
TEST_F(UnitsTest, FormatDuration) {
  EXPECT_EQ(formatDuration(nanoseconds(0)), "0s");
  EXPECT_EQ(formatDuration(seconds(90)), "1m30s");
  EXPECT_EQ(formatDuration(hours(25)), "1d1h");
  EXPECT_EQ(formatDuration(hours(24 * 30)), "30d");
  EXPECT_EQ(formatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(formatDuration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(formatDuration(microseconds(3)), "3us");
  EXPECT_EQ(formatDuration(nanoseconds(7)), "7ns");
  EXPECT_EQ(formatDuration(seconds(-5)), "-5s");
}

// What formatDuration writes, parseDuration reads back unchanged.
TEST_F(UnitsTest, FormatParseRoundTrip) {
  for (nanoseconds d :
       {nanoseconds(1), nanoseconds(999), nanoseconds(1500000), nanoseconds(seconds(61)),
        nanoseconds(hours(24 * 30 + 1)), nanoseconds(seconds(86399))}) {
    EXPECT_EQ(parseDuration(formatDuration(d)), d) << formatDuration(d);
  }
}

// toSeconds keeps fractions.
TEST_F(UnitsTest, ToSeconds) {
  EXPECT_DOUBLE_EQ(toSeconds(milliseconds(1500)), 1.5);
  EXPECT_DOUBLE_EQ(toSeconds(nanoseconds(0)), 0.0);
}

// A journal's seconds read back as a scenario writes durations; nonsense reads as "?".
TEST_F(UnitsTest, FormatDurationSeconds) {
  EXPECT_EQ(formatDurationSeconds(3600.0), "1h");
  EXPECT_EQ(formatDurationSeconds(2592000.0), "30d");
  EXPECT_EQ(formatDurationSeconds(90.0), "1m30s");
  EXPECT_EQ(formatDurationSeconds(0.25), "250ms");
  EXPECT_EQ(formatDurationSeconds(std::numeric_limits<double>::quiet_NaN()), "?");
  EXPECT_EQ(formatDurationSeconds(std::numeric_limits<double>::infinity()), "?");
}

// Sizes as reports and evidence lines show them: binary units, one decimal.
TEST_F(UnitsTest, FormatBytes) {
  EXPECT_EQ(formatBytes(0), "0 B");
  EXPECT_EQ(formatBytes(1023), "1023 B");
  EXPECT_EQ(formatBytes(1536), "1.5 KiB");
  EXPECT_EQ(formatBytes(16u << 20), "16.0 MiB");
  EXPECT_EQ(formatBytes(3ull << 30), "3.0 GiB");
}

TEST_F(UnitsTest, ParsesSizeRates) {
  EXPECT_DOUBLE_EQ(*parseSizeRate("20MiB/min"), 20.0 * 1024 * 1024 / 60);
  EXPECT_DOUBLE_EQ(*parseSizeRate("4MiB/s"), 4.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*parseSizeRate("1GiB/h"), 1024.0 * 1024 * 1024 / 3600);
  EXPECT_DOUBLE_EQ(*parseSizeRate("512KiB/10s"), 512.0 * 1024 / 10);
  EXPECT_DOUBLE_EQ(*parseSizeRate("1KB/d"), 1000.0 / 86400);
  for (const char* bad :
       {"20MiB", "20MiB/", "/min", "20MiB/0s", "20MiB/fortnight", "x/s", "", "20/min"}) {
    EXPECT_FALSE(parseSizeRate(bad)) << bad;
  }
}

TEST_F(UnitsTest, ParsesCountRates) {
  EXPECT_DOUBLE_EQ(*parseCountRate("100/min"), 100.0 / 60);
  EXPECT_DOUBLE_EQ(*parseCountRate("5/s"), 5.0);
  EXPECT_DOUBLE_EQ(*parseCountRate("1000/1h"), 1000.0 / 3600);
  for (const char* bad : {"100", "/min", "1.5/s", "-1/s", "10/0s", "10MiB/s", "a/s"}) {
    EXPECT_FALSE(parseCountRate(bad)) << bad;
  }
}

}  // namespace
}  // namespace outrider
