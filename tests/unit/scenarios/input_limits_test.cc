#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "loader_test_helpers.h"
#include "outrider/scenarios/loader.h"

namespace outrider::scenarios {
namespace {

using test::problemsIn;
using test::withMinimal;
using testing::ElementsAre;

// `n` dotted parts: "a.a.a".
std::string dottedKey(size_t n) {
  std::string key = "a";
  for (size_t i = 1; i < n; ++i) {
    key += ".a";
  }
  return key;
}

// `depth` arrays inside one another, one bracket per line, around one integer.
std::string nestedArrays(size_t depth) {
  return "x = " + std::string(depth, '[') + "1" + std::string(depth, ']') + "\n";
}

// Line 7 is the first line after MinimalScenario, which ends inside [app].
class InputLimitsTest : public testing::Test {};

// 50,000 dotted parts overflowed toml++'s stack; now the key is refused, located, before parsing.
TEST_F(InputLimitsTest, FiftyThousandDottedPartsAreRefused) {
  EXPECT_THAT(problemsIn(dottedKey(50'000) + " = 1\n"),
              ElementsAre("t.toml:1:1: error: key has more than 16 dotted parts, the limit for a "
                          "scenario key"));
}

// The same as a table header.
TEST_F(InputLimitsTest, DeepTableHeaderIsRefused) {
  EXPECT_THAT(problemsIn(withMinimal("[[" + dottedKey(50'000) + "]]\n")),
              ElementsAre("t.toml:7:1: error: table header has more than 16 dotted parts, the "
                          "limit for a scenario key"));
}

// A key inside an inline table is counted too, and located at its own first character.
TEST_F(InputLimitsTest, DeepKeyInInlineTableIsRefused) {
  EXPECT_THAT(problemsIn(withMinimal("env = { A = \"x\", " + dottedKey(17) + " = \"y\" }\n")),
              ElementsAre("t.toml:7:18: error: key has more than 16 dotted parts, the limit for "
                          "a scenario key"));
}

// 16 parts are allowed: the file reaches the decoder, which judges the key.
TEST_F(InputLimitsTest, SixteenPartsReachTheDecoder) {
  EXPECT_THAT(problemsIn(withMinimal(dottedKey(16) + " = 1\n")),
              ElementsAre("t.toml:7:1: error: app.a: unknown key"));
}

// Whitespace around the dots does not hide a part.
TEST_F(InputLimitsTest, SpacedAndQuotedPartsCount) {
  std::string key = "a";
  for (int i = 0; i < 16; ++i) {
    key += i % 2 == 0 ? " . \"q.q\"" : " .'l'";
  }
  EXPECT_THAT(problemsIn(withMinimal(key + " = 1\n")),
              ElementsAre("t.toml:7:1: error: key has more than 16 dotted parts, the limit for a "
                          "scenario key"));
}

// Arrays nested past the limit are refused at the bracket that passes it, across lines too.
TEST_F(InputLimitsTest, DeepArraysAreRefused) {
  EXPECT_THAT(problemsIn(withMinimal(nestedArrays(17))),
              ElementsAre("t.toml:7:21: error: arrays and inline tables nested more than 16 "
                          "deep, the limit for a scenario"));
  std::string spread = "x = [\n";
  for (int i = 0; i < 20; ++i) {
    spread += "  [ # comment ]]]\n";
  }
  EXPECT_THAT(problemsIn(withMinimal(spread)),
              ElementsAre("t.toml:23:3: error: arrays and inline tables nested more than 16 "
                          "deep, the limit for a scenario"));
}

// Inline tables and arrays count together.
TEST_F(InputLimitsTest, DeepInlineTablesAreRefused) {
  std::string value;
  for (int i = 0; i < 9; ++i) {
    value += "{ a = [";
  }
  EXPECT_THAT(problemsIn(withMinimal("x = " + value + "\n")),
              ElementsAre("t.toml:7:61: error: arrays and inline tables nested more than 16 "
                          "deep, the limit for a scenario"));
}

// 16 deep is allowed and reaches the decoder.
TEST_F(InputLimitsTest, SixteenDeepReachesTheDecoder) {
  EXPECT_THAT(problemsIn(withMinimal(nestedArrays(16))),
              ElementsAre("t.toml:7:1: error: app.x: unknown key"));
}

// The deepest tree the limits allow (16 inline tables, each under a 16-part key, under a 16-part
// header) loads without trouble: the limits bound the parser's recursion well below the stack.
TEST_F(InputLimitsTest, DeepestAllowedTreeLoads) {
  std::string value = "1";
  for (int i = 0; i < 16; ++i) {
    value = "{ " + dottedKey(16) + " = " + value + " }";
  }
  EXPECT_THAT(problemsIn(withMinimal("[" + dottedKey(16) + "]\nx = " + value + "\n")),
              ElementsAre("t.toml:7:2: error: a: unknown key"));
}

// Brackets, braces and dots inside strings and comments are text, not structure.
TEST_F(InputLimitsTest, StringsAndCommentsAreNotStructure) {
  const std::string brackets(40, '[');
  const std::string dots = dottedKey(40);
  std::string text = withMinimal("ready = \"tcp://127.0.0.1:1\" # " + brackets + dots + "\n");
  text += "[load]\n";
  // (A URL's path may not hold a raw '[' (RFC 3986): its dots stand in for structure there.)
  text += "target = \"http://127.0.0.1:1/" + dots + "\"\n";
  text += "rate = 1.5\n";
  text += "body = \"\"\"\n" + brackets + "\n\\\"\"\"" + dots + "\n\"\"\"\"\n";
  text += "method = 'GET'\n";
  text += "headers = { 'X-A' = '''" + brackets + "\n''', \"X-B\" = \"\\\"" + dots + "\" }\n";
  // It parses; the one problem is the decoder's.
  EXPECT_THAT(problemsIn(text), ElementsAre("t.toml:16:13: error: load.headers.X-A: a header value "
                                            "cannot contain a line break"));
}

// A line past 64 KiB is refused at its start, whatever it holds.
TEST_F(InputLimitsTest, LongLineIsRefused) {
  const std::string text =
      withMinimal("# fine\nready = \"" + std::string(InputLimits::MaxLineBytes, 'x') + "\"\n");
  EXPECT_THAT(problemsIn(text), ElementsAre("t.toml:8:1: error: line is longer than 65536 bytes, "
                                            "the limit for a scenario line"));
}

// A line of exactly 64 KiB is allowed.
TEST_F(InputLimitsTest, LineAtTheLimitIsAllowed) {
  const std::string text =
      withMinimal("description = \"" + std::string(InputLimits::MaxLineBytes - 16, 'x') + "\"\n");
  ASSERT_EQ(text.find('\n', text.find("description")) - text.find("description"),
            InputLimits::MaxLineBytes);
  EXPECT_THAT(problemsIn(text), ElementsAre("t.toml:7:1: error: app.description: unknown key"));
}

// A file past 4 MiB is refused where the limit is passed.
TEST_F(InputLimitsTest, LargeFileIsRefused) {
  // 64-byte comment lines: 4 MiB is 65536 of them, so the byte past it starts line 65537.
  std::string text;
  const std::string line = "#" + std::string(62, '-') + "\n";
  while (text.size() <= InputLimits::MaxFileBytes) {
    text += line;
  }
  EXPECT_THAT(problemsIn(text), ElementsAre("t.toml:65537:1: error: file is larger than 4194304 "
                                            "bytes (4 MiB), the limit for a scenario"));
}

// An endless file is read only one byte past the limit.
TEST_F(InputLimitsTest, EndlessFileIsNotReadWhole) {
  auto loaded = loadScenarioFile("/dev/zero", LoadOptions{});
  ASSERT_FALSE(loaded.has_value());
  ASSERT_EQ(loaded.error().diagnostics.size(), 1u);
  EXPECT_EQ(loaded.error().diagnostics[0].format(),
            "/dev/zero:1:4194305: error: file is larger than 4194304 bytes (4 MiB), the limit for "
            "a scenario");
}

// Columns count code points, as toml++'s do.
TEST_F(InputLimitsTest, ColumnsCountCodePoints) {
  EXPECT_THAT(problemsIn(withMinimal("env = { \"é\" = \"ü\", " + dottedKey(17) + " = \"y\" }\n")),
              ElementsAre("t.toml:7:20: error: key has more than 16 dotted parts, the limit for "
                          "a scenario key"));
}

}  // namespace
}  // namespace outrider::scenarios
